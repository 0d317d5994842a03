from django.contrib import admin

from postmortems.models import ActionItem, ExtraSection, Postmortem, Reminder


@admin.register(ExtraSection)
class ExtraSectionAdmin(admin.ModelAdmin):
    """Admins configure the extra sections a severity's post-mortems must have."""

    list_display = ("severity", "title", "key", "position")
    list_filter = ("severity",)


@admin.register(Postmortem)
class PostmortemAdmin(admin.ModelAdmin):
    list_display = ("incident", "status", "owner", "due_at", "published_at")
    list_filter = ("status",)
    raw_id_fields = ("incident", "owner", "created_by", "published_by")


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "status", "priority", "due_date", "incident")
    list_filter = ("status", "priority")
    raw_id_fields = ("incident", "postmortem", "owner", "created_by")


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("key", "recipient", "created_at", "sent_at", "attempts")
