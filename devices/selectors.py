"""Reads for devices and data packages: scoped querysets with their joins done once."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from devices.models import (
    ACTIVE_SUBSCRIPTION,
    Allocation,
    Device,
    DeviceSource,
    StockTransfer,
    Subscription,
)
from kernel.normalize import fold
from rounds.models import ProposalItem
from schools.choices import NEED_SATISFIED_BY, DeviceType, SupportKind
from schools.models import Commune, District, School
from students.models import Student

if TYPE_CHECKING:
    from accounts.models import User


def can_receive_devices(user: User) -> bool:
    """The provincial stock is filled by provincial staff who allocate or manage donations."""
    from devices.rules import may_receive_devices

    return may_receive_devices(user)


def kinds_for_device_type(device_type: str) -> list[str]:
    """Support kinds (``SupportKind``) that a device of this type satisfies."""
    return sorted(str(kind) for kind, types in NEED_SATISFIED_BY.items() if device_type in types)


def device_types_for_kind(kind: str) -> frozenset[str]:
    return NEED_SATISFIED_BY.get(kind, frozenset())


def approved_item_for_device(*, student: Student, device_type: str) -> ProposalItem | None:
    """The pupil's approved (final) support item that this device type fulfils, if any."""
    return (
        ProposalItem.objects.beneficiaries()
        .filter(
            student=student,
            kind__in=kinds_for_device_type(device_type),
            proposal__school_id=student.school_id,
        )
        .order_by("-round__starts_on", "pk")
        .first()
    )


def approved_item_for_data(*, student: Student) -> ProposalItem | None:
    """The pupil's approved (final) data-package item, if any."""
    return (
        ProposalItem.objects.beneficiaries()
        .filter(student=student, kind=SupportKind.DATA, proposal__school_id=student.school_id)
        .order_by("-round__starts_on", "pk")
        .first()
    )


def unit_users(
    *,
    district: District | None = None,
    commune: Commune | None = None,
    school: School | None = None,
) -> list[User]:
    """Active users of a school, commune committee or district who handle devices
    (recipients of notices)."""
    from accounts.models import User

    users = User.objects.filter(is_active=True, role__can_allocate=True)
    if school is not None:
        return list(users.filter(school=school))
    if commune is not None:
        return list(users.filter(commune=commune))
    if district is not None:
        return list(users.filter(district=district))
    return []


def stock_counts(devices: QuerySet[Device]) -> dict[tuple[str, str], int]:
    """Devices in stock per (holder, device type) in one query."""
    rows = (
        devices.filter(status=Device.Status.IN_STOCK)
        .values("holder", "device_type")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(r["holder"], r["device_type"]): r["n"] for r in rows}


# ------------------------------------------------------------------ list pages


def sendable_stock(user: User) -> QuerySet[Device]:
    """The devices the user's unit may send down: its own, in stock (province or district)."""
    scope = user.scope
    # Through the user's scope: a province sends only its own provincial store.
    base = Device.objects.visible_to(user).filter(status=Device.Status.IN_STOCK)
    if scope.is_provincial:
        return base.filter(holder=Device.Holder.PROVINCE).order_by("device_type", "serial_number")
    if scope.is_district and scope.district_id is not None:
        return base.filter(holder=Device.Holder.DISTRICT, district_id=scope.district_id).order_by(
            "device_type", "serial_number"
        )
    if scope.is_commune and scope.commune_id is not None:
        return base.filter(holder=Device.Holder.COMMUNE, commune_id=scope.commune_id).order_by(
            "device_type", "serial_number"
        )
    return base.none()


def device_list(
    user: User, *, device_type: str = "", status: str = "", q: str = "", source: int | None = None
):
    """Devices the user may see, filtered, with what the list shows joined in."""
    qs = Device.objects.visible_to(user).select_related("source", "district", "commune", "school")
    if source:
        qs = qs.filter(source_id=source)
    if device_type:
        qs = qs.filter(device_type=device_type)
    if status:
        qs = qs.filter(status=status)
    if q:
        q = q.strip().upper().replace(" ", "")
        qs = qs.filter(Q(serial_number__contains=q) | Q(imei__contains=q))
    return qs.order_by("device_type", "serial_number")


def _type_columns(rows, key: str) -> list[dict]:
    """Pivot ``values(key, "device_type").annotate(n)`` rows into one row per ``key``."""
    table: dict = {}
    for r in rows:
        entry = table.setdefault(
            r[key], {"key": r[key], "types": dict.fromkeys(DeviceType.values, 0), "total": 0}
        )
        entry["types"][r["device_type"]] += r["n"]
        entry["total"] += r["n"]
    for entry in table.values():
        entry["cells"] = [entry["types"][t] for t in DeviceType.values]
    return list(table.values())


def stock_per_district(user: User) -> list[dict]:
    """Province: devices in stock per district (district store and its schools) and type.

    One query for the counts, one for the district names; the provincial store is
    the row whose district is ``None``.
    """
    rows = (
        Device.objects.visible_to(user)
        .filter(status=Device.Status.IN_STOCK)
        .values("district_id", "device_type")
        .annotate(n=Count("pk"))
        .order_by()
    )
    table = _type_columns(rows, "district_id")
    names = dict(
        District.objects.filter(pk__in=[r["key"] for r in table if r["key"]]).values_list(
            "pk", "name"
        )
    )
    for entry in table:
        entry["name"] = names.get(entry["key"], "") if entry["key"] else _("Kho Sở GD&ĐT")
    return sorted(table, key=lambda e: (e["key"] is not None, e["name"]))


def stock_per_school(user: User) -> list[dict]:
    """District: per school (and the district's own store) devices in stock per type,
    with reserved and handed-over counts; two queries."""
    rows = (
        Device.objects.visible_to(user)
        .values("school_id", "device_type")
        .annotate(n=Count("pk", filter=Q(status=Device.Status.IN_STOCK)))
        .order_by()
    )
    table = _type_columns(rows, "school_id")
    handed = (
        Device.objects.visible_to(user)
        .values("school_id")
        .annotate(
            reserved=Count("pk", filter=Q(status=Device.Status.RESERVED)),
            handed_over=Count("pk", filter=Q(status=Device.Status.HANDED_OVER)),
        )
        .order_by()
    )
    extra = {r["school_id"]: r for r in handed}
    schools = dict(
        School.objects.filter(pk__in=[e["key"] for e in table if e["key"]]).values_list(
            "pk", "name"
        )
    )
    for entry in table:
        entry["name"] = schools.get(entry["key"], "") if entry["key"] else _("Kho Phòng GD&ĐT")
        entry["reserved"] = extra.get(entry["key"], {}).get("reserved", 0)
        entry["handed_over"] = extra.get(entry["key"], {}).get("handed_over", 0)
    return sorted(table, key=lambda e: (e["key"] is not None, e["name"]))


def sources_with_counts(user: User) -> QuerySet[DeviceSource]:
    """Device sources with how many of their devices the user sees, by status."""
    visible = Device.objects.visible_to(user)
    return (
        DeviceSource.objects.annotate(
            total=Count("devices", filter=Q(devices__in=visible)),
            in_stock=Count(
                "devices", filter=Q(devices__in=visible, devices__status=Device.Status.IN_STOCK)
            ),
            handed_over=Count(
                "devices", filter=Q(devices__in=visible, devices__status=Device.Status.HANDED_OVER)
            ),
        )
        .filter(total__gt=0)
        .select_related("created_by")
        .order_by("-received_on", "-pk")
    )


def transfer_list(user: User) -> QuerySet[StockTransfer]:
    return (
        StockTransfer.objects.visible_to(user)
        .select_related(
            "from_district",
            "to_district",
            "to_school",
            "from_commune",
            "to_commune",
            "sent_by",
            "received_by",
        )
        .annotate(device_count=Count("devices"))
        .order_by("-sent_at", "-pk")
    )


def allocation_list(
    user: User, *, school_id: int | None = None, status: str = ""
) -> QuerySet[Allocation]:
    qs = Allocation.objects.visible_to(user).select_related(
        "device", "student", "school", "proposal_item"
    )
    if school_id:
        qs = qs.filter(school_id=school_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-allocated_at", "-pk")


def beneficiaries_without_device(user: User) -> QuerySet[ProposalItem]:
    """Approved device beneficiaries of the user's schools with no open allocation for that item."""
    open_allocation = Allocation.objects.open().filter(proposal_item=OuterRef("pk"))
    return (
        ProposalItem.objects.visible_to(user)
        .beneficiaries()
        .filter(kind__in=list(NEED_SATISFIED_BY), student__status=Student.Status.STUDYING)
        .exclude(Exists(open_allocation))
        .select_related("student", "proposal__school", "round")
        .order_by("proposal__school__name", "student__sort_key", "pk")
    )


def beneficiaries_without_package(user: User) -> QuerySet[ProposalItem]:
    """Approved data-package beneficiaries with no active subscription."""
    active = Subscription.objects.filter(ACTIVE_SUBSCRIPTION, student=OuterRef("student"))
    return (
        ProposalItem.objects.visible_to(user)
        .beneficiaries()
        .filter(kind=SupportKind.DATA, student__status=Student.Status.STUDYING)
        .exclude(Exists(active))
        .select_related("student", "proposal__school", "round")
        .order_by("proposal__school__name", "student__sort_key", "pk")
    )


def school_stock(school_id: int) -> QuerySet[Device]:
    """Devices a school can allocate now."""
    return Device.objects.filter(
        school_id=school_id, holder=Device.Holder.SCHOOL, status=Device.Status.IN_STOCK
    ).order_by("device_type", "serial_number")


def subscription_list(
    user: User, *, status: str = "", expiring: bool = False, q: str = ""
) -> QuerySet[Subscription]:
    qs = Subscription.objects.visible_to(user).select_related("student__school", "package")
    if status:
        qs = qs.filter(status=status)
    if expiring:
        today = timezone.localdate()
        qs = qs.filter(
            ACTIVE_SUBSCRIPTION, ends_on__gte=today, ends_on__lte=today + dt.timedelta(days=14)
        )
    if q:
        qs = qs.filter(Q(phone__contains=q.strip()) | Q(student__name_key__contains=fold(q)))
    return qs.order_by("-created_at", "-pk")


def device_history(device: Device, user: User) -> dict:
    """Everything that happened to a device: allocations, the transfers the user may
    open, and the audit trail."""
    from accounts.selectors import history_for

    return {
        "allocations": list(
            device.allocations.select_related("student", "school", "allocated_by").order_by(
                "-allocated_at"
            )
        ),
        "transfers": list(
            device.transfers.visible_to(user)
            .select_related(
                "to_district", "to_school", "from_district", "to_commune", "from_commune"
            )
            .order_by("-sent_at")
        ),
        "history": list(history_for(device)),
    }


def student_device_history(student: Student) -> dict:
    """For the pupil's page: the pupil's devices and data packages, newest first."""
    return {
        "device_allocations": list(
            student.allocations.select_related("device", "school").order_by("-allocated_at")
        ),
        "data_subscriptions": list(
            student.subscriptions.select_related("package").order_by("-created_at")
        ),
    }


def subscription_counts(user: User) -> dict[str, int]:
    """Subscriptions the user sees, per status (one query)."""
    rows = Subscription.objects.visible_to(user).values("status").annotate(n=Count("pk")).order_by()
    return {r["status"]: r["n"] for r in rows}


def home_signal(student: Student) -> str:
    """Mobile signal at the pupil's home village: "no_signal", "weak", "covered" or "unknown".

    Read from the coverage app's survey (``coverage.selectors.village_signal``); a
    deployment without the coverage app answers "unknown".
    """
    try:
        from coverage.selectors import village_signal
    except ImportError:
        return "unknown"
    return str(village_signal(student.village_id).get("status", "unknown"))


SIGNAL_WARNINGS = {
    "no_signal": gettext_lazy(
        "Thôn nơi học sinh %(name)s ở chưa có sóng di động (thôn trắng sóng): gói cước có "
        "thể không dùng được tại nhà; hãy cân nhắc trước khi đăng ký."
    ),
    "weak": gettext_lazy(
        "Sóng di động tại thôn nơi học sinh %(name)s ở yếu hoặc chập chờn (lõm sóng): gói "
        "cước có thể không ổn định."
    ),
}


def signal_warning(student: Student) -> str:
    """A warning to show when giving a data package to a pupil whose village lacks signal."""
    message = SIGNAL_WARNINGS.get(home_signal(student))
    return str(message) % {"name": student.full_name} if message else ""
