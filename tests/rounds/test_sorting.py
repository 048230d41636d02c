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


def test_the_deadline_page_sorts_by_school_and_by_deadline(
    client_for, province_official, district_officer, school, quotas
):
    from rounds import services
    from rounds.models import SupportRound

    support_round = SupportRound.objects.get()
    services.extend_deadline(
        actor=district_officer,
        round=support_round,
        school=school,
        until=support_round.ends_on + dt.timedelta(days=5),
        reason="Lũ quét",
    )
    client = client_for(province_official)
    url = reverse("rounds:deadlines", args=[support_round.pk])
    rows = lambda **p: [r.school for r in client.get(url, p).context["rows"]]  # noqa: E731
    default = rows()
    assert len(default) >= 3
    by_name = sorted(default, key=lambda s: s.name)
    assert rows(sap_xep="truong") == by_name
    assert rows(sap_xep="-truong") == by_name[::-1]
    # The extended school first, the others after it in the default order (stable).
    assert rows(sap_xep="-han") == [school] + [s for s in default if s != school]
    assert rows(sap_xep="han") == [s for s in default if s != school] + [school]
    assert rows(sap_xep="school__code") == default
    html = client.get(url, {"sap_xep": "-han"}).content.decode()
    assert 'aria-sort="descending"' in html


def test_the_district_inbox_sorts_by_total_and_school(
    client_for, district_officer, support_round, school, other_school, submitted
):
    client = client_for(district_officer)
    url = reverse("rounds:inbox", args=[support_round.pk])
    rows = lambda **p: [r.school for r in client.get(url, p).context["rows"]]  # noqa: E731
    default = rows()
    assert set(default) >= {school, other_school}
    assert rows(sap_xep="-tong")[0] == school  # the only school with proposed pupils
    assert rows(sap_xep="tong")[-1] == school
    by_name = sorted(default, key=lambda s: s.name)
    assert rows(sap_xep="truong") == by_name and rows(sap_xep="-truong") == by_name[::-1]
    assert rows(sap_xep="cho_tu")[0] == school  # waiting since its submission; others have none
    assert rows(sap_xep="quotas") == default
    html = client.get(url, {"sap_xep": "-tong"}).content.decode()
    assert 'aria-sort="descending" class="num" rowspan="2"' in html
