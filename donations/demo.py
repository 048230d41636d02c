"""Demo donations: six donors, pledges with instalments (one overdue), cash and in-kind
receipts, and spending that traces cash to the devices it bought.

Everything goes through the services, so pages show a real audit history.  Dates are
relative to today so that exactly one instalment is overdue.  Safe to run again:
nothing is added once the demo donors exist.
"""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone

from devices.models import Device, DeviceSource
from devices.validators import luhn_check_digit
from donations import services
from donations.models import Donor, FundAccount, InKindReceipt, Pledge, Spending
from schools.choices import SupportKind

ACCOUNT = (
    "Quỹ vận động “Sóng và máy tính cho em”",
    "Kho bạc Nhà nước tỉnh Lào Cai",
    "3761.0.1055832",
)
# (kind, name, tax code, contact, public consent)
DONORS = [
    ("enterprise", "Viettel Lào Cai", "0100109106-012", "Phạm Quốc Hùng", True),
    ("enterprise", "VNPT Lào Cai", "0100684378-035", "Đỗ Thị Thu", True),
    ("enterprise", "MobiFone Lào Cai", "0100686209-027", "Lưu Văn Thành", True),
    ("enterprise", "Agribank Chi nhánh tỉnh Lào Cai", "0100686174-204", "Vũ Minh Tâm", True),
    ("association", "Hội Khuyến học tỉnh Lào Cai", "", "Hoàng Thị Lan", True),
    ("individual", "Một nhà hảo tâm tại TP Lào Cai", "", "", False),
]
INKIND_REFERENCE = "BB 18/2021/VNPT-SGDĐT"
PURCHASE_REFERENCE = "HĐ 25/2021/HĐMB-SGDĐT"  # the devices demo's purchase, if present


# size: demo data for every donation type, written as one readable script
def seed(context: dict) -> None:
    actor = context.get("users", {}).get("province")
    if actor is None or Donor.objects.filter(tax_code="0100109106012").exists():
        return
    today = timezone.localdate()
    account, _created = FundAccount.objects.get_or_create(
        number=ACCOUNT[2],
        defaults={"name": ACCOUNT[0], "bank": ACCOUNT[1], "province_id": actor.province_id},
    )
    donors = {}
    for kind, name, tax_code, contact, consent in DONORS:
        donors[name] = services.create_donor(
            actor=actor,
            kind=kind,
            name=name,
            tax_code=tax_code,
            contact_name=contact,
            public_consent=consent,
        )

    def pledge(donor: str, cash: int, days_ago: int, purpose: str, **kwargs) -> Pledge:
        return services.create_pledge(
            actor=actor,
            donor=donors[donor],
            pledged_on=today - dt.timedelta(days=days_ago),
            cash_amount=cash,
            purpose=purpose,
            **kwargs,
        )

    def due(days: int, amount: int) -> services.InstalmentSpec:
        return services.InstalmentSpec(due_on=today + dt.timedelta(days=days), amount=amount)

    viettel = pledge(
        "Viettel Lào Cai",
        600_000_000,
        120,
        "Mua máy tính bảng cho học sinh hộ nghèo",
        instalments=[due(-90, 300_000_000), due(45, 300_000_000)],
    )
    vnpt = pledge(
        "VNPT Lào Cai",
        0,
        110,
        "Máy tính bảng kèm SIM 4G cho học sinh vùng khó khăn",
        items=[
            services.ItemSpec(SupportKind.TABLET, 20),
            services.ItemSpec(SupportKind.DATA, 100, 12),
        ],
    )
    mobifone = pledge(
        "MobiFone Lào Cai",
        300_000_000,
        100,
        "Gói cước dữ liệu cho học sinh",
        instalments=[due(-75, 150_000_000), due(-15, 150_000_000)],  # the second one is overdue
    )
    agribank = pledge("Agribank Chi nhánh tỉnh Lào Cai", 200_000_000, 95, "Mua máy tính")
    khuyen_hoc = pledge("Hội Khuyến học tỉnh Lào Cai", 50_000_000, 80, "Hỗ trợ học trực tuyến")
    anonymous = pledge("Một nhà hảo tâm tại TP Lào Cai", 20_000_000, 60, "Ủng hộ chương trình")

    receipts = []
    for p, amount, days_ago, ref in (
        (viettel, 300_000_000, 92, "FT21270VT001"),
        (mobifone, 150_000_000, 76, "FT21285MB001"),
        (agribank, 200_000_000, 70, "KB-2021-10-0412"),
        (khuyen_hoc, 30_000_000, 50, "KB-2021-11-0107"),
        (anonymous, 20_000_000, 40, "KB-2021-11-0233"),
    ):
        receipts.append(
            services.record_cash_receipt(
                actor=actor,
                pledge=p,
                amount=amount,
                received_on=today - dt.timedelta(days=days_ago),
                account=account,
                reference=ref,
            )
        )
    _inkind(actor, vnpt, today)
    _distribute(actor, context.get("users", {}).get("district"), vnpt)
    _spending(actor, account, receipts, today)


def _imei(n: int) -> str:
    body = f"86{n:012d}"
    return body + luhn_check_digit(body)


def _delivery_list(count: int) -> io.BytesIO:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["BIÊN BẢN GIAO NHẬN THIẾT BỊ TÀI TRỢ"])
    sheet.append([])
    sheet.append(["STT", "Loại thiết bị", "Hãng", "Model", "Số serial", "IMEI", "Tình trạng"])
    for i in range(1, count + 1):
        sheet.append(
            [
                i,
                "Máy tính bảng",
                "Samsung",
                "Galaxy Tab A7 Lite",
                f"VNPT-TAB-{i:04d}",
                _imei(i),
                "Mới",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "bien-ban-giao-nhan-vnpt.xlsx"
    return buffer


def _inkind(actor, pledge: Pledge, today: dt.date) -> None:
    """Attach a donation source the devices demo made, or receive a delivery of tablets."""
    existing = (
        DeviceSource.objects.filter(kind=DeviceSource.Kind.DONATION, donation_receipt__isnull=True)
        .order_by("received_on")
        .first()
    )
    if existing is not None:
        InKindReceipt.objects.create(pledge=pledge, source=existing, recorded_by=actor)
        return
    if Device.objects.filter(serial_number="VNPT-TAB-0001").exists():
        return
    services.record_inkind_receipt(
        actor=actor,
        pledge=pledge,
        received_on=today - dt.timedelta(days=85),
        reference=INKIND_REFERENCE,
        delivery_file=_delivery_list(12),
        note="Đợt 1: 12/20 máy tính bảng, kèm SIM 4G",
    )


def _distribute(actor, district_user, pledge: Pledge) -> None:
    """Send donated tablets down to two districts, so the donor page shows where they went."""
    from devices import services as device_services
    from schools.models import District

    tablets = list(
        Device.objects.filter(
            source__donation_receipt__pledge=pledge, holder=Device.Holder.PROVINCE
        ).order_by("serial_number")
    )
    bao_yen = District.objects.filter(code="87").first()
    si_ma_cai = District.objects.filter(code="84").first()
    if bao_yen is not None and len(tablets) >= 6:
        transfer = device_services.create_transfer(
            actor=actor, devices=tablets[:6], to_district=bao_yen, note="Máy tính bảng VNPT tài trợ"
        )
        if district_user is not None:
            device_services.confirm_transfer(actor=district_user, transfer=transfer)
    if si_ma_cai is not None and len(tablets) >= 10:
        device_services.create_transfer(
            actor=actor,
            devices=tablets[6:10],
            to_district=si_ma_cai,
            note="Máy tính bảng VNPT tài trợ",
        )


def _spending(actor, account: FundAccount, receipts, today: dt.date) -> None:
    purchase = DeviceSource.objects.filter(
        kind=DeviceSource.Kind.PURCHASE, reference=PURCHASE_REFERENCE, spending__isnull=True
    ).first()
    if purchase is not None:
        count = purchase.devices.count()
        services.record_spending(
            actor=actor,
            spent_on=today - dt.timedelta(days=60),
            amount=max(count, 1) * 3_450_000,
            account=account,
            purpose=Spending.Purpose.DEVICES,
            reference="UNC 0215/2021",
            description=f"Thanh toán hợp đồng {purchase.reference}: {count} thiết bị",
            receipts=receipts[:3],
            purchase=purchase,
        )
    services.record_spending(
        actor=actor,
        spent_on=today - dt.timedelta(days=30),
        amount=36_000_000,
        account=account,
        purpose=Spending.Purpose.DATA,
        reference="UNC 0231/2021",
        description="Gói cước 4G 12 tháng cho 60 học sinh (50.000 đ/tháng)",
        receipts=receipts[1:],
        subscriptions_count=60,
    )
