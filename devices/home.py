"""Home-page figures of devices and data packages."""

from __future__ import annotations

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.home import HomeStat
from accounts.models import User
from devices.models import Allocation, Device, Subscription


def summary(user: User) -> list[HomeStat]:
    if not any(user.can(c) for c in ("can_allocate", "can_view_reports")):
        return []
    in_stock = Device.objects.visible_to(user).filter(status=Device.Status.IN_STOCK).count()
    handed = Allocation.objects.visible_to(user).aggregate(
        handed_over=Count("pk", filter=Q(status=Allocation.Status.HANDED_OVER)),
        waiting=Count("pk", filter=Q(status=Allocation.Status.RESERVED)),
    )
    active = Subscription.objects.visible_to(user).filter(status=Subscription.Status.ACTIVE).count()
    stock_url = reverse("devices:stock")
    return [
        HomeStat(_("Thiết bị trong kho"), intcomma(in_stock), stock_url),
        HomeStat(
            _("Thiết bị đã bàn giao"),
            intcomma(handed["handed_over"]),
            stock_url,
            _("%(n)s chờ bàn giao") % {"n": intcomma(handed["waiting"])},
        ),
        HomeStat(_("Gói cước đang hoạt động"), intcomma(active), reverse("devices:subscriptions")),
        _ready_stat(user),
    ]


def _ready_stat(user: User) -> HomeStat:
    """Supported pupils ready to learn online (``devices.readiness``), of how many."""
    from devices import readiness

    figures = readiness.counts_for_user(user)
    url = reverse("devices:readiness") if user.can("can_view_beneficiaries") else ""
    return HomeStat(
        _("Sẵn sàng học trực tuyến"),
        f"{intcomma(figures.ready)}/{intcomma(figures.total)}",
        url,
        _("%(n)s còn thiếu thiết bị, gói cước hoặc tài khoản") % {"n": intcomma(figures.not_ready)},
    )
