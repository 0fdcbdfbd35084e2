"""SQL of the wellness product (psycopg 3), one module per area: ``accounts``, ``devices``, ``apps``
(wcore), ``usage`` (wusage), ``analytics`` (wanalytics). Every function takes the connection first;
the services own the transactions (``backlot.db``). Every query of a user's rows filters by
``user_id``: another user's row is simply not found."""
