"""Admin: data packages are reference data edited here; the rest is read-mostly.

Devices, allocations and subscriptions change through the portal's services (which
check scope and leave an audit trail), so their admin pages are read-only.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from devices.models import (
    Allocation,
    DataPackage,
    Device,
    DeviceSource,
    StockTransfer,
    Subscription,
)
from devices.transition.admin import hand_over_work
from kernel.admin import ReadOnlyAdmin
from schools.admin import OfficeAdmin as BaseOfficeAdmin
from schools.models import Office


@admin.register(DataPackage)
class DataPackageAdmin(admin.ModelAdmin):
    list_display = (
        "carrier",
        "name",
        "data_per_day_mb",
        "data_per_month_mb",
        "price_vnd_per_month",
        "free_months",
        "is_active",
    )
    list_filter = ("carrier", "is_active")
    search_fields = ("name",)


@admin.register(DeviceSource)
class DeviceSourceAdmin(ReadOnlyAdmin):
    list_display = ("kind", "reference", "received_on", "created_by")
    list_filter = ("kind",)
    search_fields = ("reference",)


@admin.register(Device)
class DeviceAdmin(ReadOnlyAdmin):
    list_display = ("serial_number", "device_type", "make", "model_name", "holder", "status")
    list_filter = ("device_type", "holder", "status", "condition")
    search_fields = ("serial_number", "imei")
    list_select_related = ("source",)


@admin.register(StockTransfer)
class StockTransferAdmin(ReadOnlyAdmin):
    list_display = ("number", "to_district", "to_school", "status", "sent_at", "received_at")
    list_filter = ("status",)
    list_select_related = ("to_district", "to_school")

    @admin.display(description=_("Số phiếu"), ordering="pk")
    def number(self, obj: StockTransfer) -> int:
        return obj.pk


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("device", "student", "school", "status", "terms", "handover_date")
    list_filter = ("status", "terms")
    list_select_related = ("device", "student", "school")


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("phone", "student", "package", "status", "starts_on", "ends_on")
    list_filter = ("status", "carrier")
    list_select_related = ("student", "package")


# The hand-over of the abolished district offices' work is an action on the offices; it
# moves devices, transfers and quotas, so it lives here, above rounds and schools.
class OfficeAdmin(BaseOfficeAdmin):
    actions = (hand_over_work,)


admin.site.unregister(Office)
admin.site.register(Office, OfficeAdmin)
