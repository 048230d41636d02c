"""Donors: create and update, with normalised tax codes and references."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import diff, record_audit, snapshot
from donations.models import (
    Donor,
)
from donations.services._base import DONOR_FIELDS, _refresh_public_page, _require_manager
from kernel.identifiers import normalize_contact_phone, normalize_tax_code
from kernel.normalize import clean_text


def normalize_reference(value: Any) -> str:
    """Bank/treasury references compare without case and spacing differences."""
    return clean_text(value).upper()


def _clean_donor(donor: Donor) -> None:
    errors: dict[str, list[str]] = {}
    donor.name = clean_text(donor.name)
    donor.contact_name = clean_text(donor.contact_name)
    donor.address = clean_text(donor.address)
    try:
        donor.tax_code = normalize_tax_code(donor.tax_code)
    except ValueError as exc:
        errors["tax_code"] = [str(exc)]
    if donor.phone:
        try:
            donor.phone = normalize_contact_phone(donor.phone)
        except ValueError as exc:
            errors["phone"] = [str(exc)[:1].upper() + str(exc)[1:] + "."]
    if donor.kind == Donor.Kind.ENTERPRISE and not donor.tax_code and "tax_code" not in errors:
        errors["tax_code"] = [_("Doanh nghiệp phải có mã số thuế (10 hoặc 13 chữ số).")]
    # A tax code names one donor in the province's register (another province keeps its own).
    same_code = Donor.objects.filter(province=donor.province, tax_code=donor.tax_code)
    other = same_code.exclude(pk=donor.pk).first() if donor.tax_code else None
    if other is not None and "tax_code" not in errors:
        errors["tax_code"] = [
            _("Mã số thuế %(code)s đã thuộc nhà tài trợ “%(name)s”.")
            % {"code": donor.tax_code, "name": other}
        ]
    if errors:
        raise ValidationError(errors)
    donor.full_clean()


@transaction.atomic
def create_donor(
    *,
    actor: User,
    kind: str,
    name: str,
    tax_code: str = "",
    contact_name: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    public_consent: bool = False,
) -> Donor:
    """Register a donor; an enterprise needs a tax code, any tax code is 10 or 13 digits."""
    _require_manager(actor)
    donor = Donor(
        province_id=actor.scope.province_id,
        kind=kind,
        name=name,
        tax_code=tax_code,
        contact_name=contact_name,
        phone=phone,
        email=email,
        address=address,
        public_consent=public_consent,
    )
    _clean_donor(donor)
    donor.save()
    record_audit(
        actor=actor,
        action="donation.donor.create",
        obj=donor,
        changes=diff({}, snapshot(donor, DONOR_FIELDS)),
    )
    return donor


@transaction.atomic
def update_donor(*, actor: User, donor: Donor, **values: Any) -> Donor:
    """Change a donor's details (only the fields in ``DONOR_FIELDS``)."""
    _require_manager(actor, donor.province_id)
    unknown = set(values) - set(DONOR_FIELDS)
    if unknown:
        raise TypeError(f"update_donor() got unknown fields {sorted(unknown)}")
    donor = Donor.objects.select_for_update().get(pk=donor.pk)
    before = snapshot(donor, DONOR_FIELDS)
    for name, value in values.items():
        setattr(donor, name, value)
    _clean_donor(donor)
    changes = diff(before, snapshot(donor, DONOR_FIELDS))
    if changes:
        donor.save()
        record_audit(actor=actor, action="donation.donor.update", obj=donor, changes=changes)
    _refresh_public_page()
    return donor
