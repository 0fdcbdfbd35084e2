"""``backlot dev``'s interactive docs work offline: the ``/<product>/docs`` page loads Swagger UI's
script, style and icon from ``/<product>/docs/`` (files of the ``fastapi-offline`` package), and no
URL in it leaves the local server."""

from __future__ import annotations

import re

import pytest

from backlot_local.openapi import DOCS_ASSETS, PRODUCTS, Docs


def _urls(html: str) -> list[str]:
    """Every URL the page makes the browser load: ``src``/``href`` attributes and quoted ``url:``s."""
    return re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url: '([^']+)'", html)


@pytest.mark.parametrize("product", PRODUCTS)
def test_the_docs_page_loads_nothing_from_outside(product: str) -> None:
    status, content_type, body = Docs().answer("GET", f"/{product}/docs")
    html = body.decode()
    assert status == 200 and content_type.startswith("text/html")
    urls = _urls(html)
    assert f"/{product}/docs/swagger-ui-bundle.js" in urls and f"/{product}/docs/swagger-ui.css" in urls
    assert f"/{product}/openapi.json" in urls
    outside = [u for u in urls if not u.startswith(f"/{product}/")]
    assert outside == [], f"the docs page loads {outside} from outside backlot dev (it must work offline)"
    assert "cdn" not in html.lower()


@pytest.mark.parametrize("product", PRODUCTS)
def test_every_asset_the_page_names_is_served(product: str) -> None:
    docs = Docs()
    html = docs.answer("GET", f"/{product}/docs")[2].decode()
    assets = [u for u in _urls(html) if u.startswith(f"/{product}/docs/")]
    assert sorted(u.rsplit("/", 1)[1] for u in assets) == sorted(DOCS_ASSETS)
    for url in assets:
        status, content_type, body = docs.answer("GET", url)
        assert status == 200 and content_type == DOCS_ASSETS[url.rsplit("/", 1)[1]] and len(body) > 100, url
    assert docs.answer("HEAD", f"/{product}/docs/swagger-ui.css")[0] == 200


def test_the_bundle_is_swagger_ui_5_which_renders_openapi_3_1() -> None:
    """Our documents are OpenAPI 3.1; Swagger UI renders 3.1 from version 5 on (4.x refuses the
    document: "Unable to render this definition")."""
    _, _, js = Docs().answer("GET", "/family/docs/swagger-ui-bundle.js")
    assert b"SwaggerUIBundle" in js and b"isOAS31" in js


@pytest.mark.parametrize("path", [
    "/family/docs/../../etc/passwd", "/family/docs/index.html", "/family/docs/redoc.standalone.js",
    "/family/docs/swagger-ui-bundle.js/x", "/nope/docs/swagger-ui.css", "/family/api/docs/swagger-ui.css",
])
def test_nothing_else_is_served_from_the_asset_folder(path: str) -> None:
    assert Docs().answer("GET", path) is None  # the gateway answers these as any unknown route


def test_only_reads_are_answered() -> None:
    assert Docs().answer("POST", "/family/docs/swagger-ui.css") is None
