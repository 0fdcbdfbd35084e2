"""HTTP routes of the styles product (document 004 under ``/styles``), one module per resource.

A route's endpoint function is named like the Lambda function serving it (``get_balance`` for
GetBalanceFunction), which is how ``styles.handlers`` pick it; this package imports none of its
modules. Handlers are thin: parse, call one service function, wrap the answer (``http_api.ok``).
"""
