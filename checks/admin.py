from django.contrib import admin

from checks.models import Check, CheckFlip, CheckResult


@admin.register(Check)
class CheckAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "service", "status", "last_ping_at", "next_poll_at")
    list_filter = ("kind", "status")
    search_fields = ("name", "url")
    readonly_fields = ("uuid",)


admin.site.register(CheckResult)
admin.site.register(CheckFlip)
