"""``python -m backlot_local`` is the ``backlot`` command."""

from backlot_local.cli import main

raise SystemExit(main())
