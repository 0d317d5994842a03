from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from core.services import defaults_register
        from core.ui import NavLink, nav_links
        from incidents.extensions import IncidentPanel, incident_panels
        from moderation import models, pages
        from moderation.defaults import defaults_ensure_moderation

        for model in (
            models.Decision,
            models.Suspension,
            models.Queue,
            models.Policy,
            models.CategoryRule,
        ):
            auditlog.register(model)
        defaults_register(self, defaults_ensure_moderation)
        nav_links.register(
            NavLink(
                "moderation",
                _("Moderation"),
                "moderation:overview",
                "moderation.view_item",
                ("moderation",),
                order=60,
            )
        )
        incident_panels.register(
            IncidentPanel(
                "incident_moderation",
                "moderation/incident_items.html",
                data=pages.incident_items_data,
                visible=pages.incident_items_visible,
                order=30,
            )
        )
