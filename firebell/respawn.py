"""Keep one process of `make run` alive: start it again whenever it exits by itself.

honcho, which runs `Procfile.dev`, stops every process as soon as one of them exits, so a worker
that died took the web server and beat down with it. Each line of `Procfile.dev` therefore runs
its command under this module:

    python -m firebell.respawn celery -A firebell worker ...

A command that exits by itself is started again after a pause that doubles (1 s up to 30 s)
while it keeps dying within a minute of starting. SIGTERM or SIGINT stop it for good: honcho
signals each process group (this module and its command) together, so the command gets the
signal itself and this module only has to not start it again.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType

QUICK_EXIT_SECONDS = 60
MAX_DELAY_SECONDS = 30


def respawn(command: list[str]) -> int:
    """Run `command` until this process is told to stop; return the command's last exit status."""
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    delay = 1.0
    name = command[0].rsplit("/", 1)[-1]
    while True:
        started = time.monotonic()
        status = subprocess.call(command)
        if stopping:
            return status
        ran = time.monotonic() - started
        delay = 1.0 if ran > QUICK_EXIT_SECONDS else min(delay * 2, MAX_DELAY_SECONDS)
        print(
            f"respawn: {name} exited with status {status} after {ran:.0f} s; "
            f"starting it again in {delay:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        pause_until = time.monotonic() + delay
        while time.monotonic() < pause_until:
            if stopping:
                return status
            time.sleep(0.1)


def main() -> None:
    command = sys.argv[1:]
    if not command:
        sys.exit("usage: python -m firebell.respawn COMMAND [ARGUMENT ...]")
    sys.exit(respawn(command))


if __name__ == "__main__":
    main()
