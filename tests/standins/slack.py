"""A Slack workspace on top of the recording HTTP stand-in: answers the Web API methods Firebell
calls the way Slack does (ids, ts, errors), keeps channels and messages, and signs requests to
Firebell exactly as Slack signs them.

    workspace = SlackWorkspace(standins.http)
    workspace.add_user("U1", "sue@example.com")
    workspace.fail("chat.postMessage", "ratelimited", status=429, retry_after=0, times=1)
    [call] = workspace.take("chat.postMessage")   # the recorded call's params
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import threading
import time
from collections.abc import Callable
from urllib.parse import urlencode

from tests.standins.http import Answer, RecordedRequest, RecordingHTTPServer

PREFIX = "/slack/api/"


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """X-Slack-Request-Timestamp and X-Slack-Signature for exactly these bytes."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def form_body(**fields: str) -> bytes:
    return urlencode(fields).encode()


class SlackWorkspace:
    def __init__(self, http: RecordingHTTPServer) -> None:
        self.http = http
        self.users: dict[str, str] = {}  # Slack id -> e-mail
        self.channels: dict[str, dict] = {}
        self.messages: dict[tuple[str, str], dict] = {}
        self.messages_in_history_hidden = False  # True: messages are thread replies
        self._failures: list[tuple[str, str, int, int | None, list[int]]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        http.respond(PREFIX, self._answer)
        http.respond("/slack/response/", Answer(body=b"ok"))

    @property
    def response_url(self) -> str:
        return f"{self.http.url}/slack/response/{next(self._ids)}"

    def add_user(self, slack_id: str, email: str) -> None:
        self.users[slack_id] = email

    def add_message(self, channel: str, ts: str, text: str, user: str) -> None:
        self.messages[(channel, ts)] = {"type": "message", "ts": ts, "text": text, "user": user}

    def fail(
        self, method: str, error: str, *, status: int = 200, retry_after=None, times: int = 1
    ) -> None:
        """The next `times` calls of `method` fail like Slack: HTTP 200 with ok=false, or 429."""
        with self._lock:
            self._failures.append((method, error, status, retry_after, [times]))

    def take(self, method: str, where: Callable[[dict], bool] | None = None) -> list[dict]:
        requests = self.http.take(
            PREFIX + method, where=(lambda r: where(r.params())) if where else None
        )
        return [r.params() for r in requests]

    def responses(self) -> list[dict]:
        """What Firebell posted to response_url (taken)."""
        return [r.json() for r in self.http.take("/slack/response/")]

    def _failure(self, method: str) -> Answer | None:
        with self._lock:
            for name, error, status, retry_after, left in self._failures:
                if name == method and left[0] > 0:
                    left[0] -= 1
                    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                    return Answer(
                        status=status, json={"ok": False, "error": error}, headers=headers
                    )
        return None

    def _answer(self, request: RecordedRequest) -> Answer:
        method = request.path[len(PREFIX) :].split("?")[0]
        failed = self._failure(method)
        if failed is not None:
            return failed
        params = request.params()
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        body = handler(params) if handler else {}
        if "error" in body:
            return Answer(json={"ok": False, **body})
        return Answer(json={"ok": True, **body})

    # --- Methods --------------------------------------------------------------------------

    def _users_info(self, params: dict) -> dict:
        email = self.users.get(params.get("user", ""))
        if email is None:
            return {"error": "user_not_found"}
        return {"user": {"id": params["user"], "profile": {"email": email}}}

    def _users_lookupByEmail(self, params: dict) -> dict:
        for slack_id, email in self.users.items():
            if email.lower() == params.get("email", "").lower():
                return {"user": {"id": slack_id}}
        return {"error": "users_not_found"}

    def _conversations_create(self, params: dict) -> dict:
        name = params["name"]
        if any(c["name"] == name for c in self.channels.values()):
            return {"error": "name_taken"}
        channel = {"id": f"C{100 + len(self.channels)}", "name": name}
        self.channels[channel["id"]] = channel
        return {"channel": channel}

    def _chat_postMessage(self, params: dict) -> dict:
        ts = f"{1700000000 + next(self._ids)}.000100"
        self.messages[(params["channel"], ts)] = {"ts": ts, "text": params.get("text", "")}
        return {"channel": params["channel"], "ts": ts}

    def _chat_update(self, params: dict) -> dict:
        return {"channel": params["channel"], "ts": params["ts"]}

    def _conversations_history(self, params: dict) -> dict:
        if self.messages_in_history_hidden:
            return {"messages": []}
        found = self.messages.get((params.get("channel"), params.get("latest")))
        return {"messages": [found] if found else []}

    def _conversations_replies(self, params: dict) -> dict:
        found = self.messages.get((params.get("channel"), params.get("ts")))
        return {"messages": [found] if found else []}

    def _chat_getPermalink(self, params: dict) -> dict:
        ts = params["message_ts"].replace(".", "")
        return {"permalink": f"https://example.slack.com/archives/{params['channel']}/p{ts}"}
