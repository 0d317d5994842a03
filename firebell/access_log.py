"""gunicorn's access log: intake keys masked always; for `make run`, only the requests a person
reading the console wants.

`MaskingAccessLogger` (production, Procfile) logs every request as gunicorn does, with each
secret in a URL cut to its first characters (`core.log_masking`): gunicorn's access log is written
by its own loggers, which Django's LOGGING filters never see. Any `--access-logformat` works,
since every atom (request line, path, query, referer, headers) is masked before formatting.

`QuietAccessLogger` (`make run`) masks the same way and also leaves some requests out.

Left out: static files, and successful GETs made by htmx (the board's 5-second poll, the counts
and the on-call line, region refreshes). Everything else is logged as gunicorn logs it: page
loads, every POST (webhooks, actions, sign-in) and every answer of 400 or more, whatever asked.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from gunicorn.glogging import Logger

from core.log_masking import secrets_mask


def is_worth_logging(path: str, method: str, status: int, htmx: bool) -> bool:
    if status >= 400:
        return True
    if path.startswith(settings.STATIC_URL):
        return False
    return not (htmx and method in {"GET", "HEAD"})


class MaskingAccessLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        return {
            name: secrets_mask(value) if isinstance(value, str) else value
            for name, value in super().atoms(resp, req, environ, request_time).items()
        }


class QuietAccessLogger(MaskingAccessLogger):
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
