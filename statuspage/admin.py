from django.contrib import admin

from statuspage.models import Component, ComponentGroup, Maintenance, Publication, PublicUpdate


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ("name", "group", "manual_state", "order")
    list_filter = ("group",)
    filter_horizontal = ("services",)


@admin.register(Maintenance)
class MaintenanceAdmin(admin.ModelAdmin):
    list_display = ("title", "starts_at", "ends_at")
    filter_horizontal = ("components",)


admin.site.register(ComponentGroup)
admin.site.register(Publication)
admin.site.register(PublicUpdate)
