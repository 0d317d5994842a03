"""The embedded broker of `make run`: kombu's filesystem transport, made safe between processes.

kombu's own filesystem transport writes a message file in place under its final name, and a
consumer may rename and read it before the writer has finished: the worker then reads an empty or
half-written file, `json.loads` fails and Celery stops the worker as an unrecoverable error
(celery/kombu#1551; three times in 25 minutes of `make run`). Its exchange tables are rewritten in
place too (truncate, then write), so a publisher could read an empty table the same way.

Here every file is written under a temporary name in a folder of its own and then renamed into
place, which POSIX makes atomic within one file system: a reader sees the whole file or none of
it. A consumer claims a message by renaming it into its processing folder, so of several
consumers exactly one gets it. A file that still cannot be decoded is moved aside to `rejected/`
with a warning instead of stopping the worker.

Used when `CELERY_BROKER_URL` is empty (one machine: web, worker and beat share `var/broker/`).
Production uses Redis.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from kombu.transport import filesystem
from kombu.utils.json import dumps, loads
from kombu.utils.scheduling import FairCycle, priority_cycle

logger = logging.getLogger(__name__)

# The queue of escalation steps and page deliveries (settings.PAGING_QUEUE). A worker that
# consumes it beside others always takes from it first, so a flooded default queue never holds
# up a page on a worker that serves both (`make run`, a small installation).
PAGING_QUEUE = "paging"


def _paging_first(queues: list[str]) -> list[str]:
    return sorted(queues, key=lambda queue: queue != PAGING_QUEUE)  # stable: others keep order


class PagingFirstCycle(priority_cycle):
    """kombu's `queue_order_strategy` for Redis: the paging queue first, then the others, in the
    same order at every fetch (BRPOP takes from the first non-empty list it is given)."""

    def consume(self, n: int) -> list[str]:
        return _paging_first(list(self.items))[:n]


class _InOrderCycle(FairCycle):
    """The embedded broker's fetch order: every fetch starts again at the first queue (paging),
    instead of kombu's round robin, which would serve a flooded queue every other time."""

    def get(self, callback, **kwargs):
        self.pos = 0
        return super().get(callback, **kwargs)


FOLDERS = ("queue", "control", "tmp", "processing", "rejected")


def broker_options(root: Path) -> dict[str, Any]:
    """Transport options for a broker kept under `root` (created here), for CELERY_BROKER_..."""
    for name in FOLDERS:
        (root / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(root / "queue"),
        "data_folder_out": str(root / "queue"),
        "control_folder": str(root / "control"),
        # Polled this often when idle: kombu's default (1 s) adds up to a second per message.
        "polling_interval": 0.1,
    }


def _write_atomically(path: Path, data: bytes, temporary_folder: Path) -> None:
    temporary = temporary_folder / f"{uuid.uuid4().hex}.tmp"
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


class Channel(filesystem.Channel):
    def _reset_cycle(self) -> None:
        self._cycle = _InOrderCycle(
            self._get_and_deliver, _paging_first(self._active_queues), Empty
        )

    @property
    def _root(self) -> Path:
        return Path(self.data_folder_in).parent

    def _put(self, queue: str, payload: dict, **kwargs: Any) -> None:
        # Named as kombu names them, so messages are taken oldest first (monotonic is system-wide).
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        _write_atomically(
            Path(self.data_folder_out) / name, dumps(payload).encode(), self._root / "tmp"
        )

    def _get(self, queue: str) -> dict:
        wanted = f"{queue}.msg"
        folder = Path(self.data_folder_in)
        for name in sorted(os.listdir(folder)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = self._root / "processing" / f"{os.getpid()}-{name}"
            try:
                os.rename(folder / name, claimed)
            except FileNotFoundError:
                continue  # another consumer took it first
            payload = claimed.read_bytes()
            try:
                message = loads(payload)
            except (ValueError, UnicodeDecodeError) as error:
                os.replace(claimed, self._root / "rejected" / name)
                logger.warning(
                    "Embedded broker: message %s is not JSON (%s); set aside", name, error
                )
                continue
            claimed.unlink()
            return message
        raise Empty()

    # --- exchange tables: read whole, rewritten under a lock and renamed into place ---------------

    def get_table(self, exchange: str) -> list:
        try:
            table = json.loads(self._exchange_file(exchange).read_bytes())
        except FileNotFoundError:
            return []
        return [filesystem.exchange_queue_t(*binding) for binding in table]

    @contextlib.contextmanager
    def _table_lock(self, exchange: str):
        lock_path = self._exchange_file(exchange).with_suffix(".lock")
        with lock_path.open("a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            yield

    def _save_table(self, exchange: str, table: list) -> None:
        data = dumps([list(binding) for binding in table]).encode()
        _write_atomically(self._exchange_file(exchange), data, self._root / "tmp")

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_lock(exchange):
            table = self.get_table(exchange)
            if binding not in table:
                self._save_table(exchange, [binding, *table])

    def _delete(self, queue: str, exchange: str, routing_key: str, pattern: str, *args, **kwargs):
        # The virtual channel's bookkeeping, without kombu's in-place rewrite of the table file.
        super(filesystem.Channel, self)._delete(
            queue, exchange, routing_key, pattern, *args, **kwargs
        )
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_lock(exchange):
            table = self.get_table(exchange)
            if binding in table:
                table.remove(binding)
                self._save_table(exchange, table)


class Transport(filesystem.Transport):
    Channel = Channel
    driver_name = "firebell-embedded"
