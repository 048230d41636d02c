import datetime as dt

import factory

from devices.models import DataPackage, Device, DeviceSource, Subscription
from devices.validators import luhn_check_digit
from rounds.models import Proposal, ProposalItem, SupportRound
from schools.choices import Carrier, DeviceType
from students.models import HouseholdCategory, Student
from tests.accounts.factories import UserFactory
from tests.students.factories import HouseholdFactory as BaseHouseholdFactory
from tests.students.factories import StudentFactory as BaseStudentFactory


def make_imei(n: int) -> str:
    body = f"35{n:012d}"
    return body + luhn_check_digit(body)


class DeviceSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeviceSource

    kind = DeviceSource.Kind.PURCHASE
    reference = factory.Sequence(lambda n: f"HĐ-{n:03d}/2021")
    received_on = dt.date(2021, 10, 1)
    created_by = factory.SubFactory(UserFactory)


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    device_type = DeviceType.TABLET
    make = "Samsung"
    model_name = "Galaxy Tab A7 Lite"
    serial_number = factory.Sequence(lambda n: f"R9XT{n:06d}")
    imei = factory.Sequence(lambda n: make_imei(n + 1))
    source = factory.SubFactory(DeviceSourceFactory)
    holder = Device.Holder.PROVINCE


class DataPackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataPackage
        django_get_or_create = ("carrier", "name")

    carrier = Carrier.VNPT
    name = "EDU4G"
    data_per_day_mb = 4096
    price_vnd_per_month = 50000
    free_months = 3


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    package = factory.SubFactory(DataPackageFactory)
    carrier = factory.LazyAttribute(lambda o: o.package.carrier)
    phone = factory.Sequence(lambda n: f"091{n:07d}")
    iccid = factory.Sequence(lambda n: f"8984{n:015d}")
    created_by = factory.SubFactory(UserFactory)


class HouseholdFactory(BaseHouseholdFactory):
    category = factory.LazyFunction(lambda: HouseholdCategory.objects.order_by("priority").first())
    guardian_name = factory.Sequence(lambda n: f"Giàng Seo Chứ {n}")
    guardian_relation = "Bố"


class StudentFactory(BaseStudentFactory):
    """The registry's pupil factory, as a girl in 7A of a poor household."""

    full_name = factory.Sequence(lambda n: f"Giàng Thị Mai {n}")
    date_of_birth = dt.date(2010, 5, 7)
    gender = Student.Gender.FEMALE
    class_name = "7A"
    grade = 7
    household = factory.LazyAttribute(lambda o: HouseholdFactory(commune=o.school.commune))


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportRound

    name = factory.Sequence(lambda n: f"Đợt {n} năm học 2021-2022")
    school_year = "2021-2022"
    starts_on = dt.date(2021, 9, 15)
    ends_on = dt.date(2021, 10, 15)
    offers = ["computer", "tablet", "smartphone", "data"]
    requires_province_confirmation = True
    status = SupportRound.Status.OPEN
    created_by = factory.SubFactory(UserFactory)


def approve(student: Student, kind: str, *, confirmed: bool = True, round=None) -> ProposalItem:
    """Make ``student`` a final beneficiary of ``kind`` (or only proposed when not confirmed)."""
    round = round or SupportRound.objects.first() or RoundFactory()
    proposal, _ = Proposal.objects.get_or_create(
        round=round,
        school=student.school,
        defaults={"status": Proposal.Status.CONFIRMED if confirmed else Proposal.Status.SUBMITTED},
    )
    return ProposalItem.objects.create(
        proposal=proposal,
        student=student,
        kind=kind,
        status=ProposalItem.Status.APPROVED if confirmed else ProposalItem.Status.PROPOSED,
    )
