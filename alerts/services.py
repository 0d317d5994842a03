"""Alert intake: integrations, durable deliveries, dedup, grouping and recovery.

The request path calls `delivery_record` (one INSERT, then a task queued after commit). The
worker calls `delivery_process`, which upserts alerts, attaches them to the open incident of their
group or opens one, and resolves incidents whose alerts have all recovered. A beat sweep runs
`deliveries_sweep` for deliveries whose task was lost (broker down, worker killed).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.dateparse import parse_datetime

from alerts.models import (
    Alert,
    AlertDelivery,
    AlertGroup,
    AlertStatus,
    DeliveryStatus,
    Integration,
    intake_key_hash,
)
from alerts.types import AlertSignal
from core import clock
from core.errors import PermissionDeniedError, ValidationError
from incidents import services as incident_services
from incidents.models import Incident, IncidentStatus, Service, Severity, Source
from incidents.selectors import severity_default

logger = logging.getLogger(__name__)

CONFIGURE_PERMISSION = "alerts.change_integration"
MAX_PROCESS_ATTEMPTS = 5
SWEEP_GRACE = timedelta(seconds=10)
UPDATE_BATCH = 500


def _require_configure(actor: AbstractBaseUser | None) -> None:
    if actor is not None and not actor.has_perm(CONFIGURE_PERMISSION):
        raise PermissionDeniedError("You do not have permission to configure integrations.")


def _new_key() -> tuple[str, str]:
    key = secrets.token_urlsafe(24)
    return key, intake_key_hash(key)


# --- Integrations ---------------------------------------------------------------------------


def integration_create(
    *,
    service: Service,
    kind: str,
    name: str,
    actor: AbstractBaseUser | None,
    default_severity: Severity | None = None,
    **options,
) -> tuple[Integration, str]:
    """Create an integration; returns it with its intake key, which is never shown again."""
    _require_configure(actor)
    taken = ValidationError(
        f"Service {service.slug} already has an integration named {name!r}.",
        errors={"name": ["Already used for this service."]},
    )
    if Integration.objects.filter(service=service, name=name).exists():
        raise taken
    key, key_hash = _new_key()
    try:
        with transaction.atomic():
            integration = Integration.objects.create(
                service=service,
                kind=kind,
                name=name,
                key_hash=key_hash,
                key_prefix=key[:6],
                default_severity=default_severity or severity_default(),
                **options,
            )
    except IntegrityError:
        raise taken from None  # a concurrent create took the name between the check and here
    return integration, key


def integration_rotate_key(*, integration: Integration, actor: AbstractBaseUser | None) -> str:
    """Replace the intake key; the old one stops working at once. Returns the new key."""
    _require_configure(actor)
    key, key_hash = _new_key()
    integration.key_hash, integration.key_prefix = key_hash, key[:6]
    integration.key_rotated_at = clock.now()
    integration.save(update_fields=["key_hash", "key_prefix", "key_rotated_at"])
    return key


def integration_set_maintenance(
    *, integration: Integration, until: datetime | None, actor: AbstractBaseUser | None
) -> Integration:
    """Start maintenance until `until` (alerts stored, nobody paged), or end it with None."""
    _require_configure(actor)
    if until is not None and until <= clock.now():
        raise ValidationError("Maintenance must end in the future.", errors={"until": ["Past."]})
    integration.maintenance_until = until
    integration.save(update_fields=["maintenance_until"])
    return integration


# --- Deliveries -----------------------------------------------------------------------------


def delivery_record(
    *,
    integration: Integration,
    body: str,
    headers: dict[str, str],
    source_ip: str | None,
    signals: list[AlertSignal] | None,
    error: str = "",
) -> AlertDelivery:
    """Store a webhook request as received; with signals it is queued for processing.

    `signals=None` records a rejected delivery (with `error`), kept for the integration's page.
    """
    now = clock.now()
    if signals is None:
        status, processed_at = DeliveryStatus.REJECTED, None
    elif signals:
        status, processed_at = DeliveryStatus.PENDING, None
    else:  # accepted with nothing to do (a change event): done as it is stored, in one INSERT
        status, processed_at = DeliveryStatus.PROCESSED, now
    delivery = AlertDelivery.objects.create(
        integration=integration,
        received_at=now,
        body=body,
        headers=headers,
        source_ip=source_ip,
        status=status,
        error=error,
        signals=[signal.to_json() for signal in signals or []],
        processed_at=processed_at,
    )
    if status == DeliveryStatus.PENDING:
        transaction.on_commit(lambda: _queue_processing(delivery.pk))
    return delivery


def _queue_processing(delivery_id: int) -> None:
    # A broker that is down must not fail the request: the delivery is stored and the sweep
    # picks it up once the broker is back.
    from alerts.tasks import delivery_process_task

    try:
        delivery_process_task.apply_async((delivery_id,), retry=False)
    except Exception:
        logger.warning(
            "Could not queue delivery %s; the sweep will process it", delivery_id, exc_info=True
        )


BATCH_ALERTS = 500  # alerts of one transaction: a re-sent group of 500 folds in well under 1 s
BATCH_GROUPS = 10  # groups of one transaction: each new group opens an incident


def delivery_process(*, delivery_id: int) -> str:
    """Process one stored delivery; safe to call again and concurrently (never applied twice).

    The delivery's alerts are cut into batches (`delivery_batches`), each applied in its own
    short transaction that also records `batches_done` on the delivery, so a large delivery holds
    no lock for long and a retry after a failure resumes after the last committed batch. A
    failure is recorded on the delivery (status failed, error); the sweep retries it.
    """
    batches: list[list[AlertSignal]] | None = None
    touched: set[int] = set()
    try:
        while True:
            with transaction.atomic():
                if batches is None:
                    delivery = _delivery_claimed(delivery_id)
                    if delivery is None:
                        return f"delivery {delivery_id}: nothing to do"
                    integration, received_at = delivery.integration, delivery.received_at
                    signals = [AlertSignal.from_json(item) for item in delivery.signals]
                    batches = delivery_batches(integration, signals)
                    done = delivery.batches_done
                else:
                    done = _delivery_progress(delivery_id)
                    if done is None:  # finished by another worker meanwhile
                        return f"delivery {delivery_id}: processed elsewhere"
                if done < len(batches):
                    touched.update(
                        alert_signals_ingest(
                            integration=integration,
                            signals=batches[done],
                            received_at=received_at,
                        )
                    )
                    done += 1
                finished = done >= len(batches)
                _delivery_progress_record(delivery_id, done, finished=finished)
            if finished:
                alerts = sum(len(batch) for batch in batches)
                return f"delivery {delivery_id}: {alerts} alerts, incidents {sorted(touched)}"
    except Exception as exc:
        # Recorded on the delivery, never lost: the sweep tries again, up to a bound.
        logger.exception("Processing delivery %s failed", delivery_id)
        AlertDelivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            attempts=F("attempts") + 1,
        )
        return f"delivery {delivery_id}: failed ({type(exc).__name__})"


UNPROCESSED = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


def _delivery_claimed(delivery_id: int) -> AlertDelivery | None:
    # skip_locked: a delivery another worker is applying a batch of right now is theirs to
    # finish. of=("self",): without it the joined integration row is locked too, and a second
    # worker skipped every other delivery of the same integration.
    return (
        AlertDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("integration", "integration__default_severity", "integration__service")
        .filter(pk=delivery_id, status__in=UNPROCESSED)
        .first()
    )


def _delivery_progress(delivery_id: int) -> int | None:
    """Batches done, under the delivery's row lock (waits for a batch in progress elsewhere)."""
    return (
        AlertDelivery.objects.select_for_update()
        .filter(pk=delivery_id, status__in=UNPROCESSED)
        .values_list("batches_done", flat=True)
        .first()
    )


def _delivery_progress_record(delivery_id: int, done: int, *, finished: bool) -> None:
    changes: dict[str, object] = {"batches_done": done}
    if finished:
        changes.update(
            status=DeliveryStatus.PROCESSED,
            processed_at=clock.now(),
            attempts=F("attempts") + 1,
            error="",
        )
    AlertDelivery.objects.filter(pk=delivery_id).update(**changes)


def delivery_batches(
    integration: Integration, signals: list[AlertSignal]
) -> list[list[AlertSignal]]:
    """The delivery's signals cut into the batches applied one transaction each.

    Whole groups (in order of first appearance, a repeated fingerprint's last signal winning)
    until a batch holds BATCH_GROUPS groups or BATCH_ALERTS alerts; a larger group is split into
    pieces of BATCH_ALERTS. Deterministic, so a retry finds the same batches.
    """
    latest = {signal.fingerprint: signal for signal in signals}
    groups: dict[str, list[AlertSignal]] = {}
    for signal in latest.values():
        groups.setdefault(_group_key(integration, signal), []).append(signal)
    batches: list[list[AlertSignal]] = []
    current: list[AlertSignal] = []
    groups_in_current = 0
    for members in groups.values():
        for start in range(0, len(members), BATCH_ALERTS):
            piece = members[start : start + BATCH_ALERTS]
            if current and (
                groups_in_current >= BATCH_GROUPS or len(current) + len(piece) > BATCH_ALERTS
            ):
                batches.append(current)
                current, groups_in_current = [], 0
            current.extend(piece)
            groups_in_current += 1
    if current:
        batches.append(current)
    return batches


def deliveries_sweep(*, limit: int = 500) -> int:
    """Process deliveries left behind by a lost task; returns how many it processed."""
    cutoff = clock.now() - SWEEP_GRACE
    waiting = list(
        AlertDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, received_at__lt=cutoff)
            | Q(status=DeliveryStatus.FAILED, attempts__lt=MAX_PROCESS_ATTEMPTS),
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for delivery_id in waiting:
        if "failed" not in delivery_process(delivery_id=delivery_id):
            done += 1
    return done


# --- Alerts, groups, incidents ----------------------------------------------------------------


EARLIEST_SANE_TIME = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_SANE_AHEAD = timedelta(days=1)


def alert_time_sane(value: str | None, *, received_at: datetime) -> datetime | None:
    """A sender's time (ISO 8601), or `received_at` when it is unreadable or not plausible.

    Before 2000 or more than a day after receipt is a sender's clock or bug, never a real alert
    time; kept, "9999-12-31T23:59:59-14:00" was stored as year 10000, which Python cannot load,
    so every later delivery of that alert failed. The original stays in the alert's `raw` and in
    the delivery's body. None when the sender gave no time.
    """
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        return received_at
    try:
        if EARLIEST_SANE_TIME <= parsed <= received_at + LATEST_SANE_AHEAD:
            return parsed
    except OverflowError:  # an offset that carries the time past year 9999
        pass
    return received_at


def _severity_for(integration: Integration, signal: AlertSignal, severities: dict) -> Severity:
    rank = integration.severity_rank_for(signal.severity)
    return severities.get(rank) or integration.default_severity


def alert_signals_ingest(
    *, integration: Integration, signals: list[AlertSignal], received_at: datetime | None = None
) -> list[int]:
    """Apply signals to alerts and incidents; returns the numbers of the incidents touched.

    Call inside a transaction. Idempotent: the same signals again only bump counts and times.
    `received_at` (default: now) replaces alert times that are not plausible.
    """
    now = clock.now()
    received_at = received_at or now
    latest = {signal.fingerprint: signal for signal in signals}  # a repeat in one body: last wins
    severities = {severity.rank: severity for severity in Severity.objects.all()}
    alerts = _alerts_upsert(integration, list(latest.values()), severities, now, received_at)
    touched: dict[int, Incident] = {}
    firing = [a for a in alerts if a.status == AlertStatus.FIRING]
    for group_key, members in _by_group(firing).items():
        incident = _attach_to_group(integration, group_key, members, latest, severities, now)
        touched[incident.pk] = incident
    for alert in alerts:
        if alert.incident_id is None:
            continue
        if alert.incident_id not in touched:
            touched[alert.incident_id] = Incident.objects.get(pk=alert.incident_id)
        incident = touched[alert.incident_id]
        if (
            latest[alert.fingerprint].status == "acknowledged"
            and incident.status == IncidentStatus.TRIGGERED
        ):
            touched[incident.pk] = incident_services.incident_acknowledge(
                incident=incident, actor=None, source=Source.ALERT
            )
    # Only an alert resolved now can complete an incident's recovery; a delivery of firing
    # alerts (the common case in a storm) skips the two queries per incident.
    resolved_now = {alert.incident_id for alert in alerts if alert.status == AlertStatus.RESOLVED}
    for incident in touched.values():
        if incident.pk in resolved_now:
            _resolve_if_recovered(integration, incident)
    return sorted(incident.number for incident in touched.values())


def _alerts_upsert(integration, signals, severities, now, received_at) -> list[Alert]:
    fingerprints = [signal.fingerprint for signal in signals]
    existing = {
        alert.fingerprint: alert
        for alert in Alert.objects.select_for_update().filter(
            integration=integration, fingerprint__in=fingerprints
        )
    }
    changed, created = [], []
    for signal in signals:
        alert = existing.get(signal.fingerprint)
        if alert is None:
            if signal.status == "acknowledged":
                continue  # as at PagerDuty: an ack for an unknown key is accepted and ignored
            if signal.status == "resolved" and signal.raw.get("event_action") == "resolve":
                continue  # a PagerDuty resolve for an unknown key, likewise
            alert = Alert(
                integration=integration,
                fingerprint=signal.fingerprint,
                first_seen_at=now,
                delivery_count=0,
            )
            created.append(alert)
        else:
            changed.append(alert)
        _apply_signal(alert, signal, severities, integration, now, received_at)
    if created:
        try:
            with transaction.atomic():
                Alert.objects.bulk_create(created)
        except IntegrityError:
            # Another worker created some of them meanwhile: take the slow, row-by-row path.
            return _alerts_upsert_one_by_one(integration, signals, severities, now, received_at)
    if changed:
        # These rows exist and are locked (above), so this INSERT … ON CONFLICT DO UPDATE only
        # ever updates. It is linear, where bulk_update() builds a CASE WHEN per field with a
        # branch per alert — quadratic, and minutes for a re-sent group of thousands.
        Alert.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["integration", "fingerprint"],
            update_fields=ALERT_UPDATE_FIELDS,
            batch_size=UPDATE_BATCH,
        )
    return created + changed


ALERT_UPDATE_FIELDS = [
    "group_key",
    "title",
    "description",
    "status",
    "severity",
    "source",
    "labels",
    "annotations",
    "links",
    "raw",
    "starts_at",
    "ends_at",
    "last_seen_at",
    "resolved_at",
    "delivery_count",
    "incident",
]


def _alerts_upsert_one_by_one(integration, signals, severities, now, received_at) -> list[Alert]:
    alerts = []
    for signal in signals:
        for _ in range(3):
            alert = (
                Alert.objects.select_for_update()
                .filter(integration=integration, fingerprint=signal.fingerprint)
                .first()
            )
            if alert is None and signal.status == "acknowledged":
                break
            if alert is None:
                alert = Alert(
                    integration=integration,
                    fingerprint=signal.fingerprint,
                    first_seen_at=now,
                    delivery_count=0,
                )
            _apply_signal(alert, signal, severities, integration, now, received_at)
            try:
                with transaction.atomic():
                    alert.save()
                alerts.append(alert)
                break
            except IntegrityError:
                continue
    return alerts


def _apply_signal(
    alert: Alert, signal: AlertSignal, severities, integration, now, received_at
) -> None:
    was_resolved = alert.pk is not None and alert.status == AlertStatus.RESOLVED
    alert.group_key = _group_key(integration, signal)[:512]
    alert.title = signal.title[:500]
    alert.description = signal.description
    alert.severity = _severity_for(integration, signal, severities)
    alert.source = signal.source[:255]
    alert.labels, alert.annotations, alert.links = signal.labels, signal.annotations, signal.links
    alert.raw = signal.raw
    alert.starts_at = (
        alert_time_sane(signal.starts_at, received_at=received_at) or alert.starts_at or now
    )
    alert.ends_at = alert_time_sane(signal.ends_at, received_at=received_at)
    alert.last_seen_at = now
    alert.delivery_count += 1
    if signal.status == "resolved":
        if alert.status != AlertStatus.RESOLVED:
            alert.resolved_at = now
        alert.status = AlertStatus.RESOLVED
    elif signal.status == "firing":
        if was_resolved:
            alert.incident = None  # fires again: a new occurrence joins whatever group is open
            alert.resolved_at = None
        alert.status = AlertStatus.FIRING
    elif not alert.status:
        alert.status = AlertStatus.FIRING


def _group_key(integration: Integration, signal: AlertSignal) -> str:
    if not integration.group_by_labels:
        return signal.group_key
    values = (f"{label}={signal.labels.get(label, '')}" for label in integration.group_by_labels)
    return "labels:" + ",".join(values)


def _by_group(alerts: Iterable[Alert]) -> dict[str, list[Alert]]:
    groups: dict[str, list[Alert]] = {}
    for alert in alerts:
        groups.setdefault(alert.group_key, []).append(alert)
    return groups


def _attach_to_group(integration, group_key, members, latest, severities, now) -> Incident:
    """Put firing alerts on the open incident of their group, opening one if there is none."""
    group = _open_group(integration, group_key, members, latest, now)
    incident = group.incident
    joining = [alert for alert in members if alert.incident_id != incident.pk]
    if joining:
        Alert.objects.filter(pk__in=[alert.pk for alert in joining]).update(incident=incident)
        for alert in joining:
            alert.incident = incident
        if not getattr(group, "just_opened", False):
            incident_services.timeline_event_record(
                incident=incident,
                kind="incident.alerts_attached",
                actor=None,
                source=Source.ALERT,
                message=f"{len(joining)} alert(s) joined: "
                + "; ".join(alert.title for alert in joining[:5])
                + ("…" if len(joining) > 5 else ""),
                data={
                    "integration": integration.name,
                    "count": len(joining),
                    "fingerprints": [alert.fingerprint for alert in joining[:50]],
                },
            )
    return incident


def _open_group(integration, group_key, members, latest, now) -> AlertGroup:
    for _ in range(5):
        group = (
            AlertGroup.objects.select_for_update(of=("self",))
            .select_related("incident")
            .filter(integration=integration, group_key=group_key, is_open=True)
            .first()
        )
        if group is not None:
            return group
        try:
            with transaction.atomic():
                group = AlertGroup.objects.create(
                    integration=integration, group_key=group_key, created_at=now
                )
                group.incident = _open_incident(integration, members, latest, now)
                group.save(update_fields=["incident"])
                group.just_opened = True
                return group
        except IntegrityError:
            continue  # another worker opened this group first; join it
    raise RuntimeError(f"could not open or find the group {group_key!r}")


def _open_incident(integration, members, latest, now) -> Incident:
    first = latest[members[0].fingerprint]
    severity = min((alert.severity for alert in members), key=lambda severity: severity.rank)
    paging = not integration.in_maintenance(now)
    incident = incident_services.incident_create(
        title=(first.group_title or first.title)[:200],
        severity=severity,
        actor=None,
        source=Source.ALERT,
        summary=first.description,
        services=[integration.service],
        paging=paging,
        origin={
            "integration": integration.name,
            "integration_id": integration.pk,
            "alerts": len(members),
            "maintenance": not paging,
        },
    )
    return incident


def _resolve_if_recovered(integration: Integration, incident: Incident) -> None:
    if not integration.auto_resolve:
        return
    incident.refresh_from_db(fields=["status"])
    if not incident.is_open:
        return
    if Alert.objects.filter(incident=incident, status=AlertStatus.FIRING).exists():
        return
    if not Alert.objects.filter(incident=incident).exists():
        return
    incident_services.incident_resolve(
        incident=incident,
        actor=None,
        source=Source.ALERT,
        message="All alerts of this incident have resolved.",
    )


def alert_groups_close_for_incident(*, incident_id: int) -> None:
    """Stop new alerts from joining an ended incident; they open a new one instead."""
    AlertGroup.objects.filter(incident_id=incident_id, is_open=True).update(is_open=False)


# --- Integration settings (API and browser) -------------------------------------------------------

INTEGRATION_SETTINGS = (
    "name",
    "enabled",
    "severity_label",
    "severity_mapping",
    "default_severity",
    "group_by_labels",
    "auto_resolve",
)
MAX_MAPPING_ENTRIES = 50
MAX_GROUP_LABELS = 20


def _invalid(field: str, reason: str) -> ValidationError:
    return ValidationError(f"{field}: {reason}", errors={field: [reason]})


def _text(field: str, value: object, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(field, "Required: a non-empty text.")
    if len(value.strip()) > max_length:
        raise _invalid(field, f"At most {max_length} characters.")
    return value.strip()


def _severity(field: str, value: object, severities: dict[int, Severity]) -> Severity:
    """A Severity from itself, its rank (3) or its name ("SEV-3", any case)."""
    if isinstance(value, Severity):
        return value
    rank: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        rank = value
    elif isinstance(value, str):
        by_name = {severity.name.lower(): rank for rank, severity in severities.items()}
        text = value.strip().lower()
        rank = int(text) if text.isascii() and text.isdigit() and len(text) < 4 else None
        rank = by_name.get(text, rank)
    if rank not in severities:
        names = ", ".join(severity.name for severity in severities.values())
        raise _invalid(field, f"Unknown severity {value!r}; use a rank or one of {names}.")
    return severities[rank]


def _severity_mapping(value: object, severities: dict[int, Severity]) -> dict[str, int]:
    if not isinstance(value, dict):
        raise _invalid("severity_mapping", 'Must be an object such as {"critical": 1}.')
    if len(value) > MAX_MAPPING_ENTRIES:
        raise _invalid("severity_mapping", f"At most {MAX_MAPPING_ENTRIES} entries.")
    mapping = {}
    for label_value, target in value.items():
        key = _text("severity_mapping", label_value, 60).lower()
        mapping[key] = _severity(f"severity_mapping.{key}", target, severities).rank
    return mapping


def _group_labels(value: object) -> list[str]:
    if not isinstance(value, list):
        raise _invalid("group_by_labels", "Must be a list of label names.")
    if len(value) > MAX_GROUP_LABELS:
        raise _invalid("group_by_labels", f"At most {MAX_GROUP_LABELS} labels.")
    labels = [_text("group_by_labels", label, 100) for label in value]
    if len(set(labels)) != len(labels):
        raise _invalid("group_by_labels", "A label is listed twice.")
    return labels


def integration_settings_clean(**settings: object) -> dict[str, object]:
    """Check and normalise integration settings (the keys of INTEGRATION_SETTINGS).

    Returns them ready to store (names stripped, mapping keys lower-case with severity ranks as
    values, `default_severity` a Severity); raises ValidationError naming the first bad field.
    Pure apart from reading the severities.
    """
    unknown = sorted(set(settings) - set(INTEGRATION_SETTINGS))
    if unknown:
        errors = {name: ["Unknown field."] for name in unknown}
        raise ValidationError(f"Unknown setting {unknown[0]!r}.", errors=errors)
    severities = {severity.rank: severity for severity in Severity.objects.all()}
    cleaned: dict[str, object] = {}
    for field, value in settings.items():
        if field in {"enabled", "auto_resolve"}:
            if not isinstance(value, bool):
                raise _invalid(field, "Must be true or false.")
            cleaned[field] = value
        elif field == "name":
            cleaned[field] = _text(field, value, 120)
        elif field == "severity_label":
            cleaned[field] = _text(field, value, 60)
        elif field == "default_severity":
            cleaned[field] = _severity(field, value, severities)
        elif field == "severity_mapping":
            cleaned[field] = _severity_mapping(value, severities)
        else:
            cleaned[field] = _group_labels(value)
    return cleaned


def integration_update(
    *, integration: Integration, actor: AbstractBaseUser | None, **changes: object
) -> Integration:
    """Change an integration's settings; settings not given stay as they are.

    Needs `alerts.change_integration` (PermissionDeniedError). Raises ValidationError naming the
    field for a bad value or a name the service already uses. Disabling makes the intake key
    answer 404 at once; alerts already stored are kept. Idempotent.
    """
    _require_configure(actor)
    cleaned = integration_settings_clean(**changes)
    name = cleaned.get("name")
    taken = Integration.objects.filter(service_id=integration.service_id, name=name).exclude(
        pk=integration.pk
    )
    if name is not None and taken.exists():
        raise _invalid("name", "Already used for this service.")
    for field, value in cleaned.items():
        setattr(integration, field, value)
    try:
        with transaction.atomic():
            integration.save(update_fields=list(cleaned))
    except IntegrityError:  # the same name saved by someone else meanwhile
        raise _invalid("name", "Already used for this service.") from None
    return integration
