"""Opening a round, setting quotas and rejecting pupils notify the next unit, once."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification
from rounds import services
from rounds.models import Quota
from rounds.services import notices
from rounds.services.notices import MESSAGE_LIMIT, names_within
from tests.accounts.factories import UserFactory, role
from tests.rounds.factories import ProposalItemFactory, PupilFactory, QuotaFactory
from tests.schools.factories import DistrictFactory

pytestmark = pytest.mark.django_db


def notes(verb):
    return list(Notification.objects.filter(verb=verb).order_by("recipient__username"))


def test_opening_a_round_tells_every_district_office_of_the_province(
    province_official,
    district_officer,
    other_district_officer,
    school_staff,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        round_ = services.open_round(
            actor=province_official,
            name="Đợt 2 năm học 2021-2022",
            school_year="2021-2022",
            starts_on=dt.date(2021, 10, 1),
            ends_on=dt.date(2021, 12, 1),
            offers=["tablet", "data"],
        )
    opened = notes("round.open")
    assert [n.recipient for n in opened] == [district_officer, other_district_officer]
    assert opened[0].message == (
        "Sở GD&ĐT đã mở đợt hỗ trợ “Đợt 2 năm học 2021-2022” (Máy tính bảng, Gói cước dữ liệu), "
        "hạn đề xuất 01/12/2021. Phòng GD&ĐT sẽ được thông báo khi Sở giao chỉ tiêu cho huyện."
    )
    assert opened[0].url == f"/dot-ho-tro/{round_.pk}/"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [district_officer.email, other_district_officer.email]
    )
    assert not Notification.objects.filter(recipient=school_staff).exists()


def test_district_quotas_tell_each_changed_district_and_a_repeated_save_tells_nobody(
    province_official, support_round, district, other_district, district_officer,
    other_district_officer, quotas,
):  # fmt: skip
    amounts = {(district.pk, "tablet"): 12, (district.pk, "data"): 5}
    services.set_district_quotas(actor=province_official, round=support_round, amounts=amounts)
    sent = notes("round.district_quotas")
    assert [n.recipient for n in sent] == [district_officer]
    assert sent[0].message == (
        f"Sở GD&ĐT đã giao chỉ tiêu cho Huyện Bảo Yên trong đợt “{support_round.name}”: "
        "Máy tính bảng 12, Gói cước dữ liệu 5. Hãy giao chỉ tiêu cho các trường trước hạn đề xuất "
        f"{support_round.ends_on:%d/%m/%Y}."
    )
    services.set_district_quotas(actor=province_official, round=support_round, amounts=amounts)
    assert len(notes("round.district_quotas")) == 1


def test_unit_quota_notices_read_every_units_quotas_in_one_query(
    province, support_round, district, other_district, district_officer, other_district_officer,
    quotas,
):  # fmt: skip
    third = DistrictFactory(province=province, code="85", name="Huyện Bắc Hà")
    third_officer = UserFactory(username="phong_ba", role=role("district_officer"), district=third)
    QuotaFactory(round=support_round, district=other_district, kind="data", amount=7)
    QuotaFactory(round=support_round, district=third, kind="data", amount=4)
    units = [district, other_district, third]
    with CaptureQueriesContext(connection) as queries:
        notices.unit_quotas_set(support_round, units)
    table = f'"{Quota._meta.db_table}"'
    quota_reads = [q["sql"] for q in queries.captured_queries if f"FROM {table}" in q["sql"]]
    assert len(quota_reads) == 1  # one per district would be 3
    officers = [district_officer, other_district_officer, third_officer]
    sent = {n.recipient: n.message for n in notes("round.district_quotas")}
    assert set(sent) == set(officers)
    for unit, officer in zip(units, officers, strict=True):
        stored = Quota.objects.filter(round=support_round, district=unit, school__isnull=True)
        assert stored.exists()
        amounts = ", ".join(
            f"{q.get_kind_display()} {q.amount}"
            for q in sorted(stored, key=lambda q: ["tablet", "data"].index(q.kind))
        )
        assert sent[officer] == (
            f"Sở GD&ĐT đã giao chỉ tiêu cho {unit.name} trong đợt “{support_round.name}”: "
            f"{amounts}. Hãy giao chỉ tiêu cho các trường trước hạn đề xuất "
            f"{support_round.ends_on:%d/%m/%Y}."
        )


def test_school_quotas_tell_the_school_to_propose_with_quota_and_deadline(
    district_officer, support_round, district, school, other_school, school_staff,
    other_school_staff, quotas,
):  # fmt: skip
    inactive = UserFactory(role=role("school_staff"), school=school, is_active=False)
    amounts = {(school.pk, "tablet"): 4, (other_school.pk, "tablet"): 5}
    services.split_school_quota(
        actor=district_officer, round=support_round, district=district, amounts=amounts
    )
    sent = notes("round.school_quotas")
    # The other school's quota did not change: it hears nothing.
    assert [n.recipient for n in sent] == [school_staff]
    assert sent[0].message == (
        f"Phòng GD&ĐT đã giao chỉ tiêu cho Trường PTDTBT THCS Tân Tiến trong đợt "
        f"“{support_round.name}”: Máy tính bảng 4, Gói cước dữ liệu 3. Hãy lập danh sách học sinh "
        f"đề xuất và gửi Phòng GD&ĐT trước hạn {support_round.ends_on:%d/%m/%Y}."
    )
    assert sent[0].url == f"/dot-ho-tro/{support_round.pk}/"
    assert not Notification.objects.filter(recipient=inactive).exists()
    services.split_school_quota(
        actor=district_officer, round=support_round, district=district, amounts=amounts
    )
    assert len(notes("round.school_quotas")) == 1


def test_a_school_whose_quota_drops_to_zero_is_not_asked_to_propose(
    district_officer, support_round, district, school, school_staff, quotas
):
    services.split_school_quota(
        actor=district_officer,
        round=support_round,
        district=district,
        amounts={(school.pk, "tablet"): 0, (school.pk, "data"): 0},
    )
    (note,) = notes("round.school_quotas")
    assert "Trường không còn chỉ tiêu trong đợt này" in note.message
    assert "Hãy lập danh sách" not in note.message


def test_rejected_pupils_are_named_one_by_one_with_the_reason(
    submitted, district_officer, school_staff, pupils
):
    first, second = submitted.items.order_by("priority")[:2]
    services.reject_items(
        actor=district_officer,
        proposal=submitted,
        item_ids=[first.pk, second.pk],
        reason="Gia đình đã có máy tính",
        version=None,
    )
    (note,) = notes("proposal.reject_items")
    assert note.recipient == school_staff
    assert note.message == (
        "Phòng GD&ĐT không duyệt 2 học sinh trong danh sách của Trường PTDTBT THCS Tân Tiến – "
        f"{submitted.round.name}: {first.student.full_name} (Máy tính bảng), "
        f"{second.student.full_name} (Máy tính bảng). Lý do: Gia đình đã có máy tính"
    )
    assert note.url == f"/dot-ho-tro/de-xuat/{submitted.pk}/"
    # Rejecting the same pupils again changes nothing and tells nobody again.
    assert (
        services.reject_items(
            actor=district_officer,
            proposal=submitted,
            item_ids=[first.pk],
            reason="Gia đình đã có máy tính",
            version=None,
        )
        == 0
    )
    assert len(notes("proposal.reject_items")) == 1


def test_approval_names_the_pupils_not_approved_and_why(
    submitted, district_officer, school_staff, pupils
):
    first, second, third = submitted.items.order_by("priority")[:3]
    services.reject_items(
        actor=district_officer, proposal=submitted, item_ids=[first.pk], reason="Sai diện",
        version=None,
    )  # fmt: skip
    services.reject_items(
        actor=district_officer,
        proposal=submitted,
        item_ids=[second.pk, third.pk],
        reason="Đã có máy",
        version=None,
    )
    services.approve_proposal(actor=district_officer, proposal=submitted, version=None)
    (note,) = [n for n in notes("proposal.approve") if n.recipient == school_staff]
    assert note.message == (
        "Phòng GD&ĐT đã duyệt 1 học sinh trong danh sách của Trường PTDTBT THCS Tân Tiến – "
        f"{submitted.round.name}. Không duyệt 3 học sinh: "
        f"{first.student.full_name} (Máy tính bảng) – lý do: Sai diện; "
        f"{second.student.full_name} (Máy tính bảng), {third.student.full_name} (Máy tính bảng)"
        " – lý do: Đã có máy."
    )


def test_a_long_rejection_fits_the_inbox_and_counts_the_pupils_left_out(
    submitted, district_officer, school_staff, school, quotas
):
    quotas["school"].amount = 60
    quotas["school"].save()
    extra = [
        ProposalItemFactory(
            proposal=submitted,
            student=PupilFactory(school=school, full_name=f"Giàng Thị Mai Phương {n:02d}"),
            priority=10 + n,
        )
        for n in range(40)
    ]
    services.reject_items(
        actor=district_officer,
        proposal=submitted,
        item_ids=[i.pk for i in extra],
        reason="Không thuộc diện hộ nghèo, cận nghèo",
        version=None,
    )
    (note,) = notes("proposal.reject_items")
    assert len(note.message) <= MESSAGE_LIMIT
    assert note.message.startswith("Phòng GD&ĐT không duyệt 40 học sinh")
    assert note.message.endswith(". Lý do: Không thuộc diện hộ nghèo, cận nghèo")
    shown = note.message.count("Giàng Thị Mai Phương")
    assert f" và {40 - shown} học sinh khác. Lý do:" in note.message


def test_names_within_keeps_whole_names():
    labels = ["Lò Văn A", "Vàng Thị Bình", "Sùng Seo Chứ"]
    assert names_within(labels, 100) == "Lò Văn A, Vàng Thị Bình, Sùng Seo Chứ"
    assert names_within(labels, 30) == "Lò Văn A và 2 học sinh khác"
    assert names_within(labels, 1) == "Lò Văn A và 2 học sinh khác"
