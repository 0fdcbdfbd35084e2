"""Pure wellness logic (no I/O)."""
