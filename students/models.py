"""The registry of needy pupils and their households."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.scoping import ScopedQuerySet
from schools.choices import DeviceNeed
from schools.models import Commune, School, Village

pupil_code_validator = RegexValidator(
    r"^\d{10}$", _("Mã định danh học sinh phải gồm đúng 10 chữ số.")
)
personal_id_validator = RegexValidator(
    r"^\d{12}$", _("Số định danh cá nhân phải gồm đúng 12 chữ số.")
)
guardian_id_validator = RegexValidator(
    r"^(\d{9}|\d{12})$", _("Số CCCD/CMND phải gồm 12 hoặc 9 chữ số.")
)
# {field attname: {"by": user id, "at": ISO time}} of the values last set in the portal
# rather than by an import; null when none.  Nullable, so the import's COPY of new
# rows needs no column for it.
PORTAL_EDITS_HELP = _("Trường nào được sửa trên cổng sau lần nhập tệp gần nhất, ai sửa, lúc nào.")

phone_validator = RegexValidator(
    r"^0[35789]\d{8}$",
    _("Số điện thoại di động gồm 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09."),
)


class Ethnicity(models.Model):
    """One of the 54 official ethnic groups, with the spellings met in real lists."""

    code = models.CharField(_("mã"), max_length=4, unique=True)
    name = models.CharField(_("tên dân tộc"), max_length=50, unique=True)
    aliases = models.CharField(
        _("cách viết khác"),
        max_length=255,
        blank=True,
        help_text=_("Phân cách bằng dấu phẩy, ví dụ: H'Mông, Hmông, Mèo"),
    )

    class Meta:
        verbose_name = _("dân tộc")
        verbose_name_plural = _("dân tộc")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class HouseholdCategory(models.Model):
    """Diện hộ: reference data, so a province can add a category."""

    code = models.SlugField(_("mã"), max_length=30, unique=True)
    name = models.CharField(_("tên diện"), max_length=100, unique=True)
    priority = models.PositiveSmallIntegerField(
        _("thứ tự ưu tiên"),
        default=50,
        help_text=_("Số nhỏ được ưu tiên trước khi gợi ý thứ tự đề xuất."),
    )
    synonyms = models.CharField(
        _("cách viết khác"),
        max_length=255,
        blank=True,
        help_text=_("Phân cách bằng dấu phẩy, ví dụ: HN, Nghèo"),
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("diện hộ")
        verbose_name_plural = _("diện hộ")
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A household; siblings share one."""

    category = models.ForeignKey(
        HouseholdCategory,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("diện hộ"),
        # A handful of categories: lists filter pupils by it through the join, and
        # an index would only cost each imported household an entry.
        db_index=False,
    )
    code = models.CharField(
        _("số giấy chứng nhận / mã hộ"),
        max_length=80,
        blank=True,
        help_text=_("Ví dụ 12/GCN-HN.HCN hoặc HN-0123"),
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("xã/phường"),
        db_index=False,  # led by household_guardian_idx (commune, guardian_name)
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("thôn/bản"),
    )
    guardian_name = models.CharField(_("họ tên cha/mẹ/người giám hộ"), max_length=150, blank=True)
    guardian_relation = models.CharField(_("quan hệ"), max_length=40, blank=True)
    guardian_phone = models.CharField(
        _("số điện thoại"), max_length=10, blank=True, validators=[phone_validator]
    )
    guardian_id_number = models.CharField(
        _("CCCD/CMND người giám hộ"), max_length=12, blank=True, validators=[guardian_id_validator]
    )
    portal_edits = models.JSONField(
        _("sửa trên cổng"),
        null=True,
        blank=True,
        editable=False,
        help_text=PORTAL_EDITS_HELP,
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ngày cập nhật"), auto_now=True)

    class Meta:
        verbose_name = _("hộ gia đình")
        verbose_name_plural = _("hộ gia đình")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "code"],
                condition=~models.Q(code=""),
                name="household_code_unique_per_commune",
            )
        ]
        indexes = [models.Index(fields=["commune", "guardian_name"], name="household_guardian_idx")]

    def __str__(self) -> str:
        return f"{self.category} – {self.guardian_name or self.code}"

    @property
    def masked_phone(self) -> str:
        return mask(self.guardian_phone)

    @property
    def masked_id_number(self) -> str:
        return mask(self.guardian_id_number)


class StudentQuerySet(ScopedQuerySet["Student"]):
    province_lookups = ("school__district__province_id",)
    district_lookups = ("school__district_id",)
    school_lookups = ("school_id",)

    def vietnamese_order(self) -> StudentQuerySet:
        """Given name, then middle, then family name, as Vietnamese lists are sorted."""
        return self.order_by("sort_key", "date_of_birth", "pk")


class Student(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("Nam")
        FEMALE = "F", _("Nữ")

    class Status(models.TextChoices):
        STUDYING = "studying", _("Đang học")
        LEFT = "left", _("Đã chuyển/nghỉ học")
        GRADUATED = "graduated", _("Đã tốt nghiệp")
        MERGED = "merged", _("Đã gộp vào hồ sơ khác")

    # Unique through Meta.constraints: ``unique=True`` would add a second
    # (varchar_pattern_ops) index on PostgreSQL, which a 10-digit code searched by
    # prefix does not need (``selectors.StudentFilter`` turns a prefix into a range).
    pupil_code = models.CharField(
        _("mã định danh học sinh"), max_length=10, validators=[pupil_code_validator]
    )
    full_name = models.CharField(_("họ và tên"), max_length=150)
    # Searched with "contains", which no B-tree serves: on PostgreSQL a trigram GIN index
    # serves it (migration 0010, outside Meta since SQLite has no such index); sort_key gets
    # one plain index (Meta) rather than db_index's two on PostgreSQL.
    name_key = models.CharField(
        _("khóa tìm tên"),
        max_length=150,
        editable=False,
        help_text=_("Họ tên bỏ dấu, dùng để tìm kiếm."),
    )
    sort_key = models.CharField(
        _("khóa sắp xếp"),
        max_length=160,
        editable=False,
        help_text=_("Tên, tên đệm, họ (bỏ dấu), dùng để sắp xếp."),
    )
    date_of_birth = models.DateField(_("ngày sinh"))
    gender = models.CharField(_("giới tính"), max_length=1, choices=Gender.choices)
    # No index of their own on the reference and provenance keys below: no page
    # looks pupils up by them, and each index costs every imported pupil an entry.
    ethnicity = models.ForeignKey(
        Ethnicity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("dân tộc"),
        db_index=False,
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="students",
        verbose_name=_("trường"),
        db_index=False,  # led by student_school_sort_idx (school, sort_key)
    )
    class_name = models.CharField(_("lớp"), max_length=20)
    grade = models.PositiveSmallIntegerField(_("khối"))
    personal_id = models.CharField(
        _("số định danh cá nhân"), max_length=12, blank=True, validators=[personal_id_validator]
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("hộ gia đình")
    )
    # The pupil's place of residence is its household's (the services and the importer
    # copy it from there, so lists filter pupils without a join).  The household's
    # columns carry the database's foreign keys for the same commune and village, and
    # Django enforces PROTECT for these copies; a second database check per imported
    # pupil would only repeat them (two of the ~10 checks that bound an import's speed).
    # What keeps the rule instead of a constraint: every writer copies the household's
    # place (``services.pupils``, ``importers.planning`` for siblings in a file,
    # ``importers.writing`` for pupils joining a registered household), and moving a
    # household moves its pupils; tests/students/test_place_rule.py counts, in SQL,
    # pupils not where their household is and ids that name no row.
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        related_name="students",
        verbose_name=_("xã/phường cư trú"),
        db_constraint=False,
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="students",
        verbose_name=_("thôn/bản cư trú"),
        db_index=False,  # student_village_idx
        db_constraint=False,
    )
    has_device = models.BooleanField(_("đã có thiết bị học tập"), default=False)
    need_device = models.CharField(
        _("nhu cầu thiết bị"), max_length=20, choices=DeviceNeed.choices, blank=True, default=""
    )
    need_data = models.BooleanField(_("nhu cầu gói cước"), default=False)
    notes = models.TextField(_("ghi chú"), blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.STUDYING
    )
    portal_edits = models.JSONField(
        _("sửa trên cổng"),
        null=True,
        blank=True,
        editable=False,
        help_text=PORTAL_EDITS_HELP,
    )
    eligibility_locked = models.BooleanField(
        _("đã khóa thông tin xét duyệt"),
        default=False,
        help_text=_("Khóa khi học sinh đã được duyệt hỗ trợ."),
    )
    import_batch = models.ForeignKey(
        "schools.ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lần nhập"),
        help_text=_("Lần nhập tệp đã tạo học sinh này."),
        db_index=False,
        # A record of where the pupil came from, like the audit log's references:
        # batches are never deleted by the portal (Django would set this to null).
        db_constraint=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Người nhập trực tiếp; học sinh nhập từ tệp thuộc người tải tệp lên."),
        db_index=False,
        verbose_name=_("người tạo"),
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    version = models.PositiveIntegerField(
        _("phiên bản"),
        default=1,
        db_default=1,  # the import COPYs new pupils without this column
        help_text=_("Số phiên bản: biểu mẫu sửa đã cũ (có người vừa lưu) bị từ chối."),
    )

    # Set when a province/district review merged this record into another one: the
    # record stays (its audit trail and imports refer to it) but points to the kept one.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        verbose_name=_("đã gộp vào học sinh"),
    )

    objects = StudentQuerySet.as_manager()

    # Fields whose change needs an unlock once the pupil is an approved beneficiary.
    ELIGIBILITY_FIELDS = ("household", "need_device", "need_data", "has_device")
    # Who the approved beneficiary is: locked with the eligibility fields.
    IDENTITY_FIELDS = ("full_name", "date_of_birth", "personal_id", "pupil_code")

    class Meta:
        verbose_name = _("học sinh")
        verbose_name_plural = _("học sinh")
        ordering = ["sort_key", "date_of_birth", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pupil_code"], name="student_pupil_code_unique"),
            models.UniqueConstraint(
                fields=["personal_id"],
                condition=~models.Q(personal_id=""),
                name="student_personal_id_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(grade__gte=1, grade__lte=12), name="student_grade_1_12"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "sort_key"], name="student_school_sort_idx"),
            models.Index(fields=["village"], name="student_village_idx"),
            models.Index(fields=["sort_key", "date_of_birth"], name="student_sort_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def needs_support(self) -> bool:
        return bool(self.need_device) or self.need_data

    @property
    def masked_pupil_code(self) -> str:
        return mask(self.pupil_code)

    @property
    def masked_personal_id(self) -> str:
        return mask(self.personal_id)


def mask(value: str, visible: int = 4) -> str:
    """Show only the last digits of an ID or phone: ••••••1234."""
    if not value:
        return ""
    return "•" * max(len(value) - visible, 0) + value[-visible:]


def name_keys(full_name: str) -> tuple[str, str]:
    """(search key, Vietnamese sort key) of a normalised full name."""
    from kernel.normalize import fold

    folded = fold(full_name)
    parts = folded.split(" ")
    if len(parts) == 1:
        return folded, folded
    given, family, middle = parts[-1], parts[0], " ".join(parts[1:-1])
    return folded, f"{given}|{middle}|{family}"


def mark_portal_edits(
    current: dict[str, Any] | None, fields: list[str], *, user_id: int | None, at: str
) -> dict[str, Any] | None:
    """``portal_edits`` after a portal edit of ``fields`` (attnames) by ``user_id`` at ``at``."""
    if not fields:
        return current
    marks = dict(current or {})
    for name in fields:
        marks[name] = {"by": user_id, "at": at}
    return marks


class ImportChange(models.Model):
    """One registered pupil a checked household list would change (the dry run's difference).

    Kept with the batch so the check page can show, page by page, what each field
    becomes, and the values the file would overwrite that were set in the portal
    (``conflicts``) until the user confirms.  Values are stored raw (ids, codes);
    ``selectors.describe_changes`` turns them into labels when shown.
    """

    batch = models.ForeignKey(
        "schools.ImportBatch",
        on_delete=models.CASCADE,
        related_name="student_changes",
        verbose_name=_("lần nhập"),
    )
    row = models.PositiveIntegerField(_("dòng"))
    student = models.ForeignKey(
        Student,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("học sinh"),
        help_text=_("Trống: học sinh mới, vào một hộ đã có."),
        db_index=False,
    )
    full_name = models.CharField(_("họ và tên"), max_length=150)
    household = models.ForeignKey(
        Household,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hộ gia đình"),
        db_index=False,
    )
    # {key: [old, new]}: pupil fields by attname, household fields as "household.<attname>".
    changes = models.JSONField(_("thay đổi"), default=dict)
    # {key: {"portal": value, "file": value, "by": user id, "at": ISO time}}
    conflicts = models.JSONField(_("xung đột"), default=dict)

    class Meta:
        verbose_name = _("thay đổi dự kiến khi nhập")
        verbose_name_plural = _("thay đổi dự kiến khi nhập")
        ordering = ["batch", "row"]
        indexes = [models.Index(fields=["batch", "row"], name="importchange_batch_row_idx")]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.row}"


class DuplicateReview(models.Model):
    """A decision on a possible duplicate pair found across schools: not the same
    child (dismissed, never listed again) or merged into one record."""

    class Decision(models.TextChoices):
        DISMISSED = "dismissed", _("Không trùng")
        MERGED = "merged", _("Đã gộp")

    # The pair in id order, so that one pair has one row.
    first = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="+", verbose_name=_("học sinh thứ nhất")
    )
    second = models.ForeignKey(
        Student,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("học sinh thứ hai"),
        db_index=False,  # the pair is looked up through duplicate_review_once
    )
    decision = models.CharField(_("quyết định"), max_length=10, choices=Decision.choices)
    kept = models.ForeignKey(
        Student,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hồ sơ giữ lại"),
        db_index=False,
    )
    reason = models.TextField(_("lý do"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("người quyết định"),
        db_index=False,
    )
    decided_at = models.DateTimeField(_("quyết định lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("xét hồ sơ có thể trùng")
        verbose_name_plural = _("xét hồ sơ có thể trùng")
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_review_once"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")),
                name="duplicate_review_pair_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id}–{self.second_id}: {self.get_decision_display()}"
