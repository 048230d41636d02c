"""The 1 July 2025 reform as data: unit generations, the crosswalk and school placements.

Every record keeps the unit it was recorded with; today's unit is derived through
``schools.crosswalk`` from the tables here, never by rewriting rows. Imported by
``schools.models`` (``from schools.models import ...`` finds them all).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

GENERATION_2021 = "2021"
GENERATION_2025 = "2025"
# The first day of the two-level units (Resolution 202/2025/QH15, Law 72/2025/QH15).
REFORM_DATE = dt.date(2025, 7, 1)
# The reference rows of UnitGeneration (migration 0007 adds them; SchoolsConfig restores them).
GENERATIONS: dict[str, dict[str, object]] = {
    GENERATION_2021: {
        "name": "Danh mục ba cấp (tỉnh – huyện – xã), trước 1/7/2025",
        "has_districts": True,
        "valid_from": None,
        "valid_to": REFORM_DATE - dt.timedelta(days=1),
        "legal_basis": "",
    },
    GENERATION_2025: {
        "name": "Danh mục hai cấp (tỉnh – xã), từ 1/7/2025",
        "has_districts": False,
        "valid_from": REFORM_DATE,
        "valid_to": None,
        "legal_basis": "Nghị quyết 202/2025/QH15",
    },
}


def in_period(day: dt.date, valid_from: dt.date | None, valid_to: dt.date | None) -> bool:
    """``day`` lies in the period (either end open when empty)."""
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)


def in_period_q(day: dt.date, prefix: str = "") -> models.Q:
    """``in_period`` as a query condition on ``{prefix}valid_from`` / ``{prefix}valid_to``."""
    return (
        models.Q(**{f"{prefix}valid_from__isnull": True})
        | models.Q(**{f"{prefix}valid_from__lte": day})
    ) & (
        models.Q(**{f"{prefix}valid_to__isnull": True})
        | models.Q(**{f"{prefix}valid_to__gte": day})
    )


def dates_in_order(name: str) -> models.CheckConstraint:
    """A period's ``valid_to`` is not before its ``valid_from`` (either may be empty)."""
    return models.CheckConstraint(
        condition=models.Q(valid_to__isnull=True)
        | models.Q(valid_from__isnull=True)
        | models.Q(valid_to__gte=models.F("valid_from")),
        name=name,
    )


class UnitGeneration(models.Model):
    """One official list of administrative units and the dates it was in force.

    A unit code is unique within its generation only: 56 codes of 2025 belong, in
    the 2021 list, to a differently named commune.
    """

    code = models.CharField(_("mã"), max_length=10, primary_key=True)
    name = models.CharField(_("tên"), max_length=200)
    has_districts = models.BooleanField(
        _("có cấp huyện"), help_text=_("Ba cấp (tỉnh – huyện – xã) hay hai cấp (tỉnh – xã).")
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("thế hệ đơn vị hành chính")
        verbose_name_plural = _("thế hệ đơn vị hành chính")
        ordering = ["code"]
        constraints = [dates_in_order("unitgeneration_dates_in_order")]

    def __str__(self) -> str:
        return self.name

    def in_force_on(self, day: dt.date) -> bool:
        return in_period(day, self.valid_from, self.valid_to)


class CommuneSuccession(models.Model):
    """One line of the package's crosswalk: a pre-reform commune went (wholly or in
    part) into a commune of 1 July 2025. Loaded by ``load_units``, not edited."""

    old = models.ForeignKey(
        "schools.Commune",
        on_delete=models.CASCADE,
        related_name="successions",
        verbose_name=_("xã trước sắp xếp"),
    )
    new = models.ForeignKey(
        "schools.Commune",
        on_delete=models.CASCADE,
        related_name="predecessions",
        verbose_name=_("xã sau sắp xếp"),
    )
    partial = models.BooleanField(
        _("chỉ một phần"),
        default=False,
        help_text=_("Chỉ một phần địa giới của xã cũ nhập vào xã mới."),
    )

    class Meta:
        verbose_name = _("chuyển đổi xã (1/7/2025)")
        verbose_name_plural = _("chuyển đổi xã (1/7/2025)")
        ordering = ["new__code", "old__code"]
        constraints = [
            models.UniqueConstraint(fields=["old", "new"], name="communesuccession_unique_pair")
        ]

    def __str__(self) -> str:
        return f"{self.old} → {self.new}"


class InterimUnitChange(models.Model):
    """A merge between 2021 and the reform (2023–2024) that the package does not know:
    from ``effective_date`` the commune ``old`` is part of ``successor`` (both of the
    three-level generation), by the resolution ``legal_basis``."""

    old = models.ForeignKey(
        "schools.Commune",
        on_delete=models.PROTECT,
        related_name="interim_changes",
        verbose_name=_("xã bị sáp nhập"),
    )
    successor = models.ForeignKey(
        "schools.Commune",
        on_delete=models.PROTECT,
        related_name="interim_absorptions",
        verbose_name=_("nhập vào xã"),
    )
    legal_basis = models.CharField(
        _("căn cứ pháp lý"),
        max_length=200,
        help_text=_("Số nghị quyết, ví dụ “1197/NQ-UBTVQH15”."),
    )
    effective_date = models.DateField(_("ngày có hiệu lực"))
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("sắp xếp xã giai đoạn 2023–2024")
        verbose_name_plural = _("sắp xếp xã giai đoạn 2023–2024")
        ordering = ["effective_date", "old__code"]
        constraints = [
            models.UniqueConstraint(fields=["old", "successor"], name="interimchange_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(old=models.F("successor")), name="interimchange_not_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old} → {self.successor} ({self.legal_basis})"

    def clean(self) -> None:
        if self.effective_date and self.effective_date >= REFORM_DATE:
            raise ValidationError(
                {"effective_date": _("Thay đổi từ 1/7/2025 đã có trong danh mục hai cấp.")}
            )
        old = self.old if self.old_id else None
        successor = self.successor if self.successor_id else None
        if old and successor:
            if old.pk == successor.pk:
                raise ValidationError({"successor": _("Xã không thể sáp nhập vào chính nó.")})
            if old.generation_id != GENERATION_2021 or successor.generation_id != GENERATION_2021:
                raise ValidationError(_("Cả hai xã phải thuộc danh mục ba cấp (trước 1/7/2025)."))


class SchoolPlacement(models.Model):
    """Where a school stood in a period: the school keeps its code, its commune changes
    with the units. Without a placement for a day, the school's recorded commune holds
    before the reform and its successor through the crosswalk after."""

    school = models.ForeignKey(
        "schools.School",
        on_delete=models.CASCADE,
        related_name="placements",
        verbose_name=_("trường"),
    )
    commune = models.ForeignKey(
        "schools.Commune",
        on_delete=models.PROTECT,
        related_name="school_placements",
        verbose_name=_("xã/phường"),
    )
    valid_from = models.DateField(_("từ ngày"), null=True, blank=True)
    valid_to = models.DateField(_("đến ngày"), null=True, blank=True)

    class Meta:
        verbose_name = _("địa bàn của trường theo thời kỳ")
        verbose_name_plural = _("địa bàn của trường theo thời kỳ")
        ordering = ["school__code", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "valid_from"], name="schoolplacement_one_start_per_day"
            ),
            dates_in_order("schoolplacement_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.school} – {self.commune}"

    def covers(self, day: dt.date) -> bool:
        return in_period(day, self.valid_from, self.valid_to)

    def clean(self) -> None:
        if not (self.school_id and self.commune_id):
            return
        generation = self.commune.generation
        start, end = self.valid_from or dt.date.min, self.valid_to or dt.date.max
        if (generation.valid_from and end < generation.valid_from) or (
            generation.valid_to and start > generation.valid_to
        ):
            raise ValidationError({"commune": _("Xã này không có hiệu lực trong thời kỳ đã chọn.")})
        overlapping = SchoolPlacement.objects.filter(school_id=self.school_id).exclude(pk=self.pk)
        for other in overlapping:
            if (other.valid_from or dt.date.min) <= end and start <= (
                other.valid_to or dt.date.max
            ):
                raise ValidationError(_("Thời kỳ này trùng với một địa bàn khác của trường."))
