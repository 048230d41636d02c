"""Support rounds, quotas, proposals and the approval of beneficiaries."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kernel.scoping import ScopedQuerySet
from schools.choices import SupportKind
from schools.models import REFORM_DATE, Commune, District, School, province_field
from students.models import Student


class SupportRoundQuerySet(ScopedQuerySet["SupportRound"]):
    # A round is its province's: every district and school of the province takes part; a
    # round of a province of 2025 is also the schools' of the provinces it succeeded
    # (their schools keep their 2021 district). District offices see only rounds of their
    # own (old) province: a round of the new province has no district to decide.
    province_lookups = ("province_id",)
    district_lookups = ("province__districts",)
    school_lookups = ("province__districts__schools", "province__predecessors__districts__schools")


class SupportRound(models.Model):
    """Đợt hỗ trợ: what one province offers in one campaign and until when."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang chuẩn bị")
        OPEN = "open", _("Đang mở")
        CLOSED = "closed", _("Đã đóng")

    class Chain(models.TextChoices):
        """Who decides between school and province: the chain in force when the round opened."""

        DISTRICT = "district", _("Phòng GD&ĐT cấp huyện (trước 1/7/2025)")
        COMMUNE = "commune", _("UBND xã, Sở GD&ĐT với trường THPT, GDTX (từ 1/7/2025)")

    province = province_field("rounds")
    name = models.CharField(_("tên đợt"), max_length=200)
    school_year = models.CharField(_("năm học"), max_length=9, help_text=_("Ví dụ 2021-2022"))
    starts_on = models.DateField(_("ngày bắt đầu"))
    ends_on = models.DateField(
        _("hạn đề xuất"), help_text=_("Trường gửi danh sách đề xuất đến hết ngày này.")
    )
    closes_on = models.DateField(
        _("ngày kết thúc đợt"),
        null=True,
        blank=True,
        help_text=_(
            "Phòng và Sở duyệt, xác nhận đến hết ngày này; sau đó đợt tự động đóng. "
            "Để trống: 30 ngày sau hạn đề xuất."
        ),
    )
    offers = models.JSONField(
        _("hình thức hỗ trợ"),
        default=list,
        help_text=_("Danh sách loại hỗ trợ: computer, tablet, smartphone, data"),
    )
    requires_province_confirmation = models.BooleanField(
        _("Sở phải xác nhận sau khi Phòng duyệt"), default=True
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    chain = models.CharField(
        _("cấp xét duyệt"),
        max_length=10,
        choices=Chain.choices,
        default=Chain.DISTRICT,
        help_text=_("Theo ngày bắt đầu đợt: trước 1/7/2025 Phòng GD&ĐT, từ 1/7/2025 UBND xã."),
    )
    description = models.TextField(_("mô tả"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người mở đợt"),
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    objects = SupportRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("đợt hỗ trợ")
        verbose_name_plural = _("đợt hỗ trợ")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="round_dates_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__isnull=True)
                | models.Q(closes_on__gte=models.F("ends_on")),
                name="round_closes_after_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.school_year})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def by_communes(self) -> bool:
        """Opened after the 2025 reform: communes (and the Sở) decide, quotas per commune."""
        return self.chain == self.Chain.COMMUNE

    @staticmethod
    def chain_for(starts_on: dt.date) -> str:
        """The chain in force on a round's start date."""
        if starts_on >= REFORM_DATE:
            return SupportRound.Chain.COMMUNE
        return SupportRound.Chain.DISTRICT

    def offers_kind(self, kind: str) -> bool:
        return kind in (self.offers or [])

    @property
    def offers_display(self) -> list[str]:
        return [str(SupportKind(k).label) for k in SupportKind.values if self.offers_kind(k)]


class Quota(models.Model):
    """Chỉ tiêu: how many pupils of one kind of support a unit may get.

    The holder is a district (rounds of the district chain), a commune of 2025 (rounds of
    the commune chain), or a school: a share of its district's or commune's quota (the
    holder set beside it), or, for the schools the Sở decides directly (THPT, GDTX) in
    rounds of the commune chain, the school's own quota from the province (no holder).
    """

    round = models.ForeignKey(
        SupportRound, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("đợt")
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotas",
        verbose_name=_("huyện"),
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotas",
        verbose_name=_("xã/phường"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotas",
        verbose_name=_("trường"),
    )
    kind = models.CharField(_("loại hỗ trợ"), max_length=20, choices=SupportKind.choices)
    amount = models.PositiveIntegerField(_("chỉ tiêu"))
    updated_at = models.DateTimeField(_("ngày cập nhật"), auto_now=True)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "district", "kind"],
                condition=models.Q(school__isnull=True, district__isnull=False),
                name="quota_unique_district",
            ),
            models.UniqueConstraint(
                fields=["round", "commune", "kind"],
                condition=models.Q(school__isnull=True, commune__isnull=False),
                name="quota_unique_commune",
            ),
            models.UniqueConstraint(
                fields=["round", "school", "kind"],
                condition=models.Q(school__isnull=False),
                name="quota_unique_school",
            ),
            # One holder kind: a district's, a commune's, or (a share of them or alone) a school's.
            models.CheckConstraint(
                condition=models.Q(district__isnull=True) | models.Q(commune__isnull=True),
                name="quota_district_or_commune",
            ),
            models.CheckConstraint(
                condition=models.Q(district__isnull=False)
                | models.Q(commune__isnull=False)
                | models.Q(school__isnull=False),
                name="quota_has_holder",
            ),
        ]

    def __str__(self) -> str:
        unit = self.school or self.commune or self.district
        return f"{unit} · {self.get_kind_display()}: {self.amount}"


class DeadlineExtensionQuerySet(ScopedQuerySet["DeadlineExtension"]):
    # A commune's extension for all its schools has no district: its province is the
    # commune's (a province of 2025). A commune officer reads it by its own commune
    # (rounds.selectors.unit_extensions); the schools' own extensions by school.
    province_lookups = ("district__province_id", "commune__province_id")
    district_lookups = ("district_id",)
    school_lookups = ("school_id",)


class DeadlineExtension(models.Model):
    """Gia hạn đề xuất: a later proposal deadline for one district's schools (district
    chain), one commune's schools (commune chain) or one school.

    A school's extension keeps its district (as recorded) and, when a commune committee
    granted it, that commune; an extension for a whole unit names the district or the
    commune of 2025, never both."""

    round = models.ForeignKey(
        SupportRound,
        on_delete=models.CASCADE,
        related_name="extensions",
        verbose_name=_("đợt"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("huyện"),
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("xã/phường"),
        help_text=_("Với đợt theo cấp xã: UBND xã/phường gia hạn cho trường của xã."),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trường"),
        help_text=_("Để trống: gia hạn cho mọi trường của huyện hoặc xã/phường."),
    )
    until = models.DateField(_("hạn đề xuất mới"))
    reason = models.TextField(_("lý do"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người gia hạn"),
    )
    granted_at = models.DateTimeField(_("gia hạn lúc"))

    objects = DeadlineExtensionQuerySet.as_manager()

    class Meta:
        verbose_name = _("gia hạn đề xuất")
        verbose_name_plural = _("gia hạn đề xuất")
        ordering = ["round", "district", "school", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "district"],
                condition=models.Q(school__isnull=True),
                name="extension_once_per_district",
            ),
            models.UniqueConstraint(
                fields=["round", "school"],
                condition=models.Q(school__isnull=False),
                name="extension_once_per_school",
            ),
            models.UniqueConstraint(
                fields=["round", "commune"],
                condition=models.Q(school__isnull=True, commune__isnull=False),
                name="extension_once_per_commune",
            ),
            # A school's extension keeps its district; a unit's names a district or a commune.
            models.CheckConstraint(
                condition=models.Q(school__isnull=False, district__isnull=False)
                | models.Q(school__isnull=True, district__isnull=False, commune__isnull=True)
                | models.Q(school__isnull=True, district__isnull=True, commune__isnull=False),
                name="extension_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school or self.commune or self.district} – {self.until:%d/%m/%Y}"


class ProposalQuerySet(ScopedQuerySet["Proposal"]):
    province_lookups = ("school__district__province_id",)
    district_lookups = ("school__district_id",)
    school_lookups = ("school_id",)


class Proposal(models.Model):
    """One school's list of proposed beneficiaries in one round."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("danh sách đề xuất", "Đang lập")
        SUBMITTED = "submitted", _("Đã gửi Phòng GD&ĐT")
        RETURNED = "returned", _("Trả lại để chỉnh sửa")
        APPROVED = "approved", _("Phòng GD&ĐT đã duyệt")
        CONFIRMED = "confirmed", _("Sở GD&ĐT đã xác nhận")
        REJECTED = "rejected", _("Bị từ chối")

    round = models.ForeignKey(
        SupportRound, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("đợt")
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("trường")
    )
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(
        _("phiên bản"), default=1, help_text=_("Số phiên bản, chống hai người sửa cùng lúc.")
    )
    note = models.TextField(_("ghi chú / lý do gần nhất"), blank=True)
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người gửi"),
    )
    decided_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người quyết định"),
    )
    confirmed_at = models.DateTimeField(_("xác nhận lúc"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người xác nhận"),
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ngày cập nhật"), auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("danh sách đề xuất")
        verbose_name_plural = _("danh sách đề xuất")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "school"], name="proposal_one_per_school_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} – {self.round}"


class ProposalItemQuerySet(ScopedQuerySet["ProposalItem"]):
    province_lookups = ("proposal__school__district__province_id",)
    district_lookups = ("proposal__school__district_id",)
    school_lookups = ("proposal__school_id",)

    def beneficiaries(self) -> ProposalItemQuerySet:
        """Items whose support is final: approved, and confirmed where the round requires it."""
        return self.filter(status=ProposalItem.Status.APPROVED).filter(
            models.Q(proposal__status=Proposal.Status.CONFIRMED)
            | models.Q(
                proposal__status=Proposal.Status.APPROVED,
                round__requires_province_confirmation=False,
            )
        )


class ProposalItem(models.Model):
    """One pupil proposed for one kind of support."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Đề xuất")
        APPROVED = "approved", _("Được duyệt")
        REJECTED = "rejected", _("Không duyệt")

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="items", verbose_name=_("danh sách")
    )
    round = models.ForeignKey(
        SupportRound,
        on_delete=models.PROTECT,
        related_name="items",
        editable=False,
        verbose_name=_("đợt hỗ trợ"),
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="proposal_items", verbose_name=_("học sinh")
    )
    kind = models.CharField(_("loại hỗ trợ"), max_length=20, choices=SupportKind.choices)
    priority = models.PositiveIntegerField(_("thứ tự ưu tiên"), default=0)
    status = models.CharField(
        _("kết quả"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    reason = models.TextField(_("lý do"), blank=True)
    decided_at = models.DateTimeField(_("thời điểm quyết định"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người quyết định"),
    )

    objects = ProposalItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("học sinh được đề xuất")
        verbose_name_plural = _("học sinh được đề xuất")
        ordering = ["proposal", "priority", "pk"]
        constraints = [
            # A pupil is a beneficiary of one kind of support at most once per round.
            models.UniqueConstraint(
                fields=["round", "student", "kind"], name="item_once_per_round_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} – {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.round_id is None and self.proposal_id is not None:
            self.round_id = self.proposal.round_id
        super().save(*args, **kwargs)
