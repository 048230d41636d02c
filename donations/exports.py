"""Donation lists that export to Excel, registered with the background export machinery.

Each ``*_rows(user, params)`` reads the list's filters from GET-like params, so the
page, the direct download and the background job build the very same rows. Like
the pages, they are for provincial donation managers only (404 for anyone else).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.access import get_for_user
from accounts.models import User
from donations import exporters, selectors
from donations.models import CashReceipt, Donor, Spending, manages_donations
from kernel.exports import register_export
from kernel.normalize import fold
from kernel.sorting import Sorting

DONORS = "donations.donors"
RECEIPTS = "donations.receipts"
SPENDINGS = "donations.spendings"
DONOR_DEVICES = "donations.donor_devices"
MANAGE = ("can_manage_donations",)


def _manager(user: User) -> None:
    if not manages_donations(user):
        raise Http404


def query(params: Mapping[str, Any]) -> str:
    return str(params.get("q", "")).strip()[:100]


DONOR_SORTS = {
    "ten": ("name",),
    "loai": ("kind",),
    "tien_cam_ket": ("pledged_cash",),
    "da_nhan": ("received_cash",),
    "thiet_bi": ("pledged_devices", "received_devices"),
    "cong_khai": ("public_consent",),
}


def donor_sorting(params: Mapping[str, Any]) -> Sorting:
    """The donor list's order (``?sap_xep=``), by name unless the user chose a column."""
    return Sorting.from_params(params, DONOR_SORTS, default=("name",))


def donor_rows(user: User, params: Mapping[str, Any]) -> list[Donor]:
    """Donors with their totals, filtered by name or tax code, flagged when overdue."""
    _manager(user)
    donors = selectors.donors_with_totals(user)
    wanted = fold(query(params))
    if wanted:
        ids = [
            pk
            for pk, name, tax in donors.values_list("pk", "name", "tax_code")
            if wanted in fold(name) or wanted in tax
        ]
        donors = donors.filter(pk__in=ids)
    rows = list(donor_sorting(params).apply(donors))
    overdue = selectors.overdue_donor_ids([d.pk for d in rows])
    for donor in rows:
        donor.has_overdue = donor.pk in overdue
    return rows


def receipt_rows(user: User, params: Mapping[str, Any]) -> QuerySet[CashReceipt]:
    _manager(user)
    receipts = selectors.cash_receipts(user)
    wanted = query(params)
    if wanted:
        receipts = receipts.filter(
            Q(reference__icontains=wanted) | Q(pledge__donor__name__icontains=wanted)
        )
    return receipts


def spending_rows(user: User, params: Mapping[str, Any]) -> QuerySet[Spending]:
    _manager(user)
    return selectors.spendings(user)


def _donor_pk(params: Mapping[str, Any]) -> int:
    pk = str(params.get("donor", ""))
    if not pk.isdigit():
        raise Http404
    return int(pk)


def donor_device_rows(user: User, params: Mapping[str, Any]) -> list[tuple]:
    """``(device, place)`` pairs of one donor's devices, given in kind then bought."""
    _manager(user)
    trace = selectors.donor_trace(user=user, pk=_donor_pk(params))
    return trace.devices + trace.purchased


def donor_devices_filename(user: User, params: Mapping[str, Any]) -> str:
    _manager(user)
    donor = get_for_user(Donor.objects.all(), user, pk=_donor_pk(params))
    return f"Thiết bị - {donor.name}.xlsx"


def register() -> None:
    register_export(
        DONORS,
        label="Nhà tài trợ",
        filename="Nhà tài trợ.xlsx",
        exporter=exporters.DonorExporter,
        objects=donor_rows,
        capabilities=MANAGE,
    )
    register_export(
        RECEIPTS,
        label="Khoản thu",
        filename="Khoản thu.xlsx",
        exporter=exporters.CashReceiptExporter,
        objects=receipt_rows,
        capabilities=MANAGE,
    )
    register_export(
        SPENDINGS,
        label="Khoản chi",
        filename="Khoản chi.xlsx",
        exporter=exporters.SpendingExporter,
        objects=spending_rows,
        capabilities=MANAGE,
    )
    register_export(
        DONOR_DEVICES,
        label="Thiết bị từ nhà tài trợ",
        filename="Thiết bị từ nhà tài trợ.xlsx",
        exporter=exporters.TracedDeviceExporter,
        objects=donor_device_rows,
        capabilities=MANAGE,
        name_for=donor_devices_filename,
    )
