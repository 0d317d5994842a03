from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from core.services import defaults_register
        from moderation import models
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
