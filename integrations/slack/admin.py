from django.contrib import admin

from integrations.slack.models import IncidentChannel, SlackInbound, SlackUserLink


@admin.register(SlackUserLink)
class SlackUserLinkAdmin(admin.ModelAdmin):
    list_display = ("slack_user_id", "user", "source", "created_at")
    search_fields = ("slack_user_id", "user__username", "user__email")
    list_filter = ("source",)


@admin.register(IncidentChannel)
class IncidentChannelAdmin(admin.ModelAdmin):
    list_display = ("incident", "name", "channel_id", "archive_at", "archived_at")
    search_fields = ("name", "channel_id", "incident__number")
    readonly_fields = ("incident",)


@admin.register(SlackInbound)
class SlackInboundAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "event_id", "received_at", "processed_at", "outcome")
    list_filter = ("kind",)
    readonly_fields = ("kind", "event_id", "payload", "received_at", "processed_at", "outcome")
