from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Firebell core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from core.postgres import install_fast_timestamp_loader
        from core.services import defaults_after_migrate

        # After every migrate (the test database's too), so a new installation is usable.
        post_migrate.connect(defaults_after_migrate, dispatch_uid="firebell-defaults")
        connection_created.connect(install_fast_timestamp_loader, dispatch_uid="fast-timestamps")
