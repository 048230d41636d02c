"""The dashboard's and the home page's figures are kept for a short while
(``kernel.figures_cache``) and recomputed as soon as anything changed (an audit event)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import record_audit
from tests.reports.conftest import pupil

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("reports:dashboard")
NEEDY_SQL = """
    SELECT COUNT(*) FROM students_student s
    JOIN schools_school sc ON sc.id = s.school_id
    JOIN schools_district d ON d.id = sc.district_id
    WHERE d.province_id = %s AND s.status = 'studying' AND (s.need_device <> '' OR s.need_data)
"""


def needy_in(province) -> int:
    with connection.cursor() as cursor:
        cursor.execute(NEEDY_SQL, [province.pk])
        return int(cursor.fetchone()[0])


def get(client, path, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    return response, len(queries.captured_queries)


def test_dashboard_reuses_its_figures_until_something_changes(
    known, client_for, province_official, province, school, categories
):
    client = client_for(province_official)
    first, computed = get(client, DASHBOARD)
    assert first.context["board"].totals.needy == needy_in(province)
    assert first.context["readiness"].totals.total >= 0

    # A row written behind the services' back (no audit event): the kept figures, with
    # neither the figure queries nor the readiness queries run again.
    extra = pupil(school, categories.poor, need_device="tablet")
    again, reused = get(client, DASHBOARD)
    assert again.context["board"].totals.needy == needy_in(province) - 1
    assert reused <= computed - 10

    # Any change of state leaves an audit event: the next view counts again.
    record_audit(actor=province_official, action="student.create", obj=extra)
    fresh, recomputed = get(client, DASHBOARD)
    assert fresh.context["board"].totals.needy == needy_in(province)
    assert recomputed == computed


def school_ids(district) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM schools_school WHERE district_id = %s AND is_active", [district.pk]
        )
        return {row[0] for row in cursor.fetchall()}


def test_each_scope_and_filter_has_its_own_figures(
    known, client_for, province_official, district_officer, district, other_district
):
    province = get(client_for(province_official), DASHBOARD)[0].context["board"]
    drilled = get(client_for(province_official), DASHBOARD, district=other_district.pk)[0]
    own = get(client_for(district_officer), DASHBOARD)[0].context["board"]
    by_round = get(client_for(province_official), DASHBOARD, round=known.round1.pk)[0]
    assert {r.pk for r in province.rows} == {district.pk, other_district.pk}
    assert {r.pk for r in drilled.context["board"].rows} == school_ids(other_district)
    assert {r.pk for r in own.rows if r.pk} == school_ids(district)
    assert by_round.context["board"].totals.approved == 3


def test_the_kept_figures_follow_the_language(known, client_for, province_official):
    client = client_for(province_official)
    vi = get(client, DASHBOARD)[0].context["board"]
    client.cookies["django_language"] = "en"
    en = get(client, DASHBOARD)[0].context["board"]
    assert vi.totals.name == "Tổng cộng"
    assert en.totals.name == "Total"


def test_no_figures_are_kept_with_a_zero_timeout(
    known, client_for, province_official, province, school, categories, settings
):
    settings.FIGURES_CACHE_SECONDS = 0
    client = client_for(province_official)
    get(client, DASHBOARD)
    pupil(school, categories.poor, need_data=True)
    assert get(client, DASHBOARD)[0].context["board"].totals.needy == needy_in(province)


def test_home_page_cards_are_kept_until_something_changes(
    client_for, district_officer, school, categories
):
    client = client_for(district_officer)
    home = reverse("accounts:home")

    def pupils_card(response) -> str:
        stats = {s.label: s.value for s in response.context["stats"]}
        return stats["Học sinh trong danh sách"]

    before, computed = get(client, home)
    added = pupil(school, categories.poor)
    kept, reused = get(client, home)
    assert pupils_card(kept) == pupils_card(before)
    assert reused < computed
    record_audit(actor=district_officer, action="student.create", obj=added)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM students_student s JOIN schools_school sc ON sc.id = s.school_id"
            " WHERE sc.district_id = %s AND s.status = 'studying'",
            [district_officer.district_id],
        )
        expected = cursor.fetchone()[0]
    assert pupils_card(get(client, home)[0]) == f"{expected:,}".replace(",", ".")
