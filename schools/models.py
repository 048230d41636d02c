"""The province's places: the administrative hierarchy and its schools.

The hierarchy is data, not code: the 2025 reform abolished districts, so
nothing here assumes nine districts or even that districts exist for ever.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.scoping import Ids, ScopedQuerySet, match_ids
from schools.models_jobs import ExportJob
from schools.models_offices import Office
from schools.models_reform import (
    GENERATION_2021,
    GENERATION_2025,
    REFORM_DATE,
    CommuneSuccession,
    InterimUnitChange,
    SchoolPlacement,
    UnitGeneration,
)

if TYPE_CHECKING:
    from schools.crosswalk import Resolution

__all__ = [
    "GENERATION_2021",
    "GENERATION_2025",
    "REFORM_DATE",
    "Commune",
    "CommuneSuccession",
    "District",
    "ExportJob",
    "ImportBatch",
    "InterimUnitChange",
    "Office",
    "Province",
    "School",
    "SchoolPlacement",
    "SchoolSite",
    "UnitGeneration",
    "Village",
]

logger = logging.getLogger(__name__)

# Roughly the bounding box of Lào Cai; coordinates outside it are typing errors.
LAT_RANGE = (21.8, 22.9)
LON_RANGE = (103.5, 104.7)
# The province since 1 July 2025, old Yên Bái included: its records are checked against this.
CURRENT_LAT_RANGE = (21.3, 22.9)
CURRENT_LON_RANGE = (103.5, 105.2)


def recorded_in_province(
    user_path: str, *, without: tuple[str, ...] = ()
) -> Callable[[Ids], models.Q]:
    """A scoped lookup for rows of no unit but their author's (``user_path``, a user FK):
    they belong to the author's province; rows an administrator (a user of no unit)
    recorded belong to the first province by code, the province an administrator's own
    scope is (``accounts.models.User.scope``). ``without``: the row's own unit fields,
    which must be empty for the author to decide (a district's row is the district's)."""

    def lookup(province_id: Ids) -> models.Q:
        unitless = models.Q(
            **{
                f"{user_path}__province__isnull": True,
                f"{user_path}__district__isnull": True,
                f"{user_path}__school__isnull": True,
                f"{user_path}__commune__isnull": True,
            }
        )
        ids = province_id if isinstance(province_id, frozenset) else frozenset({province_id})
        is_first = models.Q(
            models.Exists(
                Province.objects.filter(
                    pk__in=sorted(ids), pk=models.Subquery(first_province_query())
                )
            )
        )
        own_unit = models.Q(**{f"{field}__isnull": True for field in without})
        return own_unit & (
            match_ids(f"{user_path}__province_id", province_id) | (unitless & is_first)
        )

    return lookup


def inside_province(lat: float | None, lon: float | None) -> bool:
    if lat is None or lon is None:
        return False
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]


def inside_current_province(lat: float | None, lon: float | None) -> bool:
    if lat is None or lon is None:
        return False
    return (
        CURRENT_LAT_RANGE[0] <= lat <= CURRENT_LAT_RANGE[1]
        and CURRENT_LON_RANGE[0] <= lon <= CURRENT_LON_RANGE[1]
    )


class Province(models.Model):
    generation = models.ForeignKey(
        UnitGeneration,
        on_delete=models.PROTECT,
        default=GENERATION_2021,
        related_name="provinces",
        verbose_name=_("thế hệ đơn vị"),
    )
    # Unique per generation only: Yên Bái's 15 of 2021 is Lào Cai's 15 since 2025.
    code = models.CharField(_("mã"), max_length=10)
    name = models.CharField(_("tên"), max_length=100)
    # The province of a later generation this one went into (old Lào Cai and old Yên Bái
    # → the Lào Cai of 1 July 2025): its users see the records of this one too.
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("tỉnh kế thừa"),
    )

    class Meta:
        verbose_name = _("tỉnh")
        verbose_name_plural = _("tỉnh")
        ordering = ["code", "generation"]
        constraints = [
            models.UniqueConstraint(
                fields=["generation", "code"], name="province_code_unique_per_generation"
            )
        ]

    def __str__(self) -> str:
        return self.name


def first_province_query() -> models.QuerySet[Province, Any]:
    # A province that went into another (Province.successor) is no longer anyone's default.
    return (
        Province.objects.filter(successor__isnull=True)
        .order_by("code", "generation")
        .values("pk")[:1]
    )


def first_province_id() -> int | None:
    """The first province in force by code: an administrator's own scope
    (``accounts.models.User``) and the default province of a record made where no
    user's scope says one (the weekly report, data made in the shell); services pass
    the acting user's province."""
    return first_province_query().values_list("pk", flat=True).first()


def province_field(related_name: str) -> models.ForeignKey[Province, Province]:
    """The province a record of the whole province belongs to (a support round, a donor,
    a fund account, a progress report); services set the acting user's."""
    return models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        default=first_province_id,
        related_name=related_name,
        verbose_name=_("tỉnh"),
    )


class DistrictQuerySet(ScopedQuerySet["District"]):
    province_lookups = ("province_id",)
    district_lookups = ("pk",)
    school_lookups = ()


class District(models.Model):
    class Kind(models.TextChoices):
        CITY = "city", _("Thành phố")
        TOWN = "town", _("Thị xã")
        DISTRICT = "district", _("Huyện")

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="districts", verbose_name=_("tỉnh")
    )
    code = models.CharField(_("mã"), max_length=10, unique=True)
    name = models.CharField(
        _("tên"), max_length=100, help_text=_("Tên đầy đủ, ví dụ “Huyện Bảo Yên”.")
    )
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.DISTRICT)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    objects = DistrictQuerySet.as_manager()

    # Filled in by schools.selectors.district_overview() for the district's home page.
    school_list: list[School]

    class Meta:
        verbose_name = _("huyện/thị xã/thành phố")
        verbose_name_plural = _("huyện/thị xã/thành phố")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    """A commune-level unit of one generation: of a district in the three-level list of
    2021, directly of a province in the two-level list since 1 July 2025."""

    class Kind(models.TextChoices):
        COMMUNE = "commune", _("Xã")
        WARD = "ward", _("Phường")
        TOWNSHIP = "township", _("Thị trấn")
        SPECIAL_ZONE = "special", _("Đặc khu")

    generation = models.ForeignKey(
        UnitGeneration,
        on_delete=models.PROTECT,
        default=GENERATION_2021,
        related_name="communes",
        verbose_name=_("thế hệ đơn vị"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="communes",
        verbose_name=_("huyện"),
    )
    # Only for the two-level generation; a 2021 commune's province is its district's.
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="direct_communes",
        verbose_name=_("tỉnh"),
    )
    code = models.CharField(_("mã"), max_length=10)
    name = models.CharField(
        _("tên"), max_length=100, help_text=_("Tên đầy đủ, ví dụ “Xã Tân Tiến”.")
    )
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.COMMUNE)

    class Meta:
        verbose_name = _("xã/phường/thị trấn")
        verbose_name_plural = _("xã/phường/thị trấn")
        ordering = ["district__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["generation", "code"], name="commune_code_unique_per_generation"
            ),
            models.CheckConstraint(
                condition=models.Q(district__isnull=False, province__isnull=True)
                | models.Q(district__isnull=True, province__isnull=False),
                name="commune_of_district_or_province",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        generation = UnitGeneration.objects.filter(pk=self.generation_id).first()
        if generation is None:
            return
        if generation.has_districts and (self.district_id is None or self.province_id):
            raise ValidationError({"district": _("Xã của danh mục ba cấp thuộc một huyện.")})
        if not generation.has_districts and (self.province_id is None or self.district_id):
            raise ValidationError(
                {"province": _("Xã của danh mục hai cấp thuộc trực tiếp một tỉnh.")}
            )
        unit_province = self.province or (self.district.province if self.district else None)
        if unit_province is not None and unit_province.generation_id != self.generation_id:
            raise ValidationError(_("Tỉnh/huyện của xã thuộc thế hệ đơn vị khác."))

    def resolve_on(self, day: dt.date) -> Resolution:
        """The unit(s) in force on ``day`` this commune's records belong to (``schools.crosswalk``)."""
        from schools.crosswalk import Crosswalk

        return Crosswalk.load(on=day, communes=[self]).resolve(self)

    @property
    def current(self) -> Resolution:
        """Today's unit(s): through the 2023–2024 changes, then the 2025 crosswalk."""
        return self.resolve_on(timezone.localdate())


class Village(models.Model):
    """A thôn/bản. There is no official list, so villages are created as they are named."""

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="villages", verbose_name=_("xã")
    )
    name = models.CharField(_("tên"), max_length=150)
    key = models.CharField(
        _("khóa tìm kiếm"),
        max_length=150,
        editable=False,
        help_text=_("Tên bỏ dấu, dùng để đối chiếu."),
    )
    latitude = models.FloatField(_("vĩ độ"), null=True, blank=True)
    longitude = models.FloatField(_("kinh độ"), null=True, blank=True)

    class Meta:
        verbose_name = _("thôn/bản")
        verbose_name_plural = _("thôn/bản")
        ordering = ["commune__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "key"], name="village_unique_per_commune")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        from kernel.normalize import fold, strip_unit_prefix

        self.key = fold(strip_unit_prefix(self.name))
        super().save(*args, **kwargs)


class SchoolQuerySet(ScopedQuerySet["School"]):
    province_lookups = ("district__province_id",)
    district_lookups = ("district_id",)
    school_lookups = ("pk",)


class School(models.Model):
    class Level(models.TextChoices):
        PRESCHOOL = "MN", _("Mầm non")
        PRIMARY = "TH", _("Tiểu học")
        LOWER_SECONDARY = "THCS", _("Trung học cơ sở")
        UPPER_SECONDARY = "THPT", _("Trung học phổ thông")
        PRIMARY_LOWER = "TH&THCS", _("Tiểu học và THCS")
        LOWER_UPPER = "THCS&THPT", _("THCS và THPT")
        CONTINUING = "GDTX", _("GDNN-GDTX")

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Phổ thông")
        BOARDING = "PTDTNT", _("Phổ thông dân tộc nội trú")
        SEMI_BOARDING = "PTDTBT", _("Phổ thông dân tộc bán trú")

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="schools", verbose_name=_("huyện")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="schools", verbose_name=_("xã")
    )
    code = models.CharField(_("mã trường"), max_length=20, unique=True)
    name = models.CharField(_("tên trường"), max_length=200)
    level = models.CharField(_("cấp học"), max_length=10, choices=Level.choices)
    kind = models.CharField(
        _("loại hình"), max_length=10, choices=Kind.choices, default=Kind.REGULAR
    )
    latitude = models.FloatField(_("vĩ độ"), null=True, blank=True)
    longitude = models.FloatField(_("kinh độ"), null=True, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    # Empty for schools recorded before this field: they count as existing all along.
    created_at = models.DateTimeField(
        _("ngày tạo"), null=True, blank=True, editable=False, default=timezone.now
    )

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("trường")
        verbose_name_plural = _("trường")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90),
                name="school_latitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def commune_on(self, day: dt.date) -> Commune | None:
        """The school's commune on ``day``; None when the crosswalk cannot tell (a split)."""
        from schools.crosswalk import school_commune_on

        return school_commune_on(self, day)

    @property
    def current_commune(self) -> Commune | None:
        return self.commune_on(timezone.localdate())

    @property
    def grades(self) -> range:
        """The grades (1–12) this school teaches, from its level."""
        return GRADES_BY_LEVEL.get(self.level, range(0))


GRADES_BY_LEVEL: dict[str, range] = {
    School.Level.PRESCHOOL: range(0),
    School.Level.PRIMARY: range(1, 6),
    School.Level.LOWER_SECONDARY: range(6, 10),
    School.Level.UPPER_SECONDARY: range(10, 13),
    School.Level.PRIMARY_LOWER: range(1, 10),
    School.Level.LOWER_UPPER: range(6, 13),
    School.Level.CONTINUING: range(6, 13),
}


class SchoolSite(models.Model):
    """A điểm trường: a satellite classroom of a school, often in a remote village."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="sites", verbose_name=_("trường")
    )
    name = models.CharField(_("tên điểm trường"), max_length=200)
    village = models.ForeignKey(
        Village,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="school_sites",
        verbose_name=_("thôn/bản"),
    )
    latitude = models.FloatField(
        _("vĩ độ"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("kinh độ"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    class Meta:
        verbose_name = _("điểm trường")
        verbose_name_plural = _("điểm trường")
        ordering = ["school__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="school_site_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.school.name} – {self.name}"


class ImportBatchQuerySet(ScopedQuerySet["ImportBatch"]):
    # A batch uploaded by the province itself has neither district nor school: its uploader's.
    province_lookups = (
        "district__province_id",
        "school__district__province_id",
        recorded_in_province("uploaded_by", without=("district", "school")),
    )
    district_lookups = ("district_id", "school__district_id")
    school_lookups = ("school_id",)


def import_upload_path(instance: ImportBatch, filename: str) -> str:
    return f"imports/{instance.kind}/{instance.file_sha256[:2]}/{instance.file_sha256}-{filename[-80:]}"


class ImportBatch(models.Model):
    """One uploaded spreadsheet (any kind of import): who, when, which file, what came of it."""

    class Kind(models.TextChoices):
        STUDENTS = "students", _("Danh sách học sinh")
        DEVICES = "devices", _("Danh sách thiết bị giao nhận")
        SUBSCRIPTIONS = "subscriptions", _("Tệp trạng thái thuê bao")
        COVERAGE = "coverage", _("Khảo sát phủ sóng")
        SCHOOLS = "schools", _("Danh sách trường")
        ACCOUNTS = "accounts", _("Danh sách tài khoản")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Đã tải lên")
        VALIDATING = "validating", _("Đang kiểm tra")
        VALIDATED = "validated", _("Đã kiểm tra")
        IMPORTING = "importing", _("Đang nhập")
        DONE = "done", _("Hoàn tất")
        FAILED = "failed", _("Thất bại")
        CANCELLED = "cancelled", _("Đã hủy")

    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.UPLOADED
    )
    uploaded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="import_batches",
        verbose_name=_("người tải lên"),
    )
    uploaded_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    started_at = models.DateTimeField(
        _("bắt đầu chạy lúc"),
        null=True,
        blank=True,
        help_text=_("Lần kiểm tra/nhập gần nhất bắt đầu; quá thời hạn sẽ bị đánh lỗi."),
    )
    finished_at = models.DateTimeField(_("hoàn tất lúc"), null=True, blank=True)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("huyện"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trường"),
    )
    file = models.FileField(_("tệp"), upload_to=import_upload_path, max_length=300)
    file_name = models.CharField(_("tên tệp"), max_length=255)
    file_sha256 = models.CharField(_("mã băm SHA-256"), max_length=64, db_index=True)
    options = models.JSONField(_("tùy chọn"), default=dict, blank=True)
    mapping = models.JSONField(_("ánh xạ cột"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("số dòng dữ liệu"), default=0)
    created = models.PositiveIntegerField(_("thêm mới"), default=0)
    updated = models.PositiveIntegerField(_("cập nhật"), default=0)
    unchanged = models.PositiveIntegerField(_("không đổi"), default=0)
    error_count = models.PositiveIntegerField(_("số lỗi"), default=0)
    errors = models.JSONField(_("lỗi"), default=list, blank=True)
    message = models.TextField(_("thông báo"), blank=True)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    task_id = models.CharField(_("mã tác vụ"), max_length=64, blank=True)
    # The uploaded file goes after UPLOAD_RETENTION_DAYS; the record and its counts stay.
    file_deleted_at = models.DateTimeField(_("tệp đã xóa lúc"), null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("lần nhập tệp")
        verbose_name_plural = _("lần nhập tệp")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["kind", "status"], name="importbatch_kind_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.file_name} ({self.uploaded_at:%d/%m/%Y %H:%M})"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.VALIDATING, self.Status.IMPORTING)

    @property
    def live_progress(self) -> int:
        """The progress bar's figure: what the running worker last reported (``report_progress``)."""
        if not self.is_running:
            return self.progress
        try:
            reported = cache.get(_progress_key(self.pk))
        except Exception:  # noqa: BLE001 - a cache outage only freezes the bar
            reported = None
        return max(self.progress, int(reported or 0))

    @staticmethod
    def report_progress(batch_id: int, percent: int) -> None:
        """Record a running batch's progress where the progress bar can read it at once.

        In the cache, not the row: the import writes in one transaction, which would
        hide an update of the row from the page until the very end.
        """
        try:
            cache.set(_progress_key(batch_id), min(int(percent), 99), timeout=6 * 3600)
        except Exception:  # noqa: BLE001 - never fail an import for its progress bar
            logger.warning("Could not record the progress of import batch %s", batch_id)


def _progress_key(batch_id: int) -> str:
    return f"importbatch:{batch_id}:progress"
