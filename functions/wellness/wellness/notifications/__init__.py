"""Notifications (in-app feed) and outgoing signed webhooks (issue 11; document 001 known limitation
6, "No Webhooks"): ``events`` writes them (in the caller's transaction), ``feed`` and ``endpoints``
are the API's use cases, ``outbox`` and ``sender`` deliver the webhooks."""
