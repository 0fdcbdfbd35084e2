"""Scheduled jobs of the family product (EventBridge Scheduler → a handler here)."""
