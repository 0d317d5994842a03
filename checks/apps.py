from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecksConfig(AppConfig):
    name = "checks"
    verbose_name = "Health checks"

    def ready(self) -> None:
        from core.services import defaults_register, group_permissions_grant
        from core.ui import NavLink, nav_links

        # Creating and changing checks stays with admins; responders and viewers see them.
        defaults_register(self, lambda: group_permissions_grant("checks"))
        nav_links.register(
            NavLink(
                "checks", _("Checks"), "checks:list", "checks.view_check", ("checks",), order=45
            )
        )
