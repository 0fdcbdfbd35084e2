"""HTTP routes of the music product, under ``/music``, one module per resource.

Document 002 gives tables, not endpoints; the paths follow issue 3's interface
(``/api/players/``, ``/api/player/poll``, ``/api/player/played``, ``/api/sessions/``,
``/api/votes/``) and the same style for the rest. Two kinds of caller:

* people (JWT authorizer): listeners, managers and admins — every module but ``player``;
* physical players (the Lambda REQUEST authorizer, device token) — ``player``.

A route's endpoint function is named like the Lambda function serving it (``player_poll`` for
PlayerPollFunction), which is how ``music.handlers`` pick it. This package imports none of its
modules, so an entry module pays only for its own resource. Handlers are thin: parse and
validate, call one service function, shape the response.
"""
