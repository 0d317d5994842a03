from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostmortemsConfig(AppConfig):
    name = "postmortems"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from core.services import defaults_register
        from core.ui import AccountPanel, NavLink, account_panels, nav_links
        from incidents.events import timeline_event_recorded
        from incidents.extensions import (
            BoardColumn,
            IncidentAction,
            IncidentBadges,
            IncidentPanel,
            board_columns,
            incident_actions,
            incident_badges,
            incident_panels,
        )
        from postmortems import models, pages, receivers, selectors
        from postmortems.defaults import defaults_ensure_postmortems

        defaults_register(self, defaults_ensure_postmortems)
        # Who changed what and when, beside the incident's own audit trail.
        for model in (models.Postmortem, models.ActionItem, models.ExtraSection):
            auditlog.register(model)
        timeline_event_recorded.connect(
            receivers.incident_resolved, dispatch_uid="postmortems-incident-resolved"
        )
        incident_panels.register(
            IncidentPanel(
                "incident_postmortem",
                "postmortems/incident_panel.html",
                data=pages.postmortem_panel_data,
                order=40,
            )
        )
        incident_actions.register(
            IncidentAction(
                "start_postmortem",
                _("Start post-mortem"),
                "postmortems:start",
                visible=pages.can_start,
                confirm=_("Start the post-mortem of incident #%(number)s?"),
                order=60,
            )
        )
        incident_badges.register(IncidentBadges("postmortem_state", pages.postmortem_badges))
        board_columns.register(
            BoardColumn(
                "postmortem_due", _("Post-mortem due"), selectors.postmortem_due_rows, order=50
            )
        )
        account_panels.register(
            AccountPanel("my_postmortem_work", "postmortems/my_work.html", pages.my_work_context)
        )
        nav_links.register(
            NavLink(
                "postmortems",
                _("Post-mortems"),
                "postmortems:list",
                "postmortems.view_postmortem",
                ("postmortems",),
                order=50,
            )
        )
