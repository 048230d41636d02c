"""Admin: the platform catalogue is edited here or on the portal's page (both audited
through ``services.save_platform``); pupils' accounts change only on the pupil's page."""

from __future__ import annotations

from django.contrib import admin

from kernel.admin import ReadOnlyAdmin
from platforms import services
from platforms.forms import LearningPlatformForm
from platforms.models import LearningPlatform, PlatformAccount


@admin.register(LearningPlatform)
class LearningPlatformAdmin(admin.ModelAdmin):
    form = LearningPlatformForm
    list_display = ("name", "url", "operator", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "operator")

    def save_model(self, request, obj, form, change):
        platform = LearningPlatform.objects.get(pk=obj.pk) if change else None
        saved = services.save_platform(
            actor=request.user, data=form.cleaned_data, platform=platform
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # accounts point at it: mark it "not in use" instead


@admin.register(PlatformAccount)
class PlatformAccountAdmin(ReadOnlyAdmin):
    list_display = ("login_name", "platform", "student", "set_up_on", "is_active")
    list_filter = ("platform", "is_active")
    search_fields = ("login_name",)
    list_select_related = ("platform", "student")
