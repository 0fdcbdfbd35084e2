"""Image generations (design document 004, M4): pricing, paying, queueing, status, cancel, refunds."""
