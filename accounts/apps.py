from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from accounts import receivers, schema  # noqa: F401  (schema: the token scheme)
        from accounts.models import ApiToken
        from accounts.selectors import UNLOCK_PERMISSION
        from accounts.services import accounts_defaults_seed
        from core.services import defaults_register
        from core.ui import NavLink, nav_links

        defaults_register(self, accounts_defaults_seed)
        # Who changed people, groups and tokens (a password change shows as changed, not its hash).
        # Named fields only: diffing every field would also read (and cache as missing) the
        # reverse one-to-ones other apps hang on users (calendar feed, Slack link).
        auditlog.register(
            get_user_model(),
            include_fields=[
                "username",
                "first_name",
                "last_name",
                "email",
                "password",
                "is_active",
                "is_staff",
                "is_superuser",
            ],
            m2m_fields={"groups", "user_permissions"},
            mask_fields=["password"],
        )
        auditlog.register(Group, m2m_fields={"permissions"})
        auditlog.register(ApiToken, exclude_fields=["key_hash", "last_used_at"])
        user_logged_in.connect(receivers.on_user_logged_in, dispatch_uid="accounts-signed-in")
        user_logged_out.connect(receivers.on_user_logged_out, dispatch_uid="accounts-signed-out")
        user_login_failed.connect(receivers.on_user_login_failed, dispatch_uid="accounts-failed")
        nav_links.register(
            NavLink(
                "security",
                _("Security"),
                "accounts:security",
                UNLOCK_PERMISSION,
                ("accounts",),
                order=95,
            )
        )
