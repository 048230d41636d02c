"""Coverage points (schools, school sites, village centres), their signal and the plans to cover them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.scoping import ScopedQuerySet
from schools.choices import Carrier
from schools.models import Commune, District, School, SchoolSite, Village


class Technology(models.IntegerChoices):
    """Ordered, so "best technology" is a max() and "usable data" is ≥ 3G."""

    NONE = 0, _("Không có sóng")
    G2 = 2, "2G"
    G3 = 3, "3G"
    G4 = 4, "4G"
    G5 = 5, "5G"


# Mobile data is usable from 3G; 3G alone is patchy (lõm sóng), 4G and better is covered.
USABLE_FROM = Technology.G3
GOOD_FROM = Technology.G4


class PointStatus(models.TextChoices):
    """What the map colours and the progress counts.

    ``best_technology`` is NULL until a first measurement: a point nobody has
    measured is "unknown", not "no signal", so it neither inflates the list of
    no-signal villages nor counts as covered.  A point with a coverage plan counts
    as covered only once the plan is verified (nghiệm thu), even if a carrier
    already reports 4G there ("pending").
    """

    UNKNOWN = "unknown", _("Chưa khảo sát")
    NO_SIGNAL = "no_signal", _("Trắng sóng")
    WEAK = "weak", _("Lõm sóng (chỉ 3G)")
    PENDING = "pending", _("Đã có sóng, chờ nghiệm thu")
    COVERED = "covered", _("Đã phủ sóng")


class CoveragePointQuerySet(ScopedQuerySet["CoveragePoint"]):
    province_lookups = ("district__province_id",)
    district_lookups = ("district_id",)
    school_lookups = ("school_id", "site__school_id")

    def unmeasured(self) -> CoveragePointQuerySet:
        return self.filter(best_technology__isnull=True)

    def no_signal(self) -> CoveragePointQuerySet:
        """Thôn trắng sóng: measured, and no carrier offers usable mobile data (< 3G)."""
        return self.filter(best_technology__lt=USABLE_FROM)

    def weak(self) -> CoveragePointQuerySet:
        """Lõm sóng: the best any carrier offers is 3G."""
        return self.filter(best_technology__gte=USABLE_FROM, best_technology__lt=GOOD_FROM)

    def covered(self) -> CoveragePointQuerySet:
        """4G or better, and any coverage plan for the point verified."""
        return self.filter(COVERED_Q)

    def with_status(self, status: str) -> CoveragePointQuerySet:
        return self.filter(STATUS_Q[status])


class CoveragePoint(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", _("Trường")
        SITE = "site", _("Điểm trường")
        VILLAGE = "village", _("Trung tâm thôn/bản")

    kind = models.CharField(_("loại điểm"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("tên điểm"), max_length=200)
    school = models.OneToOneField(
        School,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coverage_point",
        verbose_name=_("trường"),
    )
    site = models.OneToOneField(
        SchoolSite,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coverage_point",
        verbose_name=_("điểm trường"),
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coverage_points",
        verbose_name=_("thôn"),
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="coverage_points", verbose_name=_("xã")
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="coverage_points", verbose_name=_("huyện")
    )
    # Empty for a school or site whose coordinates nobody entered yet: counted, not drawn.
    latitude = models.FloatField(_("vĩ độ"), null=True, blank=True)
    longitude = models.FloatField(_("kinh độ"), null=True, blank=True)
    on_ministry_list = models.BooleanField(_("thuộc danh sách của Bộ TT&TT"), default=False)
    best_technology = models.PositiveSmallIntegerField(
        _("công nghệ tốt nhất"),
        choices=Technology.choices,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Tốt nhất trong các nhà mạng; trống khi chưa đo."),
    )
    notes = models.TextField(_("ghi chú"), blank=True)
    updated_at = models.DateTimeField(_("ngày cập nhật"), auto_now=True)

    objects = CoveragePointQuerySet.as_manager()

    class Meta:
        verbose_name = _("điểm phủ sóng")
        verbose_name_plural = _("điểm phủ sóng")
        ordering = ["district__code", "commune__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="school", school__isnull=False)
                    | models.Q(kind="site", site__isnull=False)
                    | models.Q(kind="village", village__isnull=False)
                ),
                name="coverage_point_kind_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_measured(self) -> bool:
        return self.best_technology is not None

    @property
    def has_no_signal(self) -> bool:
        return self.best_technology is not None and self.best_technology < USABLE_FROM

    @property
    def is_weak(self) -> bool:
        return self.best_technology is not None and USABLE_FROM <= self.best_technology < GOOD_FROM

    @property
    def current_plan(self) -> CoveragePlan | None:
        try:
            return self.plan
        except ObjectDoesNotExist:
            return None

    @property
    def status(self) -> str:
        """One of ``PointStatus`` (load with ``select_related("plan")`` in lists)."""
        if self.best_technology is None:
            return PointStatus.UNKNOWN
        if self.best_technology < USABLE_FROM:
            return PointStatus.NO_SIGNAL
        if self.best_technology < GOOD_FROM:
            return PointStatus.WEAK
        plan = self.current_plan
        if plan is not None and not plan.is_covered:
            return PointStatus.PENDING
        return PointStatus.COVERED

    def get_status_display(self) -> str:
        return str(PointStatus(self.status).label)


class CarrierSignal(models.Model):
    """The best technology one carrier offers at a point, from the latest measurement."""

    class Source(models.TextChoices):
        SCHOOL_REPORT = "school", _("Nhà trường báo cáo")
        CARRIER_SURVEY = "carrier", _("Nhà mạng khảo sát")
        MINISTRY_LIST = "ministry", _("Danh sách của Bộ")

    point = models.ForeignKey(
        CoveragePoint,
        on_delete=models.CASCADE,
        related_name="signals",
        verbose_name=_("điểm phủ sóng"),
    )
    carrier = models.CharField(_("nhà mạng"), max_length=20, choices=Carrier.choices)
    technology = models.PositiveSmallIntegerField(_("công nghệ"), choices=Technology.choices)
    measured_on = models.DateField(_("ngày đo"))
    source = models.CharField(_("nguồn"), max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người ghi nhận"),
    )

    class Meta:
        verbose_name = _("sóng theo nhà mạng")
        verbose_name_plural = _("sóng theo nhà mạng")
        constraints = [
            models.UniqueConstraint(fields=["point", "carrier"], name="signal_one_per_carrier")
        ]

    def __str__(self) -> str:
        return f"{self.point} · {self.get_carrier_display()}: {self.get_technology_display()}"


class CoveragePlan(models.Model):
    class Solution(models.TextChoices):
        NEW_BTS = "new_bts", _("Xây trạm BTS mới")
        UPGRADE = "upgrade", _("Nâng cấp trạm")
        REPEATER = "repeater", _("Lắp bộ lặp sóng")

    class Stage(models.IntegerChoices):
        SURVEYED = 1, _("Đã khảo sát")
        PLANNED = 2, _("Đã lập kế hoạch")
        CONSTRUCTION = 3, _("Đang thi công")
        ON_AIR = 4, _("Đã phát sóng")
        VERIFIED = 5, _("Đã nghiệm thu")

    point = models.OneToOneField(
        CoveragePoint,
        on_delete=models.CASCADE,
        related_name="plan",
        verbose_name=_("điểm phủ sóng"),
    )
    carrier = models.CharField(_("nhà mạng thực hiện"), max_length=20, choices=Carrier.choices)
    target_date = models.DateField(_("thời hạn"))
    solution = models.CharField(_("giải pháp"), max_length=10, choices=Solution.choices)
    stage = models.PositiveSmallIntegerField(
        _("giai đoạn"), choices=Stage.choices, default=Stage.SURVEYED
    )
    updated_at = models.DateTimeField(_("ngày cập nhật"), auto_now=True)

    class Meta:
        verbose_name = _("kế hoạch phủ sóng")
        verbose_name_plural = _("kế hoạch phủ sóng")

    def __str__(self) -> str:
        return f"{self.point} – {self.get_stage_display()}"

    @property
    def is_covered(self) -> bool:
        return self.stage == self.Stage.VERIFIED


class PlanNote(models.Model):
    plan = models.ForeignKey(
        CoveragePlan,
        on_delete=models.CASCADE,
        related_name="notes",
        verbose_name=_("kế hoạch phủ sóng"),
    )
    stage = models.PositiveSmallIntegerField(_("giai đoạn"), choices=CoveragePlan.Stage.choices)
    text = models.TextField(_("nội dung"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người viết"),
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    class Meta:
        verbose_name = _("ghi chú tiến độ")
        verbose_name_plural = _("ghi chú tiến độ")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:60]


# The querysets above use these at call time; they need CoveragePlan defined.
_VERIFIED = CoveragePlan.Stage.VERIFIED


def covered_q(technology: str, plan_stage: str) -> models.Q:
    """The one definition of "covered", for any rows holding a point's state.

    A point is covered when its best technology is 4G or better and, if it has a
    coverage plan, that plan is verified (nghiệm thu).  ``technology`` and
    ``plan_stage`` name the fields holding the best technology and the plan's
    stage (NULL when there is no plan).  Home, coverage progress, the dashboard,
    the progress report and the public page all count with it.
    """
    return models.Q(**{f"{technology}__gte": GOOD_FROM}) & (
        models.Q(**{f"{plan_stage}__isnull": True}) | models.Q(**{plan_stage: _VERIFIED})
    )


COVERED_Q = covered_q("best_technology", "plan__stage")
STATUS_Q: dict[str, models.Q] = {
    PointStatus.UNKNOWN: models.Q(best_technology__isnull=True),
    PointStatus.NO_SIGNAL: models.Q(best_technology__lt=USABLE_FROM),
    PointStatus.WEAK: models.Q(best_technology__gte=USABLE_FROM, best_technology__lt=GOOD_FROM),
    PointStatus.PENDING: models.Q(best_technology__gte=GOOD_FROM, plan__isnull=False)
    & ~models.Q(plan__stage=_VERIFIED),
    PointStatus.COVERED: COVERED_Q,
}


class PointStateQuerySet(models.QuerySet["PointState"]):
    def as_of(self, until: dt.datetime) -> PointStateQuerySet:
        """Each point's state just before ``until``: its latest row recorded earlier.

        A point with no row before ``until`` did not exist yet and is left out.
        """
        latest = (
            PointState.objects.filter(point=models.OuterRef("point"), at__lt=until)
            .order_by("-at", "-pk")
            .values("pk")[:1]
        )
        return self.filter(at__lt=until, pk=models.Subquery(latest))


class PointState(models.Model):
    """A coverage point's state from ``at`` on: its history, for figures of a past period.

    A row is written when the point is created and whenever its best technology or
    its plan's stage changes (``coverage.services``), so a progress report for a
    past week counts the points as they were at the end of that week.
    """

    point = models.ForeignKey(
        CoveragePoint,
        on_delete=models.CASCADE,
        related_name="states",
        verbose_name=_("điểm phủ sóng"),
    )
    at = models.DateTimeField(_("từ lúc"), db_index=True)
    best_technology = models.PositiveSmallIntegerField(
        _("công nghệ tốt nhất"), choices=Technology.choices, null=True, blank=True
    )
    plan_stage = models.PositiveSmallIntegerField(
        _("giai đoạn kế hoạch"), choices=CoveragePlan.Stage.choices, null=True, blank=True
    )

    objects = PointStateQuerySet.as_manager()

    COVERED = covered_q("best_technology", "plan_stage")

    class Meta:
        verbose_name = _("trạng thái điểm phủ sóng")
        verbose_name_plural = _("trạng thái điểm phủ sóng")
        ordering = ["point", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.point_id} @ {self.at:%Y-%m-%d %H:%M}"
