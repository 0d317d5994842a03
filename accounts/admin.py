from django.contrib import admin
from rest_framework.authtoken.models import TokenProxy

from accounts.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens can be seen (by prefix) and revoked here; new ones come from the API or
    `create_api_token`, which show the key once."""

    list_display = ("user", "key_prefix", "created_at", "last_used_at")
    readonly_fields = ("user", "key_prefix", "created_at", "last_used_at")
    search_fields = ("user__username", "key_prefix")

    def has_add_permission(self, request) -> bool:
        return False


# DRF's own token admin would show keys in plain text (and create such keys): its table is
# emptied by accounts' migration 0002, and it stays out of the admin.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
