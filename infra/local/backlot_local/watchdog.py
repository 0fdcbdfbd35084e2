"""The watchdog: stops embedded PostgreSQL when ``backlot dev`` dies without cleaning up.

Embedded PostgreSQL is started through ``pg_ctl``, which detaches the server: it is not a child of
``backlot dev`` and does not die with it. So :meth:`Watchdog.start` starts a small process
(``python -m backlot_local.watchdog <state> <parent pid>``) in its own session (Ctrl-C and a kill of
``backlot dev``'s process group do not reach it) holding the read end of a pipe whose write end only
``backlot dev`` holds. When that pipe reaches end-of-file without the word ``clean`` first — the
parent ended without :meth:`Watchdog.close`, e.g. killed with SIGKILL — the watchdog calls
:func:`backlot_local.database.stop_orphaned` on ``<state>/pgdata`` (a no-op when another live process
still holds the server) and notes what it did in ``<state>/watchdog.log``. Workers need no watchdog
(they die with their parent, see :mod:`backlot_local.worker`) and moto is a thread of ``backlot dev``.

Only the standard library is imported until the parent has died, so the watchdog costs a few MiB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

LOG_FILE = "watchdog.log"


class Watchdog:
    """A running watchdog process; :meth:`close` tells it the parent cleaned up after itself."""

    def __init__(self, process: subprocess.Popen, pipe: IO[bytes]):
        self.process, self.pipe = process, pipe

    @classmethod
    def start(cls, state: Path, *, log: Callable[[str], None] = print) -> "Watchdog":
        """Start the watchdog for the state folder ``state`` (the embedded server in ``state/pgdata``)."""
        process = subprocess.Popen(
            [sys.executable, "-m", "backlot_local.watchdog", str(state), str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert process.stdin is not None
        return cls(process, process.stdin)

    def close(self) -> None:
        """Say ``clean`` and close the pipe: the watchdog exits without touching anything."""
        try:
            self.pipe.write(b"clean\n")
            self.pipe.close()
        except OSError:
            pass
        try:
            self.process.wait(2)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _note(state: Path, message: str) -> None:
    with open(state / LOG_FILE, "a") as log:
        log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {message}\n")


def main(argv: list[str]) -> int:
    """Wait for the parent's pipe to close; clean up unless it said ``clean`` first."""
    state, parent = Path(argv[0]), int(argv[1])
    said = sys.stdin.buffer.read()  # returns at end-of-file: the parent closed the pipe or died
    if b"clean" in said:
        return 0
    from backlot_local.database import stop_orphaned

    try:
        stopped = stop_orphaned(state / "pgdata", ignore=parent)
    except Exception as exc:  # noqa: BLE001 - nobody is left to report to but the log file
        _note(state, f"backlot (pid {parent}) died; stopping its PostgreSQL failed: {exc!r}")
        return 1
    if stopped is not None:
        _note(state, f"backlot (pid {parent}) died without cleaning up; stopped its PostgreSQL (pid {stopped})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
