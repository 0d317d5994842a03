from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self) -> None:
        from accounts import schema  # noqa: F401  (registers the token scheme with the schema)
        from accounts.selectors import UNLOCK_PERMISSION
        from accounts.services import accounts_defaults_seed
        from core.services import defaults_register
        from core.ui import NavLink, nav_links

        defaults_register(self, accounts_defaults_seed)
        nav_links.register(
            NavLink(
                "security",
                _("Security"),
                "accounts:lockouts",
                UNLOCK_PERMISSION,
                ("accounts",),
                order=95,
            )
        )
