"""Web processes never wait on the broker: their task messages go through a relay thread.

A webhook's delivery, a declaration, an acknowledgement: each is committed to the database and
then queues Celery work after commit. Published from the request itself, a frozen broker (Redis
stopped with SIGSTOP keeps its sockets open; redis-py has no socket timeout by default) held
every gunicorn worker, and `/healthz`, the API and the board waited with it.

With the relay on (`relay_enable`, called by `firebell.wsgi` for gunicorn and `runserver`),
`apply_async` in that process puts the message on an in-memory queue and returns at once; one
thread per process publishes it with short socket timeouts, retrying a failed publish for up to
`RELAY_RETRY_SECONDS`. Beyond that, or when `RELAY_CAPACITY` messages wait, a message is dropped
with a warning. Nothing depends on such a message arriving: a stored delivery is processed by the
deliveries sweep, escalation steps by the tick, pages by their requeue sweep — the message only
makes that happen sooner. Workers and beat publish directly (they are not serving requests), and
eager mode (tests) runs tasks in place as before.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import threading
import time
from typing import Any

from celery import Celery, Task

logger = logging.getLogger(__name__)

WEB_BROKER_TIMEOUT_SECONDS = 2.0  # connect and per-operation, on the relay thread's sockets
RELAY_CAPACITY = 10_000
RELAY_RETRY_SECONDS = 120.0
RELAY_FLUSH_AT_EXIT_SECONDS = 2.0


class _Relay:
    def __init__(self) -> None:
        self.enabled = False
        self._pid: int | None = None
        self._queue: queue.Queue[tuple[Task, Any, Any, dict[str, Any]]] = queue.Queue()
        self._lock = threading.Lock()

    def submit(self, task: Task, args: Any, kwargs: Any, options: dict[str, Any]) -> None:
        self._ensure_thread()
        try:
            self._queue.put_nowait((task, args, kwargs, options))
        except queue.Full:
            logger.warning("Publish relay full; %s not queued (a sweep recovers it)", task.name)

    def pending(self) -> int:
        return self._queue.qsize()

    def _ensure_thread(self) -> None:
        # Started lazily in each process: gunicorn forks its workers after importing the app,
        # and a thread does not survive a fork.
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._queue = queue.Queue(maxsize=RELAY_CAPACITY)
            threading.Thread(target=self._run, name="firebell-publish-relay", daemon=True).start()
            atexit.register(self._flush, RELAY_FLUSH_AT_EXIT_SECONDS)
            self._pid = os.getpid()

    def _run(self) -> None:
        while True:
            task, args, kwargs, options = self._queue.get()
            self._publish(task, args, kwargs, options)
            self._queue.task_done()

    def _publish(self, task: Task, args: Any, kwargs: Any, options: dict[str, Any]) -> None:
        give_up_at, pause = time.monotonic() + RELAY_RETRY_SECONDS, 0.2
        while True:
            try:
                Task.apply_async(task, args, kwargs, retry=False, **options)
                return
            except Exception:
                if time.monotonic() > give_up_at:
                    logger.warning(
                        "Could not publish %s for %.0f s; dropped (a sweep recovers it)",
                        task.name,
                        RELAY_RETRY_SECONDS,
                        exc_info=True,
                    )
                    return
                logger.warning("Broker unavailable; retrying %s", task.name, exc_info=True)
                time.sleep(pause)
                pause = min(pause * 2, 5.0)

    def _flush(self, seconds: float) -> None:
        """At exit, give queued messages a moment to go out (a warm shutdown loses none)."""
        deadline = time.monotonic() + seconds
        with contextlib.suppress(Exception):
            while self._queue.unfinished_tasks and time.monotonic() < deadline:
                time.sleep(0.02)


relay = _Relay()


def relay_enable(app: Celery, *, timeout: float = WEB_BROKER_TIMEOUT_SECONDS) -> None:
    """Publish this process's tasks through the relay, with `timeout` on broker sockets."""
    if str(app.conf.broker_url or "").startswith(("redis://", "rediss://")):
        app.conf.broker_transport_options = {
            **(app.conf.broker_transport_options or {}),
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
        }
    relay.enabled = True


class RelayedTask(Task):
    """Celery's Task, whose `apply_async` goes through the relay when it is on."""

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        if relay.enabled and not self.app.conf.task_always_eager:
            options.pop("retry", None)  # the relay retries on its own terms
            relay.submit(self, args, kwargs, options)
            return None
        return super().apply_async(args, kwargs, **options)
