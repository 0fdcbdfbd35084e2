"""Powertools logger, tracer and metrics, one set per process (service name from
``POWERTOOLS_SERVICE_NAME``, which each product's template sets)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
