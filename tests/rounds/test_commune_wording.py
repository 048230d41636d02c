"""Rounds of the commune chain name the body that decides, never "Phòng GD&ĐT" (issue 16).

The pages a school, a commune officer and the province see in a round of the new
province, the errors the services raise there and the status of a list all name the
deciding body of the round: the commune committee, or the Sở for an upper-secondary
school. Rounds of the district chain keep their words (``test_deadlines``, ``test_views``).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from rounds import services
from tests.rounds.conftest import VN
from tests.rounds.factories import PupilFactory

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 10, 20, 9, 0, tzinfo=VN)


def _submitted(world, round_, key):
    staff, school = world.users[key], getattr(world, key)
    proposal = services.start_proposal(actor=staff, round=round_)
    pupils = [PupilFactory(school=school) for _ in range(2)]
    services.add_proposal_items(
        actor=staff, proposal=proposal, entries=[(p.pk, "tablet") for p in pupils], version=None
    )
    return services.submit_proposal(actor=staff, proposal=proposal, version=None)


@pytest.fixture
def lists(reform_world, commune_round):
    with time_machine.travel(WHEN, tick=False):
        return {
            key: _submitted(reform_world, commune_round, key)
            for key in ("tan_tien_school", "upper_school")
        }


def _pages(world, round_, lists):
    """(user key, URL) of every round page the commune chain's users open."""
    detail = reverse("rounds:detail", args=[round_.pk])
    tan_tien, upper = lists["tan_tien_school"], lists["upper_school"]
    student = tan_tien.items.first().student
    return [
        ("tan_tien_school", detail),
        ("tan_tien_school", reverse("rounds:proposal", args=[tan_tien.pk])),
        ("tan_tien_school", reverse("rounds:list")),
        ("upper_school", detail),
        ("upper_school", reverse("rounds:proposal", args=[upper.pk])),
        ("bao_yen", detail),
        ("bao_yen", reverse("rounds:inbox", args=[round_.pk])),
        ("bao_yen", reverse("rounds:split", args=[round_.pk])),
        ("bao_yen", reverse("rounds:deadlines", args=[round_.pk])),
        ("bao_yen", reverse("rounds:proposal", args=[tan_tien.pk])),
        ("bao_yen", reverse("rounds:student_history", args=[student.pk])),
        ("new_province", detail),
        ("new_province", reverse("rounds:quotas", args=[round_.pk])),
        ("new_province", reverse("rounds:deadlines", args=[round_.pk])),
        ("new_province", reverse("rounds:proposal", args=[upper.pk])),
        ("new_province", reverse("rounds:edit", args=[round_.pk])),
    ]


def test_no_page_of_a_commune_round_names_the_district_office(
    reform_world, commune_round, lists, client_for
):
    for key, url in _pages(reform_world, commune_round, lists):
        with time_machine.travel(WHEN, tick=False):
            response = client_for(reform_world.users[key]).get(url)
        assert response.status_code == 200, (key, url)
        body = response.content.decode()
        assert "Phòng GD" not in body, (key, url)
        assert "Phòng duyệt" not in body or url == reverse("rounds:list"), (key, url)


def test_the_status_of_a_list_names_its_deciding_body(
    reform_world, commune_round, lists, client_for
):
    with time_machine.travel(WHEN, tick=False):
        school = client_for(reform_world.users["tan_tien_school"])
        school_page = school.get(reverse("rounds:detail", args=[commune_round.pk])).content.decode()
        inbox = (
            client_for(reform_world.users["bao_yen"])
            .get(reverse("rounds:inbox", args=[commune_round.pk]))
            .content.decode()
        )
        upper = client_for(reform_world.users["upper_school"])
        upper_page = upper.get(reverse("rounds:detail", args=[commune_round.pk])).content.decode()
    assert "Đã gửi UBND xã Bảo Yên</span>" in school_page
    assert "Đã gửi UBND xã Bảo Yên</span>" in inbox
    assert "Đã gửi Sở GD&amp;ĐT Lào Cai</span>" in upper_page


def test_errors_on_a_commune_round_name_the_deciding_body(reform_world, commune_round, lists):
    tan_tien = lists["tan_tien_school"]
    pupil = PupilFactory(school=reform_world.tan_tien_school)
    with time_machine.travel(WHEN, tick=False):
        with pytest.raises(services.RoundsError) as editing:
            services.add_proposal_items(
                actor=reform_world.users["tan_tien_school"], proposal=tan_tien,
                entries=[(pupil.pk, "tablet")], version=None,
            )  # fmt: skip
        services.approve_proposal(
            actor=reform_world.users["bao_yen"], proposal=tan_tien, version=None
        )
        item = tan_tien.items.first()
        with pytest.raises(services.RoundsError) as deciding:
            services.approve_items(
                actor=reform_world.users["bao_yen"], proposal=tan_tien, item_ids=[item.pk],
                version=None,
            )  # fmt: skip
    assert editing.value.message == (
        "Danh sách đã gửi; chỉ sửa được khi UBND xã Bảo Yên trả lại để chỉnh sửa."
    )
    assert deciding.value.message == (
        "Chỉ quyết định từng học sinh khi danh sách đang chờ UBND xã Bảo Yên duyệt."
    )


def test_past_the_deadline_the_school_is_told_to_ask_its_commune(
    reform_world, commune_round, client_for
):
    staff = reform_world.users["tan_tien_school"]
    with time_machine.travel(WHEN, tick=False):
        proposal = services.start_proposal(actor=staff, round=commune_round)
    with time_machine.travel(dt.datetime(2026, 11, 5, 9, 0, tzinfo=VN), tick=False):
        page = client_for(staff).get(reverse("rounds:proposal", args=[proposal.pk]))
    assert (
        "Đã quá hạn đề xuất (31/10/2026): trường không gửi được danh sách mới. Nếu cần thêm "
        "thời gian, đề nghị UBND xã Bảo Yên gia hạn."
    ) in page.content.decode()
