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
    SubscriptionExporter,
)
from devices.models import Allocation, Device, Subscription
from schools.background_exports import register_export
from schools.choices import DeviceType

ALLOCATIONS = "devices.allocations"
WAITING_DEVICES = "devices.waiting_devices"
WAITING_DATA = "devices.waiting_data"
SUBSCRIPTIONS = "devices.subscriptions"
DEVICES = "devices.devices"


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
    return selectors.beneficiaries_without_device(user)


def waiting_data_rows(user: User, params: Mapping[str, Any]):
    return selectors.beneficiaries_without_package(user)


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


def register() -> None:
    pupil_level = {"personal_data": True}
    register_export(
        ALLOCATIONS,
        label="Cấp phát thiết bị",
        filename="Cấp phát thiết bị.xlsx",
        exporter=AllocationExporter,
        objects=allocation_rows,
        capabilities=("can_allocate", "can_view_reports"),
        **pupil_level,
    )
    register_export(
        WAITING_DEVICES,
        label="Học sinh chờ nhận thiết bị",
        filename="Học sinh chờ nhận thiết bị.xlsx",
        exporter=BeneficiaryExporter,
        objects=waiting_device_rows,
        capabilities=("can_allocate",),
        **pupil_level,
    )
    register_export(
        WAITING_DATA,
        label="Học sinh chờ gói cước",
        filename="Học sinh chờ gói cước.xlsx",
        exporter=BeneficiaryExporter,
        objects=waiting_data_rows,
        capabilities=("can_allocate",),
        **pupil_level,
    )
    register_export(
        SUBSCRIPTIONS,
        label="Thuê bao gói cước",
        filename="Thuê bao gói cước.xlsx",
        exporter=SubscriptionExporter,
        objects=subscription_rows,
        capabilities=("can_allocate",),
        **pupil_level,
    )
    register_export(
        DEVICES,
        label="Danh sách thiết bị",
        filename="Danh sách thiết bị.xlsx",
        exporter=DeviceExporter,
        objects=device_rows,
        capabilities=("can_allocate", "can_view_reports"),
    )
