"""Factories for coverage tests, plus small helpers to put pupils in villages."""

from __future__ import annotations

import datetime as dt

import factory

from coverage.models import CarrierSignal, CoveragePlan, CoveragePoint
from schools.choices import Carrier
from tests.schools.factories import VillageFactory


class CoveragePointFactory(factory.django.DjangoModelFactory):
    """A village-centre point (the commune and district follow the village)."""

    class Meta:
        model = CoveragePoint

    kind = CoveragePoint.Kind.VILLAGE
    village = factory.SubFactory(VillageFactory)
    name = factory.LazyAttribute(lambda o: o.village.name)
    commune = factory.LazyAttribute(lambda o: o.village.commune)
    district = factory.LazyAttribute(lambda o: o.village.commune.district)
    latitude = 22.5
    longitude = 104.0

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A school or site has its point from the moment it exists: set that one up.
        target = {k: kwargs[k] for k in ("school", "site") if kwargs.get(k) is not None}
        if not target:
            return super()._create(model_class, *args, **kwargs)
        point = model_class.objects.get(**target)
        for name, value in kwargs.items():
            setattr(point, name, value)
        point.save()
        return point


def signal(
    point: CoveragePoint, carrier: str = Carrier.VIETTEL, technology: int = 4
) -> CarrierSignal:
    """Store a signal and the derived best technology directly (no service, no audit)."""
    s = CarrierSignal.objects.create(
        point=point,
        carrier=carrier,
        technology=technology,
        measured_on=dt.date(2021, 10, 1),
        source=CarrierSignal.Source.CARRIER_SURVEY,
    )
    best = max(point.signals.values_list("technology", flat=True))
    CoveragePoint.objects.filter(pk=point.pk).update(best_technology=best)
    point.best_technology = best
    return s


def plan(point: CoveragePoint, stage: int = CoveragePlan.Stage.SURVEYED) -> CoveragePlan:
    return CoveragePlan.objects.create(
        point=point,
        carrier=Carrier.VIETTEL,
        target_date=dt.date(2022, 6, 30),
        solution=CoveragePlan.Solution.NEW_BTS,
        stage=stage,
    )


def pupil(
    school, village, *, need_device: str = "", need_data: bool = False, status: str = "studying"
):
    """A pupil of ``school`` living in ``village``."""
    from tests.students.factories import HouseholdFactory, StudentFactory

    return StudentFactory(
        school=school,
        household=HouseholdFactory(commune=village.commune, village=village),
        commune=village.commune,
        village=village,
        need_device=need_device,
        need_data=need_data,
        status=status,
    )


def beneficiary(student, user) -> None:
    """Make ``student`` an approved beneficiary of a round."""
    from rounds.models import Proposal, ProposalItem, SupportRound

    rnd = SupportRound.objects.filter(name="Đợt thử").first() or SupportRound.objects.create(
        name="Đợt thử",
        school_year="2021-2022",
        starts_on=dt.date(2021, 9, 1),
        ends_on=dt.date(2021, 10, 1),
        requires_province_confirmation=False,
        created_by=user,
    )
    proposal, _ = Proposal.objects.get_or_create(
        round=rnd, school=student.school, defaults={"status": Proposal.Status.APPROVED}
    )
    ProposalItem.objects.create(
        proposal=proposal, student=student, kind="tablet", status=ProposalItem.Status.APPROVED
    )
