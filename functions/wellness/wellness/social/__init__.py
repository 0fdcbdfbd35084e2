"""Social (document 001 "Social App"; issue 11 item 7): friend connections, friend visits and
challenges, blocks. ``rules`` holds the decisions (no I/O), ``*_sql`` the SQL, ``friends``,
``visits``, ``challenges`` and ``blocks`` the use cases the routes (``wellness.routes.friends``,
``visits``, ``challenges``, ``blocks``) call."""
