"""Social (document 001 "Social App"; issue 11 item 7): friend connections, friend visits and
challenges. ``rules`` holds the decisions (no I/O), ``*_sql`` the SQL, ``friends``, ``visits`` and
``challenges`` the use cases the routes (``wellness.routes.social``) call."""
