"""backlot platform package: what every product shares.

Modules: ``settings`` (configuration), ``db`` (PostgreSQL connection), ``migrations``
(schema migrations), ``auth`` (identity from the JWT authorizer), ``http`` (FastAPI app
factory and error mapping), ``errors`` (domain errors), ``storage`` (S3), ``queues``
(SQS batch handling), ``observability`` (Powertools logger, metrics),
``tracing`` (Powertools tracer, for queue and schedule consumers only).
Products import from here and never from each other (ARCHITECTURE.md, "Code layout").
"""
