from django.contrib import admin

from incidents.models import (
    Incident,
    Role,
    RoleAssignment,
    Service,
    Severity,
    StakeholderUpdate,
    TimelineEvent,
)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "owner_team", "slack_channel")
    search_fields = ("name", "slug", "owner_team")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Severity)
class SeverityAdmin(admin.ModelAdmin):
    list_display = ("name", "label", "rank", "ack_target", "postmortem_required")
    ordering = ("rank",)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "rank")
    prepopulated_fields = {"slug": ("name",)}


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "incident"
    extra = 0
    fields = ("role", "kind", "user", "assigned_at", "assigned_by", "ended_at", "ended_by")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class TimelineEventInline(admin.TabularInline):
    model = TimelineEvent
    extra = 0
    fields = ("created_at", "kind", "actor", "source", "message")
    readonly_fields = fields
    can_delete = False
    ordering = ("-created_at",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    # Status and timestamps change only through the services (so the timeline stays complete).
    list_display = ("number", "title", "severity", "status", "source", "created_at")
    list_filter = ("status", "severity", "source", "services")
    search_fields = ("title", "summary", "=number")
    list_select_related = ("severity",)
    readonly_fields = (
        "number",
        "status",
        "source",
        "declared_by",
        "created_at",
        "triggered_at",
        "acknowledged_at",
        "acknowledged_by",
        "mitigated_at",
        "mitigated_by",
        "resolved_at",
        "resolved_by",
        "closed_at",
        "closed_by",
        "reopened_at",
        "reopen_count",
    )
    filter_horizontal = ("services",)
    inlines = [RoleAssignmentInline, TimelineEventInline]

    def has_add_permission(self, request) -> bool:
        return False  # declare through the UI or API so numbering and the timeline apply


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ("incident", "kind", "actor", "source", "created_at")
    list_filter = ("kind", "source")
    list_select_related = ("incident", "actor")
    readonly_fields = ("incident", "kind", "actor", "source", "message", "data", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StakeholderUpdate)
class StakeholderUpdateAdmin(admin.ModelAdmin):
    list_display = ("incident", "status", "severity", "created_by", "created_at")
    list_select_related = ("incident", "severity", "created_by")
    readonly_fields = (
        "incident",
        "body",
        "status",
        "severity",
        "impact",
        "eta",
        "created_by",
        "created_at",
    )

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("incident", "role", "kind", "user", "assigned_at", "ended_at")
    list_select_related = ("incident", "role", "user")
    readonly_fields = (
        "incident",
        "role",
        "kind",
        "user",
        "assigned_at",
        "assigned_by",
        "ended_at",
        "ended_by",
    )

    def has_add_permission(self, request) -> bool:
        return False
