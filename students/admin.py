from django.contrib import admin

from students.models import HouseholdCategory


@admin.register(HouseholdCategory)
class HouseholdCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "priority", "is_active")
    list_editable = ("priority", "is_active")
    search_fields = ("name", "synonyms")
