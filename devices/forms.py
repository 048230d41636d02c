"""Forms for devices and data packages: they validate and normalise, services write."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from devices.models import (
    Allocation,
    DataPackage,
    Device,
    DeviceSource,
    SubscriptionProblem,
)
from devices.validators import IMEI_TYPES, normalize_iccid, normalize_imei, normalize_serial
from kernel.formfields import model_choice_field
from kernel.normalize import normalize_phone
from schools.choices import Carrier, DeviceType

if TYPE_CHECKING:
    from accounts.models import User
    from schools.models import Commune, District, School
    from students.models import Student

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _clean_with(fn, value: Any) -> Any:
    try:
        return fn(value)
    except ValueError as exc:
        message = str(exc)
        raise forms.ValidationError(message[:1].upper() + message[1:]) from None


class DeviceSourceForm(forms.ModelForm):
    class Meta:
        model = DeviceSource
        fields = ["kind", "reference", "received_on", "note"]
        widgets = {"received_on": DATE_INPUT, "note": forms.Textarea(attrs={"rows": 2})}


class SourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: DeviceSource) -> str:
        return f"{obj} – {obj.received_on:%d/%m/%Y}"


class _ScopedSources:
    """The sources offered are the user's province's (``DeviceSource.visible_to``)."""

    fields: dict[str, Any]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["device_source"].queryset = DeviceSource.objects.visible_to(user)


class ReceiveDeviceForm(_ScopedSources, forms.Form):
    device_source = SourceChoiceField(
        label=_("Nguồn thiết bị"), queryset=DeviceSource.objects.none()
    )
    device_type = forms.ChoiceField(label=_("Loại thiết bị"), choices=DeviceType.choices)
    make = forms.CharField(label=_("Hãng"), max_length=60)
    model_name = forms.CharField(label=_("Model"), max_length=120)
    serial_number = forms.CharField(label=_("Số serial"), max_length=80)
    imei = forms.CharField(
        label=_("IMEI"),
        max_length=30,
        required=False,
        help_text=_("15 chữ số; bắt buộc với máy tính bảng và điện thoại."),
    )
    condition = forms.ChoiceField(
        label=_("Tình trạng"), choices=Device.Condition.choices, initial=Device.Condition.NEW
    )

    def clean_serial_number(self) -> str:
        return _clean_with(normalize_serial, self.cleaned_data["serial_number"])

    def clean_imei(self) -> str:
        value = self.cleaned_data["imei"]
        return _clean_with(normalize_imei, value) if value.strip() else ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("device_type") in IMEI_TYPES
            and not data.get("imei")
            and "imei" not in self.errors
        ):
            self.add_error("imei", _("Máy tính bảng và điện thoại phải có IMEI."))
        return data


class DeviceImportForm(_ScopedSources, forms.Form):
    device_source = SourceChoiceField(
        label=_("Nguồn thiết bị"), queryset=DeviceSource.objects.none()
    )
    file = forms.FileField(
        label=_("Danh sách giao nhận (.xlsx)"),
        help_text=_("Các cột: Loại thiết bị, Hãng, Model, Số serial, IMEI, Tình trạng."),
    )


class StatusImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp trạng thái của nhà mạng (.xlsx)"),
        help_text=_(
            "Cột Số thuê bao hoặc ICCID, và cột Trạng thái (hoạt động, tạm ngưng, hết hạn)."
        ),
    )


class DeviceMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Device) -> str:
        return f"{obj.get_device_type_display()} {obj.make} {obj.model_name} – {obj.serial_number}"


class TransferForm(forms.Form):
    """Province → district (``to_district``) or district → school (``to_school``)."""

    # Querysets are set per user in __init__.
    to_district: forms.ModelChoiceField[District] = forms.ModelChoiceField(
        label=_("Chuyển đến Phòng GD&ĐT"), queryset=None, required=False
    )
    to_commune: forms.ModelChoiceField[Commune] = forms.ModelChoiceField(
        label=_("Chuyển đến UBND xã/phường"), queryset=None, required=False
    )
    to_school: forms.ModelChoiceField[School] = forms.ModelChoiceField(
        label=_("Chuyển đến trường"), queryset=None, required=False
    )
    device_type = forms.ChoiceField(
        label=_("Gửi theo số lượng: loại thiết bị"),
        choices=[("", "---------"), *DeviceType.choices],
        required=False,
    )
    quantity = forms.IntegerField(
        label=_("Số lượng"),
        min_value=1,
        max_value=5000,
        required=False,
        help_text=_("Hoặc chọn từng thiết bị theo số serial ở danh sách dưới."),
    )
    devices = DeviceMultipleChoiceField(
        label=_("Thiết bị"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, stock, districts=None, communes=None, schools=None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.stock = stock
        model_choice_field(self, "devices").queryset = stock
        if districts is not None:
            # The province: a district office (before 1/7/2025) or a commune committee.
            model_choice_field(self, "to_district").queryset = districts
            del self.fields["to_school"]
            if communes is not None and communes.exists():
                model_choice_field(self, "to_commune").queryset = communes
            else:
                del self.fields["to_commune"]
                self.fields["to_district"].required = True
        else:
            model_choice_field(self, "to_school").queryset = schools
            self.fields["to_school"].required = True
            del self.fields["to_district"]
            del self.fields["to_commune"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "to_commune" in self.fields and bool(data.get("to_district")) == bool(
            data.get("to_commune")
        ):
            raise forms.ValidationError(
                _("Chọn một nơi nhận: một Phòng GD&ĐT hoặc một UBND xã/phường.")
            )
        chosen = list(data.get("devices") or [])
        quantity, device_type = data.get("quantity"), data.get("device_type")
        if quantity or device_type:
            if chosen:
                raise forms.ValidationError(
                    _("Chọn thiết bị theo số serial hoặc theo số lượng, không chọn cả hai.")
                )
            if not (quantity and device_type):
                raise forms.ValidationError(
                    _("Gửi theo số lượng cần cả loại thiết bị và số lượng.")
                )
            # Oldest deliveries leave first.
            chosen = list(self.stock.filter(device_type=device_type).order_by("pk")[:quantity])
            if len(chosen) < quantity:
                self.add_error(
                    "quantity",
                    _("Kho chỉ còn %(n)s thiết bị loại này.") % {"n": len(chosen)},
                )
        elif not chosen:
            raise forms.ValidationError(_("Chọn ít nhất một thiết bị để điều chuyển."))
        data["devices"] = chosen
        return data


class AllocateForm(forms.Form):
    device: forms.ModelChoiceField[Device] = forms.ModelChoiceField(
        label=_("Thiết bị trong kho trường"), queryset=None
    )
    terms = forms.ChoiceField(
        label=_("Hình thức"), choices=Allocation.Terms.choices, initial=Allocation.Terms.GIFT
    )
    loan_until = forms.DateField(label=_("Mượn đến ngày"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, devices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = model_choice_field(self, "device")
        field.queryset = devices
        field.label_from_instance = lambda obj: (  # type: ignore[method-assign]  # per-form labels on the form's own field copy
            f"{obj.get_device_type_display()} {obj.make} {obj.model_name} – {obj.serial_number}"
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("terms") == Allocation.Terms.LOAN and not data.get("loan_until"):
            self.add_error("loan_until", _("Cho mượn phải có ngày hết hạn mượn."))
        return data


class HandoverForm(forms.Form):
    handover_date = forms.DateField(
        label=_("Ngày bàn giao"), widget=DATE_INPUT, initial=timezone.localdate
    )
    scan = forms.FileField(label=_("Biên bản đã ký (bản quét PDF, JPEG hoặc PNG)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Formatted per request, in the reader's language (a class attribute would be
        # formatted once, at import, in the default language).
        self.fields["scan"].help_text = gettext("Tối đa %(n)s MB.") % {
            "n": settings.SCAN_MAX_UPLOAD_MB
        }


class ReturnForm(forms.Form):
    returned_on = forms.DateField(
        label=_("Ngày thu hồi"), widget=DATE_INPUT, initial=timezone.localdate
    )
    reason = forms.ChoiceField(label=_("Lý do"), choices=Allocation.ReturnReason.choices)
    condition = forms.ChoiceField(
        label=_("Tình trạng khi thu hồi"), choices=Allocation.ReturnCondition.choices
    )
    note = forms.CharField(
        label=_("Ghi chú"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc khi thiết bị bị mất."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("condition") == Allocation.ReturnCondition.LOST
            and not data.get("note", "").strip()
        ):
            self.add_error("note", _("Thiết bị bị mất: hãy ghi rõ hoàn cảnh."))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Lý do hủy"), max_length=300)


def package_label(package: DataPackage) -> str:
    """A package as it is chosen: with the learning platforms it reaches free of charge."""
    platforms = [p.name for p in package.zero_rated_platforms.all() if p.is_active]
    if not platforms:
        return str(package)
    return gettext("%(package)s – miễn phí dữ liệu khi học trên %(platforms)s") % {
        "package": package,
        "platforms": ", ".join(platforms),
    }


class SubscriptionForm(forms.Form):
    student: forms.ModelChoiceField[Student] = forms.ModelChoiceField(
        label=_("Học sinh được duyệt gói cước"), queryset=None
    )
    carrier = forms.ChoiceField(label=_("Nhà mạng"), choices=Carrier.choices)
    package = forms.ModelChoiceField(
        label=_("Gói cước"), queryset=DataPackage.objects.filter(is_active=True)
    )
    phone = forms.CharField(label=_("Số thuê bao"), max_length=20)
    iccid = forms.CharField(label=_("Số ICCID (in trên SIM)"), max_length=25, required=False)
    starts_on = forms.DateField(
        label=_("Ngày bắt đầu"), widget=DATE_INPUT, initial=timezone.localdate
    )

    def __init__(self, *args: Any, students, signal_warning: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = model_choice_field(self, "student")
        field.queryset = students
        self.signal_warning = signal_warning
        if signal_warning:
            # Shown with the warning, before saving: ticking it is the one acknowledgment.
            self.fields["confirm_signal"] = forms.BooleanField(
                label=_("Tôi đã biết thôn của học sinh thiếu sóng, vẫn đăng ký gói cước"),
                required=False,
            )
        field.label_from_instance = lambda obj: f"{obj.full_name} – {obj.class_name}"  # type: ignore[method-assign]  # per-form labels on the form's own field copy
        packages = model_choice_field(self, "package")
        packages.queryset = DataPackage.objects.filter(is_active=True).prefetch_related(
            "zero_rated_platforms"
        )
        packages.label_from_instance = package_label  # type: ignore[method-assign,assignment]  # per-form labels on the form's own field copy

    def clean_phone(self) -> str:
        return _clean_with(normalize_phone, self.cleaned_data["phone"])

    def clean_iccid(self) -> str:
        value = self.cleaned_data["iccid"]
        return _clean_with(normalize_iccid, value) if value.strip() else ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        package = data.get("package")
        if package is not None and data.get("carrier") and package.carrier != data["carrier"]:
            self.add_error("package", _("Gói cước này không thuộc nhà mạng đã chọn."))
        starts_on = data.get("starts_on")
        if starts_on and starts_on > timezone.localdate() + dt.timedelta(days=60):
            self.add_error("starts_on", _("Ngày bắt đầu quá xa."))
        if self.signal_warning and not data.get("confirm_signal"):
            self.add_error("confirm_signal", _("Hãy xác nhận đã biết cảnh báo về sóng."))
        return data


class ProblemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Sự cố"), choices=SubscriptionProblem.Kind.choices)
    description = forms.CharField(
        label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("Cách xử lý"), widget=forms.Textarea(attrs={"rows": 2}))
