"""Forms of the pupil registry; they normalise with the SAME functions as the import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from kernel.formfields import model_choice_field
from kernel.normalize import clean_text
from kernel.spreadsheets import Table
from schools.choices import DeviceNeed
from schools.models import Commune, School
from students import integrity, validation
from students.importers import COLUMNS
from students.models import Ethnicity, HouseholdCategory, Student
from students.selectors import communes_for
from students.services import StudentData


def _clean_with(fn, value: Any, *, required: bool = False) -> Any:
    """Run a shared normaliser; its ``ValueError`` becomes the field's message."""
    if value in (None, ""):
        if required:
            raise forms.ValidationError(_("Trường này là bắt buộc."))
        return ""
    try:
        return fn(value)
    except ValueError as exc:
        raise forms.ValidationError(str(exc).capitalize()) from None


# The fields an approval locks (the eligibility and identity the district decided on).
LOCKED_WHEN_APPROVED = (
    "full_name",
    "date_of_birth",
    "personal_id",
    "category",
    "household_code",
    "has_device",
    "need_device",
    "need_data",
)


class StudentForm(forms.Form):
    """Create or edit one pupil and their household."""

    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    date_of_birth = forms.CharField(
        label=_("Ngày sinh"), max_length=20, help_text=_("Ngày/tháng/năm, ví dụ 05/07/2012")
    )
    gender = forms.ChoiceField(label=_("Giới tính"), choices=Student.Gender.choices)
    ethnicity = forms.ModelChoiceField(
        label=_("Dân tộc"), queryset=Ethnicity.objects.all(), required=False
    )
    school = forms.ModelChoiceField(label=_("Trường"), queryset=School.objects.none())
    class_name = forms.CharField(label=_("Lớp"), max_length=20, help_text=_("Ví dụ 6A"))
    pupil_code = forms.CharField(
        label=_("Mã định danh học sinh"), max_length=20, help_text=_("10 chữ số")
    )
    personal_id = forms.CharField(
        label=_("Số định danh cá nhân (CCCD)"), max_length=20, required=False
    )
    category = forms.ModelChoiceField(
        label=_("Diện hộ"), queryset=HouseholdCategory.objects.filter(is_active=True)
    )
    household_code = forms.CharField(
        label=_("Số GCN hộ nghèo / mã hộ"),
        max_length=80,
        required=False,
        help_text=_("Anh chị em cùng hộ dùng chung một mã hộ."),
    )
    commune: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Xã/phường cư trú"), queryset=Commune.objects.none()
    )
    village_name = forms.CharField(label=_("Thôn/bản"), max_length=150, required=False)
    guardian_name = forms.CharField(
        label=_("Họ tên cha/mẹ/người giám hộ"), max_length=150, required=False
    )
    guardian_relation = forms.CharField(label=_("Quan hệ"), max_length=40, required=False)
    guardian_phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    guardian_id_number = forms.CharField(
        label=_("CCCD/CMND người giám hộ"), max_length=20, required=False
    )
    has_device = forms.BooleanField(label=_("Đã có thiết bị học tập"), required=False)
    need_device = forms.ChoiceField(
        label=_("Nhu cầu thiết bị"), choices=DeviceNeed.choices, required=False
    )
    need_data = forms.BooleanField(label=_("Cần gói cước dữ liệu"), required=False)
    status = forms.ChoiceField(label=_("Trạng thái"), choices=Student.Status.choices)
    notes = forms.CharField(label=_("Ghi chú"), widget=forms.Textarea, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    # Checkboxes that appear only once the service has warned about what they confirm.
    CONFIRMATIONS = {
        integrity.POSSIBLE_DUPLICATE: (
            "confirm_duplicate",
            _("Tôi đã kiểm tra, đây không phải học sinh trùng"),
        ),
        integrity.SHARED_HOUSEHOLD: (
            "confirm_shared_household",
            _("Xác nhận ghép vào hộ của trường khác"),
        ),
    }

    def __init__(self, *args: Any, user: User, student: Student | None = None, **kwargs: Any):
        if student is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_for(student)
        super().__init__(*args, **kwargs)
        self.user = user
        self.student = student
        if student is None:
            del self.fields["version"]
        for name, label in self.CONFIRMATIONS.values():
            if self.is_bound and name in self.data:
                self.fields[name] = forms.BooleanField(label=label, required=False)
        model_choice_field(self, "school").queryset = School.objects.visible_to(user).order_by(
            "name"
        )
        model_choice_field(self, "commune").queryset = communes_for(user)
        if user.scope.is_school:
            self.fields["school"].initial = user.school_id
            self.fields["school"].disabled = True
            if student is None and user.school is not None:
                self.fields["commune"].initial = user.school.commune_id
        if student is not None:
            self.fields["pupil_code"].disabled = True
        self.locked_fields: tuple[str, ...] = ()
        if student is not None and student.eligibility_locked:
            # Shown read-only with the reason, not refused after saving: a disabled field
            # keeps its stored value whatever is posted, so the rest of the form still saves.
            self.locked_fields = LOCKED_WHEN_APPROVED
            for name in self.locked_fields:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Đã khóa: học sinh đã được duyệt hỗ trợ.")

    def ask_confirmation(self, code: str, message: str) -> bool:
        """Show the checkbox that confirms a service warning; False for other errors."""
        if code not in self.CONFIRMATIONS:
            return False
        name, label = self.CONFIRMATIONS[code]
        self.fields[name] = forms.BooleanField(label=label, required=False)
        self.add_error(None, message)
        return True

    def clean_full_name(self) -> str:
        return _clean_with(validation.normalize_name, self.cleaned_data["full_name"], required=True)

    def clean_date_of_birth(self):
        return _clean_with(validation.birth_date, self.cleaned_data["date_of_birth"], required=True)

    def clean_pupil_code(self) -> str:
        return _clean_with(
            validation.normalize_pupil_code, self.cleaned_data["pupil_code"], required=True
        )

    def clean_personal_id(self) -> str:
        return _clean_with(validation.normalize_personal_id, self.cleaned_data["personal_id"])

    def clean_guardian_phone(self) -> str:
        return _clean_with(validation.normalize_guardian_phone, self.cleaned_data["guardian_phone"])

    def clean_guardian_id_number(self) -> str:
        return _clean_with(
            validation.normalize_guardian_id, self.cleaned_data["guardian_id_number"]
        )

    def clean_guardian_name(self) -> str:
        value = self.cleaned_data["guardian_name"]
        return _clean_with(validation.normalize_name, value) if value else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        school = cleaned.get("school")
        class_name = cleaned.get("class_name")
        if school is not None and class_name:
            try:
                cleaned["class_name"], cleaned["grade"] = validation.parse_class(class_name, school)
            except ValueError as exc:
                self.add_error("class_name", str(exc).capitalize())
        commune = cleaned.get("commune")
        if school is not None and commune is not None and commune.district_id != school.district_id:
            self.add_error("commune", _("Xã/phường phải thuộc huyện của trường."))
        return cleaned

    def to_data(self) -> StudentData:
        c = self.cleaned_data
        return StudentData(
            full_name=c["full_name"],
            date_of_birth=c["date_of_birth"],
            gender=c["gender"],
            ethnicity=c["ethnicity"],
            school=c["school"],
            class_name=c["class_name"],
            grade=c["grade"],
            pupil_code=c["pupil_code"],
            personal_id=c["personal_id"],
            category=c["category"],
            household_code=clean_text(c["household_code"]),
            commune=c["commune"],
            village_name=clean_text(c["village_name"]),
            guardian_name=c["guardian_name"],
            guardian_relation=clean_text(c["guardian_relation"]),
            guardian_phone=c["guardian_phone"],
            guardian_id_number=c["guardian_id_number"],
            has_device=c["has_device"],
            need_device=c["need_device"] or "",
            need_data=c["need_data"],
            notes=c["notes"].strip(),
            status=c["status"],
            confirm_duplicate=bool(c.get("confirm_duplicate")),
            confirm_shared_household=bool(c.get("confirm_shared_household")),
            version=c.get("version"),
        )


def initial_for(student: Student) -> dict[str, Any]:
    household = student.household
    return {
        "full_name": student.full_name,
        "date_of_birth": student.date_of_birth.strftime("%d/%m/%Y"),
        "gender": student.gender,
        "ethnicity": student.ethnicity_id,
        "school": student.school_id,
        "class_name": student.class_name,
        "pupil_code": student.pupil_code,
        "personal_id": student.personal_id,
        "category": household.category_id,
        "household_code": household.code,
        "commune": student.commune_id,
        "village_name": student.village.name if student.village is not None else "",
        "guardian_name": household.guardian_name,
        "guardian_relation": household.guardian_relation,
        "guardian_phone": household.guardian_phone,
        "guardian_id_number": household.guardian_id_number,
        "has_device": student.has_device,
        "need_device": student.need_device,
        "need_data": student.need_data,
        "status": student.status,
        "notes": student.notes,
        "version": student.version,
    }


class UploadForm(forms.Form):
    """Step 1 of an import: the file (and, for district users, the school if the file has none)."""

    ALLOWED_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".csv", ".ods")

    file = forms.FileField(
        label=_("Tệp danh sách (.xlsx, .xls, .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.xls,.csv,.ods"}),
    )
    school = forms.ModelChoiceField(
        label=_("Trường"),
        queryset=School.objects.none(),
        required=False,
        help_text=_("Bỏ trống nếu tệp có cột “Trường”/“Mã trường” hoặc ghi tên trường ở đầu tệp."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if user.scope.is_school:
            del self.fields["school"]
        else:
            model_choice_field(self, "school").queryset = School.objects.visible_to(user).order_by(
                "name"
            )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith(self.ALLOWED_EXTENSIONS):
            raise forms.ValidationError(_("Chỉ nhận tệp .xlsx, .xls hoặc .csv."))
        limit = settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(
                _("Tệp vượt quá giới hạn %(size)s MB.") % {"size": settings.IMPORT_MAX_UPLOAD_MB}
            )
        return upload


class MappingForm(forms.Form):
    """Step 2: which spreadsheet column holds which field (detected, correctable)."""

    def __init__(self, *args: Any, table: Table, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.table = table
        from openpyxl.utils import get_column_letter

        options = [("", _("— không có —"))] + [
            (str(col), f"{get_column_letter(col + 1)}: {text}")
            for col, text in sorted(table.headers.items())
        ]
        for spec in COLUMNS:
            current = table.mapping.get(spec.field)
            # The class may come from "Lớp 6A" section headings, or from sheets named
            # after their class ("6A"), instead of a column.
            required = spec.required and not (
                spec.from_section and (table.has_sections or table.sheet_class)
            )
            self.fields[spec.field] = forms.ChoiceField(
                label=spec.label + (" *" if required else ""),
                choices=options,
                required=required,
                initial="" if current is None else str(current),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        used: dict[str, str] = {}
        for spec in COLUMNS:
            value = cleaned.get(spec.field)
            if not value:
                continue
            if value in used:
                self.add_error(
                    spec.field,
                    _("Cột này đã được chọn cho “%(other)s”.") % {"other": used[value]},
                )
            used[value] = spec.label
        return cleaned

    def mapping(self) -> dict[str, int]:
        return {name: int(value) for name, value in self.cleaned_data.items() if value}


class ConfirmForm(forms.Form):
    skip_invalid = forms.BooleanField(
        label=_("Chỉ nhập các dòng hợp lệ (bỏ qua các dòng có lỗi)"), required=False
    )
    confirm_duplicates = forms.BooleanField(
        label=_("Tôi đã kiểm tra các học sinh có thể trùng"), required=False
    )

    def __init__(self, *args: Any, warnings: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not warnings:
            del self.fields["confirm_duplicates"]
