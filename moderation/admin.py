"""Admin pages for moderation's settings: queues (routing, reviewers), category rules (weights,
response targets, wave thresholds) and policies. Changes are in the audit log (moderation.apps).
Items, decisions and suspensions are read-only here: they change through the services only."""

from django.contrib import admin

from moderation.models import CategoryRule, Decision, Policy, Queue, Suspension


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position", "categories", "content_types", "min_report_count")
    filter_horizontal = ("reviewers",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(CategoryRule)
class CategoryRuleAdmin(admin.ModelAdmin):
    list_display = (
        "category",
        "weight",
        "response_target_minutes",
        "wave_threshold",
        "wave_window_minutes",
    )


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "url")
    prepopulated_fields = {"slug": ("title",)}


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("decided_at", "action", "item", "decided_by_name", "policy", "source")
    list_filter = ("action", "source")


@admin.register(Suspension)
class SuspensionAdmin(ReadOnlyAdmin):
    list_display = ("user", "starts_at", "ends_at", "lifted_at", "created_by_name")
