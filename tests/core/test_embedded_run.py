"""`make run`'s processes (Procfile.dev under honcho) on SQLite and the embedded broker.

One instance serves every test in this module (starting it takes a while): alerts become
incidents through the embedded broker, and a worker or web process that dies comes back while
the others keep running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator

import pytest

from bench.embedded import EmbeddedFirebell


@pytest.fixture(scope="module")
def firebell(tmp_path_factory) -> Iterator[EmbeddedFirebell]:
    instance = EmbeddedFirebell(tmp_path_factory.mktemp("embedded"))
    instance.setup()
    instance.start()
    try:
        instance.wait_until_ready()
        yield instance
    finally:
        instance.stop()
        print(f"--- make run console (tail) ---\n{instance.log()[-4000:]}")


@pytest.fixture(scope="module")
def hook(firebell) -> str:
    return firebell.generic_integration()


def _wait(condition, timeout: float = 120, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    return condition()


def _send_alert(firebell: EmbeddedFirebell, hook: str) -> str:
    key = f"embedded-{uuid.uuid4()}"
    assert firebell.post_json(hook, {"title": f"Alert {key}", "dedup_key": key}) == 202
    return key


def test_an_alert_becomes_an_incident_through_the_embedded_broker(firebell, hook):
    key = _send_alert(firebell, hook)
    assert _wait(lambda: not firebell.alerts_without_incident([key]))


def test_a_killed_worker_is_started_again_and_the_others_keep_running(firebell, hook):
    worker, web, beat = (firebell.main_pid(role) for role in ("worker", "web", "beat"))
    assert None not in (worker, web, beat), firebell.log()[-3000:]

    os.kill(worker, signal.SIGKILL)
    restarted = _wait(lambda: (pid := firebell.main_pid("worker")) not in (None, worker) and pid)

    assert restarted, firebell.log()[-3000:]
    assert "respawn: celery exited with status -9" in firebell.log()
    assert firebell.honcho.poll() is None
    assert (firebell.main_pid("web"), firebell.main_pid("beat")) == (web, beat)
    key = _send_alert(firebell, hook)  # the new worker takes work from the broker
    assert _wait(lambda: not firebell.alerts_without_incident([key])), firebell.log()[-3000:]


def test_a_killed_web_server_is_started_again(firebell):
    web = firebell.main_pid("web")
    os.kill(web, signal.SIGKILL)
    assert _wait(lambda: (pid := firebell.main_pid("web")) not in (None, web) and pid)
    assert _wait(lambda: _answers(firebell, "/healthz"))


def _answers(firebell: EmbeddedFirebell, path: str) -> bool:
    try:
        return firebell.get(path, timeout=5)[0] == 200
    except OSError:
        return False


def test_the_console_leaves_out_static_files_and_htmx_polls(firebell):
    firebell.get("/static/css/firebell.css")
    firebell.get("/login/?console-check=page")
    poll = urllib.request.Request(
        f"{firebell.base_url}/login/?console-check=poll", headers={"HX-Request": "true"}
    )
    urllib.request.urlopen(poll, timeout=10).read()

    assert _wait(lambda: "console-check=page" in firebell.log(), timeout=30)
    console = firebell.log()
    assert "console-check=poll" not in console
    assert "/static/css/firebell.css" not in console


def test_respawn_stops_for_good_on_sigterm(tmp_path):
    marker = tmp_path / "runs"
    script = f"open({str(marker)!r}, 'a').write('run\\n'); import time; time.sleep(60)"
    process = subprocess.Popen(
        [sys.executable, "-m", "firebell.respawn", sys.executable, "-c", script],
        start_new_session=True,
    )
    try:
        assert _wait(lambda: marker.exists() and marker.read_text().count("run") == 1, 30)
        os.killpg(process.pid, signal.SIGTERM)  # as honcho stops a process: its whole group
        assert process.wait(timeout=30) is not None
        time.sleep(2)  # longer than the first restart pause: nothing may start again
        assert marker.read_text().count("run") == 1
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
