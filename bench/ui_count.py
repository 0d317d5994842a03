"""Instructions per request of one screen, for valgrind's callgrind (a count that does not
depend on the machine's load, unlike the timings of bench/ui.py).

Needs the database bench/ui.py seeded. Run it twice under callgrind, without and with the
measured requests, and divide the difference (bench/ui_count.sh does exactly that):

    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.0 .venv/bin/python bench/ui_count.py / 0
    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.9 .venv/bin/python bench/ui_count.py / 9
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firebell.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from firebell.wsgi import tune_garbage_collection  # noqa: E402


def main() -> None:
    url, requests = sys.argv[1], int(sys.argv[2])
    headers = (
        {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": sys.argv[3]} if len(sys.argv) > 3 else {}
    )
    tune_garbage_collection()
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench0"))
    for _ in range(5):  # warm caches, templates and PostgreSQL's buffers
        assert client.get(url, **headers).status_code == 200
    for _ in range(requests):
        client.get(url, **headers)


if __name__ == "__main__":
    main()
