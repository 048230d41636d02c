"""Template context shared by every page: the navigation for the user's role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# (label, url name, capabilities any of which shows the entry; empty = every user)
NAVIGATION: tuple[tuple[StrOrPromise, str, tuple[str, ...]], ...] = (
    (_("Trang chủ"), "accounts:home", ()),
    (_("Học sinh"), "students:list", ("can_edit_students", "can_import", "can_approve")),
    (_("Hồ sơ trùng"), "students:duplicates", ("can_approve",)),
    (_("Đợt hỗ trợ"), "rounds:list", ("can_propose", "can_approve", "can_manage_rounds")),
    (_("Thiết bị"), "devices:stock", ("can_allocate", "can_view_reports")),
    (_("Gói cước"), "devices:subscriptions", ("can_allocate",)),
    (
        _("Phủ sóng"),
        "coverage:map",
        ("can_manage_coverage", "can_report_coverage", "can_view_reports"),
    ),
    (_("Tài trợ"), "donations:donors", ("can_manage_donations",)),
    (_("Báo cáo"), "reports:dashboard", ("can_view_reports",)),
    (_("Truy cập dữ liệu"), "accounts:data_access_list", ("can_manage_users",)),
)


def portal(request: HttpRequest) -> dict[str, object]:
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": []}
    items: list[dict[str, Any]] = []
    for label, url_name, capabilities in NAVIGATION:
        if capabilities and not any(user.can(c) for c in capabilities):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            # Parts of the portal that are not installed in this deployment stay hidden.
            continue
        items.append({"label": label, "url": url, "active": False})
    # Highlight only the entry whose address is the longest prefix of this page's.
    matches = [
        item for item in items if item["url"] != "/" and request.path.startswith(item["url"])
    ]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return {
        "nav_items": items,
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }
