"""Factories for rounds tests; pupils come from the registry's factories."""

import datetime as dt

import factory
from django.utils import timezone

from rounds.models import Proposal, ProposalItem, Quota, SupportRound
from schools.choices import DeviceNeed, SupportKind
from tests.students.factories import HouseholdFactory, StudentFactory, category


class PupilHouseholdFactory(HouseholdFactory):
    category = factory.LazyFunction(category)
    code = ""
    guardian_name = factory.Sequence(lambda n: f"Giàng A Phủ {n}")


class PupilFactory(StudentFactory):
    """The registry's pupil factory: an 8th-grader who needs a tablet and has no device."""

    class_name = "8A"
    grade = 8
    household = factory.LazyAttribute(lambda o: PupilHouseholdFactory(commune=o.school.commune))
    has_device = False
    need_device = DeviceNeed.TABLET
    need_data = False


class SupportRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportRound

    name = factory.Sequence(lambda n: f"Đợt {n} năm học 2021-2022")
    school_year = "2021-2022"
    starts_on = dt.date(2021, 9, 20)
    # The proposal deadline is enforced: tests that submit need one still ahead of them.
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))
    offers = factory.LazyFunction(lambda: [SupportKind.TABLET.value, SupportKind.DATA.value])
    requires_province_confirmation = True
    status = SupportRound.Status.OPEN


class QuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quota

    kind = SupportKind.TABLET
    amount = 10


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    status = Proposal.Status.DRAFT


class ProposalItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProposalItem

    round = factory.LazyAttribute(lambda o: o.proposal.round)
    student = factory.LazyAttribute(lambda o: PupilFactory(school=o.proposal.school))
    kind = SupportKind.TABLET
    priority = factory.Sequence(lambda n: n + 1)
