"""movies: the Letterboxd export analyser (design document 003), served under ``/movies``.

Anonymous sessions: an upload creates a session whose random id is the only capability needed to
read or delete it. Modules: ``domain.export`` (a package: ZIP and CSV reading, the merge rules),
``domain.matching`` (TMDB match confidence), ``domain.stats`` (statistics shapes), ``repository``
(SQL, COPY), ``service`` (use cases), ``tmdb`` (the TMDB adapter), ``routes``/``api`` (HTTP),
``jobs`` (the parse, enrich and expiry functions), ``migrate`` (deploy-time migrations).
"""
