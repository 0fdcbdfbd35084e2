"""``/api/apps/``: see the module's routes (document 001, issue 10 item 3)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/apps")
