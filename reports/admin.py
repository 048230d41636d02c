from django.contrib import admin

from reports.models import OutreachActivity, ProgressReport


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ("number", "period_start", "period_end", "status", "generated_at", "emailed_at")
    list_filter = ("status",)
    readonly_fields = (
        "number",
        "status",
        "progress",
        "figures",
        "xlsx",
        "pdf",
        "requested_by",
        "enqueued_at",
        "started_at",
        "generated_at",
        "emailed_at",
        "error",
    )


@admin.register(OutreachActivity)
class OutreachActivityAdmin(admin.ModelAdmin):
    list_display = ("held_on", "channel", "title", "school", "district")
    list_filter = ("channel",)
    search_fields = ("title",)
    raw_id_fields = ("school", "district", "created_by")
