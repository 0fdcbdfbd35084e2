"""Wellness use cases, one module per area; each opens its transaction (``backlot.db``) and calls
the repository. Errors are domain errors (``backlot.errors``) with codes of ``wellness.errors``."""
