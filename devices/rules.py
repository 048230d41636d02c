"""Who may do what to devices, transfers, allocations and data packages.

The one statement of each rule: views, services and templates ask these
(``accounts.access``); a "no" is refused with 404 by the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.access import (
    is_commune_user,
    is_district_user,
    is_provincial_user,
    is_school_user,
    predicate,
)
from devices.models import Device, StockTransfer

if TYPE_CHECKING:
    from accounts.models import User
    from students.models import Student

WRITE_OFF_FROM = (
    Device.Status.IN_STOCK,
    Device.Status.DAMAGED,
    Device.Status.LOST,
    Device.Status.RETURNED,
)


@predicate
def may_receive_devices(user: User) -> bool:
    """The provincial stock is filled by provincial staff who allocate or manage donations."""
    return bool(
        user.is_authenticated
        and is_provincial_user(user)
        and (user.can("can_allocate") or user.can("can_manage_donations"))
    )


@predicate
def may_send_devices(user: User) -> bool:
    """The province sends to its districts or commune committees, they to their schools;
    a school never sends."""
    return user.can("can_allocate") and (
        is_provincial_user(user) or is_district_user(user) or is_commune_user(user)
    )


@predicate
def may_allocate_at_school(user: User) -> bool:
    """Devices and data packages reach pupils from their school's own stock."""
    return user.can("can_allocate") and is_school_user(user)


@predicate
def is_transfer_receiver(user: User, transfer: StockTransfer) -> bool:
    """The school, commune committee or district the transfer goes to."""
    scope = user.scope
    if transfer.to_school_id is not None:
        return scope.is_school and scope.school_id == transfer.to_school_id
    if transfer.to_commune_id is not None:
        return scope.is_commune and scope.commune_id == transfer.to_commune_id
    return scope.is_district and scope.district_id == transfer.to_district_id


@predicate
def is_transfer_sender(user: User, transfer: StockTransfer) -> bool:
    """The district it comes from, or for the provincial store the province it goes within."""
    scope = user.scope
    if transfer.from_district_id is not None:
        return scope.is_district and scope.district_id == transfer.from_district_id
    if transfer.from_commune_id is not None:
        return scope.is_commune and scope.commune_id == transfer.from_commune_id
    receiver = transfer.to_district or transfer.to_commune
    return (
        scope.is_provincial and receiver is not None and receiver.province_id in scope.province_ids
    )


@predicate
def may_confirm_transfer(user: User, transfer: StockTransfer) -> bool:
    return (
        user.can("can_allocate")
        and transfer.status == StockTransfer.Status.SENT
        and is_transfer_receiver(user, transfer)
    )


@predicate
def may_cancel_transfer(user: User, transfer: StockTransfer) -> bool:
    return (
        user.can("can_allocate")
        and transfer.status == StockTransfer.Status.SENT
        and is_transfer_sender(user, transfer)
    )


@predicate
def holds_device(user: User, device: Device) -> bool:
    """The user's unit holds the device (a school also answers for its pupils' devices)."""
    scope = user.scope
    if device.holder in (Device.Holder.SCHOOL, Device.Holder.PUPIL):
        return scope.is_school and scope.school_id == device.school_id
    if device.holder == Device.Holder.DISTRICT:
        return scope.is_district and scope.district_id == device.district_id
    if device.holder == Device.Holder.COMMUNE:
        return scope.is_commune and scope.commune_id == device.commune_id
    if device.holder == Device.Holder.PROVINCE:
        return scope.is_provincial and Device.objects.visible_to(user).filter(pk=device.pk).exists()
    return False


@predicate
def may_write_off(user: User, device: Device) -> bool:
    return (
        user.can("can_allocate") and device.status in WRITE_OFF_FROM and holds_device(user, device)
    )


@predicate
def may_manage_subscription_of(user: User, student: Student) -> bool:
    """A pupil's data package is registered by staff of the pupil's own school."""
    return may_allocate_at_school(user) and user.scope.school_id == student.school_id
