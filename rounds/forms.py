"""Forms for rounds; they validate and normalise, services write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.formfields import INT_MAX, int_limit_error
from rounds.models import SupportRound
from schools.choices import SupportKind


class RoundForm(forms.ModelForm):
    offers = forms.MultipleChoiceField(
        label=_("Hình thức hỗ trợ"),
        choices=SupportKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Loại thiết bị và gói cước mà đợt này hỗ trợ."),
    )

    class Meta:
        model = SupportRound
        fields = [
            "name",
            "school_year",
            "starts_on",
            "ends_on",
            "closes_on",
            "offers",
            "requires_province_confirmation",
            "description",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.by_communes:
            # A round of the commune chain: its committees (or the Sở) decide, no district.
            self.fields["closes_on"].help_text = _(
                "UBND xã (hoặc Sở với trường THPT, GDTX) và Sở duyệt, xác nhận đến hết ngày "
                "này; sau đó đợt tự động đóng. Để trống: 30 ngày sau hạn đề xuất."
            )
            self.fields["requires_province_confirmation"].label = _(
                "Sở phải xác nhận sau khi UBND xã (hoặc Sở với trường THPT, GDTX) duyệt"
            )

    def clean_school_year(self) -> str:
        value = self.cleaned_data["school_year"].strip().replace("–", "-").replace(" ", "")
        parts = value.split("-")
        if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts):
            raise forms.ValidationError(_("Năm học viết dạng 2021-2022."))
        if int(parts[1]) != int(parts[0]) + 1:
            raise forms.ValidationError(_("Năm học gồm hai năm liên tiếp, ví dụ 2021-2022."))
        return value

    def clean(self):
        super().clean()
        data = self.cleaned_data
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("Hạn đề xuất phải sau ngày bắt đầu."))
        closes = data.get("closes_on")
        if ends and closes and closes < ends:
            self.add_error("closes_on", _("Ngày kết thúc đợt không được trước hạn đề xuất."))
        return data


class ReasonForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Lý do / ghi chú"), required=False, widget=forms.Textarea)


class UnlockForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do mở khóa"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )


def parse_version(data) -> int | None:
    """The list version the page showed; missing or garbled counts as stale (0)."""
    raw = data.get("version", "")
    return int(raw) if str(raw).isdigit() else 0


def parse_ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


def parse_amount_grid(data, prefix: str) -> tuple[dict[tuple[int, str], int], list[str]]:
    """``{prefix}_<id>_<kind>`` inputs as {(id, kind): amount}; blank cells are skipped."""
    amounts: dict[tuple[int, str], int] = {}
    errors: list[str] = []
    kinds = set(SupportKind.values)
    for key, raw in data.items():
        if not key.startswith(prefix + "_"):
            continue
        _p, _sep, rest = key.partition("_")
        unit, _sep, kind = rest.partition("_")
        if not unit.isdigit() or kind not in kinds:
            continue
        raw = str(raw).strip().replace(".", "")
        if raw == "":
            continue
        if not raw.isdigit():
            errors.append(str(_("Chỉ tiêu phải là số nguyên không âm.")))
            continue
        if len(raw) > 10 or int(raw) > INT_MAX:
            label = _("Chỉ tiêu %(kind)s") % {"kind": SupportKind(kind).label.lower()}
            errors.append(str(int_limit_error(label, INT_MAX)))
            continue
        amounts[(int(unit), kind)] = int(raw)
    return amounts, errors


class ExtensionForm(forms.Form):
    """Gia hạn đề xuất: for whom (the round, a district, a school), until when, and why."""

    target = forms.ChoiceField(label=_("Gia hạn cho"))
    until = forms.DateField(
        label=_("Hạn đề xuất mới"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Lý do gia hạn"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, targets: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = targets
