"""Donors, pledges, receipts (cash and in kind) and spending."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self, cast

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from devices.models import DeviceSource
from kernel.scoping import Lookup, ScopedQuerySet, ScopedUser
from schools.choices import SupportKind
from schools.models import province_field

if TYPE_CHECKING:
    from accounts.models import User
    from donations.selectors import InstalmentRow

# What the public sees instead of the name of a donor who did not consent to publication.
ANONYMOUS_DONOR = _("Nhà tài trợ ẩn danh")

tax_code_validator = RegexValidator(r"^(\d{10}|\d{13})$", _("Mã số thuế gồm 10 hoặc 13 chữ số."))


def manages_donations(user: User) -> bool:
    """Donations are run by the province: ``donations.rules.may_manage_donations``."""
    from donations.rules import may_manage_donations

    return may_manage_donations(user)


class DonationQuerySet[M: models.Model](ScopedQuerySet[M]):
    """Donations are a provincial matter: only a province's donation managers see them,
    and only their own province's (each subclass says how a row leads to its province)."""

    province_lookups: ClassVar[tuple[Lookup, ...]] = ()
    district_lookups: ClassVar[tuple[Lookup, ...]] = ()
    school_lookups: ClassVar[tuple[Lookup, ...]] = ()

    def visible_to(self, user: ScopedUser) -> Self:
        manager = manages_donations(cast("User", user))
        return super().visible_to(user) if manager else self.none()


class DonorQuerySet[M: models.Model](DonationQuerySet[M]):
    province_lookups = ("province_id",)
    district_lookups = ()
    school_lookups = ()


class PledgeQuerySet[M: models.Model](DonationQuerySet[M]):
    province_lookups = ("donor__province_id",)
    district_lookups = ()
    school_lookups = ()


class FundAccountQuerySet[M: models.Model](DonationQuerySet[M]):
    province_lookups = ("province_id",)
    district_lookups = ()
    school_lookups = ()


class ReceiptQuerySet[M: models.Model](DonationQuerySet[M]):
    province_lookups = ("pledge__donor__province_id",)
    district_lookups = ()
    school_lookups = ()


class SpendingQuerySet[M: models.Model](DonationQuerySet[M]):
    province_lookups = ("account__province_id",)
    district_lookups = ()
    school_lookups = ()


class Donor(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Doanh nghiệp")
        ASSOCIATION = "association", _("Hội, đoàn thể, tổ chức")
        EDUCATION_STAFF = "education", _("Trường học, cán bộ ngành giáo dục")
        INDIVIDUAL = "individual", _("Cá nhân")
        OTHER = "other", _("Khác")

    province = province_field("donors")
    kind = models.CharField(_("loại nhà tài trợ"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("tên"), max_length=200)
    tax_code = models.CharField(
        _("mã số thuế"), max_length=13, blank=True, validators=[tax_code_validator]
    )
    contact_name = models.CharField(_("người liên hệ"), max_length=150, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    public_consent = models.BooleanField(_("đồng ý công khai tên"), default=False)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    objects = DonorQuerySet.as_manager()

    # Set by donations.exports.donor_rows() for the donor list and its export.
    has_overdue: bool

    class Meta:
        verbose_name = _("nhà tài trợ")
        verbose_name_plural = _("nhà tài trợ")
        ordering = ["name"]
        constraints = [
            # One donor record per enterprise in each province's register.
            models.UniqueConstraint(
                fields=["province", "tax_code"],
                condition=~models.Q(tax_code=""),
                name="donor_unique_tax_code_per_province",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tax_code_display(self) -> str:
        """A branch's 13-digit code the way it is printed: 0100109106-012."""
        code = self.tax_code
        return f"{code[:10]}-{code[10:]}" if len(code) == 13 else code

    @property
    def public_name(self) -> str:
        return self.name if self.public_consent else str(ANONYMOUS_DONOR)


class Pledge(models.Model):
    """Cam kết ủng hộ: cash and/or in kind."""

    donor = models.ForeignKey(
        Donor, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("nhà tài trợ")
    )
    pledged_on = models.DateField(_("ngày cam kết"))
    round = models.ForeignKey(
        "rounds.SupportRound",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pledges",
        verbose_name=_("đợt"),
    )
    purpose = models.CharField(_("mục đích"), max_length=255, blank=True)
    cash_amount = models.PositiveBigIntegerField(_("số tiền cam kết (đồng)"), default=0)
    note = models.TextField(_("ghi chú"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    objects = PledgeQuerySet.as_manager()

    # Set by donations.selectors._decorate_pledge() for the pledge and donor pages.
    schedule: list[InstalmentRow]
    overdue: list[InstalmentRow]
    remaining_cash: int
    pledged_devices: int
    percent: int | None
    item_rows: list[dict[str, Any]]

    class Meta:
        verbose_name = _("cam kết ủng hộ")
        verbose_name_plural = _("cam kết ủng hộ")
        ordering = ["-pledged_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.donor} – {self.pledged_on:%d/%m/%Y}"


class PledgeItem(models.Model):
    """An in-kind part of a pledge: so many devices of a type, or data packages for so many months."""

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="items", verbose_name=_("cam kết tài trợ")
    )
    kind = models.CharField(_("loại"), max_length=20, choices=SupportKind.choices)
    quantity = models.PositiveIntegerField(_("số lượng"), validators=[MinValueValidator(1)])
    months = models.PositiveSmallIntegerField(_("số tháng (gói cước)"), null=True, blank=True)

    class Meta:
        verbose_name = _("hiện vật cam kết")
        verbose_name_plural = _("hiện vật cam kết")

    def __str__(self) -> str:
        return f"{self.quantity} × {self.get_kind_display()}"


class Instalment(models.Model):
    pledge = models.ForeignKey(
        Pledge,
        on_delete=models.CASCADE,
        related_name="instalments",
        verbose_name=_("cam kết tài trợ"),
    )
    due_on = models.DateField(_("hạn"))
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))

    class Meta:
        verbose_name = _("đợt nộp")
        verbose_name_plural = _("đợt nộp")
        ordering = ["due_on"]

    def __str__(self) -> str:
        return f"{self.due_on:%d/%m/%Y}: {self.amount}"


class FundAccount(models.Model):
    province = province_field("fund_accounts")
    name = models.CharField(_("tên tài khoản"), max_length=200)
    bank = models.CharField(_("ngân hàng / kho bạc"), max_length=200)
    number = models.CharField(_("số tài khoản"), max_length=40, unique=True)

    objects = FundAccountQuerySet.as_manager()

    # Set by donations.selectors.fund_balances(): received minus spent.
    balance: int

    class Meta:
        verbose_name = _("tài khoản quỹ")
        verbose_name_plural = _("tài khoản quỹ")

    def __str__(self) -> str:
        return f"{self.name} ({self.bank})"


class Receipt(models.Model):
    """What every receipt against a pledge records: who, when, and a confirmed over-delivery.

    Each receipt's table keeps its own check that an over-delivery carries its reason.
    """

    over_delivery = models.BooleanField(_("vượt cam kết (đã xác nhận)"), default=False)
    over_delivery_reason = models.CharField(
        _("lý do nhận vượt cam kết"), max_length=255, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người ghi nhận"),
    )
    recorded_at = models.DateTimeField(_("thời điểm ghi nhận"), auto_now_add=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        abstract = True


class CashReceipt(Receipt):
    pledge = models.ForeignKey(
        Pledge,
        on_delete=models.PROTECT,
        related_name="cash_receipts",
        verbose_name=_("cam kết tài trợ"),
    )
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"), validators=[MinValueValidator(1)])
    received_on = models.DateField(_("ngày nhận"))
    account = models.ForeignKey(
        FundAccount, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("tài khoản")
    )
    reference = models.CharField(_("số chứng từ ngân hàng/kho bạc"), max_length=80, unique=True)

    class Meta:
        verbose_name = _("phiếu thu tiền")
        verbose_name_plural = _("phiếu thu tiền")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="cash_receipt_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(over_delivery=False) | ~models.Q(over_delivery_reason=""),
                name="cash_receipt_over_delivery_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.amount}"


class InKindReceipt(Receipt):
    """A delivery of devices against a pledge; the devices enter stock with this source."""

    pledge = models.ForeignKey(
        Pledge,
        on_delete=models.PROTECT,
        related_name="inkind_receipts",
        verbose_name=_("cam kết tài trợ"),
    )
    source = models.OneToOneField(
        DeviceSource,
        on_delete=models.PROTECT,
        related_name="donation_receipt",
        verbose_name=_("nguồn thiết bị"),
    )

    class Meta:
        verbose_name = _("biên bản nhận hiện vật")
        verbose_name_plural = _("biên bản nhận hiện vật")
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(over_delivery=False) | ~models.Q(over_delivery_reason=""),
                name="inkind_receipt_over_delivery_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return str(self.source)


class Spending(models.Model):
    """Cash spent on devices or data packages, linked to what it bought."""

    class Purpose(models.TextChoices):
        DEVICES = "devices", _("Mua thiết bị")
        DATA = "data", _("Mua gói cước")
        OTHER = "other", _("Khác")

    spent_on = models.DateField(_("ngày chi"))
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"), validators=[MinValueValidator(1)])
    account = models.ForeignKey(
        FundAccount,
        on_delete=models.PROTECT,
        related_name="spendings",
        verbose_name=_("tài khoản quỹ"),
    )
    purpose = models.CharField(_("mục đích"), max_length=10, choices=Purpose.choices)
    reference = models.CharField(_("số chứng từ"), max_length=80, unique=True)
    description = models.TextField(_("nội dung"), blank=True)
    purchase = models.OneToOneField(
        DeviceSource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spending",
        verbose_name=_("lô thiết bị mua"),
    )
    receipts: models.ManyToManyField[CashReceipt, SpendingDraw] = models.ManyToManyField(
        CashReceipt,
        through="SpendingDraw",
        blank=True,
        related_name="spendings",
        verbose_name=_("từ khoản thu"),
    )
    subscriptions_count = models.PositiveIntegerField(_("số thuê bao được mua"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người ghi nhận"),
    )
    recorded_at = models.DateTimeField(_("thời điểm ghi nhận"), auto_now_add=True)

    objects = SpendingQuerySet.as_manager()

    class Meta:
        verbose_name = _("khoản chi")
        verbose_name_plural = _("khoản chi")
        ordering = ["-spent_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(purpose="devices") | models.Q(purchase__isnull=False),
                name="spending_devices_has_purchase",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="spending_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.amount}"


class SpendingDraw(models.Model):
    """How much of one cash receipt a spending used, so cash traces to what it bought."""

    spending = models.ForeignKey(
        Spending, on_delete=models.CASCADE, related_name="draws", verbose_name=_("khoản chi")
    )
    receipt = models.ForeignKey(
        CashReceipt, on_delete=models.PROTECT, related_name="draws", verbose_name=_("khoản thu")
    )
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("nguồn tiền của khoản chi")
        verbose_name_plural = _("nguồn tiền của khoản chi")
        constraints = [
            models.UniqueConstraint(fields=["spending", "receipt"], name="draw_once_per_receipt"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="draw_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt.reference} → {self.spending.reference}: {self.amount}"
