"""Serialised device inventory, allocation and handover; SIM data packages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.scoping import Ids, ScopedQuerySet
from platforms.models import LearningPlatform
from schools.choices import Carrier, DeviceType
from schools.models import Commune, District, School, recorded_in_province
from students.models import Student, phone_validator


class DeviceSourceQuerySet(ScopedQuerySet):
    # Sources are recorded by the province that receives the devices, never below it.
    province_lookups = (recorded_in_province("created_by"),)
    district_lookups = ()
    school_lookups = ()


class DeviceSource(models.Model):
    """Where a batch of devices came from: a donation receipt or a purchase.

    The donations app attaches its receipts and spendings to a source (one-to-one),
    so a device reaches its donor without devices depending on donations.
    """

    class Kind(models.TextChoices):
        DONATION = "donation", _("Tài trợ hiện vật")
        PURCHASE = "purchase", _("Mua sắm")

    kind = models.CharField(_("nguồn"), max_length=10, choices=Kind.choices)
    reference = models.CharField(_("số chứng từ / biên bản"), max_length=120)
    received_on = models.DateField(_("ngày nhận"))
    note = models.TextField(_("ghi chú"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    objects = DeviceSourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("nguồn thiết bị")
        verbose_name_plural = _("nguồn thiết bị")
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


_source_recorded_in = recorded_in_province("source__created_by")


def in_provincial_store(province_id: Ids) -> models.Q:
    """A device no district, commune committee or school holds belongs to the province that
    recorded its source."""
    return models.Q(
        district__isnull=True, commune__isnull=True, school__isnull=True
    ) & _source_recorded_in(province_id)


class DeviceQuerySet(ScopedQuerySet["Device"]):
    province_lookups = (
        "district__province_id",
        "school__district__province_id",
        "commune__province_id",
        in_provincial_store,
    )
    district_lookups = ("district_id", "school__district_id")
    school_lookups = ("school_id",)
    # A commune officer also sees the commune committee's own store.
    commune_lookups = ("commune_id",)


class Device(models.Model):
    class Condition(models.TextChoices):
        NEW = "new", _("Mới")
        USED_GOOD = "used_good", _("Đã qua sử dụng, tốt")
        REFURBISHED = "refurbished", _("Tân trang")
        DAMAGED = "damaged", _("Hỏng")

    class Holder(models.TextChoices):
        PROVINCE = "province", _("Kho Sở GD&ĐT")
        DISTRICT = "district", _("Kho Phòng GD&ĐT")
        # Since 1 July 2025 (Decree 142/2025/NĐ-CP) the commune committees hold what the
        # district offices held; ``commune`` is then a commune of the two-level list.
        COMMUNE = "commune", _("Kho UBND xã/phường")
        SCHOOL = "school", _("Kho trường")
        PUPIL = "pupil", _("Học sinh")

    class Status(models.TextChoices):
        IN_STOCK = "in_stock", _("Trong kho")
        IN_TRANSIT = "in_transit", _("Đang chuyển")
        RESERVED = "reserved", _("Đã phân bổ, chờ bàn giao")
        HANDED_OVER = "handed_over", _("Đã bàn giao")
        RETURNED = "returned", _("Đã thu hồi")
        LOST = "lost", _("Mất")
        DAMAGED = "damaged", _("Hỏng")
        WRITTEN_OFF = "written_off", _("Đã thanh lý")

    device_type = models.CharField(_("loại thiết bị"), max_length=20, choices=DeviceType.choices)
    make = models.CharField(_("hãng"), max_length=60)
    model_name = models.CharField(_("model"), max_length=120)
    serial_number = models.CharField(_("số serial"), max_length=60, unique=True)
    imei = models.CharField(_("IMEI"), max_length=15, null=True, blank=True, unique=True)
    condition = models.CharField(
        _("tình trạng"), max_length=12, choices=Condition.choices, default=Condition.NEW
    )
    source = models.ForeignKey(
        DeviceSource, on_delete=models.PROTECT, related_name="devices", verbose_name=_("nguồn")
    )
    holder = models.CharField(
        _("nơi giữ"), max_length=10, choices=Holder.choices, default=Holder.PROVINCE
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("huyện"),
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("UBND xã/phường giữ thiết bị"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("trường"),
    )
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.IN_STOCK
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ngày cập nhật"), auto_now=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("thiết bị")
        verbose_name_plural = _("thiết bị")
        ordering = ["device_type", "serial_number"]
        indexes = [
            models.Index(
                fields=["holder", "district", "school", "status"], name="device_location_idx"
            ),
        ]
        constraints = [
            # A commune committee's store holds the device itself, never with a district.
            models.CheckConstraint(
                condition=~models.Q(holder="commune")
                | models.Q(commune__isnull=False, district__isnull=True, school__isnull=True),
                name="device_commune_holder_has_commune",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_device_type_display()} {self.make} {self.model_name} ({self.serial_number})"
        )


class TransferQuerySet(ScopedQuerySet["StockTransfer"]):
    province_lookups = (
        "to_district__province_id",
        "from_district__province_id",
        "to_school__district__province_id",
        "to_commune__province_id",
        "from_commune__province_id",
    )
    district_lookups = ("to_district_id", "from_district_id", "to_school__district_id")
    school_lookups = ("to_school_id",)
    # A commune officer also sees the transfers to and from the commune committee.
    commune_lookups = ("to_commune_id", "from_commune_id")


class StockTransfer(models.Model):
    """Devices moved one step down (province → district or, since 1 July 2025, commune
    committee → school); the receiver confirms."""

    class Status(models.TextChoices):
        SENT = "sent", _("Đã gửi, chờ nhận")
        RECEIVED = "received", _("Đã nhận")
        CANCELLED = "cancelled", _("Đã hủy")

    from_district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("huyện chuyển"),
    )
    to_district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("huyện nhận"),
    )
    from_commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("UBND xã/phường chuyển"),
    )
    to_commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("UBND xã/phường nhận"),
    )
    to_school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trường nhận"),
    )
    devices = models.ManyToManyField(Device, related_name="transfers", verbose_name=_("thiết bị"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.SENT
    )
    note = models.TextField(_("ghi chú"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người gửi"),
    )
    sent_at = models.DateTimeField(_("thời điểm gửi"), auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người nhận"),
    )
    received_at = models.DateTimeField(_("thời điểm nhận"), null=True, blank=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("phiếu điều chuyển")
        verbose_name_plural = _("phiếu điều chuyển")
        ordering = ["-sent_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_district__isnull=False)
                | models.Q(to_school__isnull=False)
                | models.Q(to_commune__isnull=False),
                name="transfer_has_destination",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} → {self.destination}"

    @property
    def destination(self) -> School | Commune | District | None:
        """The receiving unit: a school, a commune committee or a district office."""
        return self.to_school or self.to_commune or self.to_district


def scan_upload_path(instance: Allocation, filename: str) -> str:
    return f"handover-scans/{instance.school_id}/{instance.pk}-{filename[-60:]}"


OPEN_ALLOCATION = models.Q(status__in=["reserved", "handed_over"])


class AllocationQuerySet(ScopedQuerySet["Allocation"]):
    province_lookups = ("school__district__province_id",)
    district_lookups = ("school__district_id",)
    school_lookups = ("school_id",)

    def open(self) -> AllocationQuerySet:
        return self.filter(OPEN_ALLOCATION)


class Allocation(models.Model):
    """A device given or lent to an approved beneficiary."""

    class Status(models.TextChoices):
        RESERVED = "reserved", _("Đã phân bổ, chờ bàn giao")
        HANDED_OVER = "handed_over", _("Đã bàn giao")
        RETURNED = "returned", _("Đã thu hồi")
        CANCELLED = "cancelled", _("Đã hủy")

    class Terms(models.TextChoices):
        GIFT = "gift", _("Tặng")
        LOAN = "loan", _("Cho mượn")

    class ReturnReason(models.TextChoices):
        LOAN_ENDED = "loan_ended", _("Hết thời hạn mượn")
        LEFT_SCHOOL = "left_school", _("Học sinh chuyển/nghỉ học")
        RECOVERY = "recovery", _("Thu hồi thiết bị")

    class ReturnCondition(models.TextChoices):
        GOOD = "good", _("Còn tốt")
        DAMAGED = "damaged", _("Hỏng")
        LOST = "lost", _("Mất")

    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("thiết bị")
    )
    device_type = models.CharField(
        _("loại thiết bị"), max_length=20, choices=DeviceType.choices, editable=False
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("học sinh")
    )
    proposal_item = models.ForeignKey(
        "rounds.ProposalItem",
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("đề xuất được duyệt"),
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("trường")
    )
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.RESERVED
    )
    terms = models.CharField(
        _("hình thức"), max_length=5, choices=Terms.choices, default=Terms.GIFT
    )
    loan_until = models.DateField(_("mượn đến ngày"), null=True, blank=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người cấp phát"),
    )
    allocated_at = models.DateTimeField(_("thời điểm cấp phát"), auto_now_add=True)
    handover_date = models.DateField(_("ngày bàn giao"), null=True, blank=True)
    signed_scan = models.FileField(
        _("biên bản đã ký (bản quét)"), upload_to=scan_upload_path, blank=True
    )
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người bàn giao"),
    )
    returned_at = models.DateField(_("ngày thu hồi"), null=True, blank=True)
    return_reason = models.CharField(
        _("lý do thu hồi"), max_length=20, choices=ReturnReason.choices, blank=True
    )
    return_condition = models.CharField(
        _("tình trạng khi thu hồi"), max_length=10, choices=ReturnCondition.choices, blank=True
    )
    return_note = models.TextField(_("ghi chú thu hồi"), blank=True)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("cấp phát thiết bị")
        verbose_name_plural = _("cấp phát thiết bị")
        ordering = ["-allocated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["device"], condition=OPEN_ALLOCATION, name="allocation_one_open_per_device"
            ),
            models.UniqueConstraint(
                fields=["student", "device_type"],
                condition=OPEN_ALLOCATION,
                name="allocation_one_open_type_per_pupil",
            ),
            models.CheckConstraint(
                condition=~models.Q(terms="loan") | models.Q(loan_until__isnull=False),
                name="allocation_loan_has_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device} → {self.student}"


class DataPackage(models.Model):
    """Gói cước: reference data."""

    carrier = models.CharField(_("nhà mạng"), max_length=20, choices=Carrier.choices)
    name = models.CharField(_("tên gói"), max_length=80)
    data_per_day_mb = models.PositiveIntegerField(_("dung lượng/ngày (MB)"), null=True, blank=True)
    data_per_month_mb = models.PositiveIntegerField(
        _("dung lượng/tháng (MB)"), null=True, blank=True
    )
    price_vnd_per_month = models.PositiveIntegerField(_("giá (đồng/tháng)"))
    free_months = models.PositiveSmallIntegerField(_("số tháng miễn phí"), default=0)
    is_active = models.BooleanField(_("đang cung cấp"), default=True)
    zero_rated_platforms = models.ManyToManyField(
        LearningPlatform,
        blank=True,
        related_name="zero_rated_in",
        verbose_name=_("nền tảng học miễn phí dữ liệu"),
        help_text=_("Truy cập các nền tảng này không tính vào dung lượng của gói (zero-rating)."),
    )

    class Meta:
        verbose_name = _("gói cước")
        verbose_name_plural = _("gói cước")
        ordering = ["carrier", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "name"], name="package_unique_name_per_carrier"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_carrier_display()} {self.name}"


ACTIVE_SUBSCRIPTION = models.Q(status__in=["requested", "active", "suspended", "problem"])


class SubscriptionQuerySet(ScopedQuerySet["Subscription"]):
    province_lookups = ("student__school__district__province_id",)
    district_lookups = ("student__school__district_id",)
    school_lookups = ("student__school_id",)


class Subscription(models.Model):
    """A SIM data package for one beneficiary."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Đã đăng ký, chờ kích hoạt")
        ACTIVE = "active", _("Đang hoạt động")
        SUSPENDED = "suspended", _("Tạm ngưng")
        EXPIRED = "expired", _("Hết hạn")
        PROBLEM = "problem", _("Có sự cố")

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("học sinh")
    )
    proposal_item = models.ForeignKey(
        "rounds.ProposalItem",
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("dòng đề xuất"),
    )
    package = models.ForeignKey(
        DataPackage,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("gói cước"),
    )
    carrier = models.CharField(_("nhà mạng"), max_length=20, choices=Carrier.choices)
    phone = models.CharField(_("số thuê bao"), max_length=10, validators=[phone_validator])
    iccid = models.CharField(_("số ICCID"), max_length=20, blank=True)
    starts_on = models.DateField(_("ngày bắt đầu"), null=True, blank=True)
    ends_on = models.DateField(_("ngày kết thúc"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    expiry_notified_on = models.DateField(
        _("ngày báo sắp hết hạn"), null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ngày cập nhật"), auto_now=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("thuê bao gói cước")
        verbose_name_plural = _("thuê bao gói cước")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=ACTIVE_SUBSCRIPTION,
                name="subscription_phone_unique_active",
            ),
            models.UniqueConstraint(
                fields=["student"],
                condition=ACTIVE_SUBSCRIPTION,
                name="subscription_one_active_per_pupil",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phone} – {self.package}"


class SubscriptionProblem(models.Model):
    class Kind(models.TextChoices):
        NO_SIGNAL = "no_signal", _("Không có sóng")
        SIM_LOCKED = "sim_locked", _("SIM bị khóa")
        NOT_ACTIVATED = "not_activated", _("Chưa được kích hoạt")
        SLOW = "slow", _("Tốc độ chậm")
        OTHER = "other", _("Khác")

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="problems",
        verbose_name=_("thuê bao gói cước"),
    )
    kind = models.CharField(_("sự cố"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("mô tả"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người báo"),
    )
    reported_at = models.DateTimeField(_("thời điểm báo"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("thời điểm xử lý xong"), null=True, blank=True)
    resolution = models.TextField(_("cách xử lý"), blank=True)

    class Meta:
        verbose_name = _("sự cố thuê bao")
        verbose_name_plural = _("sự cố thuê bao")
        ordering = ["-reported_at"]

    def __str__(self) -> str:
        return f"{self.subscription} – {self.get_kind_display()}"
