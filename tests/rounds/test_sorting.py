"""The round list sorts by its whitelisted columns; newest first otherwise."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.rounds.factories import SupportRoundFactory

pytestmark = pytest.mark.django_db


def test_rounds_sort_by_name_and_school_year(client_for, province_official):
    older = SupportRoundFactory(
        name="Đợt bổ sung",
        school_year="2020-2021",
        starts_on=dt.date(2020, 9, 1),
        created_by=province_official,
    )
    newer = SupportRoundFactory(
        name="Đợt chính",
        school_year="2021-2022",
        starts_on=dt.date(2021, 9, 1),
        created_by=province_official,
    )
    client = client_for(province_official)
    url = reverse("rounds:list")
    rows = lambda **p: client.get(url, p).context["rounds"]  # noqa: E731
    assert rows() == [newer, older]
    assert rows(sap_xep="ten") == [older, newer]
    assert rows(sap_xep="-ten") == [newer, older]
    assert rows(sap_xep="nam_hoc") == [older, newer]
    assert rows(sap_xep="offers") == [newer, older]
    html = client.get(url, {"sap_xep": "ten"}).content.decode()
    assert 'aria-sort="ascending"' in html and "sap_xep=-ten" in html
