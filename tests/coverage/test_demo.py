"""The demo data: populated, with ten ministry points, and idempotent."""

import pytest

from coverage.models import CoveragePlan, CoveragePoint, PointStatus


@pytest.mark.django_db
def test_demo_seed_is_populated_and_idempotent():
    from accounts import demo as accounts_demo
    from coverage import demo
    from schools import demo as schools_demo

    context = {"password": "demo-pass-123"}
    schools_demo.seed(context)
    accounts_demo.seed(context)
    demo.seed(context)
    count = CoveragePoint.objects.count()
    assert count >= 25
    assert CoveragePoint.objects.filter(on_ministry_list=True).count() == 10
    statuses = {p.status for p in CoveragePoint.objects.select_related("plan")}
    assert {
        PointStatus.NO_SIGNAL,
        PointStatus.WEAK,
        PointStatus.COVERED,
        PointStatus.PENDING,
    } <= statuses
    assert set(CoveragePlan.objects.values_list("stage", flat=True)) == {1, 2, 3, 4, 5}
    demo.seed(context)
    assert CoveragePoint.objects.count() == count
