import datetime as dt

import factory

from donations.models import CashReceipt, Donor, FundAccount, Instalment, Pledge, PledgeItem
from kernel.identifiers import tax_code_check_digit
from schools.choices import SupportKind
from tests.accounts.factories import UserFactory


def valid_tax_code(n: int) -> str:
    """The n-th tax code of province 01 whose check digit is right (as the tax office issues)."""
    while (check := tax_code_check_digit(f"01{n:07d}")) is None:
        n += 10_000_000 // 2  # a different first nine digits, still unique per n
    return f"01{n:07d}{check}"


class DonorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Donor

    kind = Donor.Kind.ENTERPRISE
    name = factory.Sequence(lambda n: f"Công ty Thử nghiệm {n}")
    tax_code = factory.Sequence(valid_tax_code)
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


def make_pupil(
    school, *, full_name: str, pupil_code: str, personal_id: str = "", village_name: str = ""
):
    """A pupil with a poor household (only what traceability and privacy tests need)."""
    from schools.services import get_or_create_village
    from tests.students.factories import HouseholdFactory, StudentFactory

    village = None
    if village_name:
        village, _ = get_or_create_village(commune=school.commune, name=village_name)
    household = HouseholdFactory(
        commune=school.commune,
        village=village,
        code=f"{pupil_code[-4:]}/GCN-HN.HCN",
        guardian_name=f"Phụ huynh của {full_name}",
    )
    return StudentFactory(
        pupil_code=pupil_code,
        full_name=full_name,
        school=school,
        personal_id=personal_id,
        household=household,
        village=village,
    )


def allocate(device, pupil, *, by, handed_over: bool = False):
    """An approved proposal item and an open allocation of ``device`` to ``pupil``."""
    from devices.models import Allocation, Device
    from rounds.models import Proposal, ProposalItem, SupportRound

    support_round, _ = SupportRound.objects.get_or_create(
        name="Đợt 1",
        defaults={
            "school_year": "2021-2022",
            "starts_on": dt.date(2021, 9, 1),
            "ends_on": dt.date(2021, 12, 31),
            "created_by": by,
        },
    )
    proposal, _ = Proposal.objects.get_or_create(round=support_round, school=pupil.school)
    item = ProposalItem.objects.create(
        proposal=proposal, student=pupil, kind="tablet", status=ProposalItem.Status.APPROVED
    )
    device.school = pupil.school
    device.district = pupil.school.district
    device.holder = Device.Holder.PUPIL if handed_over else Device.Holder.SCHOOL
    device.status = Device.Status.HANDED_OVER if handed_over else Device.Status.RESERVED
    device.save()
    return Allocation.objects.create(
        device=device,
        device_type=device.device_type,
        student=pupil,
        proposal_item=item,
        school=pupil.school,
        status=Allocation.Status.HANDED_OVER if handed_over else Allocation.Status.RESERVED,
        allocated_by=by,
        handover_date=dt.date(2021, 11, 2) if handed_over else None,
    )
