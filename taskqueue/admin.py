from django.contrib import admin

from taskqueue.models import OutboxTask


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    list_display = ("created_at", "name", "published_at", "done_at", "attempts")
    list_filter = ("name",)
    readonly_fields = [f.name for f in OutboxTask._meta.fields]
