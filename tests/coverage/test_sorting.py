"""The coverage point list (sorted by ``?sort=`` since it was built) announces its order."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.coverage.factories import CoveragePointFactory
from tests.schools.factories import VillageFactory

pytestmark = pytest.mark.django_db


def test_the_point_list_headers_say_which_column_sorts_and_which_way(
    client_for, province_official, commune
):
    for name in ("Thôn Bản A", "Thôn Bản B"):
        CoveragePointFactory(village=VillageFactory(commune=commune), name=name)
    client = client_for(province_official)
    url = reverse("coverage:list")
    ascending = client.get(url, {"sort": "name"})
    names = [r.point.name for r in ascending.context["page"] if r.point.name.startswith("Thôn Bản")]
    assert names == ["Thôn Bản A", "Thôn Bản B"]
    html = ascending.content.decode()
    assert html.count('aria-sort="ascending"') == 1 and 'aria-sort="none"' in html
    descending = client.get(url, {"sort": "-name"})
    names = [
        r.point.name for r in descending.context["page"] if r.point.name.startswith("Thôn Bản")
    ]
    assert names == ["Thôn Bản B", "Thôn Bản A"]
    assert descending.content.decode().count('aria-sort="descending"') == 1
