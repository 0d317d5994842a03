from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatuspageConfig(AppConfig):
    name = "statuspage"
    verbose_name = "Status page"

    def ready(self) -> None:
        from core.services import defaults_register, group_permissions_grant
        from core.ui import NavLink, nav_links
        from incidents.extensions import IncidentPanel, incident_panels
        from statuspage import pages, receivers

        receivers.connect_model_receivers()
        # Components and maintenance are the admins'; publishing is every responder's
        # (incidents.respond_incident).
        defaults_register(self, lambda: group_permissions_grant("statuspage"))
        incident_panels.register(
            IncidentPanel(
                "incident_statuspage",
                "statuspage/incident_panel.html",
                data=pages.panel_data,
                column="main",
                order=60,
            )
        )
        nav_links.register(
            # Staff see what the page shows and why (admins also change it); the page is public.
            NavLink(
                "statuspage",
                _("Status page"),
                "statuspage:manage",
                "statuspage.view_component",
                ("statuspage",),
                order=80,
            )
        )
