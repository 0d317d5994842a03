from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Firebell core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from core.postgres import install_fast_timestamp_loader

        post_migrate.connect(_ensure_defaults, sender=self)
        connection_created.connect(install_fast_timestamp_loader, dispatch_uid="fast-timestamps")


def _ensure_defaults(**kwargs) -> None:
    # After every migrate (including the test database's), so a new installation is usable.
    from core.services import defaults_ensure

    defaults_ensure()
