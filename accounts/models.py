"""Users, roles with capabilities, the audit trail and in-portal notifications."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from schools.provinces import first_province_with_predecessors, province_with_predecessors

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CAPABILITIES: tuple[tuple[str, StrOrPromise], ...] = (
    ("can_import", _("Nhập danh sách từ tệp")),
    ("can_edit_students", _("Thêm, sửa học sinh")),
    ("can_propose", _("Lập danh sách đề xuất")),
    ("can_approve", _("Phê duyệt, từ chối đề xuất")),
    ("can_manage_rounds", _("Mở đợt hỗ trợ, giao chỉ tiêu")),
    ("can_allocate", _("Cấp phát thiết bị, gói cước")),
    ("can_manage_coverage", _("Quản lý điểm phủ sóng")),
    ("can_report_coverage", _("Báo cáo sóng tại trường")),
    ("can_manage_donations", _("Quản lý tài trợ")),
    ("can_view_reports", _("Xem báo cáo, thống kê")),
    ("can_manage_users", _("Quản lý tài khoản")),
    ("can_view_beneficiaries", _("Xem dữ liệu từng học sinh")),
    ("can_reveal_personal_ids", _("Xem đầy đủ số định danh, số điện thoại")),
)
CAPABILITY_NAMES = frozenset(name for name, _label in CAPABILITIES)
# What an account of an abolished office (a Phòng GD&ĐT after 30 June 2025) keeps: it
# still reads its old district's records, it no longer changes them.
READ_ONLY_CAPABILITIES = frozenset({"can_view_reports", "can_view_beneficiaries"})


class Role(models.Model):
    """A role is data: an administrator can add one (e.g. a carrier's coverage officer)."""

    class Level(models.TextChoices):
        SCHOOL = "school", _("Trường")
        DISTRICT = "district", _("Phòng GD&ĐT")
        COMMUNE = "commune", _("UBND xã/phường")
        PROVINCE = "province", _("Sở GD&ĐT / cấp tỉnh")
        ADMIN = "admin", _("Quản trị hệ thống")

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên vai trò"), max_length=100)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    can_import = models.BooleanField(_("Nhập danh sách từ tệp"), default=False)
    can_edit_students = models.BooleanField(_("Thêm, sửa học sinh"), default=False)
    can_propose = models.BooleanField(_("Lập danh sách đề xuất"), default=False)
    can_approve = models.BooleanField(_("Phê duyệt, từ chối đề xuất"), default=False)
    can_manage_rounds = models.BooleanField(_("Mở đợt hỗ trợ, giao chỉ tiêu"), default=False)
    can_allocate = models.BooleanField(_("Cấp phát thiết bị, gói cước"), default=False)
    can_manage_coverage = models.BooleanField(_("Quản lý điểm phủ sóng"), default=False)
    can_report_coverage = models.BooleanField(_("Báo cáo sóng tại trường"), default=False)
    can_manage_donations = models.BooleanField(_("Quản lý tài trợ"), default=False)
    can_view_reports = models.BooleanField(_("Xem báo cáo, thống kê"), default=False)
    can_manage_users = models.BooleanField(_("Quản lý tài khoản"), default=False)
    # Pupil-level data is need-to-know (Law 91/2025/QH15): aggregate reports do not imply it.
    can_view_beneficiaries = models.BooleanField(_("Xem dữ liệu từng học sinh"), default=False)
    can_reveal_personal_ids = models.BooleanField(
        _("Xem đầy đủ số định danh, số điện thoại"), default=False
    )

    class Meta:
        verbose_name = _("vai trò")
        verbose_name_plural = _("vai trò")
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name

    def capabilities(self) -> frozenset[str]:
        return frozenset(name for name in CAPABILITY_NAMES if getattr(self, name))


@dataclass(frozen=True)
class Scope:
    """Where a user may look: one school, the schools of a commune, one district, or
    the whole province (with the provinces that went into it, ``province_ids``)."""

    level: str
    province_id: int | None = None
    district_id: int | None = None
    school_id: int | None = None
    commune_id: int | None = None
    # A provincial scope's province and its predecessors (Province.successor).
    province_ids: frozenset[int] = frozenset()
    # A commune officer's schools, resolved once (the schools of the commune today).
    school_ids: frozenset[int] = frozenset()

    @property
    def is_provincial(self) -> bool:
        return self.level in (Role.Level.PROVINCE, Role.Level.ADMIN)

    def covers_province(self, province_id: int | None) -> bool:
        """Whether records of ``province_id`` are this provincial scope's: its own province's,
        or those of a province that went into it (the 2025 province runs old Lào Cai's)."""
        if not self.is_provincial or province_id is None:
            return False
        return province_id == self.province_id or province_id in self.province_ids

    @property
    def is_district(self) -> bool:
        return self.level == Role.Level.DISTRICT

    @property
    def is_commune(self) -> bool:
        return self.level == Role.Level.COMMUNE

    @property
    def is_school(self) -> bool:
        return self.level == Role.Level.SCHOOL


class PortalUserManager(UserManager["User"]):
    def get_queryset(self):
        """Users with their units and, in the same query, what their scope and
        capabilities need: whether their province has predecessors, until when their
        district's office was in force (so the signed-in user costs no extra query)."""
        from schools.models import Office, Province

        users = super().get_queryset()
        if self.model.__module__ == "__fake__":  # a migration's historical model
            return users
        return users.select_related("role", "school", "district", "province", "commune").annotate(
            province_has_predecessors=models.Exists(
                Province.objects.filter(successor_id=models.OuterRef("province_id"))
            ),
            district_office_until=models.Subquery(
                Office.objects.filter(
                    kind=Office.Kind.DISTRICT_OFFICE,
                    district_id=models.OuterRef("district_id"),
                ).values("valid_to")[:1]
            ),
        )


class User(AbstractUser):
    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)
    role = models.ForeignKey(
        Role,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("vai trò"),
    )
    province = models.ForeignKey(
        "schools.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("tỉnh"),
    )
    district = models.ForeignKey(
        "schools.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("phòng GD&ĐT"),
    )
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("trường"),
    )
    commune = models.ForeignKey(
        "schools.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        limit_choices_to={"generation__has_districts": False},
        verbose_name=_("UBND xã/phường"),
        help_text=_("Xã/phường từ 1/7/2025, với tài khoản cấp xã."),
    )

    objects: ClassVar[PortalUserManager] = PortalUserManager()

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(school__isnull=True, district__isnull=True, commune__isnull=True)
                    | models.Q(
                        school__isnull=False,
                        district__isnull=True,
                        province__isnull=True,
                        commune__isnull=True,
                    )
                    | models.Q(
                        school__isnull=True,
                        district__isnull=False,
                        province__isnull=True,
                        commune__isnull=True,
                    )
                    | models.Q(
                        school__isnull=True,
                        district__isnull=True,
                        province__isnull=True,
                        commune__isnull=False,
                    )
                ),
                name="user_belongs_to_one_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def clean(self) -> None:
        super().clean()
        if self.role_id is None or self.role is None:
            return
        level = self.role.level
        required: dict[str, tuple[str, StrOrPromise]] = {
            Role.Level.SCHOOL: ("school", _("Tài khoản cấp trường phải gắn với một trường.")),
            Role.Level.DISTRICT: ("district", _("Tài khoản Phòng GD&ĐT phải gắn với một huyện.")),
            Role.Level.COMMUNE: ("commune", _("Tài khoản cấp xã phải gắn với một xã/phường.")),
            Role.Level.PROVINCE: ("province", _("Tài khoản cấp tỉnh phải gắn với một tỉnh.")),
        }
        if level in required:
            field, message = required[level]
            if getattr(self, f"{field}_id") is None:
                raise ValidationError({field: message})
        commune = self.commune if self.commune_id else None
        if level == Role.Level.COMMUNE and commune is not None and commune.generation.has_districts:
            raise ValidationError({"commune": _("Tài khoản cấp xã gắn với xã/phường từ 1/7/2025.")})
        others = {"school", "district", "province", "commune"} - {required.get(level, ("",))[0]}
        if level != Role.Level.ADMIN:
            for field in others:
                if getattr(self, f"{field}_id") is not None:
                    raise ValidationError({field: _("Một tài khoản chỉ thuộc về một đơn vị.")})

    @cached_property
    def capabilities(self) -> frozenset[str]:
        if not self.is_active:
            return frozenset()
        if self.is_superuser:
            return CAPABILITY_NAMES
        granted = self.role.capabilities() if self.role is not None else frozenset()
        if self.office_is_abolished:
            return granted & READ_ONLY_CAPABILITIES
        return granted

    @cached_property
    def office_is_abolished(self) -> bool:
        """A district officer whose Phòng GD&ĐT is no longer in force (``schools.Office``):
        the account reads its old district's records, it changes nothing."""
        if not self.district_id:
            return False
        from kernel.clock import today
        from schools.models import Office

        if hasattr(self, "district_office_until"):  # read with the user (PortalUserManager)
            until = self.district_office_until
        else:
            until = (
                Office.objects.filter(
                    kind=Office.Kind.DISTRICT_OFFICE, district_id=self.district_id
                )
                .values_list("valid_to", flat=True)
                .first()
            )
        return until is not None and until < today()

    def can(self, capability: str) -> bool:
        if capability not in CAPABILITY_NAMES:
            raise ValueError(f"Unknown capability {capability!r}")
        return capability in self.capabilities

    @cached_property
    def scope(self) -> Scope:
        if not self.is_authenticated or not self.is_active:
            return Scope(level="none")
        if self.school_id:
            school = self.school
            assert school is not None
            return Scope(
                level=Role.Level.SCHOOL, district_id=school.district_id, school_id=school.pk
            )
        if self.district_id:
            district = self.district
            assert district is not None
            return Scope(
                level=Role.Level.DISTRICT, province_id=district.province_id, district_id=district.pk
            )
        if self.commune_id:
            from schools.offices import school_ids_in_commune

            commune = self.commune
            assert commune is not None
            return Scope(
                level=Role.Level.COMMUNE,
                province_id=commune.province_id,
                commune_id=commune.pk,
                school_ids=school_ids_in_commune(commune.pk),
            )
        if self.province_id:
            if getattr(self, "province_has_predecessors", True):
                ids = province_with_predecessors(self.province_id)
            else:  # known from the query that read the user: no query here
                ids = frozenset({self.province_id})
            return Scope(level=Role.Level.PROVINCE, province_id=self.province_id, province_ids=ids)
        if self.is_superuser or (self.role is not None and self.role.level == Role.Level.ADMIN):
            first, ids = first_province_with_predecessors()
            return Scope(level=Role.Level.ADMIN, province_id=first, province_ids=ids)
        return Scope(level="none")

    @property
    def unit_label(self) -> str:
        if self.school_id:
            return str(self.school)
        if self.district_id:
            return _("Phòng GD&ĐT %(name)s") % {"name": self.district}
        if self.commune_id:
            return _("UBND %(name)s") % {"name": self.commune}
        if self.province_id:
            return _("Sở GD&ĐT %(name)s") % {"name": self.province}
        return str(_("Quản trị hệ thống"))


class Activation(models.Model):
    """A one-time way for a new account to set its first password: an e-mailed link or a printed code.

    The link's token is derived from the row and the user's password hash (nothing secret is
    stored, and setting a password spends it); a printed code is stored only as a keyed hash.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Chưa dùng")
        USED = "used", _("Đã kích hoạt")
        REPLACED = "replaced", _("Đã thay bằng mã mới")
        EXPIRED = "expired", _("Hết hạn")
        LOCKED = "locked", _("Bị khóa do nhập sai nhiều lần")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Thư điện tử")
        SHEET = "sheet", _("Phiếu in")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="activations", verbose_name=_("tài khoản")
    )
    channel = models.CharField(_("cách gửi"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("tạo lúc"))
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    closed_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    sent_at = models.DateTimeField(_("đã gửi thư lúc"), null=True, blank=True)
    code_hash = models.CharField(_("mã kích hoạt (băm)"), max_length=64, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(_("số lần nhập sai"), default=0)
    issued_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người cấp"),
    )

    class Meta:
        verbose_name = _("kích hoạt tài khoản")
        verbose_name_plural = _("kích hoạt tài khoản")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="one_pending_activation_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.username} ({self.get_channel_display()}, {self.get_status_display()})"


class AuditEvent(models.Model):
    """Who did what to which object, when, and what changed. Written by services only."""

    at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("người thực hiện"),
    )
    action = models.CharField(_("hành động"), max_length=60, db_index=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, verbose_name=_("loại đối tượng")
    )
    object_id = models.CharField(_("mã đối tượng"), max_length=64)
    object_repr = models.CharField(_("đối tượng"), max_length=255)
    changes = models.JSONField(_("thay đổi"), default=dict, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    district_id_snapshot = models.BigIntegerField(
        _("mã huyện (lưu lại)"), null=True, blank=True, db_index=True
    )
    school_id_snapshot = models.BigIntegerField(
        _("mã trường (lưu lại)"), null=True, blank=True, db_index=True
    )

    class Meta:
        verbose_name = _("nhật ký thay đổi")
        verbose_name_plural = _("nhật ký thay đổi")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"], name="audit_object_idx")
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.action} {self.object_repr}"

    @property
    def change_list(self) -> list[tuple[str, object]]:
        """The changes as pairs, IDs and phones masked, for the history shown on pages.

        (Templates cannot use ``changes.items`` when a field is named "items".)  The
        full numbers stay in the stored event; a page shows them only through the
        recorded reveal, never in its history.
        """
        return sorted(
            (name, masked(value) if name in MASKED_CHANGE_FIELDS else value)
            for name, value in (self.changes or {}).items()
        )


# Fields whose values a history on a page shows masked (••••••1234).
MASKED_CHANGE_FIELDS = frozenset(
    {"pupil_code", "personal_id", "guardian_phone", "guardian_id_number", "phone", "id_number"}
)


def masked(value: object) -> object:
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    if value is None or value == "":
        return value
    text = str(value)
    return "•" * max(len(text) - 4, 0) + text[-4:]


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("người nhận")
    )
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    verb = models.CharField(_("sự kiện"), max_length=60)
    message = models.CharField(_("nội dung"), max_length=500)
    url = models.CharField(_("đường dẫn"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("đã gửi e-mail lúc"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.message


class PersonalDataAccess(models.Model):
    """Who looked at or exported pupil-level data, when, and how many rows (Decree 356/2025).

    Written for every pupil page view, every reveal of a full ID or phone and every
    export of pupil-level data; read by administrators, never edited.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Xem trang")
        REVEAL = "reveal", _("Xem đầy đủ số định danh, số điện thoại")
        EXPORT = "export", _("Xuất tệp")

    at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="data_accesses",
        verbose_name=_("người truy cập"),
    )
    action = models.CharField(_("hành động"), max_length=10, choices=Action.choices)
    what = models.CharField(_("dữ liệu"), max_length=200)
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("loại đối tượng"),
    )
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    object_repr = models.CharField(_("đối tượng"), max_length=255, blank=True)
    rows = models.PositiveIntegerField(_("số dòng"), default=1)
    district_id_snapshot = models.BigIntegerField(
        _("mã huyện (lưu lại)"), null=True, blank=True, db_index=True
    )
    school_id_snapshot = models.BigIntegerField(
        _("mã trường (lưu lại)"), null=True, blank=True, db_index=True
    )

    class Meta:
        verbose_name = _("truy cập dữ liệu cá nhân")
        verbose_name_plural = _("truy cập dữ liệu cá nhân")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-at"], name="data_access_object_idx"
            ),
            models.Index(fields=["user", "-at"], name="data_access_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.get_action_display()} {self.what}"
