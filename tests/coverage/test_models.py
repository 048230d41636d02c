"""The derived signal flags and the point status."""

import pytest

from coverage.models import CoveragePlan, CoveragePoint, PointStatus
from tests.coverage.factories import CoveragePointFactory, plan, signal

pytestmark = pytest.mark.django_db


def test_unmeasured_point_is_unknown_not_no_signal():
    point = CoveragePointFactory()
    assert point.best_technology is None
    assert not point.has_no_signal and not point.is_weak
    assert point.status == PointStatus.UNKNOWN
    assert not CoveragePoint.objects.no_signal().exists()
    assert list(CoveragePoint.objects.unmeasured()) == [point]


@pytest.mark.parametrize(
    ("technologies", "no_signal", "weak", "status"),
    [
        ([0], True, False, PointStatus.NO_SIGNAL),
        ([2, 0], True, False, PointStatus.NO_SIGNAL),
        ([2, 3], False, True, PointStatus.WEAK),
        ([3, 4], False, False, PointStatus.COVERED),
        ([5], False, False, PointStatus.COVERED),
    ],
)
def test_flags_follow_the_best_carrier(technologies, no_signal, weak, status):
    point = CoveragePointFactory()
    for carrier, technology in zip(["viettel", "vnpt", "mobifone"], technologies, strict=False):
        signal(point, carrier, technology)
    assert point.has_no_signal is no_signal
    assert point.is_weak is weak
    assert point.status == status
    assert CoveragePoint.objects.no_signal().filter(pk=point.pk).exists() is no_signal
    assert CoveragePoint.objects.weak().filter(pk=point.pk).exists() is weak
    assert CoveragePoint.objects.with_status(status).filter(pk=point.pk).exists()


def test_point_with_plan_counts_as_covered_only_after_verification():
    point = CoveragePointFactory()
    signal(point, "viettel", 4)
    p = plan(point, CoveragePlan.Stage.ON_AIR)
    point = CoveragePoint.objects.select_related("plan").get(pk=point.pk)
    assert point.status == PointStatus.PENDING
    assert not CoveragePoint.objects.covered().exists()
    p.stage = CoveragePlan.Stage.VERIFIED
    p.save()
    point = CoveragePoint.objects.select_related("plan").get(pk=point.pk)
    assert point.status == PointStatus.COVERED
    assert list(CoveragePoint.objects.covered()) == [point]
