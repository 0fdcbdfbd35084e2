"""FastAPI dependencies of the styles routes: who is calling, as a styles user.

``CurrentUser`` is the caller (from the JWT authorizer's claims, ``backlot.http.principal``), made
a styles user on first sight with the welcome tokens (``styles.users.service``): whoever signs in
with a platform token gets them once, whether or not they came through the Google callback.
``Artist`` also requires the ``artist`` (or ``admin``) role (document 004, M2-Style-Model-API
"IsArtist permission").
"""

from __future__ import annotations

from typing import Annotated

from backlot.auth import Principal
from backlot.errors import Forbidden
from backlot.http import principal, verified_principal
from fastapi import Depends, Query

from styles.errors import Code
from styles.users import service


def identity_of(caller: Principal) -> service.Identity:
    """The styles identity of a verified caller (role from ``cognito:groups``)."""
    return service.Identity(user_id=caller.user_id, email=caller.email, role=service.role_of(caller.groups))


def current_user(caller: Annotated[Principal, Depends(principal)]) -> Principal:
    """The caller, a styles user from now on (made once per execution environment)."""
    service.ensure_user(identity_of(caller))
    return caller


def verified_user(caller: Annotated[Principal, Depends(verified_principal)]) -> Principal:
    """Like :func:`current_user` on a route open at the gateway (``/api/auth/me``): the function
    verifies the token, so a missing or bad one is a 401 in the styles envelope (document 004,
    M1-Auth-Backend: "Return 401 if not authenticated").

    Raises:
        Unauthorized: (401 ``unauthorized``) no token or an invalid one.
    """
    service.ensure_user(identity_of(caller))
    return caller


def artist(caller: Annotated[Principal, Depends(current_user)]) -> Principal:
    """The caller, who must be an artist or an admin.

    Raises:
        Forbidden: (403 ``forbidden``) the caller is neither.
    """
    if service.role_of(caller.groups) == "user":
        raise Forbidden("only artists may do this", code=Code.forbidden)
    return caller


CurrentUser = Annotated[Principal, Depends(current_user)]
VerifiedUser = Annotated[Principal, Depends(verified_user)]
Artist = Annotated[Principal, Depends(artist)]

PAGE_SIZE = 20
"""Document 004, M2-API-Foundation: "CustomCursorPagination (page_size=20, ordering='-created_at')"."""

PageSize = Annotated[int, Query(ge=1, le=100, description="items per page, 1..100 (default 20, the document's page size)")]
"""Query parameter ``limit`` of a styles list (default :data:`PAGE_SIZE`)."""
