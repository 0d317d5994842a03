from django.core.management.base import BaseCommand

from core.services import admin_ensure, defaults_ensure


class Command(BaseCommand):
    help = "Load default severities, roles and groups; create the first admin if none exists."

    def handle(self, *args, **options) -> None:
        defaults_ensure()
        password = admin_ensure()
        if password is None:
            self.stdout.write("Admin account exists already; its password was not changed.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                "\n  Created the admin account.\n"
                "    username: admin\n"
                f"    password: {password}\n"
                "  This password is shown once. Change it at /admin/password_change/.\n"
            )
        )
