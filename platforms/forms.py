"""Forms for the platform catalogue and pupils' platform accounts.

A platform account names a login, never a password: the account form has no password
field and refuses a submission carrying anything that looks like one (a field named
so, or a login or note that spells one out), so that nothing of it is stored.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.formfields import model_choice_field
from kernel.normalize import fold
from platforms.models import LearningPlatform

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EARLIEST_SET_UP = dt.date(2020, 1, 1)

# Field names a browser extension, a copied form or a hand-made request might post.
_PASSWORD_FIELD = re.compile(r"pass|pwd|mat_?khau|matkhau|secret|\bmk\b", re.IGNORECASE)
# Written out in a login or a note ("mật khẩu: 123456", "pw=abc", "user / pass").
_PASSWORD_TEXT = re.compile(
    r"mat\s*khau|password|passwd|pass\s*word|\bpass\b|\bpwd\b|\bpw\b|\bmk\s*[:=]", re.IGNORECASE
)
LOGIN_NAME = re.compile(r"^[\w.@+-]{3,80}$")


def looks_like_password(text: str) -> bool:
    """Whether ``text`` speaks of a password (accents and case ignored)."""
    return bool(_PASSWORD_TEXT.search(fold(text)))


class LearningPlatformForm(forms.ModelForm):
    url = forms.URLField(label=_("Địa chỉ"), max_length=200, assume_scheme="https")

    class Meta:
        model = LearningPlatform
        fields = ("name", "url", "operator", "kind", "is_active")
        labels = {
            "name": _("Tên nền tảng"),
            "url": _("Địa chỉ"),
            "operator": _("Đơn vị vận hành"),
            "kind": _("Loại"),
            "is_active": _("Đang sử dụng"),
        }

    def clean_name(self) -> str:
        return " ".join(unicodedata.normalize("NFC", self.cleaned_data["name"]).split())

    def clean_operator(self) -> str:
        return " ".join(unicodedata.normalize("NFC", self.cleaned_data["operator"]).split())


class PlatformAccountForm(forms.Form):
    platform = forms.ModelChoiceField(label=_("Nền tảng"), queryset=LearningPlatform.objects.none())
    login_name = forms.CharField(
        label=_("Tên đăng nhập"),
        max_length=80,
        help_text=_("Chỉ ghi tên đăng nhập. Không ghi mật khẩu vào cổng thông tin."),
    )
    set_up_on = forms.DateField(
        label=_("Ngày tạo tài khoản"), widget=DATE_INPUT, initial=timezone.localdate
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = model_choice_field(self, "platform")
        field.queryset = LearningPlatform.objects.filter(is_active=True).order_by("name")

    def clean_login_name(self) -> str:
        value = " ".join(unicodedata.normalize("NFC", self.cleaned_data["login_name"]).split())
        if looks_like_password(value) or " " in value:
            raise forms.ValidationError(
                _("Chỉ ghi tên đăng nhập (không dấu cách), không ghi mật khẩu.")
            )
        if not LOGIN_NAME.match(value):
            raise forms.ValidationError(
                _("Tên đăng nhập gồm 3–80 ký tự: chữ, số và các dấu . _ - @ +, không dấu cách.")
            )
        return value

    def clean_set_up_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["set_up_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Ngày tạo tài khoản không được sau hôm nay."))
        if value < EARLIEST_SET_UP:
            raise forms.ValidationError(_("Ngày tạo tài khoản không được trước năm 2020."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The form has no password field: a posted one means a copied or hand-made form.
        # Nothing is stored, and the value is never echoed back.
        posted = [name for name in self.data if _PASSWORD_FIELD.search(name)]
        if posted:
            raise forms.ValidationError(
                _(
                    "Biểu mẫu có trường mật khẩu (%(fields)s): cổng thông tin không lưu mật "
                    "khẩu. Không có gì được ghi; hãy chỉ nhập tên đăng nhập."
                )
                % {"fields": ", ".join(sorted(posted))}
            )
        return data


class DeactivateAccountForm(forms.Form):
    reason = forms.CharField(label=_("Lý do ngừng"), max_length=200)

    def clean_reason(self) -> str:
        value = " ".join(self.cleaned_data["reason"].split())
        if looks_like_password(value):
            raise forms.ValidationError(_("Không ghi mật khẩu vào lý do."))
        return value
