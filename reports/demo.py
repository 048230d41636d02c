"""Demo outreach log and one progress report for last week."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from reports import services
from reports.models import OutreachActivity
from schools.models import District, School

# (unit: "province" | district code | school code, days ago, channel, title, link)
ACTIVITIES = [
    (
        "province",
        40,
        "event",
        "Lễ phát động chương trình “Sóng và máy tính cho em” tỉnh Lào Cai",
        "https://laocai.edu.vn/",
    ),
    ("province", 33, "website", "Thông báo tiếp nhận ủng hộ thiết bị học tập trực tuyến", ""),
    (
        "province",
        12,
        "broadcast",
        "Phóng sự truyền hình: máy tính bảng đến với học sinh vùng cao",
        "",
    ),
    ("87", 26, "loudspeaker", "Phát thanh trên loa truyền thanh các xã về chương trình", ""),
    ("87", 5, "social", "Bài đăng Fanpage Phòng GD&ĐT Bảo Yên: kết quả tiếp nhận đợt 1", ""),
    ("08700002", 18, "event", "Trao máy tính bảng cho học sinh Trường PTDTBT THCS Tân Tiến", ""),
    ("08700002", 4, "social", "Nhà trường hướng dẫn học sinh sử dụng máy tính bảng", ""),
    ("84", 9, "press", "Báo Lào Cai: Si Ma Cai vận động hỗ trợ thiết bị học tập", ""),
]


def seed(context: dict) -> None:
    users = context.get("users", {})
    actor = users.get("province") or users.get("admin")
    if actor is None:
        return
    today = timezone.localdate()
    for unit, days_ago, channel, title, link in ACTIVITIES:
        school = School.objects.filter(code=unit).first() if len(unit) == 8 else None
        district = District.objects.filter(code=unit).first() if len(unit) == 2 else None
        if unit != "province" and school is None and district is None:
            continue
        OutreachActivity.objects.get_or_create(
            title=title,
            defaults={
                "school": school,
                "district": district,
                "held_on": today - dt.timedelta(days=days_ago),
                "channel": channel,
                "link": link,
                "created_by": users.get("school") if school else actor,
            },
        )
    start, end = services.previous_week(today)
    services.generate_report(start, end, requested_by=actor)
