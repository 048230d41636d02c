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
    SchoolStockExporter,
    SourceExporter,
    SubscriptionExporter,
    TransferExporter,
)
from devices.models import Allocation, DataPackage, Device, Subscription
from devices.readiness import with_readiness
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


# size: a declaration: one register_export call per downloadable device list
def register() -> None:
    register_export(
        ALLOCATIONS,
        label="Cấp phát thiết bị",
        filename="Cấp phát thiết bị.xlsx",
        exporter=AllocationExporter,
        objects=allocation_rows,
        capabilities=("can_allocate", "can_view_reports"),
        personal_data=True,
    )
    register_export(
        WAITING_DEVICES,
        label="Học sinh chờ nhận thiết bị",
        filename="Học sinh chờ nhận thiết bị.xlsx",
        exporter=BeneficiaryExporter,
        objects=waiting_device_rows,
        capabilities=("can_allocate",),
        personal_data=True,
    )
    register_export(
        WAITING_DATA,
        label="Học sinh chờ gói cước",
        filename="Học sinh chờ gói cước.xlsx",
        exporter=BeneficiaryExporter,
        objects=waiting_data_rows,
        capabilities=("can_allocate",),
        personal_data=True,
    )
    register_export(
        SUBSCRIPTIONS,
        label="Thuê bao gói cước",
        filename="Thuê bao gói cước.xlsx",
        exporter=SubscriptionExporter,
        objects=subscription_rows,
        capabilities=("can_allocate",),
        personal_data=True,
    )
    register_export(
        DEVICES,
        label="Danh sách thiết bị",
        filename="Danh sách thiết bị.xlsx",
        exporter=DeviceExporter,
        objects=device_rows,
        capabilities=VIEW,
    )
    register_export(
        STOCK_SUMMARY,
        label="Tồn kho thiết bị",
        filename="Tồn kho thiết bị.xlsx",
        exporter=stock_summary_exporter,
        objects=stock_summary_rows,
        per_user=True,
        fixed_size=True,
        capabilities=VIEW,
    )
    register_export(
        SOURCES,
        label="Thiết bị theo nguồn",
        filename="Thiết bị theo nguồn.xlsx",
        exporter=SourceExporter,
        objects=source_rows,
        capabilities=VIEW,
    )
    register_export(
        TRANSFERS,
        label="Phiếu điều chuyển",
        filename="Phiếu điều chuyển.xlsx",
        exporter=TransferExporter,
        objects=transfer_rows,
        capabilities=VIEW,
    )
    register_export(
        PACKAGES,
        label="Danh mục gói cước",
        filename="Danh mục gói cước.xlsx",
        exporter=PackageExporter,
        objects=package_rows,
        capabilities=("can_allocate",),
        fixed_size=True,
    )
