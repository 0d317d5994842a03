"""Clears the cached status page when an incident changes in a way that can move a component's
state (after commit: a cache delete, as cheap as queuing a task, and the page is fresh at once)."""

from django.dispatch import receiver

from incidents.events import timeline_event_committed
from statuspage import cache

STATE_CHANGING = frozenset(
    {
        "incident.declared",
        "incident.resolved",
        "incident.closed",
        "incident.reopened",
        "incident.severity_changed",
        "incident.updated",
    }
)


@receiver(timeline_event_committed)
def clear_page_when_an_incident_changes(sender, kind: str, **kwargs) -> None:
    if kind in STATE_CHANGING:
        cache.page_clear()


def _clear_after_commit(sender, **kwargs) -> None:
    from django.db import transaction

    transaction.on_commit(cache.page_clear)


def connect_model_receivers() -> None:
    """Components, groups and maintenance edited anywhere (also the Django admin) clear the page."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from statuspage.models import Component, ComponentGroup, Maintenance

    for model in (Component, ComponentGroup, Maintenance):
        post_save.connect(
            _clear_after_commit, sender=model, dispatch_uid=f"sp-save-{model.__name__}"
        )
        post_delete.connect(
            _clear_after_commit, sender=model, dispatch_uid=f"sp-del-{model.__name__}"
        )
    for through in (Component.services.through, Maintenance.components.through):
        m2m_changed.connect(
            _clear_after_commit, sender=through, dispatch_uid=f"sp-m2m-{through.__name__}"
        )
