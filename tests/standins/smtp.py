"""A local SMTP server (aiosmtpd) that records every message: the e-mail stand-in for tests."""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Recorder:
    def __init__(self, server: RecordingSMTPServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.server.refused:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.server.lock:
            self.server.held += 1
        try:
            while self.server.holding():  # the sender waits for its answer, as on a stalled server
                await asyncio.sleep(0.05)
        finally:  # also when the sender hung up: aiosmtpd cancels us, the message is dropped
            with self.server.lock:
                self.server.held -= 1
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.server.lock:
            self.server.messages.append(message)
        return "250 Message accepted for delivery"


class RecordingSMTPServer:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refused: set[str] = set()
        self.lock = threading.Lock()
        self.hold_at: int | None = None
        self.held = 0  # messages whose sender is waiting for the answer right now
        self.port = _free_port()
        self._controller = Controller(_Recorder(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> RecordingSMTPServer:
        self._controller.start()
        return self

    def hold_after(self, count: int) -> None:
        """Accept `count` messages, then keep every sender waiting for its answer until
        `release()`: a fault test can then act mid-run whatever the machine's speed."""
        self.hold_at = count

    def release(self) -> None:
        self.hold_at = None

    def holding(self) -> bool:
        with self.lock:
            return self.hold_at is not None and len(self.messages) >= self.hold_at

    def take(self, to: str | None = None) -> list[EmailMessage]:
        with self.lock:
            taken = [m for m in self.messages if to is None or to in m["To"]]
            self.messages = [m for m in self.messages if m not in taken]
        return taken

    def assert_nothing_unexpected(self) -> None:
        with self.lock:
            left = [(m["To"], m["Subject"]) for m in self.messages]
        assert not left, f"SMTP stand-in received messages the test did not expect: {left}"

    def stop(self) -> None:
        self._controller.stop()
