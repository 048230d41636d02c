"""The printed sheet of activation codes, for schools and offices without e-mail."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from kernel.documents import OfficialDocument, OfficialHeader

TITLE = "Phiếu mã kích hoạt tài khoản"


def _unit(user: User) -> str:
    return user.unit_label


def activation_sheet_pdf(issued: list[tuple[User, str, dt.datetime]]) -> bytes:
    """One section per school or office (a page each, to cut and hand out): who, code, until."""
    province = settings.PORTAL_PROVINCE_NAME
    header = OfficialHeader(
        issuer_parent=f"UBND tỉnh {province}", issuer="Sở Giáo dục và Đào tạo", place=province
    )
    doc = OfficialDocument(header, TITLE, subtitle="Cổng “Sóng và máy tính cho em”")
    address = settings.SITE_URL.rstrip("/") + reverse("accounts:activate")
    for index, (unit, rows) in enumerate(groupby(issued, key=lambda row: _unit(row[0]))):
        if index:
            doc.page_break()
        doc.heading(f"{index + 1}. {unit}")
        doc.paragraph(
            f"Mỗi người mở {address}, nhập tên đăng nhập và mã kích hoạt của mình, rồi tự đặt "
            f"mật khẩu (ít nhất {settings.PASSWORD_MIN_LENGTH} ký tự, không dùng mật khẩu phổ "
            "biến). Mỗi mã chỉ dùng một lần, trước ngày hết hạn ghi bên cạnh; mã in lần sau "
            "thay thế mã in lần trước. Giữ phiếu như giữ mật khẩu: không chụp, không gửi qua "
            "mạng xã hội."
        )
        doc.table(
            ["STT", "Họ và tên", "Tên đăng nhập", "Mã kích hoạt", "Hạn dùng"],
            [
                [
                    str(i),
                    user.full_name,
                    user.username,
                    code,
                    f"{timezone.localtime(expires):%d/%m/%Y}",
                ]
                for i, (user, code, expires) in enumerate(rows, start=1)
            ],
            widths=[0.6, 2.6, 2.2, 2.2, 1.4],
            font_size=11,
        )
    return doc.output()
