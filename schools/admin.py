from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from kernel.resources import SafeExportResource
from schools.models import Commune, District, Province, School, SchoolSite, Village


class DistrictResource(SafeExportResource):
    class Meta:
        model = District
        import_id_fields = ("code",)
        fields = ("code", "name", "kind", "province", "is_active")


class CommuneResource(SafeExportResource):
    class Meta:
        model = Commune
        import_id_fields = ("code",)
        fields = ("code", "name", "kind", "district")


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
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
    list_display = ("code", "name", "kind", "district")
    list_filter = ("district", "kind")
    search_fields = ("name", "code")


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


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "kind", "commune", "district", "is_active")
    list_filter = ("district", "level", "kind", "is_active")
    search_fields = ("name", "code")
    autocomplete_fields = ("commune",)
    inlines = [SchoolSiteInline]


@admin.register(SchoolSite)
class SchoolSiteAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "village")
    search_fields = ("name", "school__name")
    autocomplete_fields = ("school", "village")
