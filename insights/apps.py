from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from core.ui import NavLink, nav_links
        from insights.aggregates import register_sqlite_percentile

        # SQLite (make run) has no percentile_cont: each new connection gets one (aggregates.py).
        connection_created.connect(register_sqlite_percentile, dispatch_uid="insights-percentile")
        nav_links.register(
            NavLink(
                "insights",
                _("Insights"),
                "insights:home",
                "incidents.view_incident",  # viewers and above
                ("insights",),
                order=60,
            )
        )
