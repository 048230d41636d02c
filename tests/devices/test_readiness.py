"""Ready to learn online (``devices.readiness``): every figure of the pupil page, the
school's list, its filter, the export and the dashboards is compared with an
independent SQL count on a known data set."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from devices import readiness
from devices.models import Allocation, Device, Subscription, SubscriptionProblem
from students.models import Student
from tests.devices.factories import (
    DeviceFactory,
    DeviceSourceFactory,
    StudentFactory,
    SubscriptionFactory,
    approve,
)
from tests.exports import export_via_worker
from tests.platforms.factories import LearningPlatformFactory, PlatformAccountFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()

# The rule again, in SQL: supported = studying with a final support line.
SUPPORTED_SQL = """
SELECT s.id, sc.id AS school_id, sc.district_id,
  (s.has_device OR EXISTS (SELECT 1 FROM devices_allocation a
     WHERE a.student_id = s.id AND a.status = 'handed_over')) AS dev,
  EXISTS (SELECT 1 FROM devices_subscription b WHERE b.student_id = s.id
     AND b.status = 'active' AND (b.ends_on IS NULL OR b.ends_on >= %s)
     AND NOT EXISTS (SELECT 1 FROM devices_subscriptionproblem p
        WHERE p.subscription_id = b.id AND p.resolved_at IS NULL)) AS pkg,
  EXISTS (SELECT 1 FROM platforms_platformaccount c
     JOIN platforms_learningplatform l ON l.id = c.platform_id
     WHERE c.student_id = s.id AND c.is_active AND l.is_active) AS plat
FROM students_student s JOIN schools_school sc ON sc.id = s.school_id
WHERE s.status = 'studying' AND EXISTS (
  SELECT 1 FROM rounds_proposalitem i
  JOIN rounds_proposal pr ON pr.id = i.proposal_id
  JOIN rounds_supportround r ON r.id = i.round_id
  WHERE i.student_id = s.id AND i.status = 'approved' AND (pr.status = 'confirmed'
    OR (pr.status = 'approved' AND NOT r.requires_province_confirmation)))
"""


def sql_rows() -> list[tuple[int, int, int, bool, bool, bool]]:
    with connection.cursor() as cursor:
        cursor.execute(SUPPORTED_SQL, [TODAY])
        return [(r[0], r[1], r[2], bool(r[3]), bool(r[4]), bool(r[5])) for r in cursor]


def sql_counts(rows) -> dict[str, int]:
    return {
        "total": len(rows),
        "ready": sum(1 for r in rows if r[3] and r[4] and r[5]),
        "missing_device": sum(1 for r in rows if not r[3]),
        "missing_package": sum(1 for r in rows if not r[4]),
        "missing_platform": sum(1 for r in rows if not r[5]),
    }


def as_dict(figures: readiness.Readiness) -> dict[str, int]:
    return {
        k: getattr(figures, k)
        for k in ("total", "ready", "missing_device", "missing_package", "missing_platform")
    }


def _device(pupil, item, status, by):
    source = DeviceSourceFactory(created_by=by)
    device = DeviceFactory(
        source=source,
        holder=Device.Holder.PUPIL,
        school=pupil.school,
        district=pupil.school.district,
    )
    return Allocation.objects.create(
        device=device,
        device_type=device.device_type,
        student=pupil,
        proposal_item=item,
        school=pupil.school,
        status=status,
        allocated_by=by,
    )


def _sim(pupil, by, **kw):
    item = approve(pupil, "data")
    return SubscriptionFactory(student=pupil, proposal_item=item, created_by=by, **kw)


@pytest.fixture
def world(school, other_school, far_school, school_staff, province_official):
    by = school_staff
    olm = LearningPlatformFactory()
    gone = LearningPlatformFactory(name="Nền tảng cũ", is_active=False)
    made = {}
    # 1. ready: device handed over, active SIM, account.
    p = made["ready"] = StudentFactory(school=school, full_name="Giàng Thị Ready")
    _device(p, approve(p, "tablet"), Allocation.Status.HANDED_OVER, by)
    _sim(p, by, status=Subscription.Status.ACTIVE)
    PlatformAccountFactory(student=p, platform=olm, set_up_by=by)
    # 2. missing all: device returned, SIM with an open problem, account deactivated.
    p = made["nothing"] = StudentFactory(school=school, full_name="Lý Văn Thiếu")
    _device(p, approve(p, "tablet"), Allocation.Status.RETURNED, by)
    sub = _sim(p, by, status=Subscription.Status.ACTIVE)
    SubscriptionProblem.objects.create(subscription=sub, kind="slow", reported_by=by)
    PlatformAccountFactory(
        student=p, platform=olm, set_up_by=by, is_active=False, deactivated_on=TODAY
    )
    # 3. own device; SIM past its end date; account only on a platform no longer used.
    p = made["own_device"] = StudentFactory(school=school, has_device=True, full_name="Sùng A Tự")
    _sim(p, by, status=Subscription.Status.ACTIVE, ends_on=TODAY - dt.timedelta(days=1))
    PlatformAccountFactory(student=p, platform=gone, set_up_by=by)
    # 4. other school, ready; its SIM's problem was resolved.
    p = made["other_ready"] = StudentFactory(school=other_school, full_name="Vàng Thị Hai")
    _device(p, approve(p, "tablet"), Allocation.Status.HANDED_OVER, by)
    sub = _sim(p, by, status=Subscription.Status.ACTIVE)
    SubscriptionProblem.objects.create(
        subscription=sub, kind="slow", reported_by=by, resolved_at="2021-11-01T00:00:00Z"
    )
    PlatformAccountFactory(student=p, platform=olm, set_up_by=by)
    # 5. far school: reserved device, requested SIM, no account; 6. left school and
    # 7. only proposed (neither counted).
    p = made["reserved"] = StudentFactory(school=far_school, full_name="Thào Seo Chờ")
    _device(p, approve(p, "tablet"), Allocation.Status.RESERVED, by)
    _sim(p, by, status=Subscription.Status.REQUESTED)
    p = made["left"] = StudentFactory(school=far_school, status=Student.Status.LEFT)
    approve(p, "data")
    p = made["proposed"] = StudentFactory(school=far_school)
    approve(p, "tablet", confirmed=False)
    # 8. not supported, though it has everything: not counted.
    p = made["unsupported"] = StudentFactory(school=school)
    PlatformAccountFactory(student=p, platform=olm, set_up_by=by)
    return made


def test_the_known_data_set_gives_the_expected_figures(world, province_official):
    figures = readiness.counts(Student.objects.visible_to(province_official))
    # Written out once, so that a change of both the rule and the SQL is noticed too.
    assert as_dict(figures) == {
        "total": 5,
        "ready": 2,
        "missing_device": 2,
        "missing_package": 3,
        "missing_platform": 3,
    }


@pytest.mark.parametrize(
    "who", ["school_staff", "other_school_staff", "district_officer", "province_official"]
)
def test_figures_match_sql_for_each_scope(request, world, who, school, other_school, district):
    user = request.getfixturevalue(who)
    rows = sql_rows()
    if who == "school_staff":
        rows = [r for r in rows if r[1] == school.pk]
    elif who == "other_school_staff":
        rows = [r for r in rows if r[1] == other_school.pk]
    elif who == "district_officer":
        rows = [r for r in rows if r[2] == district.pk]
    assert as_dict(readiness.counts(Student.objects.visible_to(user))) == sql_counts(rows)
    ids = {r[0] for r in rows}
    assert set(readiness.for_user(user).values_list("pk", flat=True)) == ids


def test_each_filter_of_the_list_matches_sql(world, province_official):
    rows = sql_rows()
    expected = {
        "ready": {r[0] for r in rows if r[3] and r[4] and r[5]},
        "any": {r[0] for r in rows if not (r[3] and r[4] and r[5])},
        "device": {r[0] for r in rows if not r[3]},
        "package": {r[0] for r in rows if not r[4]},
        "platform": {r[0] for r in rows if not r[5]},
        "": {r[0] for r in rows},
    }
    for value, ids in expected.items():
        got = readiness.pupil_rows(province_official, {"thieu": value})
        assert set(got.values_list("pk", flat=True)) == ids, value


def test_dashboards_match_sql_per_unit(
    client_for, world, province_official, district_officer, school_staff, district, school
):
    rows = sql_rows()
    province = client_for(province_official).get(reverse("reports:dashboard")).context
    board = province["readiness"]
    assert as_dict(board.totals) == sql_counts(rows)
    by_district = {r.pk: as_dict(r.figures) for r in board.rows}
    assert by_district[district.pk] == sql_counts([r for r in rows if r[2] == district.pk])
    page = client_for(district_officer).get(reverse("reports:dashboard"))
    by_school = {r.pk: as_dict(r.figures) for r in page.context["readiness"].rows}
    assert by_school[school.pk] == sql_counts([r for r in rows if r[1] == school.pk])
    assert 'data-testid="readiness-board"' in page.content.decode()
    own = client_for(school_staff).get(reverse("reports:dashboard")).context["readiness"]
    assert as_dict(own.totals) == sql_counts([r for r in rows if r[1] == school.pk])


def test_the_pupil_page_shows_the_three_and_what_is_missing(client_for, world, school_staff):
    client = client_for(school_staff)
    ready = client.get(reverse("students:detail", args=[world["ready"].pk])).content.decode()
    assert 'data-testid="readiness-state">Sẵn sàng học trực tuyến' in ready
    page = client.get(reverse("students:detail", args=[world["nothing"].pk])).content.decode()
    assert "Chưa sẵn sàng" in page
    for missing in ("Còn thiếu thiết bị", "Còn thiếu gói cước hoạt động", "Còn thiếu tài khoản"):
        assert missing in page
    own = client.get(reverse("students:detail", args=[world["own_device"].pk])).content.decode()
    assert "Còn thiếu thiết bị" not in own and "Còn thiếu gói cước hoạt động" in own


def test_the_list_page_filters_and_pins_its_queries(
    client_for, world, school_staff, django_assert_num_queries
):
    client = client_for(school_staff)
    url = reverse("devices:readiness")
    client.get(url)
    page = client.get(url, {"thieu": "package"}).content.decode()
    assert "Lý Văn Thiếu" in page and "Sùng A Tự" in page and "Giàng Thị Ready" not in page
    # A fixed number: session, user, the totals, the page's count, its rows' ids, its rows.
    with django_assert_num_queries(7):
        client.get(url)
    for _n in range(5):
        approve(StudentFactory(school=world["ready"].school), "tablet")
    with django_assert_num_queries(7):
        assert "Giàng Thị Ready" in client.get(url).content.decode()


def test_the_list_is_404_for_roles_without_pupil_data(client, client_for, world, db):
    from tests.accounts.factories import UserFactory, role

    url = reverse("devices:readiness")
    assert client.get(url).status_code == 302
    officer = UserFactory(username="phu_song", role=role("coverage_officer"))
    assert client_for(officer).get(url).status_code == 404


def test_the_export_has_the_readiness_columns(client_for, world, school_staff):
    response = export_via_worker(
        client_for(school_staff),
        reverse("devices:readiness"),
        {"export": "xlsx"},
        key="devices.readiness",
    )
    sheet = load_workbook(io.BytesIO(_body(response))).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(r for r in values if r and "Học sinh" in r)
    assert "Sẵn sàng học trực tuyến" in header and "Còn thiếu" in header
    body = {r[header.index("Học sinh")]: r for r in values[values.index(header) + 1 :] if r[1]}
    ready = body["Giàng Thị Ready"]
    assert ready[header.index("Sẵn sàng học trực tuyến")] == "Có"
    nothing = body["Lý Văn Thiếu"]
    assert nothing[header.index("Còn thiếu")] == (
        "Còn thiếu thiết bị; Còn thiếu gói cước hoạt động; Còn thiếu tài khoản học trực tuyến"
    )


def test_the_waiting_lists_export_carries_readiness_columns(client_for, world, school_staff):
    response = export_via_worker(
        client_for(school_staff),
        reverse("devices:beneficiaries"),
        {"export": "xlsx"},
        key="devices.waiting_devices",
    )
    sheet = load_workbook(io.BytesIO(_body(response))).active
    text = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "Sẵn sàng học trực tuyến" in text and "Có thiết bị học tập" in text


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def test_the_home_page_figure_matches_sql(world, school_staff, school):
    from devices.home import summary

    stat = next(s for s in summary(school_staff) if s.label == "Sẵn sàng học trực tuyến")
    expected = sql_counts([r for r in sql_rows() if r[1] == school.pk])
    assert stat.value == f"{expected['ready']}/{expected['total']}"
    assert stat.url == reverse("devices:readiness")
