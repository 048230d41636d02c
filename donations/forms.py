"""Forms for donations: they validate and normalise, services write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices.models import DeviceSource
from donations.models import CashReceipt, Donor, FundAccount, Spending
from donations.services import normalize_tax_code
from kernel.documents import format_vnd
from kernel.formfields import BoundedIntegerField, MoneyField, model_choice_field
from kernel.identifiers import normalize_contact_phone
from rounds.models import SupportRound
from schools.choices import SupportKind

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from accounts.models import User
    from donations.selectors import ReceiptSpent

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
XLSX_ACCEPT = {"accept": ".xlsx,.xls,.csv"}


class DonorForm(forms.ModelForm):
    # Typed as printed: a branch's "0100109106-001" is 14 characters (stored as 13 digits).
    tax_code = forms.CharField(
        label=_("Mã số thuế"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Điện thoại"),
        max_length=25,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=_("Di động hoặc cố định, ví dụ 0912 345 678, 0214 3840 123."),
    )

    class Meta:
        model = Donor
        fields = [
            "kind",
            "name",
            "tax_code",
            "contact_name",
            "phone",
            "email",
            "address",
            "public_consent",
        ]
        help_texts = {
            "tax_code": _("10 chữ số, hoặc 13 chữ số cho chi nhánh (0100109106-001)."),
            "public_consent": _(
                "Chỉ khi nhà tài trợ đồng ý, tên mới hiện trên trang công khai; "
                "nếu không, số liệu được gộp vào “Nhà tài trợ ẩn danh”."
            ),
        }

    def clean_tax_code(self) -> str:
        try:
            return normalize_tax_code(self.cleaned_data.get("tax_code", ""))
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def clean_phone(self) -> str:
        if not self.cleaned_data.get("phone"):
            return ""
        try:
            return normalize_contact_phone(self.cleaned_data["phone"])
        except ValueError as exc:
            text = str(exc)  # a phrase, as the importers use it: made a sentence here
            raise ValidationError(f"{text[:1].upper()}{text[1:]}.") from exc

    def _post_clean(self) -> None:
        # Uniqueness and the enterprise rule are checked by the service, with clearer messages.
        pass


class PledgeForm(forms.Form):
    pledged_on = forms.DateField(label=_("Ngày cam kết"), widget=DATE_WIDGET)
    cash_amount = MoneyField(
        label=_("Số tiền cam kết (đồng)"), min_value=0, initial=0, required=False
    )
    round = forms.ModelChoiceField(
        label=_("Đợt hỗ trợ"), queryset=SupportRound.objects.none(), required=False
    )
    purpose = forms.CharField(label=_("Mục đích"), max_length=255, required=False)
    note = forms.CharField(
        label=_("Ghi chú"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rounds = SupportRound.objects.visible_to(user).order_by("-starts_on")
        model_choice_field(self, "round").queryset = rounds
        self.fields["pledged_on"].initial = timezone.localdate()

    def clean_cash_amount(self) -> int:
        return self.cleaned_data.get("cash_amount") or 0


class PledgeItemForm(forms.Form):
    # A blank first choice, so the unused extra rows a browser submits stay unchanged (skipped).
    kind = forms.ChoiceField(label=_("Hiện vật"), choices=[("", "---------"), *SupportKind.choices])
    quantity = BoundedIntegerField(label=_("Số lượng"), min_value=1)
    months = forms.IntegerField(
        label=_("Số tháng (gói cước)"), min_value=1, max_value=60, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == SupportKind.DATA and not data.get("months"):
            self.add_error("months", _("Gói cước cần ghi số tháng."))
        return data


class InstalmentForm(forms.Form):
    due_on = forms.DateField(label=_("Hạn nộp"), widget=DATE_WIDGET)
    amount = MoneyField(label=_("Số tiền (đồng)"), min_value=1)


PledgeItemFormSet = forms.formset_factory(PledgeItemForm, extra=3, max_num=10)
InstalmentFormSet = forms.formset_factory(InstalmentForm, extra=4, max_num=24)
# Editing a pledge: its rows can be removed (a "Xóa" box per row).
PledgeItemEditFormSet = forms.formset_factory(PledgeItemForm, extra=2, max_num=10, can_delete=True)
InstalmentEditFormSet = forms.formset_factory(InstalmentForm, extra=2, max_num=24, can_delete=True)


def _own_accounts(form: forms.Form, user: User) -> None:
    """The fund accounts of the user's province to choose from; the only one preselected."""
    field = model_choice_field(form, "account")
    field.queryset = FundAccount.objects.visible_to(user).order_by("name")
    accounts = list(field.queryset.order_by("pk")[:2])
    if len(accounts) == 1:
        field.initial = accounts[0].pk


class OverDeliveryMixin(forms.Form):
    over_delivery = forms.BooleanField(
        label=_("Vượt cam kết: tôi xác nhận nhà tài trợ thực sự giao nhiều hơn số đã cam kết"),
        required=False,
    )
    over_delivery_reason = forms.CharField(
        label=_("Lý do / căn cứ xác nhận vượt cam kết"), max_length=255, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("over_delivery") and not data.get("over_delivery_reason", "").strip():
            self.add_error("over_delivery_reason", _("Ghi lý do xác nhận nhận vượt cam kết."))
        return data


class CashReceiptForm(OverDeliveryMixin, forms.Form):
    amount = MoneyField(label=_("Số tiền (đồng)"), min_value=1)
    received_on = forms.DateField(label=_("Ngày nhận"), widget=DATE_WIDGET)
    account = forms.ModelChoiceField(label=_("Tài khoản quỹ"), queryset=FundAccount.objects.none())
    reference = forms.CharField(label=_("Số chứng từ ngân hàng/kho bạc"), max_length=80)

    field_order = ["amount", "received_on", "account", "reference"]

    def __init__(self, *args: Any, user: User, remaining: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        _own_accounts(self, user)
        if remaining is not None:
            self.fields["amount"].help_text = _("Còn lại theo cam kết: %(r)s") % {
                "r": format_vnd(remaining)
            }
            if remaining > 0:
                self.fields["amount"].initial = remaining


class InKindReceiptForm(OverDeliveryMixin, forms.Form):
    reference = forms.CharField(label=_("Số biên bản giao nhận"), max_length=120)
    received_on = forms.DateField(label=_("Ngày nhận"), widget=DATE_WIDGET)
    delivery_file = forms.FileField(
        label=_("Danh sách thiết bị (.xlsx)"),
        help_text=_(
            "Các cột: Loại thiết bị, Hãng, Model, Số serial, IMEI (bắt buộc với máy tính bảng, "
            "điện thoại), Tình trạng. Chỉ khi mọi dòng hợp lệ thiết bị mới được nhập kho."
        ),
        widget=forms.ClearableFileInput(attrs=XLSX_ACCEPT),
    )
    note = forms.CharField(
        label=_("Ghi chú"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    field_order = ["reference", "received_on", "delivery_file", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class SpendingForm(forms.Form):
    spent_on = forms.DateField(label=_("Ngày chi"), widget=DATE_WIDGET)
    amount = MoneyField(label=_("Số tiền (đồng)"), min_value=1)
    account = forms.ModelChoiceField(label=_("Tài khoản quỹ"), queryset=FundAccount.objects.none())
    reference = forms.CharField(label=_("Số chứng từ chi"), max_length=80)
    purpose = forms.ChoiceField(label=_("Mục đích"), choices=Spending.Purpose.choices)
    description = forms.CharField(
        label=_("Nội dung"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    receipts = forms.ModelMultipleChoiceField(
        label=_("Chi từ các khoản thu"),
        queryset=CashReceipt.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Số tiền được trừ lần lượt từ khoản thu cũ nhất."),
    )
    purchase = forms.ModelChoiceField(
        label=_("Lô thiết bị đã mua (đã nhập kho)"),
        queryset=DeviceSource.objects.none(),
        required=False,
    )
    purchase_file = forms.FileField(
        label=_("… hoặc danh sách thiết bị mua (.xlsx) để nhập kho"),
        required=False,
        widget=forms.ClearableFileInput(attrs=XLSX_ACCEPT),
    )
    subscriptions_count = BoundedIntegerField(
        label=_("Số thuê bao gói cước được mua"), min_value=0, required=False
    )

    def __init__(
        self,
        *args: Any,
        user: User,
        receipts: Sequence[WithAnnotations[CashReceipt, ReceiptSpent]],
        purchases: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["spent_on"].initial = timezone.localdate()
        _own_accounts(self, user)
        field = model_choice_field(self, "receipts")
        field.queryset = CashReceipt.objects.filter(pk__in=[r.pk for r in receipts])
        labels = {
            r.pk: _("%(ref)s – %(donor)s – còn %(left)s")
            % {
                "ref": r.reference,
                "donor": r.pledge.donor,
                "left": format_vnd(r.amount - r.spent),
            }
            for r in receipts
        }
        field.label_from_instance = lambda obj: labels.get(obj.pk, str(obj))  # type: ignore[method-assign]  # per-form labels on the form's own field copy
        model_choice_field(self, "purchase").queryset = purchases

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("purpose") == Spending.Purpose.DEVICES:
            if not data.get("purchase") and not data.get("purchase_file"):
                self.add_error(
                    "purchase", _("Chọn lô thiết bị đã mua hoặc tải lên danh sách thiết bị.")
                )
            if data.get("purchase") and data.get("purchase_file"):
                self.add_error("purchase_file", _("Chọn lô có sẵn hoặc tải tệp, không cả hai."))
        if data.get("purpose") == Spending.Purpose.DATA and not data.get("subscriptions_count"):
            self.add_error("subscriptions_count", _("Ghi số thuê bao gói cước được mua."))
        data["subscriptions_count"] = data.get("subscriptions_count") or 0
        return data
