"""HTTP routes of the movies product (document 003, Tasks 4 and 5, under ``/movies``), one module
per resource.

Anonymous: no route needs a token. The session id in the path is the capability — a UUID 4 from
the operating system's CSPRNG (122 random bits), so it cannot be guessed or enumerated; whoever
holds it may read and delete the session. A route's endpoint function is named like the Lambda
function serving it (``get_session_stats`` for GetSessionStatsFunction), which is how
``movies.handlers`` pick it; this package imports none of its modules. Handlers are thin: parse,
call one service function.
"""
