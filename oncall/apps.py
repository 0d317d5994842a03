from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OncallConfig(AppConfig):
    name = "oncall"
    verbose_name = "On-call"

    def ready(self) -> None:
        from core.services import defaults_register
        from core.ui import NavLink, TopbarItem, nav_links, topbar_items
        from incidents.events import timeline_event_committed, timeline_event_recorded
        from incidents.extensions import (
            IncidentAction,
            IncidentPanel,
            incident_actions,
            incident_panels,
        )
        from oncall import pages, receivers
        from oncall.services.defaults import defaults_ensure_oncall

        defaults_register(self, defaults_ensure_oncall)

        # The audit log (Security → Audit log): who changed schedules, policies and rules.
        from auditlog.registry import auditlog

        from oncall import models

        for model in (
            models.Schedule,
            models.Rotation,
            models.RotationParticipant,
            models.Override,
            models.EscalationPolicy,
            models.EscalationLevel,
            models.EscalationTarget,
            models.NotificationRule,
        ):
            auditlog.register(model)

        timeline_event_recorded.connect(
            receivers.start_or_stop_escalation, dispatch_uid="oncall-escalation"
        )
        timeline_event_committed.connect(receivers.queue_provider_sync, dispatch_uid="oncall-sync")

        nav_links.register(
            NavLink(
                "oncall", _("On-call"), "oncall:home", "oncall.view_schedule", ("oncall",), order=30
            )
        )
        topbar_items.register(
            TopbarItem(
                "oncall_status",
                "oncall/topbar_status.html",
                context=pages.oncall_status_context,
                lazy=True,  # the schedules are computed: no page waits for them
                order=20,
            )
        )
        incident_panels.register(
            IncidentPanel(
                "incident_escalation",
                "oncall/incident_escalation.html",
                data=pages.escalation_panel_data,
                order=20,
            )
        )
        incident_panels.register(
            IncidentPanel(
                "incident_pages",
                "oncall/incident_pages.html",
                data=pages.pages_panel_data,
                order=30,
            )
        )
        incident_actions.register(
            IncidentAction(
                "escalate",
                _("Escalate now"),
                "oncall:escalate-now",
                visible=pages.can_escalate_now,
                css="danger",
                confirm=_("Page the next escalation level for incident #%(number)s now?"),
            )
        )
