from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """Firebell watching itself: /metrics (and, as they land, the dead-man's switch and the
    end-to-end self-test). Reads every other app; nothing imports it."""

    name = "monitoring"
    verbose_name = "Firebell's own monitoring"
