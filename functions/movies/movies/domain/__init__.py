"""Domain logic of the movies product: pure functions, no I/O."""
