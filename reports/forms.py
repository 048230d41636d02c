"""Forms for reports: the on-demand report period and the outreach log."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import OutreachActivity


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReportPeriodForm(forms.Form):
    period_start = forms.DateField(label=_("Từ ngày"), widget=DateInput())
    period_end = forms.DateField(label=_("Đến ngày"), widget=DateInput())

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, end = data.get("period_start"), data.get("period_end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("“Đến ngày” phải sau “Từ ngày”."))
            if (end - start).days > 366:
                raise forms.ValidationError(_("Một kỳ báo cáo không dài quá một năm."))
            if end > dt.date.today() + dt.timedelta(days=1):
                raise forms.ValidationError(_("Kỳ báo cáo chưa kết thúc."))
        return data


class OutreachForm(forms.ModelForm):
    link = forms.URLField(label=_("Đường dẫn"), required=False, assume_scheme="https")

    class Meta:
        model = OutreachActivity
        fields = ["held_on", "channel", "title", "link"]
        widgets = {"held_on": DateInput()}
