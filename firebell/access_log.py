"""gunicorn's access log for `make run`: only the requests a person reading the console wants.

Left out: static files, and successful GETs made by htmx (the board's 5-second poll, the counts
and the on-call line, region refreshes). Everything else is logged as gunicorn logs it: page
loads, every POST (webhooks, actions, sign-in) and every answer of 400 or more, whatever asked.
Production keeps gunicorn's own logger, which logs every request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from gunicorn.glogging import Logger


def is_worth_logging(path: str, method: str, status: int, htmx: bool) -> bool:
    if status >= 400:
        return True
    if path.startswith(settings.STATIC_URL):
        return False
    return not (htmx and method in {"GET", "HEAD"})


class QuietAccessLogger(Logger):
    def access(self, resp: Any, req: Any, environ: dict, request_time: Any) -> None:
        status = resp.status
        code = int(str(status).split(None, 1)[0]) if status else 0
        if is_worth_logging(
            environ.get("PATH_INFO", ""),
            environ.get("REQUEST_METHOD", ""),
            code,
            environ.get("HTTP_HX_REQUEST") == "true",
        ):
            super().access(resp, req, environ, request_time)
