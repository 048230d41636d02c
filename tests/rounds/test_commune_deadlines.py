"""Proposal deadline extensions on the commune chain (issue 16).

In a round of the new province a commune committee gives more time to the schools it
decides — one school or all of them — with a reason; audited, notified; a school of
another commune, a school the Sở decides and a round of the district chain are refused
with 404. The world is ``tests.reform_world``: Bảo Yên (← Tân Tiến) decides the THCS of
Tân Tiến, Văn Phú (← Âu Lâu) the primary school of Âu Lâu; the THPT of Âu Lâu is the Sở's.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.http import Http404
from django.urls import reverse

from accounts.models import AuditEvent, Notification
from rounds import services
from rounds.models import DeadlineExtension, Proposal
from tests.rounds.conftest import COMMUNE_DEADLINE as DEADLINE
from tests.rounds.conftest import VN
from tests.rounds.factories import PupilFactory, SupportRoundFactory

pytestmark = pytest.mark.django_db


def on(day):
    return time_machine.travel(dt.datetime(*day, 9, 0, tzinfo=VN), tick=False)


@pytest.fixture
def world(reform_world):
    return reform_world


def deadlines(round_, world):
    schools = [world.tan_tien_school, world.au_lau_school, world.upper_school]
    found = services.school_deadlines(round_, schools)
    return {s.code: found[s.pk] for s in schools}


def post(client, round_, target, until="2026-11-15", reason="Mưa lũ, đường bị chia cắt"):
    return client.post(
        reverse("rounds:deadlines", args=[round_.pk]),
        {"target": target, "until": until, "reason": reason},
    )


def test_commune_officer_extends_for_one_of_its_schools_audited_and_notified(
    world, commune_round, client_for
):
    officer, school = world.users["bao_yen"], world.tan_tien_school
    with on((2026, 10, 20)):
        response = post(client_for(officer), commune_round, f"s:{school.pk}")
    assert response.status_code == 302
    ext = DeadlineExtension.objects.get()
    assert (ext.round, ext.school, ext.district, ext.commune) == (
        commune_round, school, world.bao_yen_district, world.bao_yen
    )  # fmt: skip
    assert (ext.until, ext.reason, ext.granted_by) == (
        dt.date(2026, 11, 15), "Mưa lũ, đường bị chia cắt", officer
    )  # fmt: skip
    assert ext.granted_at == dt.datetime(2026, 10, 20, 9, 0, tzinfo=VN)
    assert deadlines(commune_round, world) == {
        "08700002": dt.date(2026, 11, 15), "13200001": DEADLINE, "13200002": DEADLINE
    }  # fmt: skip
    event = AuditEvent.objects.get(action="round.extend_deadline")
    assert (event.actor, event.reason, event.object_id) == (
        officer, "Mưa lũ, đường bị chia cắt", str(commune_round.pk)
    )  # fmt: skip
    assert event.changes == {
        "Hạn đề xuất – Trường PTDTBT THCS Tân Tiến": ["2026-10-31", "2026-11-15"]
    }
    assert (event.school_id_snapshot, event.district_id_snapshot) == (school.pk, school.district_id)
    (note,) = Notification.objects.filter(verb="round.extend_deadline")
    assert note.recipient == world.users["tan_tien_school"]
    assert note.message == (
        "UBND xã Bảo Yên gia hạn đề xuất đợt “Đợt 1 năm học 2026-2027” cho Trường PTDTBT THCS "
        "Tân Tiến đến hết ngày 15/11/2026. Lý do: Mưa lũ, đường bị chia cắt"
    )


def test_commune_officer_extends_for_all_its_schools_and_only_them(
    world, commune_round, client_for
):
    officer = world.users["bao_yen"]
    client = client_for(officer)
    with on((2026, 10, 20)):
        assert post(client, commune_round, f"c:{world.bao_yen.pk}").status_code == 302
        page = client.get(reverse("rounds:deadlines", args=[commune_round.pk])).content.decode()
    ext = DeadlineExtension.objects.get()
    assert (ext.commune, ext.district, ext.school, ext.until) == (
        world.bao_yen, None, None, dt.date(2026, 11, 15)
    )  # fmt: skip
    assert deadlines(commune_round, world) == {
        "08700002": dt.date(2026, 11, 15), "13200001": DEADLINE, "13200002": DEADLINE
    }  # fmt: skip
    assert [n.recipient for n in Notification.objects.filter(verb="round.extend_deadline")] == [
        world.users["tan_tien_school"]
    ]
    assert AuditEvent.objects.get(action="round.extend_deadline").changes == {
        "Hạn đề xuất – Xã Bảo Yên": ["2026-10-31", "2026-11-15"]
    }
    assert "Gia hạn cho cả xã/phường" in page and "Mưa lũ, đường bị chia cắt" in page
    # The page lists the schools the commune decides: Tân Tiến, not Văn Phú's nor the Sở's.
    assert "08700002" in page and "13200001" not in page and "13200002" not in page
    assert "Phòng GD&ĐT" not in page


def test_a_commune_extension_lets_its_school_submit_after_the_deadline(world, commune_round):
    staff, school = world.users["tan_tien_school"], world.tan_tien_school
    proposal = services.start_proposal(actor=staff, round=commune_round)
    pupil = PupilFactory(school=school)
    services.add_proposal_items(
        actor=staff, proposal=proposal, entries=[(pupil.pk, "tablet")], version=None
    )
    with on((2026, 11, 3)), pytest.raises(services.RoundsError) as refused:
        services.submit_proposal(actor=staff, proposal=proposal, version=None)
    assert refused.value.message == (
        "Đã quá hạn đề xuất của trường (31/10/2026); không thể gửi danh sách. "
        "Nếu trường cần thêm thời gian, đề nghị UBND xã Bảo Yên gia hạn."
    )
    with on((2026, 11, 3)):
        services.extend_deadline(
            actor=world.users["bao_yen"], round=commune_round, commune=world.bao_yen,
            until=dt.date(2026, 11, 10), reason="Giáo viên đi tập huấn",
        )  # fmt: skip
        done = services.submit_proposal(actor=staff, proposal=proposal, version=None)
    assert done.status == Proposal.Status.SUBMITTED


def test_another_communes_officer_gets_404_and_nothing_is_written(world, commune_round, client_for):
    client = client_for(world.users["van_phu"])
    with on((2026, 10, 20)):
        # Not among the page's choices (as for another district's officer): the form refuses.
        # The THPT stands in Văn Phú, but the Sở decides it: not the committee's to extend.
        for school in (world.tan_tien_school, world.upper_school):
            response = post(client, commune_round, f"s:{school.pk}")
            assert response.status_code == 200
            assert "Hãy chọn một lựa chọn hợp lệ" in response.content.decode()
        for unit in ({"school": world.tan_tien_school}, {"commune": world.bao_yen},
                     {"school": world.upper_school}):  # fmt: skip
            with pytest.raises(Http404):
                services.extend_deadline(
                    actor=world.users["van_phu"], round=commune_round,
                    until=dt.date(2026, 11, 15), reason="x", **unit,
                )  # fmt: skip
    assert not DeadlineExtension.objects.exists()
    assert not AuditEvent.objects.filter(action="round.extend_deadline").exists()
    assert not Notification.objects.filter(verb="round.extend_deadline").exists()


def test_no_district_extension_in_a_commune_round_nor_a_commune_one_in_a_district_round(
    world, commune_round, client_for
):
    round_2021 = SupportRoundFactory(
        province=world.old_lao_cai,
        created_by=world.users["old_lao_cai"],
        ends_on=DEADLINE,
    )
    officer = world.users["bao_yen"]
    client = client_for(officer)
    with on((2026, 10, 20)):
        # A round of the district chain is not the commune's: its deadline page is not found.
        page = client.get(reverse("rounds:deadlines", args=[round_2021.pk]))
        assert page.status_code == 404
        assert post(client, round_2021, f"s:{world.tan_tien_school.pk}").status_code == 404
        with pytest.raises(Http404):
            services.extend_deadline(
                actor=world.users["new_province"], round=round_2021, commune=world.bao_yen,
                until=dt.date(2026, 11, 15), reason="x",
            )  # fmt: skip
        with pytest.raises(Http404):
            services.extend_deadline(
                actor=world.users["new_province"], round=commune_round,
                district=world.bao_yen_district, until=dt.date(2026, 11, 15), reason="x",
            )  # fmt: skip
    assert not DeadlineExtension.objects.exists()


def test_province_extends_for_a_commune_and_for_its_own_school_telling_each_office(
    world, commune_round, client_for
):
    client = client_for(world.users["new_province"])
    with on((2026, 10, 20)):
        page = client.get(reverse("rounds:deadlines", args=[commune_round.pk])).content.decode()
        assert "Mọi trường của Xã Bảo Yên" in page and "Mọi trường của Phường Văn Phú" in page
        assert "Mọi trường của Huyện Bảo Yên" not in page
        assert post(client, commune_round, f"c:{world.van_phu.pk}").status_code == 302
        assert (
            post(client, commune_round, f"s:{world.upper_school.pk}", "2026-11-20").status_code
            == 302
        )
    assert deadlines(commune_round, world) == {
        "08700002": DEADLINE, "13200001": dt.date(2026, 11, 15), "13200002": dt.date(2026, 11, 20)
    }  # fmt: skip
    told = {
        (n.recipient.username, n.message)
        for n in Notification.objects.filter(verb="round.extend_deadline")
    }
    commune = (
        "Sở GD&ĐT gia hạn đề xuất đợt “Đợt 1 năm học 2026-2027” cho Phường Văn Phú đến hết "
        "ngày 15/11/2026. Lý do: Mưa lũ, đường bị chia cắt"
    )
    upper = (
        "Sở GD&ĐT gia hạn đề xuất đợt “Đợt 1 năm học 2026-2027” cho Trường THPT Âu Lâu đến hết "
        "ngày 20/11/2026. Lý do: Mưa lũ, đường bị chia cắt"
    )
    # The commune committee and its school; the Sở's own school; no district office.
    assert told == {
        ("xa_van_phu", commune), ("staff_13200001", commune), ("staff_13200002", upper)
    }  # fmt: skip
    assert AuditEvent.objects.filter(action="round.extend_deadline").count() == 2


def test_the_round_page_links_the_commune_officer_to_the_deadlines(
    world, commune_round, client_for
):
    url = reverse("rounds:deadlines", args=[commune_round.pk])
    with on((2026, 10, 20)):
        page = client_for(world.users["bao_yen"]).get(
            reverse("rounds:detail", args=[commune_round.pk])
        )
    assert url in page.content.decode()
