from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from core.services import defaults_register
        from core.ui import NavLink, TopbarItem, nav_links, topbar_items
        from incidents import models, pages
        from incidents.defaults import defaults_ensure_incidents

        defaults_register(self, defaults_ensure_incidents)

        for model in (
            models.Service,
            models.Severity,
            models.Role,
            models.Incident,
            models.RoleAssignment,
            models.StakeholderUpdate,
        ):
            auditlog.register(
                model,
                # Columns only: by default auditlog also reads every reverse one-to-one (an
                # incident's alert group, escalation state, post-mortem, …) when a row is
                # created, one query each — 17 % of a worker opening incidents in a storm.
                include_fields=[field.name for field in model._meta.concrete_fields],
                m2m_fields={"services"} if model is models.Incident else None,
            )

        view = "incidents.view_incident"
        nav_links.register(
            NavLink("board", _("Board"), "incidents:board", view, ("incidents:board",), order=10)
        )
        nav_links.register(
            NavLink("list", _("Incidents"), "incidents:list", view, ("incidents:list",), order=20)
        )
        nav_links.register(
            NavLink(
                "declare",
                _("Declare incident"),
                "incidents:declare",
                "incidents.add_incident",
                ("incidents:declare",),
                css="nav-declare",
                order=90,
            )
        )
        topbar_items.register(
            TopbarItem(
                "open_counts",
                "incidents/topbar_counts.html",
                context=pages.open_counts_context,
                order=10,
            )
        )
