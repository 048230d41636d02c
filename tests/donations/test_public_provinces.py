"""The public page shows one province's programme: a second province's money is not counted.

Two provinces are built side by side (``tests.access_world``), province B with more
money than A; each figure of a province's page is compared with a SQL sum over that
province's rows written here, independent of the page's queryset code.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from donations.models import CashReceipt, Pledge, Spending
from donations.public import _money, _number
from tests.access_world import build_province

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def two_provinces(db):
    a = build_province(code="10", name="Lào Cai", prefix="10")
    b = build_province(code="15", name="Yên Bái", prefix="15")
    # B holds more money than A, so a page that counted both would show it.
    o, manager = b.objects, b.users["donation_manager"]
    pledge = Pledge.objects.create(
        donor=o["donor"],
        pledged_on=dt.date(2021, 9, 25),
        cash_amount=30_000_000,
        created_by=manager,
    )
    CashReceipt.objects.create(
        pledge=pledge,
        amount=7_000_000,
        received_on=dt.date(2021, 10, 2),
        account=o["account"],
        reference="KB-15-2",
        recorded_by=manager,
    )
    Spending.objects.create(
        spent_on=dt.date(2021, 10, 6),
        amount=3_000_000,
        account=o["account"],
        purpose=Spending.Purpose.OTHER,
        reference="CHI-15-2",
        recorded_by=manager,
    )
    return a, b


def sql_one(query: str, province_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(query, [province_id])
        return int(cursor.fetchone()[0] or 0)


def sql_figures(province_id: int) -> dict[str, int]:
    return {
        "pledged": sql_one(
            "SELECT SUM(p.cash_amount) FROM donations_pledge p "
            "JOIN donations_donor d ON d.id = p.donor_id WHERE d.province_id = %s",
            province_id,
        ),
        "received": sql_one(
            "SELECT SUM(r.amount) FROM donations_cashreceipt r "
            "JOIN donations_pledge p ON p.id = r.pledge_id "
            "JOIN donations_donor d ON d.id = p.donor_id WHERE d.province_id = %s",
            province_id,
        ),
        "spent": sql_one(
            "SELECT SUM(s.amount) FROM donations_spending s "
            "JOIN donations_fundaccount a ON a.id = s.account_id WHERE a.province_id = %s",
            province_id,
        ),
        "coverage_points": sql_one(
            "SELECT COUNT(*) FROM coverage_coveragepoint c "
            "JOIN schools_district d ON d.id = c.district_id WHERE d.province_id = %s",
            province_id,
        ),
    }


def page_figures(response) -> dict[str, str]:
    context = response.context
    return {
        "pledged": context["totals"]["pledged"],
        "received": context["totals"]["received"],
        "spent": context["spending"]["total_text"],
        "coverage_points": context["totals"]["coverage_points"],
    }


def expected(province_id: int) -> dict[str, str]:
    sums = sql_figures(province_id)
    return {
        "pledged": _money(sums["pledged"]),
        "received": _money(sums["received"]),
        "spent": _money(sums["spent"]),
        "coverage_points": _number(sums["coverage_points"]),
    }


def test_default_page_counts_only_the_first_province(client, two_provinces):
    a, b = two_provinces
    response = client.get(reverse("donations:public"))
    assert response.status_code == 200
    assert response.context["province"]["pk"] == a.province.pk
    assert page_figures(response) == expected(a.province.pk)
    # Not vacuous: the two provinces' sums differ, and A's are not zero.
    assert sql_figures(a.province.pk)["received"] == 20_000_000
    assert sql_figures(b.province.pk)["received"] == 27_000_000
    html = response.content.decode()
    assert _money(20_000_000) in html
    assert "Viettel Lào Cai" in html
    assert "Viettel Yên Bái" not in html
    assert "Huyện Yên Bái" not in html


def test_the_switch_shows_the_other_province_alone(client, two_provinces):
    a, b = two_provinces
    response = client.get(reverse("donations:public"), {"tinh": b.province.pk})
    assert response.status_code == 200
    assert page_figures(response) == expected(b.province.pk)
    html = response.content.decode()
    assert _money(27_000_000) in html
    assert "Viettel Yên Bái" in html
    assert "Viettel Lào Cai" not in html
    assert "Huyện Lào Cai" not in html
    # The switch offers both provinces, the shown one selected.
    assert f'<option value="{b.province.pk}" selected>Yên Bái</option>' in html
    assert f'<option value="{a.province.pk}">Lào Cai</option>' in html


def test_each_province_is_cached_apart(client, two_provinces, django_assert_num_queries):
    a, b = two_provinces
    url = reverse("donations:public")
    first_a = page_figures(client.get(url))
    first_b = page_figures(client.get(url, {"tinh": b.province.pk}))
    with django_assert_num_queries(0):
        again_a = page_figures(client.get(url))
        again_b = page_figures(client.get(url, {"tinh": b.province.pk}))
    assert (again_a, again_b) == (first_a, first_b)
    assert first_a != first_b


@pytest.mark.parametrize("value", ["999999", "abc", "-1", "1.5"])
def test_an_unknown_province_is_404(client, two_provinces, value):
    assert client.get(reverse("donations:public"), {"tinh": value}).status_code == 404


def test_one_province_shows_no_switch(client, province):
    response = client.get(reverse("donations:public"))
    assert response.status_code == 200
    assert 'data-testid="public-province"' not in response.content.decode()
    assert response.context["province"]["pk"] == province.pk
