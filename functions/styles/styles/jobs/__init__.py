"""The styles product's non-HTTP functions (thin: decode the event, call the service)."""
