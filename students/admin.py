"""Admin: reference data (ethnic groups, household categories) with import/export;
pupils and households are read-only here, since every change must go through the
portal's services to be validated and audited."""

from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from kernel.admin import ReadOnlyAdmin
from kernel.resources import SafeExportResource
from students.models import Ethnicity, Household, HouseholdCategory, Student


class EthnicityResource(SafeExportResource):
    class Meta:
        model = Ethnicity
        import_id_fields = ("code",)
        fields = ("code", "name", "aliases")


class HouseholdCategoryResource(SafeExportResource):
    class Meta:
        model = HouseholdCategory
        import_id_fields = ("code",)
        fields = ("code", "name", "priority", "synonyms", "is_active")


@admin.register(Ethnicity)
class EthnicityAdmin(ImportExportModelAdmin):
    resource_classes = [EthnicityResource]
    list_display = ("code", "name", "aliases")
    search_fields = ("name", "aliases", "code")


@admin.register(HouseholdCategory)
class HouseholdCategoryAdmin(ImportExportModelAdmin):
    resource_classes = [HouseholdCategoryResource]
    list_display = ("code", "name", "priority", "synonyms", "is_active")
    list_editable = ("priority", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "synonyms", "code")


@admin.register(Student)
class StudentAdmin(ReadOnlyAdmin):
    list_display = (
        "full_name",
        "pupil_code",
        "school",
        "class_name",
        "status",
        "eligibility_locked",
    )
    list_filter = ("status", "eligibility_locked", "school__district")
    search_fields = ("pupil_code", "name_key")
    list_select_related = ("school",)


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ("code", "category", "commune", "guardian_name")
    list_filter = ("category",)
    search_fields = ("code", "guardian_name")
    list_select_related = ("category", "commune")
