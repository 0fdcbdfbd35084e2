"""Pure rules of the music product (no I/O): tokens, the preference update, feature vectors."""
