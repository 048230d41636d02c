"""Forms of the registry of units and schools."""

from django import forms
from django.utils.translation import gettext_lazy as _


class InterimChangeImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel các lần sắp xếp xã (.xlsx)"))
    dry_run = forms.BooleanField(label=_("Chỉ kiểm tra, chưa ghi"), required=False, initial=True)
