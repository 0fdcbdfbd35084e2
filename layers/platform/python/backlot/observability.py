"""Powertools logger, tracer and metrics, one set per process (service name from
``POWERTOOLS_SERVICE_NAME``, which each product's template sets)."""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

# A request that records no metric is normal (most do not); Powertools warns on each one.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
tracer = Tracer()
metrics = Metrics()
