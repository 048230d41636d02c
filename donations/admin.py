"""Admin for donations: reference data (fund accounts) and read-mostly views of the rest.

Donors, pledges, receipts and spending are recorded through the portal's services (they check the
pledge's remainder, import devices and audit); the admin only shows them.
"""

from __future__ import annotations

from django.contrib import admin

from donations.models import (
    CashReceipt,
    Donor,
    FundAccount,
    InKindReceipt,
    Instalment,
    Pledge,
    PledgeItem,
    Spending,
    SpendingDraw,
)
from kernel.admin import ReadOnlyAdmin


@admin.register(FundAccount)
class FundAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "bank", "number")
    search_fields = ("name", "bank", "number")


@admin.register(Donor)
class DonorAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "tax_code", "public_consent")
    list_filter = ("kind", "public_consent")
    search_fields = ("name", "tax_code")


class PledgeItemInline(admin.TabularInline):
    model = PledgeItem
    extra = 0


class InstalmentInline(admin.TabularInline):
    model = Instalment
    extra = 0


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = ("donor", "pledged_on", "cash_amount", "purpose")
    list_select_related = ("donor",)
    search_fields = ("donor__name", "purpose")
    inlines = [PledgeItemInline, InstalmentInline]


@admin.register(CashReceipt)
class CashReceiptAdmin(ReadOnlyAdmin):
    list_display = ("reference", "pledge", "amount", "received_on", "account", "over_delivery")
    list_select_related = ("pledge__donor", "account")
    search_fields = ("reference", "pledge__donor__name")
    date_hierarchy = "received_on"


@admin.register(InKindReceipt)
class InKindReceiptAdmin(ReadOnlyAdmin):
    list_display = ("source", "pledge", "over_delivery", "recorded_at")
    list_select_related = ("source", "pledge__donor")


class SpendingDrawInline(admin.TabularInline):
    model = SpendingDraw
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Spending)
class SpendingAdmin(ReadOnlyAdmin):
    list_display = ("reference", "spent_on", "purpose", "amount", "purchase")
    list_select_related = ("purchase",)
    search_fields = ("reference", "description")
    inlines = [SpendingDrawInline]
