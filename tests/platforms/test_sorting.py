"""The platform catalogue sorts by its whitelisted columns, with the same query count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.platforms.factories import LearningPlatformFactory

pytestmark = pytest.mark.django_db


def test_the_catalogue_sorts_by_operator_with_the_same_queries(
    client_for, school_staff, django_assert_num_queries
):
    LearningPlatformFactory(name="AAA Học", operator="Zeta JSC", url="https://a.example")
    LearningPlatformFactory(name="ZZZ Học", operator="Alpha JSC", url="https://z.example")
    client = client_for(school_staff)
    url = reverse("platforms:catalogue")
    client.get(url)  # warm the session

    def names(**params):
        platforms = client.get(url, params).context["platforms"]
        return [p.name for p in platforms if p.name in ("AAA Học", "ZZZ Học")]

    assert names() == ["AAA Học", "ZZZ Học"]
    assert names(sap_xep="don_vi") == ["ZZZ Học", "AAA Học"]
    assert names(sap_xep="-ten") == ["ZZZ Học", "AAA Học"]
    assert names(sap_xep="-dia_chi") == ["ZZZ Học", "AAA Học"]
    assert names(sap_xep="updated_at") == ["AAA Học", "ZZZ Học"]
    with django_assert_num_queries(5):
        html = client.get(url, {"sap_xep": "-don_vi"}).content.decode()
    assert 'aria-sort="descending"' in html and "sap_xep=don_vi" in html
