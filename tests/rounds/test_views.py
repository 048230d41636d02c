"""Pages: login, scope (404), roles, POST-only state changes, fixed query counts."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from kernel.exporters import XLSX_CONTENT_TYPE
from rounds.models import Proposal, Quota, SupportRound
from tests.exports import export_via_worker
from tests.rounds.factories import (
    ProposalFactory,
    ProposalItemFactory,
    PupilFactory,
    QuotaFactory,
)
from tests.schools.factories import CommuneFactory, DistrictFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"rounds:{name}", args=args)


# --- anonymous and methods ------------------------------------------------------------


@pytest.mark.parametrize(
    "name,args",
    [("list", ()), ("create", ()), ("detail", (1,)), ("inbox", (1,)), ("proposal", (1,))],
)
def test_anonymous_is_sent_to_login(client, name, args):
    response = client.get(url(name, *args))
    assert response.status_code == 302
    assert "/dang-nhap/" in response["Location"]


@pytest.mark.parametrize("name", ["approve", "reject", "return", "submit", "confirm", "send_back"])
def test_state_changes_are_post_only(client_for, district_officer, submitted, name):
    response = client_for(district_officer).get(url("proposal_transition", submitted.pk, name))
    assert response.status_code == 405


@pytest.mark.parametrize(
    "name", ["close", "proposal_start", "proposal_add", "proposal_update", "proposal_suggest"]
)
def test_other_state_changes_are_post_only(client_for, province_official, support_round, name):
    assert client_for(province_official).get(url(name, support_round.pk)).status_code == 405


def test_outsider_gets_404(client_for, outsider, support_round):
    assert client_for(outsider).get(url("list")).status_code == 404


# --- round list and detail ------------------------------------------------------------


def test_province_sees_all_rounds_and_create(client_for, province_official, support_round):
    closed = SupportRound.objects.create(
        name="Đợt cũ",
        school_year="2020-2021",
        starts_on=dt.date(2020, 9, 1),
        ends_on=dt.date(2020, 12, 1),
        offers=["data"],
        status="closed",
        created_by=province_official,
    )
    response = client_for(province_official).get(url("list"))
    assert response.status_code == 200
    assert {r.pk for r in response.context["rounds"]} == {support_round.pk, closed.pk}
    assert response.context["can_create"]
    assert "Đợt hỗ trợ" in response.content.decode()


def test_school_sees_open_rounds_only(client_for, school_staff, support_round, province_official):
    SupportRound.objects.create(
        name="Đợt cũ",
        school_year="2020-2021",
        starts_on=dt.date(2020, 9, 1),
        ends_on=dt.date(2020, 12, 1),
        offers=["data"],
        status="closed",
        created_by=province_official,
    )
    response = client_for(school_staff).get(url("list"))
    assert [r.pk for r in response.context["rounds"]] == [support_round.pk]
    assert not response.context["can_create"]


def test_round_detail_by_role(
    client_for, support_round, quotas, province_official, district_officer, school_staff
):
    page = client_for(province_official).get(url("detail", support_round.pk))
    assert page.templates[0].name == "rounds/round_overview.html"
    page = client_for(district_officer).get(url("detail", support_round.pk))
    assert page.templates[0].name == "rounds/round_district.html"
    page = client_for(school_staff).get(url("detail", support_round.pk))
    assert page.templates[0].name == "rounds/round_school.html"
    assert "Lập danh sách đề xuất" in page.content.decode()


def test_province_creates_round(client_for, province_official):
    response = client_for(province_official).post(
        url("create"),
        {
            "name": "Đợt 2 năm học 2021-2022",
            "school_year": "2021-2022",
            "starts_on": "2021-11-01",
            "ends_on": "2021-12-31",
            "offers": ["tablet", "data"],
            "requires_province_confirmation": "on",
        },
    )
    round_ = SupportRound.objects.get(name="Đợt 2 năm học 2021-2022")
    assert response.status_code == 302 and response["Location"] == url("quotas", round_.pk)
    assert round_.offers == ["tablet", "data"] and round_.is_open


def test_round_form_rejects_bad_school_year(client_for, province_official):
    response = client_for(province_official).post(
        url("create"),
        {
            "name": "x",
            "school_year": "2021",
            "starts_on": "2021-11-01",
            "ends_on": "2021-12-31",
            "offers": ["tablet"],
        },
    )
    assert response.status_code == 200
    assert not SupportRound.objects.exists()


@pytest.mark.parametrize("who", ["district_officer", "school_staff"])
def test_only_province_creates_or_edits_rounds(request, client_for, who, support_round):
    client = client_for(request.getfixturevalue(who))
    assert client.get(url("create")).status_code == 404
    assert client.get(url("edit", support_round.pk)).status_code == 404
    assert client.get(url("quotas", support_round.pk)).status_code == 404
    assert client.post(url("close", support_round.pk)).status_code == 404


def test_province_sets_quotas_in_grid(client_for, province_official, support_round, district):
    response = client_for(province_official).post(
        url("quotas", support_round.pk),
        {f"q_{district.pk}_tablet": "40", f"q_{district.pk}_data": "1.000"},
    )
    assert response.status_code == 302
    quotas = {
        q.kind: q.amount for q in Quota.objects.filter(round=support_round, school__isnull=True)
    }
    assert quotas == {"tablet": 40, "data": 1000}
    (event,) = AuditEvent.objects.filter(action="round.district_quotas")
    assert event.changes == {
        "Huyện Bảo Yên – Gói cước dữ liệu": [None, 1000],
        "Huyện Bảo Yên – Máy tính bảng": [None, 40],
    }


def test_district_splits_quota_and_overshoot_is_refused(
    client_for, district_officer, support_round, quotas, school, other_school
):
    client = client_for(district_officer)
    response = client.post(url("split", support_round.pk), {f"s_{school.pk}_tablet": "9"})
    assert response.status_code == 200
    assert "vượt chỉ tiêu của huyện" in response.content.decode()
    quotas["school"].refresh_from_db()
    assert quotas["school"].amount == 5
    response = client.post(url("split", support_round.pk), {f"s_{school.pk}_tablet": "4"})
    assert response.status_code == 302
    quotas["school"].refresh_from_db()
    assert quotas["school"].amount == 4


@pytest.mark.parametrize("who", ["school_staff", "province_official"])
def test_split_and_inbox_are_district_pages(request, client_for, who, support_round):
    client = client_for(request.getfixturevalue(who))
    assert client.get(url("split", support_round.pk)).status_code == 404
    assert client.get(url("inbox", support_round.pk)).status_code == 404


# --- inbox and overview: fixed queries ------------------------------------------------


def _populate(round_, district, schools: int, pupils: int):
    for n in range(schools):
        school = SchoolFactory(district=district, commune=CommuneFactory(district=district))
        proposal = ProposalFactory(round=round_, school=school, status="submitted")
        for _ in range(pupils):
            ProposalItemFactory(proposal=proposal, kind="tablet" if n % 2 else "data")
        QuotaFactory(round=round_, district=district, school=school, amount=pupils)


def _count(client, path):
    client.get(path)  # warm process-wide caches (content types) so counts do not depend on order
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_inbox_runs_fixed_number_of_queries(
    client_for, district_officer, support_round, quotas, submitted, django_assert_num_queries
):
    client = client_for(district_officer)
    path = url("inbox", support_round.pk)
    _populate(support_round, submitted.school.district, schools=1, pupils=1)
    small = _count(client, path)
    _populate(support_round, submitted.school.district, schools=6, pupils=5)
    with django_assert_num_queries(small):
        response = client.get(path)
    rows = response.context["rows"]
    assert len(rows) == 9  # school, other_school and the 1 + 6 populated
    assert rows[0].proposal.status == "submitted"
    mine = next(r for r in rows if r.school == submitted.school)
    assert mine.total == 4 and mine.kind_cells[0] == {
        "kind": "tablet",
        "label": "Máy tính bảng",
        "count": 4,
        "quota": 5,
    }
    assert sum(mine.category_cells) == 4


def test_overview_runs_fixed_number_of_queries(
    client_for, province_official, support_round, quotas, submitted, django_assert_num_queries
):
    client = client_for(province_official)
    path = url("detail", support_round.pk)
    small = _count(client, path)
    for n in range(3):
        district = DistrictFactory(province=submitted.school.district.province, code=f"7{n}")
        QuotaFactory(round=support_round, district=district, amount=50)
        _populate(support_round, district, schools=3, pupils=4)
    with django_assert_num_queries(small):
        response = client.get(path)
    units = response.context["units"]
    assert len(units) == 5
    bao_yen = next(u for u in units if u.unit.code == "87")
    tablet = bao_yen.kinds[0]
    assert (tablet.quota, tablet.split, tablet.proposed, tablet.approved) == (10, 10, 4, 0)


def test_overview_export_is_xlsx(client_for, province_official, support_round, quotas):
    response = client_for(province_official).get(url("export", support_round.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE


# --- proposals: scope -----------------------------------------------------------------


@pytest.mark.parametrize(
    "who,status",
    [
        ("school_staff", 200),
        ("district_officer", 200),
        ("province_official", 200),
        ("other_school_staff", 404),
        ("other_district_officer", 404),
        ("far_school_staff", 404),
    ],
)
def test_proposal_page_scope(request, client_for, submitted, who, status):
    client = client_for(request.getfixturevalue(who))
    assert client.get(url("proposal", submitted.pk)).status_code == status
    if status == 404:
        assert client.get(url("proposal_export", submitted.pk)).status_code == 404
    else:
        response = export_via_worker(
            client,
            url("proposal_export", submitted.pk),
            {"proposal": str(submitted.pk)},
            key="rounds.proposal",
        )
        assert response.status_code == 200
        assert response["Content-Type"] == XLSX_CONTENT_TYPE


@pytest.mark.parametrize("name", ["approve", "reject", "return"])
def test_other_district_cannot_decide_via_page(client_for, other_district_officer, submitted, name):
    response = client_for(other_district_officer).post(
        url("proposal_transition", submitted.pk, name), {"version": 1, "reason": "x"}
    )
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_school_cannot_approve_via_page(client_for, school_staff, submitted):
    response = client_for(school_staff).post(
        url("proposal_transition", submitted.pk, "approve"), {"version": 1}
    )
    assert response.status_code == 404
    assert (
        client_for(school_staff)
        .post(url("proposal_decide_items", submitted.pk), {"version": 1, "items": [1]})
        .status_code
        == 404
    )


def test_stale_page_gets_clear_message_and_no_overwrite(client_for, district_officer, submitted):
    Proposal.objects.filter(pk=submitted.pk).update(version=2)
    response = client_for(district_officer).post(
        url("proposal_transition", submitted.pk, "reject"),
        {"version": 1, "reason": "Sai"},
        follow=True,
    )
    assert "Danh sách đã được người khác thay đổi" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_reject_without_reason_via_page_shows_error(client_for, district_officer, submitted):
    response = client_for(district_officer).post(
        url("proposal_transition", submitted.pk, "reject"), {"version": 1}, follow=True
    )
    assert "Vui lòng nhập lý do" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_submitted_list_is_read_only_page_for_school(client_for, school_staff, submitted):
    response = client_for(school_staff).get(url("proposal", submitted.pk))
    assert not response.context["can_edit"]
    assert 'name="remove"' not in response.content.decode()


def test_pupil_history_and_unlock(client_for, submitted, district_officer, school_staff, pupils):
    client = client_for(district_officer)
    client.post(url("proposal_transition", submitted.pk, "approve"), {"version": 1})
    pupils[0].refresh_from_db()
    assert pupils[0].eligibility_locked
    page = client_for(school_staff).get(url("student_history", pupils[0].pk))
    assert page.status_code == 200 and not page.context["can_unlock"]
    assert client_for(school_staff).post(url("student_unlock", pupils[0].pk)).status_code == 404
    client = client_for(district_officer)
    assert client.get(url("student_history", pupils[0].pk)).context["can_unlock"]
    client.post(url("student_unlock", pupils[0].pk), {"reason": "Sửa diện hộ"})
    pupils[0].refresh_from_db()
    assert not pupils[0].eligibility_locked


def test_other_district_cannot_see_pupil_history(client_for, other_district_officer, pupils):
    response = client_for(other_district_officer).get(url("student_history", pupils[0].pk))
    assert response.status_code == 404


# --- the whole flow, as each role -----------------------------------------------------


# On a day of the round, before its deadline: the deadline is enforced.
@time_machine.travel(dt.datetime(2021, 10, 15, 9, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")))
def test_whole_flow_for_one_school_as_each_role(
    client_for, province_official, district_officer, school_staff, school, other_school, district
):
    pupils = [PupilFactory(school=school, need_data=True) for _ in range(3)]
    PupilFactory(school=school, need_device="", need_data=False)  # needs nothing: not offered

    # Province opens the round and gives the district its quota.
    client = client_for(province_official)
    client.post(
        url("create"),
        {
            "name": "Đợt 1",
            "school_year": "2021-2022",
            "starts_on": "2021-09-20",
            "ends_on": "2021-12-31",
            "offers": ["tablet", "data"],
            "requires_province_confirmation": "on",
        },
    )
    round_ = SupportRound.objects.get()
    client.post(url("quotas", round_.pk), {f"q_{district.pk}_tablet": "5"})

    # District shares it among its schools.
    client = client_for(district_officer)
    assert (
        client.post(
            url("split", round_.pk),
            {f"s_{school.pk}_tablet": "3", f"s_{other_school.pk}_tablet": "2"},
        ).status_code
        == 302
    )

    # School builds and submits its list.
    client = client_for(school_staff)
    response = client.post(url("proposal_start", round_.pk))
    proposal = Proposal.objects.get()
    assert response["Location"] == url("proposal", proposal.pk)
    page = client.get(url("proposal", proposal.pk))
    assert len(page.context["candidates"]) == 6  # 3 pupils × (tablet, data)
    client.post(
        url("proposal_add", proposal.pk),
        {"version": 1, "add": [f"{p.pk}:tablet" for p in pupils]},
    )
    assert proposal.items.count() == 3
    client.post(url("proposal_suggest", proposal.pk), {"version": 2})
    proposal.refresh_from_db()
    client.post(url("proposal_transition", proposal.pk, "submit"), {"version": proposal.version})
    proposal.refresh_from_db()
    assert proposal.status == "submitted"

    # District finds it in the inbox and approves.
    client = client_for(district_officer)
    inbox = client.get(url("inbox", round_.pk))
    assert inbox.context["rows"][0].proposal == proposal
    client.post(url("proposal_transition", proposal.pk, "approve"), {"version": proposal.version})
    proposal.refresh_from_db()
    assert proposal.status == "approved"

    # Province sends it back once, with a reason; the district approves it again.
    client = client_for(province_official)
    page = client.get(url("proposal", proposal.pk)).content.decode()
    assert "Trả lại Phòng GD&amp;ĐT</button>" in page
    assert "Điều Phòng GD&ĐT cần xem lại (bắt buộc)" in page
    client.post(
        url("proposal_transition", proposal.pk, "send_back"),
        {"version": proposal.version, "reason": "Kiểm tra lại hộ nghèo"},
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.note) == ("submitted", "Kiểm tra lại hộ nghèo")
    client_for(district_officer).post(
        url("proposal_transition", proposal.pk, "approve"), {"version": proposal.version}
    )
    proposal.refresh_from_db()
    assert proposal.status == "approved"

    # Province confirms.
    client = client_for(province_official)
    overview = client.get(url("detail", round_.pk))
    assert list(overview.context["awaiting"]) == [proposal]
    client.post(url("proposal_transition", proposal.pk, "confirm"), {"version": proposal.version})
    proposal.refresh_from_db()
    assert proposal.status == "confirmed"
    assert proposal.items.beneficiaries().count() == 3

    # The school now sees a read-only, confirmed list.
    page = client_for(school_staff).get(url("proposal", proposal.pk))
    assert not page.context["can_edit"] and page.context["transitions"] == []
    assert school_staff.notifications.filter(verb="proposal.confirm").count() == 1


def test_province_edits_and_closes_round(client_for, province_official, support_round):
    client = client_for(province_official)
    response = client.post(
        url("edit", support_round.pk),
        {
            "name": "Đợt 1 (bổ sung)",
            "school_year": "2021-2022",
            "starts_on": "2021-09-20",
            "ends_on": "2022-01-15",
            "offers": ["tablet", "data", "computer"],
        },
    )
    assert response.status_code == 302
    support_round.refresh_from_db()
    assert support_round.name == "Đợt 1 (bổ sung)"
    assert support_round.offers == ["computer", "tablet", "data"]
    assert not support_round.requires_province_confirmation
    client.post(url("close", support_round.pk), {"reason": "Hết hạn đề xuất"})
    support_round.refresh_from_db()
    assert support_round.status == "closed"
    page = client.get(url("detail", support_round.pk))
    assert "Đóng đợt hỗ trợ" in page.content.decode() and "Hết hạn đề xuất" in page.content.decode()


def test_nobody_acts_on_closed_round_via_pages(
    client_for, submitted, support_round, district_officer, school_staff
):
    SupportRound.objects.filter(pk=support_round.pk).update(status="closed")
    response = client_for(district_officer).post(
        url("proposal_transition", submitted.pk, "approve"), {"version": 1}, follow=True
    )
    assert "Đợt hỗ trợ đã đóng" in response.content.decode()
    assert not response.context["transitions"] and not response.context["can_decide"]
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    response = client_for(school_staff).post(url("proposal_start", support_round.pk), follow=True)
    assert "Đợt hỗ trợ đã đóng" in response.content.decode()


def test_proposal_export_lists_pupils_with_masked_codes(client_for, district_officer, submitted):
    import io

    from openpyxl import load_workbook

    response = export_via_worker(
        client_for(district_officer),
        url("proposal_export", submitted.pk),
        {"proposal": str(submitted.pk)},
        key="rounds.proposal",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(values) if row[0] == "Thứ tự ưu tiên")
    rows = values[header + 1 :]
    assert len(rows) == 4
    first = submitted.items.order_by("priority").first()
    assert rows[0][2] == first.student.full_name
    assert rows[0][1] == first.student.masked_pupil_code
    assert first.student.pupil_code not in str(values)


@pytest.mark.parametrize("who", ["school_staff", "district_officer"])
def test_proposal_page_runs_fixed_number_of_queries(
    request, client_for, support_round, school, quotas, django_assert_num_queries, who
):
    proposal = ProposalFactory(
        round=support_round, school=school, status="draft" if who == "school_staff" else "submitted"
    )
    ProposalItemFactory(proposal=proposal)
    PupilFactory(school=school)
    client = client_for(request.getfixturevalue(who))
    path = url("proposal", proposal.pk)
    small = _count(client, path)
    for _ in range(8):
        ProposalItemFactory(proposal=proposal)
        PupilFactory(school=school, need_data=True)
    with django_assert_num_queries(small):
        response = client.get(path)
    assert len(response.context["items"]) == 9


@pytest.mark.parametrize("value", [str(2**31), "9" * 40])
def test_quota_of_two_to_the_31_is_refused_with_a_message(
    client_for, province_official, support_round, district, value
):
    client = client_for(province_official)
    response = client.post(url("quotas", support_round.pk), {f"q_{district.pk}_tablet": value})
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert "Chỉ tiêu máy tính bảng tối đa là 2.147.483.647." in shown
    assert not Quota.objects.filter(round=support_round, district=district, amount__gt=10**6)


def test_school_quota_of_two_to_the_31_is_refused_with_a_message(
    client_for, district_officer, support_round, school, quotas
):
    response = client_for(district_officer).post(
        url("split", support_round.pk), {f"s_{school.pk}_tablet": str(2**31)}
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert "Chỉ tiêu máy tính bảng tối đa là 2.147.483.647." in shown
