import datetime as dt

import factory

from donations.models import CashReceipt, Donor, FundAccount, Instalment, Pledge, PledgeItem
from schools.choices import SupportKind
from tests.accounts.factories import UserFactory


class DonorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Donor

    kind = Donor.Kind.ENTERPRISE
    name = factory.Sequence(lambda n: f"Công ty Thử nghiệm {n}")
    tax_code = factory.Sequence(lambda n: f"01{n:08d}")
    public_consent = True


class FundAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundAccount
        django_get_or_create = ("number",)

    name = "Quỹ Sóng và máy tính cho em"
    bank = "Kho bạc Nhà nước Lào Cai"
    number = "3761.0.1055832"


class PledgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pledge

    donor = factory.SubFactory(DonorFactory)
    pledged_on = dt.date(2021, 9, 15)
    cash_amount = 100_000_000
    purpose = "Mua máy tính bảng cho học sinh"
    created_by = factory.SubFactory(UserFactory)


class PledgeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PledgeItem

    pledge = factory.SubFactory(PledgeFactory)
    kind = SupportKind.TABLET
    quantity = 3


class InstalmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instalment

    pledge = factory.SubFactory(PledgeFactory)
    due_on = dt.date(2021, 10, 1)
    amount = 50_000_000


class CashReceiptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CashReceipt

    pledge = factory.SubFactory(PledgeFactory)
    amount = 10_000_000
    received_on = dt.date(2021, 10, 1)
    account = factory.SubFactory(FundAccountFactory)
    reference = factory.Sequence(lambda n: f"KB-{n:05d}")
    recorded_by = factory.SubFactory(UserFactory)
