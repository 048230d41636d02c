"""Writes for donations: donors, pledges, cash and in-kind receipts, spending.

Every function takes the acting user, checks that they are a provincial
donation manager, runs in one transaction and leaves an audit record.

The package is split by object: ``donors``, ``pledges``, ``receipts``, ``spending``;
callers import from ``donations.services`` as before.
"""

from donations.services._base import (
    DEVICE_KINDS,
    DONOR_FIELDS,
    KIND_OF_DEVICE,
    DeliveryImportError,
    InstalmentSpec,
    ItemSpec,
    _refresh_public_page,
    _require_manager,
)
from donations.services.donors import (
    _clean_donor,
    create_donor,
    normalize_reference,
    normalize_tax_code,
    update_donor,
)
from donations.services.pledges import (
    _lock_pledge,
    _pledge_errors,
    _pledge_terms,
    create_pledge,
    update_pledge,
)
from donations.services.receipts import (
    _duplicate_reference_message,
    _import_delivery,
    _over_delivery_reason,
    cash_received,
    devices_delivered,
    devices_pledged,
    record_cash_receipt,
    record_inkind_receipt,
)
from donations.services.spending import receipt_balance, record_spending

__all__ = [
    "DEVICE_KINDS",
    "DONOR_FIELDS",
    "DeliveryImportError",
    "InstalmentSpec",
    "ItemSpec",
    "KIND_OF_DEVICE",
    "_clean_donor",
    "_duplicate_reference_message",
    "_import_delivery",
    "_lock_pledge",
    "_over_delivery_reason",
    "_pledge_errors",
    "_pledge_terms",
    "_refresh_public_page",
    "_require_manager",
    "cash_received",
    "create_donor",
    "create_pledge",
    "devices_delivered",
    "devices_pledged",
    "normalize_reference",
    "normalize_tax_code",
    "receipt_balance",
    "record_cash_receipt",
    "record_inkind_receipt",
    "record_spending",
    "update_donor",
    "update_pledge",
]
