from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Activation, User
from accounts.selectors import awaiting_activation_by_email
from accounts.services import ActivationError, activation_for_code, issue_activation
from schools.models import District


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Tên đăng nhập"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng."),
        "inactive": _("Tài khoản này đã bị khóa."),
    }


class AccountImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel danh sách tài khoản (.xlsx)"))
    dry_run = forms.BooleanField(label=_("Chỉ kiểm tra, chưa ghi"), required=False, initial=True)


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Mã xác thực"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=_("6 chữ số trong ứng dụng xác thực, hoặc một mã dự phòng."),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split()).lower()


class ReconfirmForm(forms.Form):
    """The password and a current code again, before the second factor is changed."""

    ACTIONS = (("replace", _("Đổi điện thoại")), ("codes", _("Tạo lại mã dự phòng")))

    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    password = forms.CharField(
        label=_("Mật khẩu hiện tại"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    token = forms.CharField(
        label=_("Mã xác thực hiện tại"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("6 chữ số trong ứng dụng trên điện thoại đang dùng, hoặc một mã dự phòng."),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split()).lower()


class _NewPasswordFields(forms.Form):
    """The new password twice, checked by AUTH_PASSWORD_VALIDATORS against ``self.user``."""

    user: User | None = None

    new_password1 = forms.CharField(
        label=_("Mật khẩu mới"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    new_password2 = forms.CharField(
        label=_("Nhập lại mật khẩu mới"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def _check_passwords(self) -> None:
        first = self.cleaned_data.get("new_password1")
        second = self.cleaned_data.get("new_password2")
        if not first or not second:
            return
        if first != second:
            self.add_error("new_password2", _("Hai mật khẩu không giống nhau."))
            return
        try:
            password_validation.validate_password(second, self.user)
        except ValidationError as exc:
            self.add_error("new_password2", exc)


class ActivationLinkForm(_NewPasswordFields):
    """The first password of an account whose e-mailed link was opened."""

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._check_passwords()
        return cleaned


class ActivationCodeForm(_NewPasswordFields):
    """Username and the printed activation code, then the first password."""

    username = forms.CharField(
        label=_("Tên đăng nhập"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    code = forms.CharField(
        label=_("Mã kích hoạt"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        help_text=_("Mã trên phiếu do Sở GD&ĐT hoặc quản trị viên cấp, ví dụ K7QMX-3RT9P."),
    )
    field_order = ["username", "code", "new_password1", "new_password2"]

    activation: Activation | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        username, code = cleaned.get("username"), cleaned.get("code")
        if not username or not code:
            return cleaned
        try:
            self.activation = activation_for_code(username, code)
        except ActivationError as exc:
            raise ValidationError(str(exc)) from exc
        self.user = self.activation.user
        self._check_passwords()
        return cleaned


class ActivationSheetForm(forms.Form):
    """Which accounts awaiting activation get a printed code: a district, a school, or all."""

    district = forms.ModelChoiceField(
        label=_("Huyện"), queryset=District.objects.none(), required=False
    )
    school = forms.CharField(label=_("Mã trường"), max_length=20, required=False)

    def __init__(self, *args: Any, districts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["district"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = districts
        field.empty_label = _("Tất cả các huyện")


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset, plus an activation e-mail for an account that was never activated.

    Django sends nothing to an account without a usable password; such an account is one
    created without a password that has not been activated yet, so its owner gets a new
    activation link instead (the earlier link or code stops working).
    """

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        for user in awaiting_activation_by_email(self.cleaned_data["email"]):
            issue_activation(actor=None, user=user, channel=Activation.Channel.EMAIL)
