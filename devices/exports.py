"""The devices lists that export to Excel, registered with the background export machinery.

Each ``*_rows(user, params)`` reads the list's filters from GET-like params, so the
page, the direct download and the background job build the very same rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accounts.models import User
from devices import selectors
from devices.exporters import (
    AllocationExporter,
    BeneficiaryExporter,
    DeviceExporter,
    DistrictStockExporter,
    PackageExporter,
    ReadinessExporter,
    SchoolStockExporter,
    SourceExporter,
    SubscriptionExporter,
    TransferExporter,
)
from devices.models import Allocation, DataPackage, Device, Subscription
from devices.readiness import pupil_rows, with_readiness
from kernel.exports import register_export
from schools.choices import DeviceType

ALLOCATIONS = "devices.allocations"
WAITING_DEVICES = "devices.waiting_devices"
WAITING_DATA = "devices.waiting_data"
SUBSCRIPTIONS = "devices.subscriptions"
DEVICES = "devices.devices"
STOCK_SUMMARY = "devices.stock_summary"
SOURCES = "devices.sources"
TRANSFERS = "devices.transfers"
PACKAGES = "devices.packages"
READINESS = "devices.readiness"
VIEW = ("can_allocate", "can_view_reports")


def _choice(params: Mapping[str, Any], name: str, choices: Any) -> str:
    value = str(params.get(name, ""))
    return value if value in choices.values else ""


def _number(params: Mapping[str, Any], name: str) -> int | None:
    value = str(params.get(name, ""))
    return int(value) if value.isdigit() else None


def allocation_rows(user: User, params: Mapping[str, Any]):
    return selectors.allocation_list(
        user,
        school_id=_number(params, "school"),
        status=_choice(params, "status", Allocation.Status),
    )


def waiting_device_rows(user: User, params: Mapping[str, Any]):
    return with_readiness(selectors.beneficiaries_without_device(user), ref="student_id")


def waiting_data_rows(user: User, params: Mapping[str, Any]):
    return with_readiness(selectors.beneficiaries_without_package(user), ref="student_id")


def subscription_rows(user: User, params: Mapping[str, Any]):
    return selectors.subscription_list(
        user,
        status=_choice(params, "status", Subscription.Status),
        expiring=str(params.get("expiring", "")) == "1",
        q=str(params.get("q", ""))[:60],
    )


def device_rows(user: User, params: Mapping[str, Any]):
    return selectors.device_list(
        user,
        source=_number(params, "source"),
        device_type=_choice(params, "type", DeviceType),
        status=_choice(params, "status", Device.Status),
        q=str(params.get("q", ""))[:60],
    )


def stock_summary_rows(user: User, params: Mapping[str, Any]) -> list[dict]:
    """Province: stock per district; district and school: per school."""
    if user.scope.is_provincial:
        return selectors.stock_per_district(user)
    return selectors.stock_per_school(user)


def stock_summary_exporter(user: User) -> DistrictStockExporter | SchoolStockExporter:
    return DistrictStockExporter() if user.scope.is_provincial else SchoolStockExporter()


def source_rows(user: User, params: Mapping[str, Any]):
    return selectors.sources_with_counts(user)


def transfer_rows(user: User, params: Mapping[str, Any]):
    return selectors.transfer_list(user)


def package_rows(user: User, params: Mapping[str, Any]):
    """The data package catalogue (the same for every unit)."""
    return DataPackage.objects.prefetch_related("zero_rated_platforms").order_by("carrier", "name")


# One line per downloadable device list: key, label (the file is named after it), rows,
# exporter, and what the registry needs besides (``kernel.exports.register_export``).
PUPIL_DATA = {"personal_data": True}
LISTS: tuple[tuple[str, str, Any, Any, dict[str, Any]], ...] = (
    (ALLOCATIONS, "Cấp phát thiết bị", allocation_rows, AllocationExporter, PUPIL_DATA),
    (
        WAITING_DEVICES,
        "Học sinh chờ nhận thiết bị",
        waiting_device_rows,
        BeneficiaryExporter,
        {"capabilities": ("can_allocate",), **PUPIL_DATA},
    ),
    (
        WAITING_DATA,
        "Học sinh chờ gói cước",
        waiting_data_rows,
        BeneficiaryExporter,
        {"capabilities": ("can_allocate",), **PUPIL_DATA},
    ),
    (
        SUBSCRIPTIONS,
        "Thuê bao gói cước",
        subscription_rows,
        SubscriptionExporter,
        {"capabilities": ("can_allocate",), **PUPIL_DATA},
    ),
    (DEVICES, "Danh sách thiết bị", device_rows, DeviceExporter, {}),
    # one row per district or school: small enough to download at once
    (
        STOCK_SUMMARY,
        "Tồn kho thiết bị",
        stock_summary_rows,
        stock_summary_exporter,
        {"per_user": True, "fixed_size": True},
    ),
    (SOURCES, "Thiết bị theo nguồn", source_rows, SourceExporter, {}),
    (TRANSFERS, "Phiếu điều chuyển", transfer_rows, TransferExporter, {}),
    # the carriers' catalogue, the same for every unit
    (
        PACKAGES,
        "Danh mục gói cước",
        package_rows,
        PackageExporter,
        {"capabilities": ("can_allocate",), "fixed_size": True},
    ),
    (
        READINESS,
        "Học sinh được hỗ trợ: sẵn sàng học trực tuyến",
        pupil_rows,
        ReadinessExporter,
        {"filename": "Sẵn sàng học trực tuyến.xlsx", **PUPIL_DATA},
    ),
)


def register() -> None:
    for key, label, rows, exporter, options in LISTS:
        given: dict[str, Any] = {"filename": f"{label}.xlsx", "capabilities": VIEW, **options}
        register_export(key, label=label, exporter=exporter, objects=rows, **given)
