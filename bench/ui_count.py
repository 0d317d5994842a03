"""Instructions per request of one screen, counted by valgrind's callgrind: a figure that does
not depend on the machine's load, unlike the timings of bench/ui.py.

Needs the database bench/ui.py seeded. Valgrind starts with instrumentation off; after the
warm-up this script switches it on (`callgrind_control -i on`) for the measured requests only,
so the file's total divided by the requests is the cost of one (bench/ui_count.sh runs it for
each watched screen):

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out \\
        .venv/bin/python bench/ui_count.py /incidents/100000/ 10
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firebell.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from firebell.wsgi import tune_garbage_collection  # noqa: E402


def instrumentation(state: str) -> None:
    subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], check=True)


def main() -> None:
    url, requests = sys.argv[1], int(sys.argv[2])
    target = sys.argv[3] if len(sys.argv) > 3 else ""
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target} if target else {}
    tune_garbage_collection()
    client = Client()
    # BENCH_USER: whom to sign in as (bench/moderation.py seeds "bench-moderator").
    client.force_login(
        get_user_model().objects.get(username=os.environ.get("BENCH_USER", "bench0"))
    )
    for _ in range(5):  # warm caches, templates and PostgreSQL's buffers
        assert client.get(url, **headers).status_code == 200
    instrumentation("on")
    for _ in range(requests):
        client.get(url, **headers)
    instrumentation("off")


if __name__ == "__main__":
    main()
