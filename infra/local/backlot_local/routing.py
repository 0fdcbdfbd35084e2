"""HTTP API route selection, as API Gateway does it behind a custom-domain API mapping.

A request path ``/<mapping key>/<rest>`` selects the API mapped under that key
(``AWS::ApiGatewayV2::ApiMapping``, longest key first); ``<rest>`` is then matched against that API's
routes. APIs without a mapping are matched against the whole path.

Route selection follows the API Gateway developer guide ("Working with routes for HTTP APIs"):
the most specific route wins — literal segments before ``{param}`` segments (compared left to
right), a greedy ``{proxy+}`` after those, ``$default`` last; a route for the request's method before
an ``ANY`` route. No match (including a matching path with another method) is a 404: HTTP APIs do
not answer 405.

Trailing slashes are significant, as on a deployed HTTP API: route ``/x`` matches ``/x`` only, never
``/x/`` (Powertools' end-to-end test against API Gateway, ``test_api_gateway_http_trailing_slash``:
route ``POST /todos``, request ``/todos/`` -> 404); a greedy route ``/x/{proxy+}`` matches ``/x/``
(the empty last segment) and everything below ``/x/``, never ``/x``. A route path that itself ends in
``/`` is never created by API Gateway (serverless-application-model issue 1949), so it matches
nothing here either.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from backlot_local.template import Application, HttpApi, Route


@dataclass(frozen=True)
class RouteMatch:
    """A selected route: ``path_parameters`` are URL-decoded; ``api_path`` is the path within the API."""

    route: Route
    path_parameters: dict[str, str]
    api_path: str
    mapping_key: str


def _segments(path: str) -> list[str]:
    return path.split("/")[1:] if path.startswith("/") else path.split("/")


def match_path(template: str, path: str) -> tuple[dict[str, str], tuple[int, ...]] | None:
    """Match ``path`` (raw, percent-encoded) against a route path ``template``, exactly as API Gateway.

    Returns:
        ``(path_parameters, specificity)`` or None. ``specificity`` sorts more specific first: one
        entry per template segment (0 literal, 1 ``{param}``, 2 ``{greedy+}``). A template ending in
        ``/`` (other than ``/`` itself) matches nothing: HTTP APIs have no such routes.
    """
    if template != "/" and template.endswith("/"):
        return None
    want, have = _segments(template), _segments(path)
    params: dict[str, str] = {}
    rank: list[int] = []
    for index, part in enumerate(want):
        if part.startswith("{") and part.endswith("+}"):
            rest = have[index:]
            if not rest:
                return None
            params[part[1:-2]] = unquote("/".join(rest))
            rank.append(2)
            return params, tuple(rank)
        if index >= len(have):
            return None
        if part.startswith("{") and part.endswith("}"):
            if have[index] == "":
                return None
            params[part[1:-1]] = unquote(have[index])
            rank.append(1)
        elif unquote(have[index]) == part:
            rank.append(0)
        else:
            return None
    if len(have) != len(want):
        return None
    return params, tuple(rank)


class Router:
    """Selects the route of a request among all routes of an :class:`Application`."""

    def __init__(self, app: Application):
        self.app = app
        self.by_api: dict[str, list[Route]] = {}
        for route in app.routes:
            self.by_api.setdefault(route.api.api_id, []).append(route)
        mapped = {m.api_id for m in app.mappings}
        self.mappings = sorted((m for m in app.mappings if self.app.api_by_id(m.api_id)), key=lambda m: -len(m.key))
        self.unmapped: list[HttpApi] = [api for api in app.apis if api.api_id not in mapped]

    def base_path(self, api: HttpApi) -> str:
        """``/<mapping key>`` for a mapped API, ``""`` otherwise."""
        mapping = self.app.mapping_for(api)
        return f"/{mapping.key}" if mapping and mapping.key else ""

    def api_for(self, raw_path: str) -> HttpApi | None:
        """The API a path belongs to: the mapped API whose key prefixes it, else the only unmapped API."""
        for mapping in self.mappings:
            prefix = f"/{mapping.key}" if mapping.key else ""
            if raw_path == prefix or raw_path.startswith(prefix + "/"):
                return self.app.api_by_id(mapping.api_id)
        return self.unmapped[0] if len(self.unmapped) == 1 else None

    def match(self, method: str, raw_path: str) -> RouteMatch | None:
        """Select the route for ``method`` and ``raw_path`` (the request path as sent), or None."""
        for mapping in self.mappings:
            prefix = f"/{mapping.key}" if mapping.key else ""
            if raw_path == prefix or raw_path.startswith(prefix + "/"):
                api_path = raw_path[len(prefix):] or "/"
                return self._select(self.by_api.get(mapping.api_id, []), method, api_path, mapping.key)
        candidates = [r for api in self.unmapped for r in self.by_api.get(api.api_id, [])]
        return self._select(candidates, method, raw_path, "")

    @staticmethod
    def _select(routes: list[Route], method: str, api_path: str, key: str) -> RouteMatch | None:
        best: tuple[tuple[int, ...], RouteMatch] | None = None
        for route in routes:
            if route.method not in (method.upper(), "ANY"):
                continue
            if route.path == "$default":
                score: tuple[int, ...] = (9, 1 if route.method == "ANY" else 0)
                found = RouteMatch(route, {}, api_path, key)
            else:
                matched = match_path(route.path, api_path)
                if matched is None:
                    continue
                params, specificity = matched
                greedy = 1 if 2 in specificity else 0
                score = (greedy, *specificity, 1 if route.method == "ANY" else 0)
                found = RouteMatch(route, params, api_path, key)
            if best is None or score < best[0]:
                best = (score, found)
        return best[1] if best else None
