"""Each product's OpenAPI 3.1 document: generated from its whole-product app (``<product>.api.app``),
committed as ``openapi/<product>.json`` (``backlot openapi``, ``make openapi``), checked for drift
by ``tests/contract/test_openapi.py``, and served by ``backlot dev`` with interactive docs:

    GET /<product>/openapi.json   the document, generated from the app as it is now
    GET /<product>/docs           Swagger UI over it (FastAPI's ``get_swagger_ui_html``)
    GET /<product>/docs/<asset>   Swagger UI's script, style and icon, served from the
                                  ``fastapi-offline`` package (a dev dependency that ships
                                  swagger-ui 5's dist), so the page works with no network; this is
                                  FastAPI's "self-hosting JavaScript and CSS for docs" recipe with
                                  the files taken from a package instead of copied into the repo

These two routes are the local gateway's own, not Lambda functions'. On AWS no function serves
them: the committed documents are the contract.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

#: The products with an HTTP API, by base path (``/<product>``): their whole-product app is
#: ``<product>.api.app``.
PRODUCTS = ("family", "music", "movies", "wellness", "styles")
OPENAPI_DIR = "openapi"


def document(product: str) -> dict[str, Any]:
    """The OpenAPI document of ``product``'s whole-product app (``backlot.http.ProductApi.openapi``)."""
    app = importlib.import_module(f"{product}.api").app
    return app.openapi()


def dumps(doc: dict[str, Any]) -> str:
    """The committed form: 2-space indented JSON, keys in the generator's order, a final newline."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def path_of(root: Path, product: str) -> Path:
    return root / OPENAPI_DIR / f"{product}.json"


def write(root: Path, products: tuple[str, ...] = PRODUCTS) -> list[Path]:
    """Write ``openapi/<product>.json`` for each product; returns the paths whose content changed."""
    changed = []
    for product in products:
        path = path_of(root, product)
        text = dumps(document(product))
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            changed.append(path)
    return changed


#: The files ``/<product>/docs`` loads, by the name it asks for: content type. Nothing else under
#: ``docs/`` is served (no path from the request reaches the file system).
DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}


def docs_asset_dir() -> Path:
    """The folder of Swagger UI's dist files shipped by the ``fastapi-offline`` package (its
    ``static/``, which its own ``FastAPIOffline`` app mounts)."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def swagger_ui(product: str) -> str:
    """The ``/<product>/docs`` page (Swagger UI over ``/<product>/openapi.json``), loading its
    script, style and icon from ``/<product>/docs/`` (:data:`DOCS_ASSETS`), never from a CDN."""
    from fastapi.openapi.docs import get_swagger_ui_html

    page = get_swagger_ui_html(
        openapi_url=f"/{product}/openapi.json", title=f"backlot {product} API",
        swagger_js_url=f"/{product}/docs/swagger-ui-bundle.js", swagger_css_url=f"/{product}/docs/swagger-ui.css",
        swagger_favicon_url=f"/{product}/docs/favicon.png", swagger_ui_parameters={"persistAuthorization": True},
    )
    return bytes(page.body).decode()


class Docs:
    """The gateway's documentation routes (see the module docstring); documents are generated once
    per ``backlot dev`` run, at their first request."""

    def __init__(self, products: tuple[str, ...] = PRODUCTS):
        self.products = products
        self._documents: dict[str, bytes] = {}
        self._assets: dict[str, bytes] = {}

    def answer(self, method: str, raw_path: str) -> tuple[int, str, bytes] | None:
        """``(status, content type, body)`` for a documentation route, None for any other request."""
        if method not in ("GET", "HEAD"):
            return None
        parts = raw_path.strip("/").split("/")
        if len(parts) == 3 and parts[0] in self.products and parts[1] == "docs":
            return self._asset(parts[2])
        if len(parts) != 2 or parts[0] not in self.products:
            return None
        product, leaf = parts
        if leaf == "openapi.json":
            if product not in self._documents:
                self._documents[product] = dumps(document(product)).encode()
            return 200, "application/json", self._documents[product]
        if leaf == "docs":
            return 200, "text/html; charset=utf-8", swagger_ui(product).encode()
        return None

    def _asset(self, name: str) -> tuple[int, str, bytes] | None:
        """One of :data:`DOCS_ASSETS` (read once per run); None for any other name (the gateway's 404)."""
        if name not in DOCS_ASSETS:
            return None
        if name not in self._assets:
            self._assets[name] = (docs_asset_dir() / name).read_bytes()
        return 200, DOCS_ASSETS[name], self._assets[name]
