"""The registry list at scale: a bounded count, a bounded reach, the trigram index.

Every figure and row the page shows is compared with a hand-written SQL query on a
known data set (here on SQLite, and on PostgreSQL with DATABASE_URL).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kernel.paging import BoundedPaginator, rounded
from students.models import Student
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db

DISTRICT_IDS = """
    SELECT s.id FROM students_student s JOIN schools_school sc ON sc.id = s.school_id
    WHERE sc.district_id = %s ORDER BY s.sort_key, s.date_of_birth, s.id
"""


def sql_ids(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def registry(school, other_school, far_school):
    """60 pupils in the district (two schools), 5 in another district."""
    StudentFactory.create_batch(40, school=school)
    StudentFactory.create_batch(20, school=other_school)
    StudentFactory.create_batch(5, school=far_school)


def count_line(response):
    return re.search(r'<p class="muted">([^<]*học sinh)</p>', response.content.decode()).group(1)


def test_below_the_limit_the_count_is_exact_and_rows_are_the_sql_rows(
    client_for, district_officer, district, registry, settings
):
    settings.LIST_EXACT_ROWS = 100
    expected = sql_ids(DISTRICT_IDS, [district.pk])
    client = client_for(district_officer)
    first = client.get(reverse("students:list"), {"per_page": 25})
    third = client.get(reverse("students:list"), {"per_page": 25, "page": 3})
    assert count_line(first) == f"{len(expected)} học sinh" == "60 học sinh"
    assert [s.pk for s in first.context["page"]] == expected[:25]
    assert [s.pk for s in third.context["page"]] == expected[50:60]
    assert "khoảng" not in first.content.decode()


def test_above_the_limit_the_count_is_an_estimate_and_pages_stop_at_the_reach(
    client_for, district_officer, district, registry, settings
):
    settings.LIST_EXACT_ROWS = 50
    expected = sql_ids(DISTRICT_IDS, [district.pk])
    client = client_for(district_officer)
    first = client.get(reverse("students:list"), {"per_page": 25})
    line = count_line(first)
    shown = int(line.removeprefix("khoảng ").removesuffix(" học sinh").replace(".", ""))
    if connection.vendor == "sqlite":
        assert shown == len(expected)  # no planner estimate: counted
    else:
        assert shown >= 51  # never fewer than the rows counted
    assert line.startswith("khoảng ")
    # Page 2 is the last reachable one (50 rows); page 3 shows it, with the note.
    beyond = client.get(reverse("students:list"), {"per_page": 25, "page": 3})
    assert beyond.context["page"].number == 2
    assert [s.pk for s in beyond.context["page"]] == expected[25:50]
    assert "Chỉ xem được 50 dòng đầu" in beyond.content.decode()
    assert "Chỉ xem được" not in first.content.decode()


def test_the_count_reads_at_most_the_limit_plus_one_rows(district, registry):
    students = Student.objects.filter(school__district=district).order_by("sort_key")
    paginator = BoundedPaginator(students, 25, limit=30)
    with CaptureQueriesContext(connection) as ctx:
        assert paginator.counted == 31
    assert "LIMIT 31" in ctx.captured_queries[0]["sql"]
    assert paginator.is_estimate and paginator.num_pages == 1
    exact = BoundedPaginator(students, 25, limit=1000)
    assert not exact.is_estimate and exact.count == 60 and exact.num_pages == 3


def test_accent_free_search_matches_the_sql_on_the_folded_name(
    client_for, province_official, school, far_school, registry
):
    StudentFactory(school=school, full_name="Giàng Thị Đào")
    StudentFactory(school=far_school, full_name="Lò Thị Đào Hoa")
    StudentFactory(school=far_school, full_name="Giàng Thị Dung")
    page = (
        client_for(province_official)
        .get(reverse("students:list"), {"q": "thi dao"})
        .context["page"]
    )
    expected = sql_ids(
        "SELECT id FROM students_student WHERE name_key LIKE %s"
        " ORDER BY sort_key, date_of_birth, id",
        ["%thi dao%"],
    )
    assert [s.pk for s in page] == expected
    assert sorted(s.full_name for s in page) == ["Giàng Thị Đào", "Lò Thị Đào Hoa"]
    assert page.paginator.count == 2


def test_the_name_search_has_a_trigram_index_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no trigram index and scans")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'student_name_trgm_idx'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "gin_trgm_ops" in definition and "name_key" in definition


def test_the_district_order_has_a_covering_index_per_school_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no INCLUDE")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'student_school_order_idx'"
        )
        (definition,) = cursor.fetchone()
    # The scope's school, then the list's order, then what the filters read.
    assert "(school_id, sort_key, date_of_birth, id)" in definition
    assert "INCLUDE (need_device, need_data, has_device, status)" in definition


@pytest.mark.parametrize(
    "number,shown", [(7, 7), (99, 99), (12_345, 12_000), (469_812, 470_000), (1_050, 1_100)]
)
def test_estimates_are_shown_to_two_significant_digits(number, shown):
    assert rounded(number) == shown
