"""Scheduled jobs of the music product."""
