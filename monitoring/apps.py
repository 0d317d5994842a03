from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Firebell watching itself: /metrics and the end-to-end self-test (the dead-man's switch
    is a heartbeat check, docs/checks.md). Reads every other app; nothing imports it."""

    name = "monitoring"
    verbose_name = "Firebell's own monitoring"

    def ready(self) -> None:
        from core.services import defaults_register
        from core.ui import NavLink, nav_links

        # Self-tests are the admins' (no view_ permission for the other groups either).
        defaults_register(self, _grant_admins_only)
        nav_links.register(
            NavLink(
                "selftest",
                _("Self-test"),
                "monitoring:selftests",
                "monitoring.add_selftest",
                ("monitoring",),
                order=85,
            )
        )


def _grant_admins_only() -> None:
    from django.contrib.auth.models import Group, Permission

    from core.services import ADMIN

    admins = Group.objects.filter(name=ADMIN).first()
    if admins is not None:
        admins.permissions.add(*Permission.objects.filter(content_type__app_label="monitoring"))
