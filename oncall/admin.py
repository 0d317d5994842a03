from django.contrib import admin

from oncall import models


class ParticipantInline(admin.TabularInline):
    model = models.RotationParticipant
    extra = 1


class RotationInline(admin.StackedInline):
    model = models.Rotation
    extra = 0
    show_change_link = True


@admin.register(models.Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RotationInline]


@admin.register(models.Rotation)
class RotationAdmin(admin.ModelAdmin):
    list_display = ["schedule", "name", "layer", "shift_kind", "start_date", "handoff_time"]
    inlines = [ParticipantInline]


@admin.register(models.Override)
class OverrideAdmin(admin.ModelAdmin):
    list_display = ["schedule", "user", "start_at", "end_at"]
    list_filter = ["schedule"]


@admin.register(models.CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    list_display = ["user"]


class TargetInline(admin.TabularInline):
    model = models.EscalationTarget
    extra = 1


class LevelInline(admin.TabularInline):
    model = models.EscalationLevel
    extra = 0
    show_change_link = True


@admin.register(models.EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "repeat"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [LevelInline]


@admin.register(models.EscalationLevel)
class EscalationLevelAdmin(admin.ModelAdmin):
    list_display = ["policy", "position", "delay", "is_team_lead"]
    inlines = [TargetInline]


@admin.register(models.NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    list_display = ["user", "urgency", "channel", "delay"]
    list_filter = ["urgency", "channel"]


@admin.register(models.EscalationState)
class EscalationStateAdmin(admin.ModelAdmin):
    list_display = ["incident", "status", "cycle", "round", "level", "next_step_at"]
    list_filter = ["status"]
    readonly_fields = ["policy_snapshot"]


@admin.register(models.Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["incident", "user", "channel", "status", "attempts", "due_at", "sent_at"]
    list_filter = ["status", "channel"]
    readonly_fields = ["provider_response", "last_error"]
