from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from import_export.admin import ImportExportModelAdmin

from kernel.admin import ReadOnlyAdmin
from kernel.audit import record_audit
from kernel.resources import SafeExportResource
from schools.forms import InterimChangeImportForm
from schools.models import (
    GENERATION_2021,
    Commune,
    CommuneSuccession,
    District,
    InterimUnitChange,
    Province,
    School,
    SchoolPlacement,
    SchoolSite,
    UnitGeneration,
    Village,
)


class DistrictResource(SafeExportResource):
    class Meta:
        model = District
        import_id_fields = ("code",)
        fields = ("code", "name", "kind", "province", "is_active")


class CommuneResource(SafeExportResource):
    class Meta:
        model = Commune
        # A code is a key only with its generation: 2025 codes reuse codes of 2021.
        import_id_fields = ("generation", "code")
        fields = ("generation", "code", "name", "kind", "district", "province")


@admin.register(UnitGeneration)
class UnitGenerationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "has_districts", "valid_from", "valid_to", "legal_basis")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "generation")
    list_filter = ("generation",)
    search_fields = ("name", "code")


@admin.register(District)
class DistrictAdmin(ImportExportModelAdmin):
    resource_classes = [DistrictResource]
    list_display = ("code", "name", "kind", "province", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")


@admin.register(Commune)
class CommuneAdmin(ImportExportModelAdmin):
    resource_classes = [CommuneResource]
    list_display = ("code", "name", "kind", "district", "province", "generation")
    list_filter = ("generation", "kind", "district")
    search_fields = ("name", "code")
    list_select_related = ("district", "province", "generation")

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str):
        # The merges of 2023–2024 are between communes of the three-level list only.
        if request.GET.get("model_name") == "interimunitchange":
            queryset = queryset.filter(generation_id=GENERATION_2021)
        return super().get_search_results(request, queryset, search_term)


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ("name", "commune", "latitude", "longitude")
    list_filter = ("commune__district",)
    search_fields = ("name", "commune__name")
    autocomplete_fields = ("commune",)


class SchoolSiteInline(admin.TabularInline):
    model = SchoolSite
    extra = 0
    autocomplete_fields = ("village",)


class SchoolPlacementInline(admin.TabularInline):
    model = SchoolPlacement
    extra = 0
    autocomplete_fields = ("commune",)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "kind", "commune", "district", "is_active")
    list_filter = ("district", "level", "kind", "is_active")
    search_fields = ("name", "code")
    autocomplete_fields = ("commune",)
    inlines = [SchoolSiteInline, SchoolPlacementInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is not SchoolPlacement:
            return
        for placement in (*formset.new_objects, *(o for o, _f in formset.changed_objects)):
            record_audit(
                actor=request.user,
                action="school.place",
                obj=placement,
                changes={"commune": [None, placement.commune_id]},
                school_id=placement.school_id,
            )
        for placement in formset.deleted_objects:
            record_audit(
                actor=request.user,
                action="school.unplace",
                obj=form.instance,
                changes={"commune": [placement.commune_id, None]},
                school_id=form.instance.pk,
            )


@admin.register(CommuneSuccession)
class CommuneSuccessionAdmin(ReadOnlyAdmin):
    """The package's crosswalk, loaded by ``load_units``: read here, never edited."""

    list_display = ("old", "old_code", "new", "new_code", "partial")
    list_filter = ("partial",)
    search_fields = ("old__name", "old__code", "new__name", "new__code")
    list_select_related = ("old", "new")

    @admin.display(description=_("mã xã cũ"))
    def old_code(self, obj: CommuneSuccession) -> str:
        return obj.old.code

    @admin.display(description=_("mã xã mới"))
    def new_code(self, obj: CommuneSuccession) -> str:
        return obj.new.code


def _shown(value: Any) -> str | int | None:
    """A form value as the audit row keeps it: a unit by its id, anything else as text."""
    if value is None or isinstance(value, int):
        return value
    return getattr(value, "pk", None) or str(value)


@admin.register(InterimUnitChange)
class InterimUnitChangeAdmin(admin.ModelAdmin):
    """The 2023–2024 merges: edited here or imported from .xlsx; every change audited."""

    list_display = ("old", "successor", "legal_basis", "effective_date")
    search_fields = ("old__name", "old__code", "successor__name", "legal_basis")
    date_hierarchy = "effective_date"
    autocomplete_fields = ("old", "successor")
    list_select_related = ("old", "successor")

    def save_model(self, request: HttpRequest, obj: InterimUnitChange, form: Any, change: bool):
        super().save_model(request, obj, form, change)
        record_audit(
            actor=request.user,
            action="unit.interim_change.update" if change else "unit.interim_change.create",
            obj=obj,
            changes={
                name: [_shown(form.initial.get(name)), _shown(form.cleaned_data.get(name))]
                for name in form.changed_data
            },
        )

    def delete_model(self, request: HttpRequest, obj: InterimUnitChange) -> None:
        record_audit(actor=request.user, action="unit.interim_change.delete", obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            record_audit(actor=request.user, action="unit.interim_change.delete", obj=obj)
        super().delete_queryset(request, queryset)

    def get_urls(self):
        return [
            path(
                "nhap-tu-excel/",
                self.admin_site.admin_view(self.import_view),
                name="schools_interimunitchange_import",
            )
        ] + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload an .xlsx of merges; a dry run shows what would change, a bad row writes nothing."""
        from schools.interim_import import import_interim_changes

        if not self.has_add_permission(request):
            from django.http import Http404

            raise Http404
        report = None
        form = InterimChangeImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            dry_run = form.cleaned_data["dry_run"]
            report = import_interim_changes(
                actor=request.user, source=form.cleaned_data["file"], dry_run=dry_run
            )
            if report.ok and not dry_run:
                messages.success(
                    request,
                    _("Đã thêm %(c)d, cập nhật %(u)d lần sắp xếp xã.")
                    % {"c": report.created, "u": report.updated},
                )
                return redirect("admin:schools_interimunitchange_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "report": report,
            "title": _("Nhập các lần sắp xếp xã 2023–2024 từ Excel"),
            "opts": self.model._meta,
        }
        return render(request, "admin/schools/interimunitchange/import.html", context)


@admin.register(SchoolSite)
class SchoolSiteAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "village")
    search_fields = ("name", "school__name")
    autocomplete_fields = ("school", "village")
