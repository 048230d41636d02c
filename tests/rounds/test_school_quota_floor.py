"""A school's quota cannot drop below the pupils already approved for it (no "2/1")."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from rounds import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_approved(submitted, district_officer):
    """Two of the school's four tablet pupils approved by the district."""
    items = list(submitted.items.order_by("priority")[:2])
    services.approve_items(
        actor=district_officer, proposal=submitted, item_ids=[i.pk for i in items], version=None
    )
    return items


def test_school_quota_below_its_approved_pupils_is_refused(
    two_approved, district_officer, support_round, district, school, quotas
):
    with pytest.raises(services.QuotaExceeded) as refused:
        services.split_school_quota(
            actor=district_officer,
            round=support_round,
            district=district,
            amounts={(school.pk, "tablet"): 1},
        )
    assert refused.value.message == (
        "Trường PTDTBT THCS Tân Tiến đã được duyệt 2 học sinh (Máy tính bảng); "
        "chỉ tiêu của trường không thể nhỏ hơn 2."
    )
    quotas["school"].refresh_from_db()
    assert quotas["school"].amount == 5
    assert not AuditEvent.objects.filter(action="round.school_quotas").exists()


def test_school_quota_equal_to_its_approved_pupils_is_accepted(
    two_approved, district_officer, support_round, district, school, quotas
):
    services.split_school_quota(
        actor=district_officer,
        round=support_round,
        district=district,
        amounts={(school.pk, "tablet"): 2, (school.pk, "data"): 0},
    )
    quotas["school"].refresh_from_db()
    assert quotas["school"].amount == 2


def test_refusal_names_the_school_and_writes_nothing_for_the_others(
    two_approved, district_officer, support_round, district, school, other_school, quotas
):
    with pytest.raises(services.QuotaExceeded):
        services.split_school_quota(
            actor=district_officer,
            round=support_round,
            district=district,
            amounts={(other_school.pk, "tablet"): 1, (school.pk, "tablet"): 0},
        )
    quotas["other_school"].refresh_from_db()
    assert quotas["other_school"].amount == 5


def test_split_page_shows_the_refusal(
    client_for, two_approved, district_officer, support_round, school, quotas
):
    response = client_for(district_officer).post(
        reverse("rounds:split", args=[support_round.pk]), {f"s_{school.pk}_tablet": "1"}
    )
    assert response.status_code == 200
    assert "đã được duyệt 2 học sinh (Máy tính bảng)" in response.content.decode()
    quotas["school"].refresh_from_db()
    assert quotas["school"].amount == 5
