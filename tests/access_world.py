"""A whole province with one of everything scoped, for the access tests.

``build_province(...)`` makes a province, one district, one school, a user of every
role and at least one row of every scoped model hanging off them (pupils, proposals,
devices in each store, transfers, allocations, data packages, coverage points,
outreach, import batches, a background export; the province's own support round,
donor, pledge, fund account, receipts in cash and in kind, spending and progress
report). Two of them side by side prove that nothing of one is visible from the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile

from accounts.models import User
from coverage.models import CoveragePlan, CoveragePoint
from devices.models import (
    Allocation,
    Device,
    DeviceSource,
    StockTransfer,
    Subscription,
    SubscriptionProblem,
)
from donations.models import (
    CashReceipt,
    Donor,
    FundAccount,
    InKindReceipt,
    Pledge,
    PledgeItem,
    Spending,
    SpendingDraw,
)
from reports import services as report_services
from rounds.models import Proposal, ProposalItem, SupportRound
from schools.choices import Carrier
from schools.models import District, ExportJob, ImportBatch, Province, School
from tests.accounts.factories import UserFactory, role
from tests.coverage.factories import CoveragePointFactory
from tests.devices.factories import (
    DataPackageFactory,
    DeviceFactory,
    DeviceSourceFactory,
    StudentFactory,
    SubscriptionFactory,
)
from tests.reports.factories import OutreachFactory
from tests.schools.factories import (
    CommuneFactory,
    DistrictFactory,
    ProvinceFactory,
    SchoolFactory,
    VillageFactory,
)

ROLES = (
    "school_staff",
    "district_officer",
    "province_officer",
    "coverage_officer",
    "donation_manager",
)


@dataclass
class ProvinceWorld:
    province: Province
    district: District
    school: School
    users: dict[str, User]
    objects: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.objects[key]


def build_province(*, code: str, name: str, prefix: str) -> ProvinceWorld:
    """A province coded ``code``; ``prefix`` (2 digits) keeps unit codes and names apart."""
    province = ProvinceFactory(code=code, name=name)
    district = DistrictFactory(province=province, code=f"{prefix}1", name=f"Huyện {name}")
    commune = CommuneFactory(district=district, code=f"{prefix}001", name=f"Xã {name}")
    village = VillageFactory(commune=commune, name=f"Thôn {name}")
    school = SchoolFactory(
        commune=commune, district=district, code=f"{prefix}000001", name=f"Trường THCS {name}"
    )
    users = {
        "school_staff": UserFactory(
            username=f"truong_{prefix}", role=role("school_staff"), school=school
        ),
        "district_officer": UserFactory(
            username=f"phong_{prefix}", role=role("district_officer"), district=district
        ),
        "province_officer": UserFactory(
            username=f"so_{prefix}", role=role("province_officer"), province=province
        ),
        "coverage_officer": UserFactory(
            username=f"phusong_{prefix}", role=role("coverage_officer"), province=province
        ),
        "donation_manager": UserFactory(
            username=f"taitro_{prefix}", role=role("donation_manager"), province=province
        ),
    }
    world = ProvinceWorld(province=province, district=district, school=school, users=users)
    staff, office, so = users["school_staff"], users["district_officer"], users["province_officer"]
    o = world.objects

    o["student"] = StudentFactory(school=school, full_name=f"Giàng Thị {name}")
    o["round"] = round_ = SupportRound.objects.create(
        province=province,
        name=f"Đợt {name}",
        school_year="2021-2022",
        starts_on="2021-09-15",
        ends_on="2021-10-15",
        offers=["tablet", "data"],
        status=SupportRound.Status.OPEN,
        created_by=so,
    )
    o["proposal"] = Proposal.objects.create(
        round=round_, school=school, status=Proposal.Status.CONFIRMED
    )
    o["item"] = ProposalItem.objects.create(
        proposal=o["proposal"],
        round=round_,
        student=o["student"],
        kind="tablet",
        status=ProposalItem.Status.APPROVED,
    )
    o["data_item"] = ProposalItem.objects.create(
        proposal=o["proposal"],
        round=round_,
        student=o["student"],
        kind="data",
        status=ProposalItem.Status.APPROVED,
    )

    source: DeviceSource = DeviceSourceFactory(created_by=so)
    o["store_device"] = DeviceFactory(source=source, holder=Device.Holder.PROVINCE)
    o["district_device"] = DeviceFactory(
        source=source, holder=Device.Holder.DISTRICT, district=district
    )
    o["school_device"] = DeviceFactory(
        source=source, holder=Device.Holder.SCHOOL, district=district, school=school
    )
    o["pupil_device"] = DeviceFactory(
        source=source,
        holder=Device.Holder.PUPIL,
        district=district,
        school=school,
        status=Device.Status.HANDED_OVER,
    )
    o["device"] = o["school_device"]
    o["allocation"] = Allocation.objects.create(
        device=o["pupil_device"],
        device_type=o["pupil_device"].device_type,
        student=o["student"],
        proposal_item=o["item"],
        school=school,
        status=Allocation.Status.HANDED_OVER,
        allocated_by=staff,
    )
    o["allocation"].signed_scan.save(f"bien-ban-{prefix}.pdf", ContentFile(b"%PDF-1.4"))
    o["transfer"] = StockTransfer.objects.create(to_district=district, sent_by=so)
    o["transfer"].devices.add(o["store_device"])
    o["school_transfer"] = StockTransfer.objects.create(
        from_district=district, to_school=school, sent_by=office
    )
    o["school_transfer"].devices.add(o["district_device"])
    o["subscription"] = SubscriptionFactory(
        student=o["student"],
        proposal_item=o["data_item"],
        package=DataPackageFactory(),
        status=Subscription.Status.ACTIVE,
        created_by=staff,
    )
    o["problem"] = SubscriptionProblem.objects.create(
        subscription=o["subscription"], kind=SubscriptionProblem.Kind.SLOW, reported_by=staff
    )

    o["point"] = CoveragePointFactory(village=village, name=f"Thôn {name}")
    # The school's own point (made with the school where the portal does so).
    o["school_point"], _created = CoveragePoint.objects.get_or_create(
        school=school,
        defaults={
            "kind": CoveragePoint.Kind.SCHOOL,
            "name": school.name,
            "commune": commune,
            "district": district,
            "latitude": 22.4,
            "longitude": 104.0,
        },
    )
    CoveragePlan.objects.create(
        point=o["point"],
        carrier=Carrier.VIETTEL,
        target_date="2021-12-31",
        solution=CoveragePlan.Solution.choices[0][0],
        stage=CoveragePlan.Stage.SURVEYED,
    )

    o["outreach"] = OutreachFactory(district=district, created_by=office)
    o["school_outreach"] = OutreachFactory(school=school, district=district, created_by=staff)
    o["province_outreach"] = OutreachFactory(created_by=so)

    def batch(kind: str, by: User, **unit: Any) -> ImportBatch:
        made = ImportBatch.objects.create(
            kind=kind,
            uploaded_by=by,
            file_name=f"{kind}-{prefix}.xlsx",
            file_sha256=prefix * 32,
            status=ImportBatch.Status.VALIDATED,
            **unit,
        )
        made.file.save(made.file_name, ContentFile(b"PK"), save=True)
        return made

    o["student_batch"] = batch(ImportBatch.Kind.STUDENTS, staff, school=school)
    o["district_batch"] = batch(ImportBatch.Kind.STUDENTS, office, district=district)
    o["device_batch"] = batch(ImportBatch.Kind.DEVICES, so)
    o["status_batch"] = batch(ImportBatch.Kind.SUBSCRIPTIONS, so)
    o["coverage_batch"] = batch(ImportBatch.Kind.COVERAGE, users["coverage_officer"])
    o["export"] = ExportJob.objects.create(
        user=staff, exporter="students.registry", status=ExportJob.Status.DONE, rows=1
    )
    o["export"].file.save(f"danh-sach-{prefix}.xlsx", ContentFile(b"PK"), save=True)
    _donations(world, prefix)
    # The province's weekly report, built as the beat task builds it (no requester).
    o["report"] = report_services.generate_report(
        dt.date(2021, 10, 4), dt.date(2021, 10, 10), province_id=province.pk
    )
    return world


def _donations(world: ProvinceWorld, prefix: str) -> None:
    """The province's fund: one donor (the same enterprise, by tax code, in every
    province's register), a pledge in the province's round, cash and devices received,
    a spending."""
    manager, o = world.users["donation_manager"], world.objects
    o["donor"] = Donor.objects.create(
        province=world.province,
        kind=Donor.Kind.ENTERPRISE,
        name=f"Viettel {world.province.name}",
        tax_code="0100109106",
        public_consent=True,
    )
    o["pledge"] = Pledge.objects.create(
        donor=o["donor"],
        pledged_on=dt.date(2021, 9, 20),
        round=o["round"],
        cash_amount=50_000_000,
        created_by=manager,
    )
    PledgeItem.objects.create(pledge=o["pledge"], kind="tablet", quantity=2)
    o["account"] = FundAccount.objects.create(
        province=world.province, name="Quỹ Sóng và máy tính cho em", bank="KBNN", number=prefix
    )
    o["cash_receipt"] = CashReceipt.objects.create(
        pledge=o["pledge"],
        amount=20_000_000,
        received_on=dt.date(2021, 10, 1),
        account=o["account"],
        reference=f"KB-{prefix}",
        recorded_by=manager,
    )
    o["inkind_receipt"] = InKindReceipt.objects.create(
        pledge=o["pledge"],
        source=DeviceSourceFactory(kind=DeviceSource.Kind.DONATION, created_by=manager),
        recorded_by=manager,
    )
    o["spending"] = Spending.objects.create(
        spent_on=dt.date(2021, 10, 5),
        amount=5_000_000,
        account=o["account"],
        purpose=Spending.Purpose.DATA,
        reference=f"CHI-{prefix}",
        subscriptions_count=10,
        recorded_by=manager,
    )
    SpendingDraw.objects.create(spending=o["spending"], receipt=o["cash_receipt"], amount=5_000_000)
