"""Admin for coverage: read-mostly; derived fields stay read-only (set by the services)."""

from django.contrib import admin

from coverage.models import CarrierSignal, CoveragePlan, CoveragePoint, PlanNote


class CarrierSignalInline(admin.TabularInline):
    model = CarrierSignal
    extra = 0
    readonly_fields = ("recorded_by",)


@admin.register(CoveragePoint)
class CoveragePointAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "district", "commune", "best_technology", "on_ministry_list")
    list_filter = ("kind", "district", "on_ministry_list", "best_technology")
    search_fields = ("name", "school__code", "village__name")
    readonly_fields = ("best_technology", "updated_at")
    raw_id_fields = ("school", "site", "village", "commune", "district")
    inlines = [CarrierSignalInline]


class PlanNoteInline(admin.TabularInline):
    model = PlanNote
    extra = 0
    readonly_fields = ("stage", "text", "author", "created_at")


@admin.register(CoveragePlan)
class CoveragePlanAdmin(admin.ModelAdmin):
    list_display = ("point", "carrier", "solution", "stage", "target_date")
    list_filter = ("stage", "carrier", "solution")
    raw_id_fields = ("point",)
    inlines = [PlanNoteInline]
