from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SetupConfig(AppConfig):
    """Set-up from the app, for admins (no /admin/ needed): services (/services/), people and
    invitations (/people/), and the first-run checklist on the board."""

    name = "setup"
    verbose_name = "Set-up"

    def ready(self) -> None:
        from core.services import defaults_register
        from core.ui import NavLink, nav_links
        from incidents.extensions import BoardNotice, board_notices
        from setup import pages
        from setup.services import defaults_ensure_setup

        defaults_register(self, defaults_ensure_setup)

        nav_links.register(
            NavLink(
                "services",
                _("Services"),
                "setup:services",
                "incidents.view_service",
                ("setup:services", "setup:service", "setup:service-new"),
                order=35,
            )
        )
        nav_links.register(
            NavLink(
                "people",
                _("People"),
                "setup:people",
                "auth.change_user",
                ("setup:people",),
                order=37,
            )
        )
        board_notices.register(
            BoardNotice("first_run", "setup/checklist.html", pages.checklist_context, order=10)
        )
