"""styles: the style-model marketplace (design document 004), served under ``/styles``.

Part 1 (issue 12): accounts (Cognito with Google federation), the token economy (a ledger with
a guarded balance), style models, training and generation through queues, the workers' webhooks
and notifications. Modules: ``http_api`` (the API's identity, error shape and success envelope),
``errors`` (codes), ``settings``, ``routes`` (HTTP, one module per resource), ``handlers`` (one
entry module per HTTP function), ``tokens`` (the ledger: service and SQL), ``notifications``,
``users`` (accounts and artists), ``migrate`` (deploy-time migrations).
"""
