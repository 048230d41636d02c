"""Background exports: a big list is written by a worker and downloaded when ready.

Imported by ``schools.models`` (``from schools.models import ExportJob`` finds it).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    """A big list exported in the background; the user downloads it when ready."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        RUNNING = "running", _("Đang xuất")
        DONE = "done", _("Hoàn tất")
        FAILED = "failed", _("Lỗi")

    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        related_name="export_jobs",
        verbose_name=_("người yêu cầu"),
    )
    exporter = models.CharField(_("loại tệp xuất"), max_length=80)
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(_("tệp"), upload_to="exports/", blank=True)
    rows = models.PositiveIntegerField(_("số dòng"), default=0)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    enqueued_at = models.DateTimeField(
        _("thời điểm xếp hàng"),
        null=True,
        blank=True,
        help_text=_("Đặt khi hàng đợi đã nhận tác vụ; để trống là sẽ gửi lại."),
    )
    started_at = models.DateTimeField(_("thời điểm bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("thời điểm hoàn tất"), null=True, blank=True)
    error = models.TextField(_("lỗi"), blank=True)

    class Meta:
        verbose_name = _("tệp xuất")
        verbose_name_plural = _("tệp xuất")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.exporter} #{self.pk}"
