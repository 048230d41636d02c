"""First-run checklist items of the places: units, schools, school sites."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from kernel.setup_checks import SetupItem, register
from schools.models import Commune, District, Province, School, SchoolSite


@register(10)
def units_loaded() -> SetupItem:
    provinces, districts = Province.objects.count(), District.objects.count()
    communes = Commune.objects.count()
    return SetupItem(
        label=_("Đơn vị hành chính (tỉnh, huyện, xã) đã được nạp"),
        done=bool(provinces and communes),
        detail=_("%(p)d tỉnh, %(d)d đơn vị cấp huyện, %(c)d xã/phường")
        % {"p": provinces, "d": districts, "c": communes},
        url=reverse("admin:schools_commune_changelist"),
        how="manage.py load_units",
    )


@register(20)
def schools_imported() -> SetupItem:
    count = School.objects.count()
    return SetupItem(
        label=_("Danh sách trường đã được nhập"),
        done=count > 0,
        detail=_("%(n)d trường") % {"n": count},
        url=reverse("admin:schools_school_changelist"),
        how="manage.py import_schools truong.xlsx",
    )


@register(30)
def school_sites() -> SetupItem:
    count = SchoolSite.objects.count()
    return SetupItem(
        label=_("Điểm trường đã được khai báo (cần cho điểm phủ sóng và nơi nhận thiết bị)"),
        done=count > 0,
        detail=_("%(n)d điểm trường") % {"n": count},
        url=reverse("admin:schools_schoolsite_changelist"),
    )
