"""The bodies that decide for schools, as data with validity dates.

Until 30 June 2025 a district's education office (Phòng GD&ĐT) decided for the schools
of its district; since 1 July 2025 (Decree 142/2025/NĐ-CP) the commune People's
Committee, worked by its Phòng Văn hóa – Xã hội, decides for preschool, primary and
lower-secondary schools, and the provincial Department (Sở GD&ĐT) for upper-secondary
schools and continuing-education centres. ``schools.offices.deciding_office`` says which
office decides for a school on a day. Imported by ``schools.models``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from schools.models_reform import dates_in_order, in_period

DECREE_142 = "Nghị định 142/2025/NĐ-CP"
RESOLUTION_202 = "Nghị quyết 202/2025/QH15"


class Office(models.Model):
    class Kind(models.TextChoices):
        DISTRICT_OFFICE = "district", _("Phòng GD&ĐT")
        COMMUNE_COMMITTEE = "commune", _("UBND xã (Phòng Văn hóa – Xã hội)")
        DEPARTMENT = "department", _("Sở GD&ĐT")

    kind = models.CharField(_("loại cơ quan"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("tên cơ quan"), max_length=200)
    province = models.ForeignKey(
        "schools.Province",
        on_delete=models.PROTECT,
        related_name="offices",
        verbose_name=_("tỉnh"),
    )
    district = models.ForeignKey(
        "schools.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offices",
        verbose_name=_("huyện"),
        help_text=_("Chỉ với Phòng GD&ĐT."),
    )
    commune = models.ForeignKey(
        "schools.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offices",
        verbose_name=_("xã/phường"),
        help_text=_("Chỉ với UBND xã, xã/phường từ 1/7/2025."),
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("cơ quan quản lý trường")
        verbose_name_plural = _("cơ quan quản lý trường")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="district", district__isnull=False, commune__isnull=True)
                    | models.Q(kind="commune", district__isnull=True, commune__isnull=False)
                    | models.Q(kind="department", district__isnull=True, commune__isnull=True)
                ),
                name="office_unit_matches_kind",
            ),
            dates_in_order("office_dates_in_order"),
            models.UniqueConstraint(
                fields=["district"],
                condition=models.Q(kind="district"),
                name="office_one_per_district",
            ),
            models.UniqueConstraint(
                fields=["commune"],
                condition=models.Q(kind="commune"),
                name="office_one_per_commune",
            ),
            models.UniqueConstraint(
                fields=["province"],
                condition=models.Q(kind="department"),
                name="office_one_department_per_province",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def in_force_on(self, day: dt.date) -> bool:
        return in_period(day, self.valid_from, self.valid_to)

    def is_abolished_on(self, day: dt.date) -> bool:
        return self.valid_to is not None and self.valid_to < day

    def clean(self) -> None:
        if self.kind == self.Kind.DISTRICT_OFFICE and not self.district_id:
            raise ValidationError({"district": _("Phòng GD&ĐT phải gắn với một huyện.")})
        if self.kind == self.Kind.COMMUNE_COMMITTEE and not self.commune_id:
            raise ValidationError({"commune": _("UBND xã phải gắn với một xã/phường.")})
        if self.kind != self.Kind.DISTRICT_OFFICE and self.district_id:
            raise ValidationError({"district": _("Chỉ Phòng GD&ĐT gắn với huyện.")})
        if self.kind != self.Kind.COMMUNE_COMMITTEE and self.commune_id:
            raise ValidationError({"commune": _("Chỉ UBND xã gắn với xã/phường.")})
        commune = self.commune if self.commune_id else None
        if commune is not None and commune.generation.has_districts:
            raise ValidationError(
                {"commune": _("UBND xã quản lý trường là xã/phường từ 1/7/2025.")}
            )
