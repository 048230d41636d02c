"""Factories for the records the reports read (kept here: reports owns no other app's tests)."""

import datetime as dt

import factory
from django.utils import timezone

from coverage.models import CoveragePlan, CoveragePoint
from coverage.states import record_state
from devices.models import Allocation, DataPackage, Device, DeviceSource, Subscription
from donations.models import CashReceipt, Donor, FundAccount, Pledge
from reports.models import OutreachActivity
from rounds.models import Proposal, ProposalItem, SupportRound
from students.models import HouseholdCategory
from tests.accounts.factories import UserFactory
from tests.students.factories import HouseholdFactory as BaseHouseholdFactory
from tests.students.factories import StudentFactory as BaseStudentFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat{n}")
    name = factory.Sequence(lambda n: f"Diện {n}")
    priority = 10


class HouseholdFactory(BaseHouseholdFactory):
    category = factory.SubFactory(CategoryFactory)


class StudentFactory(BaseStudentFactory):
    date_of_birth = dt.date(2010, 5, 7)
    class_name = "7A"
    grade = 7
    household = factory.LazyAttribute(lambda o: HouseholdFactory(commune=o.school.commune))
    need_data = False


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportRound

    name = factory.Sequence(lambda n: f"Đợt {n}")
    school_year = "2021-2022"
    starts_on = dt.date(2021, 9, 1)
    ends_on = dt.date(2021, 10, 31)
    offers = ["tablet", "data"]
    status = SupportRound.Status.OPEN
    requires_province_confirmation = True
    created_by = factory.SubFactory(UserFactory)


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    round = factory.SubFactory(RoundFactory)
    school = None
    status = Proposal.Status.SUBMITTED
    # Lists are decided (and confirmed) when they are entered with that status.
    decided_at = factory.LazyAttribute(
        lambda o: (
            timezone.now()
            if o.status
            in (Proposal.Status.APPROVED, Proposal.Status.CONFIRMED, Proposal.Status.REJECTED)
            else None
        )
    )
    confirmed_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == Proposal.Status.CONFIRMED else None
    )


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProposalItem

    proposal = None
    student = None
    kind = "tablet"
    status = ProposalItem.Status.PROPOSED
    decided_at = factory.LazyAttribute(
        lambda o: None if o.status == ProposalItem.Status.PROPOSED else timezone.now()
    )


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeviceSource

    kind = DeviceSource.Kind.DONATION
    reference = factory.Sequence(lambda n: f"BB-{n}")
    received_on = dt.date(2021, 9, 15)
    created_by = factory.SubFactory(UserFactory)


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    device_type = "tablet"
    make = "Samsung"
    model_name = "Galaxy Tab A7 Lite"
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    source = factory.SubFactory(SourceFactory)
    status = Device.Status.HANDED_OVER


def allocate(item, *, status, by, device=None):
    device = device or DeviceFactory(school=item.proposal.school, holder=Device.Holder.PUPIL)
    return Allocation.objects.create(
        device=device,
        device_type=device.device_type,
        student=item.student,
        proposal_item=item,
        school=item.proposal.school,
        status=status,
        allocated_by=by,
        handover_date=dt.date(2021, 10, 5) if status == Allocation.Status.HANDED_OVER else None,
    )


_phone = iter(range(10**7, 10**8))


def subscribe(item, *, status, by):
    package, _created = DataPackage.objects.get_or_create(
        carrier="viettel", name="Học tập 4G", defaults={"price_vnd_per_month": 50000}
    )
    return Subscription.objects.create(
        student=item.student,
        proposal_item=item,
        package=package,
        carrier="viettel",
        phone=f"09{next(_phone)}",
        status=status,
        created_by=by,
        # Active from the day it was registered; an expired one ended the next day.
        starts_on=None if status == Subscription.Status.REQUESTED else timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=1)
        if status == Subscription.Status.EXPIRED
        else None,
    )


def coverage_point(*, district, commune, kind, best, stage=None, **target):
    values = {
        "name": f"Điểm {kind} {CoveragePoint.objects.count() + 1}",
        "district": district,
        "commune": commune,
        "latitude": 22.4,
        "longitude": 104.0,
        "best_technology": best,
    }
    if kind in ("school", "site"):
        # Every school and site has its point since it exists: measure that one.
        point = CoveragePoint.objects.get(**target)
        for name, value in values.items():
            setattr(point, name, value)
        point.save()
    else:
        point = CoveragePoint.objects.create(kind=kind, **values, **target)
    if stage is not None:
        CoveragePlan.objects.create(
            point=point,
            carrier="viettel",
            target_date=dt.date(2021, 12, 31),
            solution=CoveragePlan.Solution.NEW_BTS,
            stage=stage,
        )
    record_state(point)  # as the coverage services do: the state history follows
    return point


def pledge(*, amount, received, by, round=None):
    donor = Donor.objects.create(kind=Donor.Kind.ENTERPRISE, name=f"Doanh nghiệp {amount}")
    p = Pledge.objects.create(
        donor=donor, pledged_on=dt.date(2021, 9, 20), round=round, cash_amount=amount, created_by=by
    )
    if received:
        account, _created = FundAccount.objects.get_or_create(
            number="9527", defaults={"name": "Quỹ khuyến học", "bank": "Kho bạc Nhà nước Lào Cai"}
        )
        CashReceipt.objects.create(
            pledge=p,
            amount=received,
            received_on=dt.date(2021, 9, 25),
            account=account,
            reference=f"UNC-{amount}",
            recorded_by=by,
        )
    return p


class OutreachFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutreachActivity

    held_on = dt.date(2021, 9, 10)
    channel = OutreachActivity.Channel.SOCIAL
    title = factory.Sequence(lambda n: f"Bài viết tuyên truyền {n}")
    created_by = factory.SubFactory(UserFactory)
