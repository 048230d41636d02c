from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


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
