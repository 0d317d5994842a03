"""A local HTTP server that records every request and answers as told: a stand-in for SaaS APIs
(Slack Web API, PagerDuty Events, webhooks, SMS providers) in tests. Reusable by any app.

    server = RecordingHTTPServer().start()
    server.respond("/api/chat.postMessage", json={"ok": True, "ts": "1.2"})
    ...code under test posts to server.url...
    [request] = server.take("/api/chat.postMessage")
    server.assert_nothing_unexpected()   # fails on any request the test did not take
"""

from __future__ import annotations

import json as jsonlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return jsonlib.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def params(self) -> dict:
        """The call's arguments whether sent as JSON or as a form (slack-sdk uses both)."""
        if self.headers.get("Content-Type", "").startswith("application/json"):
            return self.json()
        return self.form()


@dataclass
class Answer:
    status: int = 200
    json: object = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Responder = Callable[[RecordedRequest], Answer]


class RecordingHTTPServer:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._routes: list[tuple[str, Responder]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def respond(self, path_prefix: str, answer: Answer | Responder | None = None, **kwargs) -> None:
        """Answer requests whose path starts with `path_prefix` (latest rule wins)."""
        fixed = answer if isinstance(answer, Answer) else Answer(**kwargs)
        responder = answer if callable(answer) else (lambda _request: fixed)
        with self._lock:
            self._routes.insert(0, (path_prefix, responder))

    def take(
        self, path_prefix: str = "", *, where: Callable[[RecordedRequest], bool] | None = None
    ):
        """Remove and return the recorded requests matching `path_prefix` (and `where`)."""
        with self._lock:
            taken = [
                r
                for r in self.requests
                if r.path.startswith(path_prefix) and (not where or where(r))
            ]
            self.requests = [r for r in self.requests if r not in taken]
        return taken

    def assert_nothing_unexpected(self) -> None:
        with self._lock:
            left = [(r.method, r.path, r.body[:200]) for r in self.requests]
        assert not left, f"Stand-in received requests the test did not expect: {left}"

    def _answer(self, request: RecordedRequest) -> Answer:
        with self._lock:
            self.requests.append(request)
            routes = list(self._routes)
        for prefix, responder in routes:
            if request.path.startswith(prefix):
                return responder(request)
        return Answer(status=200, json={"ok": True})

    def start(self) -> RecordingHTTPServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = RecordedRequest(
                    self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
                )
                answer = owner._answer(request)
                body = (
                    jsonlib.dumps(answer.json).encode() if answer.json is not None else answer.body
                )
                self.send_response(answer.status)
                content_type = "application/json" if answer.json is not None else "text/plain"
                self.send_header("Content-Type", answer.headers.get("Content-Type", content_type))
                self.send_header("Content-Length", str(len(body)))
                for name, value in answer.headers.items():  # e.g. Retry-After
                    if name.lower() != "content-type":
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET = do_PUT = _handle

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
