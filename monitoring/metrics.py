"""Firebell's own health in Prometheus' text format (`/metrics`, docs/operations.md#metrics).

Every figure is read from the database (or the broker) when scraped, through the same rules
the apps use — e.g. an escalation step is due when `status=active` and `next_step_at <= now`,
as in `oncall.services.escalation.escalation_tick` — so the numbers agree with the screens and
hold across any number of web processes (no per-process counters to add up)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from alerts.models import AlertDelivery, DeliveryStatus
from checks.models import Check, CheckResult
from core import clock
from core.health import HEARTBEATS
from core.models import WorkerHeartbeat
from oncall.models import EscalationState, EscalationStatus, Page

# A step due for longer than this is overdue: beat's escalation tick runs every second.
OVERDUE_AFTER = timedelta(seconds=10)
RECENT_RESULTS = timedelta(minutes=5)


class FirebellCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        now = clock.now()
        yield from self._deliveries(now)
        yield from self._escalation(now)
        yield from self._pages()
        yield from self._queues()
        yield from self._worker(now)
        yield from self._checks(now)

    def _deliveries(self, now) -> Iterator[Metric]:
        deliveries = CounterMetricFamily(
            "firebell_webhook_deliveries",
            "Webhook requests stored, by integration and outcome (rejected: never processable).",
            labels=["integration", "kind", "status"],
        )
        rows = (
            AlertDelivery.objects.values_list("integration__name", "integration__kind", "status")
            .annotate(n=Count("id"))
            .order_by()
        )
        for name, kind, status, count in rows:
            deliveries.add_metric([name, kind, status], count)
        yield deliveries
        oldest = AlertDelivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]
        ).aggregate(oldest=Min("received_at"))["oldest"]
        yield GaugeMetricFamily(
            "firebell_webhook_oldest_unprocessed_delivery_age_seconds",
            "Age of the oldest delivery not processed yet (0 when none waits).",
            value=(now - oldest).total_seconds() if oldest else 0,
        )

    def _escalation(self, now) -> Iterator[Metric]:
        overdue = EscalationState.objects.filter(
            status=EscalationStatus.ACTIVE, next_step_at__lte=now - OVERDUE_AFTER
        ).aggregate(n=Count("pk"), oldest=Min("next_step_at"))
        yield GaugeMetricFamily(
            "firebell_escalation_steps_overdue",
            f"Escalation steps due for more than {OVERDUE_AFTER.seconds} s and not performed.",
            value=overdue["n"],
        )
        yield GaugeMetricFamily(
            "firebell_escalation_oldest_overdue_step_seconds",
            "How long the most overdue escalation step has been due (0 when none).",
            value=(now - overdue["oldest"]).total_seconds() if overdue["oldest"] else 0,
        )

    def _pages(self) -> Iterator[Metric]:
        pages = CounterMetricFamily(
            "firebell_pages",
            "Pages (notifications) by channel and status.",
            labels=["channel", "status"],
        )
        for channel, status, count in (
            Page.objects.values_list("channel", "status").annotate(n=Count("id")).order_by()
        ):
            pages.add_metric([channel, status], count)
        yield pages

    def _queues(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "firebell_queue_depth",
            "Messages waiting in a Celery queue (Redis broker).",
            labels=["queue"],
        )
        up = 1
        if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
            import redis

            try:
                client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2)
                for queue in queue_names():
                    depth.add_metric([queue], client.llen(queue))
            except redis.RedisError:
                up = 0
        yield depth
        yield GaugeMetricFamily("firebell_broker_up", "1 if the broker answered.", value=up)

    def _worker(self, now) -> Iterator[Metric]:
        ages = GaugeMetricFamily(
            "firebell_worker_heartbeat_age_seconds",
            "Seconds since a worker of this queue last ran the heartbeat task (-1: never).",
            labels=["queue"],
        )
        beats = dict(WorkerHeartbeat.objects.values_list("name", "beat_at"))
        # One heartbeat row per queue, named as core.health.HEARTBEATS names them.
        for row in HEARTBEATS.values():
            beat_at = beats.get(row)
            ages.add_metric([row], (now - beat_at).total_seconds() if beat_at else -1)
        yield ages

    def _checks(self, now) -> Iterator[Metric]:
        checks = GaugeMetricFamily(
            "firebell_checks", "Health checks by kind and state.", labels=["kind", "status"]
        )
        for kind, status, count in (
            Check.objects.values_list("kind", "status").annotate(n=Count("id")).order_by()
        ):
            checks.add_metric([kind, status], count)
        yield checks
        results = GaugeMetricFamily(
            "firebell_check_results_recent",
            f"Pings and polls recorded in the last {RECENT_RESULTS.seconds // 60} minutes.",
            labels=["kind", "ok"],
        )
        for kind, ok, count in (
            CheckResult.objects.filter(at__gte=now - RECENT_RESULTS)
            .values_list("kind", "ok")
            .annotate(n=Count("id"))
            .order_by()
        ):
            results.add_metric([kind, "true" if ok else "false"], count)
        yield results


def queue_names() -> list[str]:
    """The Celery queues the workers consume: the configured ones, else Celery's default."""
    queues = getattr(settings, "CELERY_TASK_QUEUES", None) or []
    names = [getattr(queue, "name", queue) for queue in queues]
    return [str(name) for name in names] or [
        getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    ]


def metrics_text() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FirebellCollector())
    return generate_latest(registry)
