"""The whole music HTTP API in one app: for tests, the local runtime and the OpenAPI document.

On AWS each HTTP function runs its own entry module (``music.handlers.<name>``) holding only
its route; this app holds them all, with the same error format (``music.http_api``).
"""

from __future__ import annotations

from music.http_api import API
from music.routes import me, player, players, roles, sessions, songs, venues, votes

app = API.app([me.router, roles.router, songs.router, players.router, sessions.router, votes.router, player.router, venues.router])
handler = API.handler(app)
