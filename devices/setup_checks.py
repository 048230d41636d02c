"""First-run checklist item of devices: the data-package catalogue."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from devices.models import DataPackage
from kernel.setup_checks import SetupItem, register


@register(60)
def data_packages() -> SetupItem:
    count = DataPackage.objects.filter(is_active=True).count()
    return SetupItem(
        label=_("Danh mục gói cước (cần trước khi cấp gói cước cho học sinh)"),
        done=count > 0,
        detail=_("%(n)d gói cước đang cung cấp") % {"n": count},
        url=reverse("admin:devices_datapackage_changelist"),
    )
