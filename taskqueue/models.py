"""The outbox: work that must happen after a commit, stored in the same transaction."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxTask(models.Model):
    """A call (``name`` = dotted path of a plain function, ``args``) to run once, later.

    Written inside the caller's transaction, so it exists exactly when the data it
    follows up exists. ``published_at`` is set when the broker accepted the task that
    runs it; ``done_at`` when the call returned. A row still undone after a while is
    run by the sweep, so neither a broker outage nor a lost task loses it.
    """

    name = models.CharField(_("hàm"), max_length=200)
    args = models.JSONField(_("tham số"), default=list, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    available_at = models.DateTimeField(_("chạy từ"), default=timezone.now)
    published_at = models.DateTimeField(_("đã gửi vào hàng đợi lúc"), null=True, blank=True)
    done_at = models.DateTimeField(_("hoàn tất lúc"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)

    class Meta:
        verbose_name = _("tác vụ chờ gửi")
        verbose_name_plural = _("tác vụ chờ gửi")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["available_at"],
                name="outbox_undone_idx",
                condition=models.Q(done_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"
