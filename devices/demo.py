"""Demo data for devices: a purchase, ~30 devices moved down the hierarchy, data packages.

Everything goes through the services (so pages show a real history).  Allocations
and subscriptions are made only for approved beneficiaries the rounds demo left.
Safe to run again: existing demo devices are left as they are.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from devices import services
from devices.documents import handover_pdf
from devices.models import Allocation, DataPackage, Device, DeviceSource, Subscription
from devices.selectors import beneficiaries_without_device, beneficiaries_without_package
from devices.validators import luhn_check_digit
from schools.choices import NEED_SATISFIED_BY, Carrier, DeviceType
from schools.models import District, School

REFERENCE = "HĐ 25/2021/HĐMB-SGDĐT"
PACKAGES = [
    (Carrier.VIETTEL, "HS4G – Sóng và máy tính cho em", 4096, 50000, 3),
    (Carrier.VNPT, "EDU4G – Sóng và máy tính cho em", 4096, 50000, 3),
]


def _imei(n: int) -> str:
    body = f"35{n:012d}"[:14]
    return body + luhn_check_digit(body)


def _end_of_school_year() -> dt.date:
    """31 May of the current school year (loans end with it)."""
    today = timezone.localdate()
    end = dt.date(today.year, 5, 31)
    return end if end > today else dt.date(today.year + 1, 5, 31)


def seed(context: dict) -> None:
    users = context.get("users", {})
    province_user, district_user, school_user = (
        users.get("province"),
        users.get("district"),
        users.get("school"),
    )
    _packages()
    if province_user is None:
        return
    if not DeviceSource.objects.filter(reference=REFERENCE).exists():
        _stock(province_user, district_user, school_user)
    if school_user is not None:
        _allocations(school_user)
        _learning_online(school_user)


def _packages() -> None:
    for carrier, name, per_day, price, free in PACKAGES:
        DataPackage.objects.update_or_create(
            carrier=carrier,
            name=name,
            defaults={
                "data_per_day_mb": per_day,
                "price_vnd_per_month": price,
                "free_months": free,
                "is_active": True,
            },
        )


def _stock(province_user, district_user, school_user) -> None:
    source = services.create_device_source(
        actor=province_user,
        kind=DeviceSource.Kind.PURCHASE,
        reference=REFERENCE,
        received_on=dt.date(2021, 10, 20),
        note="Mua sắm từ nguồn vận động, đợt 1 năm học 2021-2022",
    )
    tablets = [
        services.receive_device(
            actor=province_user,
            device_source=source,
            device_type=DeviceType.TABLET,
            make="Samsung",
            model_name="Galaxy Tab A7 Lite (SM-T225)",
            serial_number=f"R9XT21{i + 1:04d}",
            imei=_imei(3545210000 + i),
        )
        for i in range(22)
    ]
    laptops = [
        services.receive_device(
            actor=province_user,
            device_source=source,
            device_type=DeviceType.LAPTOP,
            make="Dell",
            model_name="Vostro 3400",
            serial_number=f"DLV34{i + 1:05d}",
            condition=Device.Condition.NEW if i < 6 else Device.Condition.REFURBISHED,
        )
        for i in range(8)
    ]
    bao_yen = District.objects.filter(code="87").first()
    school = School.objects.filter(code="08700002").first()
    if bao_yen is None or district_user is None:
        return
    to_district = tablets[:12] + laptops[:4]
    transfer = services.create_transfer(
        actor=province_user,
        devices=to_district,
        to_district=bao_yen,
        note="Phân bổ đợt 1 cho huyện Bảo Yên",
    )
    services.confirm_transfer(actor=district_user, transfer=transfer)
    # A second delivery still on its way, so the district sees a transfer to confirm.
    services.create_transfer(
        actor=province_user, devices=tablets[12:16], to_district=bao_yen, note="Bổ sung đợt 1"
    )
    if school is None or school_user is None:
        return
    to_school = services.create_transfer(
        actor=district_user,
        devices=tablets[:6] + laptops[:2],
        to_school=school,
        note="Cấp cho học sinh được duyệt",
    )
    services.confirm_transfer(actor=school_user, transfer=to_school)


def _allocations(school_user) -> None:
    if Allocation.objects.filter(school_id=school_user.school_id).exists():
        return
    stock = list(
        Device.objects.filter(
            school_id=school_user.school_id,
            holder=Device.Holder.SCHOOL,
            status=Device.Status.IN_STOCK,
        ).order_by("serial_number")
    )
    made = 0
    for item in beneficiaries_without_device(school_user)[:4]:
        device = next((d for d in stock if d.device_type in NEED_SATISFIED_BY[item.kind]), None)
        if device is None:
            continue
        stock.remove(device)
        allocation = services.allocate_device(
            actor=school_user,
            device=device,
            student=item.student,
            terms=Allocation.Terms.LOAN if made % 2 else Allocation.Terms.GIFT,
            loan_until=_end_of_school_year() if made % 2 else None,
        )
        if made < 2:
            allocation.refresh_from_db()
            scan = SimpleUploadedFile("bien-ban.pdf", handover_pdf(allocation), "application/pdf")
            services.record_handover(
                actor=school_user,
                allocation=allocation,
                scan=scan,
                handover_date=timezone.localdate(),
            )
        made += 1
    package = DataPackage.objects.filter(carrier=Carrier.VNPT).first()
    if package is None or Subscription.objects.filter(created_by=school_user).exists():
        return
    for n, item in enumerate(beneficiaries_without_package(school_user)[:3]):
        phone = f"08{n + 1}2{item.student_id % 1000000:06d}"
        if Subscription.objects.filter(phone=phone).exists():
            continue
        services.create_subscription(
            actor=school_user,
            student=item.student,
            package=package,
            phone=phone,
            iccid=f"898402{item.student_id:013d}",
        )


ZERO_RATED = {
    Carrier.VNPT: ("vnEdu LMS", "VioEdu", "OLM"),
    Carrier.VIETTEL: ("K12Online", "VioEdu"),
}


def _learning_online(school_user) -> None:
    """The plan's purpose I.1.c: packages reach platforms free of charge, the carrier
    activates the demo SIMs, and the school records its pupils' platform accounts (all
    but one, so the dashboard shows a pupil still missing one)."""
    from accounts.services import record_audit
    from devices.readiness import for_user
    from kernel.normalize import fold
    from platforms.models import LearningPlatform, PlatformAccount
    from platforms.services import add_platform_account

    for package in DataPackage.objects.filter(carrier__in=list(ZERO_RATED)):
        names = ZERO_RATED[Carrier(package.carrier)]
        package.zero_rated_platforms.set(LearningPlatform.objects.filter(name__in=names))
    for sub in Subscription.objects.filter(
        created_by=school_user, status=Subscription.Status.REQUESTED
    ).select_related("package"):
        sub.status = Subscription.Status.ACTIVE
        sub.starts_on = timezone.localdate()
        sub.ends_on = services.subscription_end(sub.starts_on, sub.package)
        sub.save(update_fields=["status", "starts_on", "ends_on", "updated_at"])
        record_audit(
            actor=school_user,
            action="subscription.carrier_status",
            obj=sub,
            changes={"status": [Subscription.Status.REQUESTED, sub.status]},
            reason="Dữ liệu mẫu: nhà mạng kích hoạt thuê bao",
            school_id=school_user.school_id,
        )
    if PlatformAccount.objects.filter(set_up_by=school_user).exists():
        return
    platform = LearningPlatform.objects.filter(name="vnEdu LMS", is_active=True).first()
    if platform is None:
        return
    pupils = list(for_user(school_user).order_by("pk"))
    for pupil in pupils[:-1]:
        add_platform_account(
            actor=school_user,
            student=pupil,
            platform=platform,
            login_name=f"{fold(pupil.full_name).replace(' ', '.')}.{pupil.pk}",
            set_up_on=timezone.localdate(),
        )
