"""Forms for coverage points, signal reports, plans and survey uploads."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from coverage.models import CarrierSignal, CoveragePlan, CoveragePoint, Technology
from kernel.formfields import choice_field, model_choice_field
from schools.choices import Carrier
from schools.models import Commune, District, School, SchoolSite, Village

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _VillageChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Village) -> str:
        return f"{obj.name} – {obj.commune.name}"


class PointForm(forms.Form):
    """A new point; which of school / site / village is needed depends on the kind."""

    kind = forms.ChoiceField(label=_("Loại điểm"), choices=CoveragePoint.Kind.choices)
    school = forms.ModelChoiceField(
        label=_("Trường"), queryset=School.objects.none(), required=False
    )
    site = forms.ModelChoiceField(
        label=_("Điểm trường"), queryset=SchoolSite.objects.none(), required=False
    )
    village = _VillageChoice(
        label=_("Thôn/bản đã có"), queryset=Village.objects.none(), required=False
    )
    commune = forms.ModelChoiceField(
        label=_("Hoặc: xã của thôn/bản mới"), queryset=Commune.objects.none(), required=False
    )
    village_name = forms.CharField(label=_("Tên thôn/bản mới"), max_length=150, required=False)
    name = forms.CharField(
        label=_("Tên điểm"),
        max_length=200,
        required=False,
        help_text=_("Để trống: dùng tên trường, điểm trường hoặc thôn/bản."),
    )
    latitude = forms.FloatField(
        label=_("Vĩ độ"),
        required=False,
        help_text=_("Để trống với trường/điểm trường: dùng tọa độ đã có."),
    )
    longitude = forms.FloatField(label=_("Kinh độ"), required=False)
    on_ministry_list = forms.BooleanField(label=_("Thuộc danh sách của Bộ TT&TT"), required=False)
    notes = forms.CharField(label=_("Ghi chú"), widget=forms.Textarea, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schools = School.objects.visible_to(user).filter(is_active=True)
        model_choice_field(self, "school").queryset = schools.order_by("district__code", "name")
        model_choice_field(self, "site").queryset = (
            SchoolSite.objects.filter(school__in=schools)
            .select_related("school")
            .order_by("school__name", "name")
        )
        communes = Commune.objects.filter(district__in=District.objects.visible_to(user))
        model_choice_field(self, "commune").queryset = communes.order_by("district__code", "name")
        model_choice_field(self, "village").queryset = (
            Village.objects.filter(commune__in=communes)
            .select_related("commune")
            .order_by("commune__name", "name")
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if kind == CoveragePoint.Kind.SCHOOL and not data.get("school"):
            self.add_error("school", _("Chọn trường."))
        if kind == CoveragePoint.Kind.SITE and not data.get("site"):
            self.add_error("site", _("Chọn điểm trường."))
        if kind == CoveragePoint.Kind.VILLAGE and not data.get("village"):
            if not (data.get("commune") and (data.get("village_name") or "").strip()):
                self.add_error("village", _("Chọn thôn/bản, hoặc nhập xã và tên thôn/bản mới."))
            if data.get("latitude") is None or data.get("longitude") is None:
                self.add_error("latitude", _("Nhập tọa độ trung tâm thôn/bản."))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", _("Nhập cả vĩ độ và kinh độ."))
        return data


class PointEditForm(forms.ModelForm):
    class Meta:
        model = CoveragePoint
        fields = ["name", "village", "latitude", "longitude", "on_ministry_list", "notes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        point: CoveragePoint = self.instance
        if point.kind == CoveragePoint.Kind.SCHOOL:
            self.fields["village"] = _VillageChoice(
                label=_("Thôn/bản nơi trường đứng"),
                queryset=Village.objects.filter(commune_id=point.commune_id).select_related(
                    "commune"
                ),
                required=False,
                help_text=_("Dùng để đếm học sinh cần hỗ trợ sống quanh trường."),
            )
        else:
            del self.fields["village"]


class SignalForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Nhà mạng"), choices=Carrier.choices)
    technology = forms.TypedChoiceField(
        label=_("Công nghệ tốt nhất đo được"), choices=Technology.choices, coerce=int
    )
    measured_on = forms.DateField(label=_("Ngày đo"), widget=DATE_INPUT)
    source = forms.ChoiceField(label=_("Nguồn"), choices=CarrierSignal.Source.choices)

    def __init__(self, *args: Any, school_report: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("measured_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        if school_report:
            del self.fields["source"]


class SchoolReportForm(forms.Form):
    """A school reports the signal at itself or one of its sites."""

    target = forms.ChoiceField(label=_("Nơi đo"))
    carrier = forms.ChoiceField(label=_("Nhà mạng"), choices=Carrier.choices)
    technology = forms.TypedChoiceField(
        label=_("Công nghệ tốt nhất đo được"), choices=Technology.choices, coerce=int
    )
    measured_on = forms.DateField(label=_("Ngày đo"), widget=DATE_INPUT)

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("measured_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.school = school
        self.sites = {str(s.pk): s for s in school.sites.all()}
        target = choice_field(self, "target")
        target.choices = [("school", school.name)] + [
            (f"site:{pk}", site.name) for pk, site in self.sites.items()
        ]

    def target_objects(self) -> dict[str, Any]:
        target = self.cleaned_data["target"]
        if target.startswith("site:"):
            return {"site": self.sites[target.split(":", 1)[1]]}
        return {"school": self.school}


class PlanForm(forms.ModelForm):
    note = forms.CharField(
        label=_("Ghi chú tiến độ"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bắt buộc: mỗi lần lập hoặc cập nhật kế hoạch ghi một dòng tiến độ."),
    )

    class Meta:
        model = CoveragePlan
        fields = ["carrier", "target_date", "solution", "stage"]
        widgets = {"target_date": DATE_INPUT}


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Ghi chú tiến độ"), widget=forms.Textarea(attrs={"rows": 3}))


class SurveyUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp khảo sát (.xlsx)"),
        help_text=_(
            "Các cột: Loại điểm, Tên điểm, Mã trường, Huyện, Xã, Thôn/bản, Vĩ độ, Kinh độ, "
            "Viettel, VNPT, MobiFone (4G/3G/2G/Không), Nguồn, Ngày đo, Danh sách Bộ (x/Có)."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(
                _("Tệp vượt quá giới hạn %(mb)s MB.") % {"mb": settings.IMPORT_MAX_UPLOAD_MB}
            )
        return upload
