from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from incidents import models

        for model in (
            models.Service,
            models.Severity,
            models.Role,
            models.Incident,
            models.RoleAssignment,
            models.StakeholderUpdate,
        ):
            auditlog.register(model, m2m_fields={"services"} if model is models.Incident else None)
