from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from alerts import models, receivers, selectors  # noqa: F401  (receivers: connected)
        from core.services import defaults_register, group_permissions_grant
        from core.ui import NavLink, nav_links
        from incidents.extensions import IncidentPanel, incident_panels

        auditlog.register(models.Integration, exclude_fields=["key_hash"])
        # Configuring integrations stays with admins; responders and viewers see them.
        defaults_register(self, lambda: group_permissions_grant("alerts"))
        nav_links.register(
            NavLink(
                "integrations",
                _("Integrations"),
                "alerts:integrations",
                "alerts.view_integration",
                ("alerts",),
                order=40,
            )
        )
        incident_panels.register(
            IncidentPanel(
                "incident_alerts",
                "alerts/incident_alerts.html",
                data=selectors.incident_alerts_panel,
                order=10,
            )
        )
