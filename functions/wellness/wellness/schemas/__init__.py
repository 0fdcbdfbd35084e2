"""Request and response models of the wellness API, one module per area: ``common`` (shared:
personalities, platforms, time zones), ``accounts``, ``devices``, ``apps`` (wcore); ``usage``
(wusage); ``analytics`` (wanalytics). Requests extend ``backlot.models.RequestModel`` (strict);
responses ``backlot.models.PublicModel`` (allow-lists); lists ``backlot.models.LinkPage`` with
``results``. This package imports none of its modules (an entry module pays for its own only).
"""
