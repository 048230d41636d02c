"""Online learning platforms (the plan's purpose I.1.c) and the pupils' accounts on them.

The catalogue is reference data, the same for every unit, like the data packages: the
platforms are national (VioEdu, OLM, K12Online), a ministry's or a province's LMS, or
video-class tools. A pupil's account names a login only: the portal never stores, and
refuses to take, a password.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.scoping import ScopedQuerySet
from students.models import Student


class LearningPlatform(models.Model):
    class Kind(models.TextChoices):
        LMS = "lms", _("Hệ thống quản lý học tập (LMS)")
        LEARNING = "learning", _("Học liệu, luyện tập trực tuyến")
        VIDEO_CLASS = "video_class", _("Lớp học trực tuyến qua video")

    name = models.CharField(_("tên nền tảng"), max_length=80, unique=True)
    url = models.URLField(_("địa chỉ"), max_length=200)
    operator = models.CharField(_("đơn vị vận hành"), max_length=120)
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices, default=Kind.LEARNING)
    is_active = models.BooleanField(
        _("đang sử dụng"),
        default=True,
        help_text=_("Tài khoản trên nền tảng ngừng sử dụng không được tính là sẵn sàng."),
    )
    updated_at = models.DateTimeField(_("ngày cập nhật"), auto_now=True)

    class Meta:
        verbose_name = _("nền tảng học trực tuyến")
        verbose_name_plural = _("nền tảng học trực tuyến")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


ACTIVE_ACCOUNT = models.Q(is_active=True, platform__is_active=True)


class PlatformAccountQuerySet(ScopedQuerySet["PlatformAccount"]):
    province_lookups = ("student__school__district__province_id",)
    district_lookups = ("student__school__district_id",)
    school_lookups = ("student__school_id",)

    def usable(self) -> PlatformAccountQuerySet:
        """Accounts a pupil can learn with: not deactivated, on a platform still in use."""
        return self.filter(ACTIVE_ACCOUNT)


class PlatformAccount(models.Model):
    """An account the school set up for a pupil on a learning platform (no password)."""

    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        related_name="platform_accounts",
        verbose_name=_("học sinh"),
    )
    platform = models.ForeignKey(
        LearningPlatform,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("nền tảng"),
    )
    login_name = models.CharField(_("tên đăng nhập"), max_length=80)
    set_up_on = models.DateField(_("ngày tạo tài khoản"))
    set_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)
    deactivated_on = models.DateField(_("ngày ngừng"), null=True, blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người ngừng tài khoản"),
    )
    deactivation_reason = models.CharField(_("lý do ngừng"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    objects = PlatformAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("tài khoản học trực tuyến")
        verbose_name_plural = _("tài khoản học trực tuyến")
        ordering = ["platform__name", "-set_up_on", "pk"]
        constraints = [
            # One login belongs to one pupil; one pupil has one working account per platform.
            models.UniqueConstraint(
                fields=["platform", "login_name"],
                condition=models.Q(is_active=True),
                name="platform_account_login_unique_active",
            ),
            models.UniqueConstraint(
                fields=["student", "platform"],
                condition=models.Q(is_active=True),
                name="platform_account_one_active_per_pupil",
            ),
            models.CheckConstraint(
                condition=models.Q(is_active=True) | models.Q(deactivated_on__isnull=False),
                name="platform_account_deactivation_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform} – {self.login_name}"
