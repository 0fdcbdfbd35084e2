"""The music HTTP API's identity, shared by every entry module and the whole-product app.
Document 002 gives no error shape, so errors are the platform's RFC 9457 problem+json."""

from __future__ import annotations

from backlot.http import ProductApi

API = ProductApi(title="backlot music API", base_path="/music")
