"""Where the project and the runtime's state live.

The repo root is the folder holding the root ``template.yaml``: ``BACKLOT_ROOT`` when set, else the
nearest ancestor of the working directory that holds ``template.yaml`` and ``samconfig.toml`` (nested
stacks also have a ``template.yaml``, so a product folder is not mistaken for the root), else the
nearest ancestor holding ``template.yaml``. State (embedded PostgreSQL data, the local JWT key pair,
``dev.json``) lives in ``<root>/.backlot`` or in ``BACKLOT_STATE_DIR`` when set.
"""

from __future__ import annotations

import os
from pathlib import Path


class RootNotFound(RuntimeError):
    """No folder holding ``template.yaml`` was found."""


def find_root(start: Path | None = None) -> Path:
    """Return the repo root (absolute).

    Raises:
        RootNotFound: ``BACKLOT_ROOT`` names a folder without ``template.yaml``, or no ancestor of
            ``start`` (default: the working directory) holds one.
    """
    env = os.environ.get("BACKLOT_ROOT")
    if env:
        root = Path(env).expanduser().resolve()
        if not (root / "template.yaml").is_file():
            raise RootNotFound(f"BACKLOT_ROOT={env} holds no template.yaml")
        return root
    here = (start or Path.cwd()).resolve()
    candidates = [here, *here.parents]
    for folder in candidates:
        if (folder / "template.yaml").is_file() and (folder / "samconfig.toml").is_file():
            return folder
    for folder in candidates:
        if (folder / "template.yaml").is_file():
            return folder
    raise RootNotFound(f"no template.yaml in {here} or any parent; run backlot inside the repo or set BACKLOT_ROOT")


def state_dir(root: Path) -> Path:
    """Return (and create) the state folder: ``BACKLOT_STATE_DIR`` or ``<root>/.backlot``."""
    env = os.environ.get("BACKLOT_STATE_DIR")
    folder = Path(env).expanduser().resolve() if env else root / ".backlot"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
