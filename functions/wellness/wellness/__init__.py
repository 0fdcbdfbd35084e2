"""wellness: "If Phones Were People" (design document 001), the data half (issue 10), under ``/wellness``.

Django REST Framework's conventions are kept for its clients: resources at
``/api/<app>/<resource>/`` and ``/api/<app>/<resource>/{id}/``, custom actions as ``/{id}/<action>/``
or ``/<action>/``, lists ``{"next", "previous", "results"}`` with cursor links, validation errors
``{"field": ["message"]}`` with 400, other errors ``{"detail": "...", "code": "..."}``
(``wellness.http_api``).

Modules: ``routes/<resource>.py`` (one router each), ``handlers/`` (one entry module per HTTP
function), ``schemas/`` (request and response models, one module per area), ``repository/`` (SQL,
one module per area; functions take ``conn``), ``services/`` (use cases, own the transactions),
``domain/`` (pure logic), ``errors`` (the code enumeration), ``settings``, ``migrate``.
"""
