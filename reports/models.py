"""Progress reports and outreach activities."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kernel.scoping import ScopedQuerySet
from schools.models import (
    District,
    School,
    province_field,
    recorded_in_province,
)


class ProgressReportQuerySet(ScopedQuerySet["ProgressReport"]):
    # The report is the province's own, read by its officers only (reports.rules).
    province_lookups = ("province_id",)
    district_lookups = ()
    school_lookups = ()


class ProgressReport(models.Model):
    """Báo cáo tiến độ of one province for one period; the same period always yields the
    same report."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        RUNNING = "running", pgettext_lazy("báo cáo", "Đang lập")
        DONE = "done", _("Hoàn tất")
        FAILED = "failed", _("Lỗi")

    province = province_field("progress_reports")
    period_start = models.DateField(_("từ ngày"))
    period_end = models.DateField(_("đến ngày"))
    number = models.CharField(_("số báo cáo"), max_length=40, blank=True)
    # The number is assigned once, when the report is registered: its place in the
    # sequence of the year it was issued, which restarts every 1 January.
    number_year = models.PositiveSmallIntegerField(_("năm của số báo cáo"), null=True, blank=True)
    number_seq = models.PositiveIntegerField(_("số thứ tự trong năm"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    figures = models.JSONField(_("số liệu"), default=dict, blank=True)
    xlsx = models.FileField(_("tệp Excel"), upload_to="reports/", blank=True)
    pdf = models.FileField(_("tệp PDF"), upload_to="reports/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người yêu cầu"),
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    enqueued_at = models.DateTimeField(
        _("thời điểm xếp hàng"),
        null=True,
        blank=True,
        help_text=_("Đặt khi hàng đợi đã nhận tác vụ; để trống là sẽ gửi lại."),
    )
    started_at = models.DateTimeField(_("thời điểm bắt đầu"), null=True, blank=True)
    generated_at = models.DateTimeField(_("thời điểm lập"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("thời điểm gửi thư"), null=True, blank=True)
    error = models.TextField(_("lỗi"), blank=True)

    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("báo cáo tiến độ")
        verbose_name_plural = _("báo cáo tiến độ")
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "period_start", "period_end"],
                name="report_one_per_province_period",
            ),
            models.UniqueConstraint(
                fields=["province", "number_year", "number_seq"],
                name="report_number_unique_per_province_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or _('Báo cáo')} ({self.period_start:%d/%m/%Y}–{self.period_end:%d/%m/%Y})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def waits_for_broker(self) -> bool:
        """Requested while the task queue was unreachable; re-enqueued later."""
        return self.status == self.Status.PENDING and self.enqueued_at is None


class OutreachQuerySet(ScopedQuerySet["OutreachActivity"]):
    # An activity of the province itself has neither district nor school: its author's.
    province_lookups = (
        "district__province_id",
        "school__district__province_id",
        recorded_in_province("created_by", without=("district", "school")),
    )
    district_lookups = ("district_id", "school__district_id")
    school_lookups = ("school_id",)


class OutreachActivity(models.Model):
    """Tuyên truyền: media posts, launch events, broadcasts."""

    class Channel(models.TextChoices):
        WEBSITE = "website", _("Cổng/trang thông tin điện tử")
        SOCIAL = "social", _("Mạng xã hội")
        TV_RADIO = "broadcast", _("Phát thanh, truyền hình")
        PRESS = "press", _("Báo chí")
        EVENT = "event", _("Lễ phát động, sự kiện")
        LOUDSPEAKER = "loudspeaker", _("Loa truyền thanh cơ sở")

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
    held_on = models.DateField(_("ngày"))
    channel = models.CharField(_("hình thức"), max_length=12, choices=Channel.choices)
    title = models.CharField(_("nội dung"), max_length=255)
    link = models.URLField(_("đường dẫn"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ngày cập nhật"), auto_now=True)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        verbose_name = _("hoạt động tuyên truyền")
        verbose_name_plural = _("hoạt động tuyên truyền")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return self.title

    @property
    def unit_label(self) -> str:
        if self.school_id:
            return str(self.school)
        if self.district_id:
            return str(self.district)
        return str(_("Sở GD&ĐT"))
