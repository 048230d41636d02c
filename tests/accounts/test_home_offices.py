"""Each role's home page names the office in force today for the user (issue 16).

The world is ``tests.reform_world``: old Lào Cai's district Bảo Yên (Tân Tiến → xã Bảo
Yên; Nghĩa Đô split between xã Bảo Yên and phường Văn Phú), old Yên Bái's Âu Lâu →
phường Văn Phú, all in the new Lào Cai since 1 July 2025. The card's text is read from
the page and compared whole.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from tests.accounts.factories import UserFactory, role
from tests.reform_world import build_reform_world

pytestmark = pytest.mark.django_db

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
AFTER = dt.datetime(2026, 9, 15, 9, 0, tzinfo=VN)
BEFORE = dt.datetime(2024, 9, 15, 9, 0, tzinfo=VN)
SO_MOI = "Sở GD&ĐT Lào Cai (từ 1/7/2025)"


@pytest.fixture
def world():
    world = build_reform_world()
    for key in ("tan_tien_school", "split_school", "au_lau_school", "upper_school"):
        school = getattr(world, key)
        world.users[key] = UserFactory(
            username=f"staff_{school.code}", role=role("school_staff"), school=school
        )
    return world


def card(client_for, user, when=AFTER) -> list[str]:
    """The office card's lines (label and office, notes, successors) as the page shows them."""
    with time_machine.travel(when, tick=False):
        page = client_for(user).get(reverse("accounts:home"))
    assert page.status_code == 200
    found = re.search(r'<section class="card" data-testid="office-card">(.*?)</section>',
                      page.content.decode(), re.S)  # fmt: skip
    assert found, "no office card"
    lines = re.findall(r"<(?:p|li)[^>]*>(.*?)</(?:p|li)>", found.group(1), re.S)
    return [
        html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", line))).strip() for line in lines
    ]


def test_a_primary_school_of_former_yen_bai_is_decided_by_its_ward(world, client_for):
    assert card(client_for, world.users["au_lau_school"]) == [
        "Đơn vị xét duyệt: UBND phường Văn Phú (từ 1/7/2025)",
        "Căn cứ: Nghị định 142/2025/NĐ-CP.",
    ]


def test_a_lower_secondary_school_is_decided_by_its_communes_committee(world, client_for):
    assert card(client_for, world.users["tan_tien_school"])[0] == (
        "Đơn vị xét duyệt: UBND xã Bảo Yên (từ 1/7/2025)"
    )


def test_an_upper_secondary_school_is_decided_by_the_so(world, client_for):
    assert card(client_for, world.users["upper_school"]) == [
        f"Đơn vị xét duyệt: {SO_MOI}",
        "Trường THPT, GDTX do Sở GD&ĐT trực tiếp xét duyệt từ 1/7/2025 (Nghị định 142/2025/NĐ-CP).",
    ]


def test_a_school_of_a_split_commune_is_told_why_nobody_decides_yet(world, client_for):
    assert card(client_for, world.users["split_school"]) == [
        "Đơn vị xét duyệt: Chưa xác định được xã/phường của trường Trường TH Nghĩa Đô ngày "
        "15/09/2026 (xã cũ đã chia cho nhiều xã mới): quản trị viên cần ghi địa bàn của trường."
    ]


def test_before_the_reform_a_school_is_decided_by_its_district_office(world, client_for):
    assert card(client_for, world.users["tan_tien_school"], BEFORE) == [
        "Đơn vị xét duyệt: Phòng GD&ĐT huyện Bảo Yên (đến 30/6/2025)"
    ]


def test_the_commune_officer_sees_its_committee(world, client_for):
    assert card(client_for, world.users["bao_yen"]) == [
        "Cơ quan: UBND xã Bảo Yên (từ 1/7/2025)",
        "Xét duyệt danh sách của các trường mầm non, tiểu học, THCS trên địa bàn; trường THPT, "
        "GDTX do Sở GD&ĐT xét duyệt.",
        "Căn cứ: Nghị định 142/2025/NĐ-CP.",
    ]


def test_an_abolished_district_offices_account_is_read_only_and_names_its_successors(
    world, client_for
):
    officer = world.users["district"]
    assert card(client_for, officer) == [
        "Cơ quan: Phòng GD&ĐT huyện Bảo Yên (đến 30/6/2025) Không còn hiệu lực",
        "Phòng GD&ĐT đã kết thúc hoạt động từ 1/7/2025: tài khoản chỉ xem hồ sơ cũ của huyện "
        "(thống kê, học sinh), không thay đổi được dữ liệu.",
        "Đơn vị kế nhiệm:",
        # Tân Tiến went to xã Bảo Yên, Nghĩa Đô was split between it and phường Văn Phú.
        "UBND phường Văn Phú (từ 1/7/2025)",
        "UBND xã Bảo Yên (từ 1/7/2025)",
        f"{SO_MOI} (trường THPT, GDTX)",
    ]
    # What the card says is true of the account: it approves nothing any more.
    assert not officer.can("can_approve") and officer.can("can_view_reports")


def test_before_the_reform_the_district_office_is_in_force(world, client_for):
    assert card(client_for, world.users["district"], BEFORE) == [
        "Cơ quan: Phòng GD&ĐT huyện Bảo Yên (đến 30/6/2025)"
    ]


def test_the_new_provinces_officer_sees_its_so_and_the_provinces_it_took_over(world, client_for):
    assert card(client_for, world.users["new_province"]) == [
        f"Cơ quan: {SO_MOI}",
        "Quản lý cả hồ sơ của tỉnh cũ: Lào Cai, Yên Bái.",
    ]


def test_an_old_provinces_officer_sees_the_so_that_took_over(world, client_for):
    assert card(client_for, world.users["old_yen_bai"]) == [
        "Cơ quan: Sở GD&ĐT Yên Bái (đến 30/6/2025) Không còn hiệu lực",
        "Tỉnh đã hợp nhất; hồ sơ cũ được giữ nguyên như đã ghi nhận.",
        "Căn cứ: Nghị quyết 202/2025/QH15.",
        "Đơn vị kế nhiệm:",
        SO_MOI,
    ]


def test_the_card_is_translated(world, client_for):
    client = client_for(world.users["au_lau_school"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(AFTER, tick=False):
        body = client.get(reverse("accounts:home")).content.decode()
    assert "Deciding office:" in body and "Đơn vị xét duyệt" not in body
