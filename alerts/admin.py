from django.contrib import admin, messages

from alerts.models import Alert, AlertDelivery, AlertGroup, Integration
from alerts.services import integration_create, integration_rotate_key


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "service", "enabled", "maintenance_until", "masked_key")
    list_filter = ("kind", "enabled")
    search_fields = ("name", "service__name")
    readonly_fields = ("masked_key", "key_rotated_at", "created_at")
    actions = ["rotate_key"]

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # New integrations get their key from the service, shown once here.
        fields = {
            f: getattr(obj, f)
            for f in (
                "enabled",
                "maintenance_until",
                "severity_label",
                "severity_mapping",
                "group_by_labels",
                "auto_resolve",
            )
        }
        created, key = integration_create(
            service=obj.service,
            kind=obj.kind,
            name=obj.name,
            actor=request.user,
            default_severity=obj.default_severity,
            **fields,
        )
        obj.pk = created.pk
        obj.refresh_from_db()
        messages.warning(request, f"Intake key for {obj.name} (shown once): {key}")

    @admin.action(description="Rotate the intake key (the old key stops working)")
    def rotate_key(self, request, queryset) -> None:
        for integration in queryset:
            key = integration_rotate_key(integration=integration, actor=request.user)
            messages.warning(request, f"New intake key for {integration.name}: {key}")


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "integration", "received_at", "status", "attempts", "error")
    list_filter = ("status", "integration")
    list_select_related = ("integration",)
    readonly_fields = (
        "integration",
        "received_at",
        "body",
        "headers",
        "source_ip",
        "status",
        "error",
        "signals",
        "attempts",
        "batches_done",
        "processed_at",
    )

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "integration", "incident", "delivery_count", "last_seen_at")
    list_filter = ("status", "integration")
    search_fields = ("title", "fingerprint")
    list_select_related = ("integration", "incident")
    readonly_fields = [f.name for f in Alert._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(AlertGroup)
class AlertGroupAdmin(admin.ModelAdmin):
    list_display = ("group_key", "integration", "incident", "is_open", "created_at")
    list_filter = ("is_open",)
    readonly_fields = ("integration", "group_key", "incident", "is_open", "created_at")
