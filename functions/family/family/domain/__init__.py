"""Pure domain logic of the family product (no I/O)."""
