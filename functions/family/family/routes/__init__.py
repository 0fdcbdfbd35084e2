"""HTTP routes of the family product (document 000, section 4, under ``/family``), one module per
resource. Each module's ``router`` carries the ``/api/v1`` prefix; a route's endpoint function is
named like the Lambda function serving it (``create_household`` for CreateHouseholdFunction),
which is how ``family.handlers`` pick it. This package imports none of its modules, so an entry
module pays only for its own resource.

Handlers are thin: parse and validate, call one service function, shape the response.
"""
