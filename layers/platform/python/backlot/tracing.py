"""Powertools Tracer (X-Ray SDK), for queue and schedule consumers only.

Their subsegments (SQL, S3, TMDB calls) are worth the SDK's cold-start cost (~137 ms for
``aws_xray_sdk.core``): nobody waits on a queue consumer's cold start. API functions must not
import this module; Lambda active tracing (``Tracing: Active`` in the templates) records their
invocations without an SDK (docs/decisions.md, 2026-12-05).
"""

from __future__ import annotations

from aws_lambda_powertools.tracing import Tracer

tracer = Tracer()
