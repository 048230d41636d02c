"""Writes for devices and data packages.

Every function is a verb, takes keyword-only arguments including the acting user,
runs in one transaction, checks the actor's scope itself (views fetch objects
through ``visible_to`` first; services check again) and leaves an audit entry.
A business refusal raises ``ValidationError`` with one Vietnamese sentence;
an actor outside the object's scope or without the capability gets ``Http404``,
the one refusal of ``accounts.access``.
"""

from devices.services.allocations import (
    SCAN_SIGNATURES,
    allocate_device,
    can_write_off,
    cancel_allocation,
    check_scan,
    record_handover,
    record_return,
    write_off_device,
)
from devices.services.stock import (
    cancel_transfer,
    check_import_upload,
    confirm_import,
    confirm_transfer,
    create_device_source,
    create_transfer,
    receive_device,
    record_import_result,
    store_import_upload,
)
from devices.services.subscriptions import (
    EXPIRY_WARNING_DAYS,
    create_subscription,
    expire_subscriptions,
    report_problem,
    resolve_problem,
    subscription_end,
)

__all__ = [
    "EXPIRY_WARNING_DAYS",
    "SCAN_SIGNATURES",
    "allocate_device",
    "can_write_off",
    "cancel_allocation",
    "cancel_transfer",
    "check_scan",
    "confirm_transfer",
    "create_device_source",
    "create_subscription",
    "create_transfer",
    "expire_subscriptions",
    "receive_device",
    "record_handover",
    "check_import_upload",
    "confirm_import",
    "record_import_result",
    "record_return",
    "report_problem",
    "resolve_problem",
    "store_import_upload",
    "subscription_end",
    "write_off_device",
]
