"""`make run`'s processes started from a script: for bench/soak.py and the embedded-mode tests.

`EmbeddedFirebell` runs exactly what `make run` runs — `manage.py migrate`, `firebell_setup`,
then honcho with `Procfile.dev` (web, worker and beat, each under firebell.respawn) — in a
throwaway state folder and on a port of its own, with no DATABASE_URL, REDIS_URL or
CELERY_BROKER_URL: SQLite and the embedded broker, as on a newcomer's laptop.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROLES = {
    "web": ("gunicorn", "firebell.wsgi"),
    "worker": ("celery", "worker"),
    "beat": ("celery", "beat"),
}
_SERVICES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedFirebell:
    def __init__(self, var_dir: Path, port: int | None = None) -> None:
        self.var_dir = Path(var_dir).resolve()
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {key: value for key, value in os.environ.items() if key not in _SERVICES}
        self.env.update(
            DEBUG="1",
            FIREBELL_VAR_DIR=str(self.var_dir),
            FIREBELL_PORT=str(self.port),
            PYTHONUNBUFFERED="1",
        )
        self.log_path = self.var_dir / "run.log"
        self.honcho: subprocess.Popen | None = None

    # --- life cycle ----------------------------------------------------------------------------

    def setup(self) -> str:
        """migrate + firebell_setup, as `make setup`; returns what firebell_setup printed."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput")
        return self.manage("firebell_setup")

    def manage(self, *arguments: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self, *, via_make: bool = False) -> None:
        """honcho with Procfile.dev; `via_make` runs `make run` itself (set-up included)."""
        honcho = Path(sys.executable).with_name("honcho")
        command = ["make", "run"] if via_make else [str(honcho), "start", "-f", "Procfile.dev"]
        self.var_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.honcho = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self, timeout: float = 30) -> None:
        """Ctrl-C, as a person would; then make sure nothing of this instance is left."""
        if self.honcho is not None and self.honcho.poll() is None:
            os.killpg(self.honcho.pid, signal.SIGINT)  # the terminal's Ctrl-C reaches the group
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.honcho.wait(timeout=timeout)
        for pid in self.own_processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.honcho is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.honcho.pid, signal.SIGKILL)
            self.honcho.wait(timeout=timeout)

    def __enter__(self) -> EmbeddedFirebell:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # --- processes -----------------------------------------------------------------------------

    def own_processes(self) -> list[int]:
        """Every process started for this instance (found by its FIREBELL_VAR_DIR)."""
        marker = f"FIREBELL_VAR_DIR={self.var_dir}".encode()
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            with contextlib.suppress(OSError):
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
        return pids

    def main_pid(self, role: str) -> int | None:
        """The pid of the web, worker or beat main process (the one firebell.respawn started)."""
        words = ROLES[role]
        for pid in self.own_processes():
            with contextlib.suppress(OSError):
                own_line = Path(f"/proc/{pid}/cmdline").read_bytes()
                parent_line = Path(f"/proc/{_parent_pid(pid)}/cmdline").read_bytes()
                arguments = own_line.decode().split("\0")
                if (
                    b"firebell.respawn" in parent_line
                    and b"firebell.respawn" not in own_line
                    and all(any(word in argument for argument in arguments) for word in words)
                ):
                    return pid
        return None

    # --- HTTP and database ---------------------------------------------------------------------

    def get(self, path: str, timeout: float = 10) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def post_json(self, path: str, payload: object, timeout: float = 10) -> int:
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def wait_until_ready(self, timeout: float = 180) -> None:
        """/readyz answers 200: database, broker and a worker heartbeat (beat → worker) all work."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if self.get("/readyz", timeout=5)[0] == 200:
                    return
            if self.honcho is not None and self.honcho.poll() is not None:
                break
            time.sleep(0.5)
        raise RuntimeError(f"Firebell did not become ready:\n{self.log()[-4000:]}")

    def generic_integration(self) -> str:
        """A generic JSON integration on a new service; returns its intake path."""
        code = (
            "from alerts.services import integration_create\n"
            "from incidents.services import service_create\n"
            "service = service_create(actor=None, name='Soak')\n"
            "_, key = integration_create(\n"
            "    service=service, kind='generic', name='soak', actor=None\n"
            ")\n"
            "print(key)\n"
        )
        key = self.manage("shell", "-c", code).strip().splitlines()[-1]
        return f"/hooks/generic/{key}"

    def query(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        """A read straight from the SQLite file (WAL lets it read while the processes write)."""
        with contextlib.closing(
            sqlite3.connect(self.var_dir / "firebell.sqlite3", timeout=30)
        ) as db:
            return db.execute(sql, parameters).fetchall()

    def alerts_without_incident(self, fingerprints: list[str]) -> list[str]:
        """Those of `fingerprints` that are not stored as an alert in an incident yet."""
        attached = {
            fingerprint
            for (fingerprint,) in self.query(
                "SELECT fingerprint FROM alerts_alert WHERE incident_id IS NOT NULL"
            )
        }
        return [fingerprint for fingerprint in fingerprints if fingerprint not in attached]


def _parent_pid(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])
