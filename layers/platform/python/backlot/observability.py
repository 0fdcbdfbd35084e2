"""Powertools logger and metrics, one of each per process (service name from
``POWERTOOLS_SERVICE_NAME``, which each product's template sets).

Tracing is not here: API functions rely on Lambda active tracing and import no X-Ray SDK (it
costs ~137 ms of cold start); queue and schedule consumers use :mod:`backlot.tracing`.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics

# A request that records no metric is normal (most do not); Powertools warns on each one.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
metrics = Metrics()
