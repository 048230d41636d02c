"""First-run checklist item of the task queue: can the broker be reached."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from kernel.setup_checks import SetupItem, register


@register(90)
def broker_reachable() -> SetupItem:
    label = _("Hàng đợi tác vụ (Redis, Celery) hoạt động")
    url = str(getattr(settings, "REDIS_URL", "") or "")
    if not url:
        return SetupItem(
            label=label,
            done=False,
            detail=_("Chưa đặt REDIS_URL: nhập, xuất và báo cáo chạy ngay trong máy chủ web."),
            how="REDIS_URL=redis://redis:6379/0",
        )
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except (redis.exceptions.RedisError, OSError) as exc:
        return SetupItem(
            label=label, done=False, detail=_("Không kết nối được: %(e)s") % {"e": exc}
        )
    return SetupItem(label=label, done=True, detail=_("Kết nối được tới Redis."))
