"""HTTP routes of the wellness product (document 001, under ``/wellness``), one module per resource
(``APIRouter`` named ``router``); this package imports none of its modules.

A route's endpoint function is named like the Lambda function serving it (``get_me`` for
GetMeFunction), which is how ``wellness.handlers`` pick it. Paths keep DRF's trailing slash
(``/api/devices/{device_id}/``); the templates route them without it plus the ``/{proxy+}``
companion (README, "Routes: /x and /x/"). Handlers are thin: parse, call one service function.
"""
