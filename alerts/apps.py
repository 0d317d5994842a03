from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from alerts import models, receivers  # noqa: F401  (connects the domain-event receivers)

        auditlog.register(models.Integration, exclude_fields=["key_hash"])
