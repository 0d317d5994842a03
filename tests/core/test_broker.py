"""The embedded broker (firebell/broker.py) under concurrent producers and consumers.

Four producer processes and two consumer processes share one broker folder, as web, beat and
the worker of `make run` do. Every message must arrive exactly once and no process may fail.
kombu's own filesystem transport fails this test: a consumer reads a message file that is still
being written and dies with `JSONDecodeError` (run it with
`FIREBELL_STRESS_TRANSPORT=kombu.transport.filesystem:Transport` to see it).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from pathlib import Path

import pytest
from kombu import Connection

from firebell.broker import broker_options

TRANSPORT = os.environ.get("FIREBELL_STRESS_TRANSPORT", "firebell.broker:Transport")
PRODUCERS, CONSUMERS, MESSAGES_EACH = 4, 2, 300
# Large enough that writing a message takes a while: the window the race needs.
PADDING = "x" * 60_000


def _connection(root: Path) -> Connection:
    return Connection("filesystem://", transport=TRANSPORT, transport_options=broker_options(root))


def _produce(root: str, producer: int) -> None:
    with _connection(Path(root)) as connection:
        queue = connection.SimpleQueue("stress")
        for number in range(MESSAGES_EACH):
            queue.put({"id": f"{producer}-{number}", "padding": PADDING})
        queue.close()


def _consume(root: str, consumer: int, stop_file: str) -> None:
    received = Path(root) / f"received-{consumer}.jsonl"
    with _connection(Path(root)) as connection, received.open("a") as out:
        queue = connection.SimpleQueue("stress")
        while True:
            try:
                message = queue.get(block=True, timeout=0.2)
            except queue.Empty:
                if os.path.exists(stop_file):
                    break
                continue
            out.write(json.dumps(message.payload["id"]) + "\n")
            out.flush()
            message.ack()
        queue.close()


def _received(root: Path) -> list[str]:
    ids = []
    for consumer in range(CONSUMERS):
        path = root / f"received-{consumer}.jsonl"
        if path.exists():
            ids += [json.loads(line) for line in path.read_text().splitlines()]
    return ids


def test_every_message_arrives_exactly_once_with_concurrent_producers_and_consumers(tmp_path):
    context = multiprocessing.get_context("fork")
    stop_file = str(tmp_path / "stop")
    consumers = [
        context.Process(target=_consume, args=(str(tmp_path), n, stop_file))
        for n in range(CONSUMERS)
    ]
    producers = [
        context.Process(target=_produce, args=(str(tmp_path), n)) for n in range(PRODUCERS)
    ]
    for process in consumers + producers:
        process.start()
    expected = PRODUCERS * MESSAGES_EACH
    try:
        for process in producers:
            process.join(timeout=240)
        deadline = time.monotonic() + 240
        while len(_received(tmp_path)) < expected and time.monotonic() < deadline:
            if not all(process.is_alive() for process in consumers):
                break
            time.sleep(0.2)
    finally:
        Path(stop_file).touch()
        for process in consumers:
            process.join(timeout=60)
        for process in consumers + producers:
            if process.is_alive():
                process.kill()

    assert [process.exitcode for process in producers] == [0] * PRODUCERS
    assert [process.exitcode for process in consumers] == [0] * CONSUMERS
    received = _received(tmp_path)
    assert len(received) == expected
    assert len(set(received)) == expected  # none twice
    assert not os.listdir(tmp_path / "rejected")


def test_a_message_that_cannot_be_decoded_is_set_aside_and_the_next_one_delivered(tmp_path):
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("stress")
        queue.put({"id": "good"})
        # A file left by another program or an older version, before the good message in order.
        (tmp_path / "queue" / "0_broken.stress.msg").write_bytes(b'{"half": ')
        message = queue.get(block=True, timeout=5)
        assert message.payload == {"id": "good"}
        message.ack()
        queue.close()
    assert os.listdir(tmp_path / "rejected") == ["0_broken.stress.msg"]


@pytest.mark.parametrize("stray", ["0_x.stress.msg.partial", ".hidden", "0_x.other.msg"])
def test_files_that_are_not_messages_of_the_queue_are_left_alone(tmp_path, stray):
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("stress")
        (tmp_path / "queue" / stray).write_text("{}")
        with pytest.raises(queue.Empty):
            queue.get(block=True, timeout=0.5)
        queue.close()
    assert (tmp_path / "queue" / stray).exists()


def test_a_consumer_of_both_queues_takes_the_paging_queue_first(tmp_path):
    """`make run`'s single worker: however many messages wait on the default queue, the next one
    taken is from the paging queue (kombu's round robin would take each queue in turn)."""
    from kombu import Consumer, Exchange, Queue

    exchange = Exchange("celery", type="direct")
    default, paging = Queue("celery", exchange, "celery"), Queue("paging", exchange, "paging")
    taken: list[str] = []
    with Connection(
        "filesystem://",
        transport="firebell.broker:Transport",
        transport_options=broker_options(tmp_path),
    ) as connection:
        producer = connection.Producer()
        for queue in (default, paging):
            queue(connection.default_channel).declare()
        for number in range(5):
            producer.publish({"n": number}, exchange=exchange, routing_key="celery")
        for number in range(2):
            producer.publish({"n": number}, exchange=exchange, routing_key="paging")

        def on_message(body, message):
            taken.append(message.delivery_info["routing_key"])
            message.ack()

        with Consumer(connection, [default, paging], callbacks=[on_message], prefetch_count=1):
            while len(taken) < 4:
                connection.drain_events(timeout=5)
    assert taken == ["paging", "paging", "celery", "celery"]
