"""Shared parts of the donation services: constants, specs, the manager check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from donations.models import Pledge, manages_donations
from kernel import public_page
from kernel.importing import ImportReport
from schools.choices import DeviceType, SupportKind

DONOR_FIELDS = (
    "kind",
    "name",
    "tax_code",
    "contact_name",
    "phone",
    "email",
    "address",
    "public_consent",
)
# The kind of pledged support a delivered device counts against.
KIND_OF_DEVICE: dict[str, str] = {
    DeviceType.DESKTOP: SupportKind.COMPUTER,
    DeviceType.LAPTOP: SupportKind.COMPUTER,
    DeviceType.TABLET: SupportKind.TABLET,
    DeviceType.SMARTPHONE: SupportKind.SMARTPHONE,
}
DEVICE_KINDS = frozenset(KIND_OF_DEVICE.values())


class DeliveryImportError(ValidationError):
    """The delivery list could not be imported; ``report`` says which rows are wrong."""

    def __init__(self, report: ImportReport, field: str = "delivery_file") -> None:
        self.report = report
        message = _("Danh sách thiết bị có %(n)s lỗi, chưa nhận thiết bị nào.") % {
            "n": len(report.errors)
        }
        super().__init__({field: [message, *(str(e) for e in report.errors[:50])]})


@dataclass(frozen=True)
class ItemSpec:
    """An in-kind part of a pledge."""

    kind: str
    quantity: int
    months: int | None = None


@dataclass(frozen=True)
class InstalmentSpec:
    due_on: dt.date
    amount: int


def _require_manager(actor: User, *province_ids: int | None) -> None:
    """A donation manager, acting on records of their own province (``province_ids``:
    of the donor, pledge, round or account the write touches); else 404."""
    if not manages_donations(actor):
        raise Http404
    if any(pk is not None and not actor.scope.covers_province(pk) for pk in province_ids):
        raise Http404


def _refresh_public_page() -> None:
    """Once the change is committed, the public page shows it on its next request."""
    public_page.refresh_on_commit()


def _lock_pledge(pledge: Pledge) -> Pledge:
    # Serialises receipts against one pledge, so two clerks cannot both fill its remainder.
    return Pledge.objects.select_for_update().select_related("donor").get(pk=pledge.pk)
