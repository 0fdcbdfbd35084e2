"""The token economy (design document 004, M2-Token-Service and M2-Token-API): a ledger of every
movement of every balance (``styles.token_transactions``) and the balance it adds up to
(``styles.token_accounts``).

``service`` is the interface other code calls inside its own transaction (``consume``, ``refund``,
``add``, ``check``); ``repository`` holds the SQL; ``payments`` the payment gateway interface and
its always-succeeding mock; ``purchases`` and ``queries`` the API's use cases.
"""
