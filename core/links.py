"""URLs reversed once per process rather than once per use.

`reverse()` costs ~0.1 ms a call; the top bar alone needs a dozen on every page, the board three
per card and the incident page some twenty. What it returns depends only on the URL name, the
arguments, the URLconf and the script prefix (a deployment under a sub-path), so those four are
the cache key.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_NUMBER_SLOT = 1_234_567_890  # any number: replaced by each incident's number


def url(name: str, *args: object) -> str:
    return _reversed(get_script_prefix(), get_urlconf(settings.ROOT_URLCONF), name, args)


def url_for_number(name: str, *args: str) -> Callable[[int], str]:
    """An incident URL maker: reverse() once per URL name, then only the number changes."""
    head, tail = url(name, _NUMBER_SLOT, *args).split(str(_NUMBER_SLOT), 1)
    return lambda number: f"{head}{number}{tail}"


@functools.lru_cache(maxsize=1024)  # names x arguments: incident numbers never reach it
def _reversed(prefix: str, urlconf: str, name: str, args: tuple[object, ...]) -> str:
    # `prefix` is read by reverse() itself; it is a parameter only to be part of the key.
    return reverse(name, args=args, urlconf=urlconf)
