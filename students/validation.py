"""Normalisers and reference-data lookups shared by the pupil form and the household-list import.

Every function takes one raw value (a form field or a spreadsheet cell) and returns a
clean value or raises ``ValueError`` with a short Vietnamese phrase; the importer adds
row number and column header, the form shows it under the field.  Keeping them here
means a pupil typed in the browser and one imported from Excel obey the same rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from kernel.normalize import (
    AmbiguousUnitName,
    UnitIndex,
    clean_text,
    fold,
    normalize_digits,
    normalize_phone,
    parse_birth_date,
    strip_unit_prefix,
    unit_key,
    was_numeric,
)
from schools.models import Commune, School, Village
from students.models import Ethnicity, HouseholdCategory

__all__ = [
    "Lookups",
    "normalize_guardian_id",
    "normalize_name",
    "normalize_personal_id",
    "normalize_guardian_phone",
    "normalize_pupil_code",
    "parse_birth_date",
    "parse_class",
    "parse_needs",
    "village_key",
]

# Birth-registration province codes (the GSO codes of the 63 provinces before 2025,
# as ``vietnam-provinces`` 0.6.0 lists them): the first three digits of a CCCD.
PROVINCE_CODES = frozenset(
    (1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36)
    + (37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72)
    + (74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96)
)


def normalize_name(value: Any) -> str:
    """A person's name: NFC, single spaces, at most 150 characters, no digits."""
    name = clean_text(value)
    if not name:
        raise ValueError(_("bắt buộc"))
    if len(name) > 150:
        raise ValueError(_("dài quá 150 ký tự"))
    if any(ch.isdigit() for ch in name):
        raise ValueError(_("họ tên không được chứa chữ số"))
    return name


def normalize_pupil_code(value: Any) -> str:
    """Mã định danh học sinh: exactly 10 digits (a numeric cell that lost its leading zero is fixed)."""
    if value.__class__ is str and len(value) == 10 and value.isascii() and value.isdigit():
        return value  # already clean: the common case of a big list
    return normalize_digits(value, length=10)


def _restore_cccd_zeros(value: Any) -> Any:
    """A numeric CCCD that lost one or two leading zeros (province 001–009), padded back.

    Only a number can have lost zeros (a short text is a typing mistake), and only
    when the padded number begins with a real province code.
    """
    if not was_numeric(value) or isinstance(value, float) and not value.is_integer():
        return value
    number = int(value)
    if number < 0:
        return value
    digits = str(number)
    if len(digits) in (10, 11) and int(digits.zfill(12)[:3]) in PROVINCE_CODES:
        return digits.zfill(12)
    return value


def normalize_personal_id(value: Any) -> str:
    """Số định danh cá nhân (CCCD): 12 digits, the first three a birth-registration province.

    Spaces and dots are ignored ("010 123 456 789"); a number that lost its leading
    zeros (1012345678 for 001012345678) gets them back when that gives a province code.
    """
    digits = normalize_digits(_restore_cccd_zeros(value), length=12)
    if int(digits[:3]) not in PROVINCE_CODES:
        raise ValueError(_("ba chữ số đầu không phải mã tỉnh nơi đăng ký khai sinh"))
    return digits


_CLEAN_MOBILE_RE = re.compile(r"0[35789]\d{8}")


def normalize_guardian_phone(value: Any) -> str:
    """Mobile number: 10 digits starting 03/05/07/08/09 ("+84 9xx…" and lost zeros accepted)."""
    if value.__class__ is str and _CLEAN_MOBILE_RE.fullmatch(value):
        return value  # already clean: the common case, skip the general parser
    try:
        return normalize_phone(value)
    except ValueError:
        raise ValueError(_("không hợp lệ")) from None


def normalize_guardian_id(value: Any) -> str:
    """CCCD (12 digits) or an old CMND (9 digits) of the guardian; spaces, dots and lost zeros as for pupils."""
    digits = normalize_digits(_restore_cccd_zeros(value), length=(9, 12))
    if len(digits) == 12 and int(digits[:3]) not in PROVINCE_CODES:
        raise ValueError(_("ba chữ số đầu không phải mã tỉnh nơi đăng ký khai sinh"))
    return digits


# A grade 1–12, then a section: letters with an optional number ("6A", "10A2", "6 A",
# "6-A1") or a number after a separator ("6/1", "6.2", "6-3"), or nothing ("Lớp 6").
# "15A" is no class: grade 1 would be followed by "5A".
_CLASS_RE = re.compile(
    r"^(?:lop\s*)?(?P<grade>1[0-2]|[1-9])"
    r"(?:\s*[/.\-_]?\s*[a-z]{1,2}\d{0,2}|\s*[/.\-_]\s*\d{1,2})?$"
)


def parse_class(value: Any, school: School | None = None) -> tuple[str, int]:
    """ "6C", "Lớp 6C", "6/1", "10A2" -> (class name, grade); the grade must fit the school's level."""
    text = clean_text(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    key = fold(text)
    match = _CLASS_RE.match(key)
    if not match:
        raise ValueError(
            _("lớp “%(v)s” không hợp lệ: cần khối 1–12 và tên lớp, ví dụ 6A, 10A1, 6/1")
            % {"v": text}
        )
    grade = int(match["grade"])
    if school is not None and grade not in school.grades:
        raise ValueError(
            _("khối %(grade)s không có ở %(school)s") % {"grade": grade, "school": school.name}
        )
    name = text
    if key.startswith("lop"):
        name = text[3:].strip()
    return name.upper().replace(" ", "")[:20], grade


# Needs: device kinds and the data package, as lists write them.
_NEED_WORDS: tuple[tuple[str, str], ...] = (
    ("may tinh bang", "tablet"),
    ("mtb", "tablet"),
    ("tablet", "tablet"),
    ("ipad", "tablet"),
    ("may tinh xach tay", "computer"),
    ("may tinh de ban", "computer"),
    ("laptop", "computer"),
    ("may tinh", "computer"),
    ("mt", "computer"),
    ("dien thoai thong minh", "smartphone"),
    ("dien thoai", "smartphone"),
    ("smartphone", "smartphone"),
    ("dtdd", "smartphone"),
    ("goi cuoc du lieu", "data"),
    ("goi cuoc", "data"),
    ("sim 4g", "data"),
    ("sim", "data"),
    ("4g", "data"),
    ("data", "data"),
    ("du lieu", "data"),
    ("internet", "data"),
)
_NEED_SPLIT_RE = re.compile(r"\s*(?:,|;|\+|/|\bva\b|&|\n)\s*")


def parse_needs(value: Any) -> tuple[str, bool]:
    """ "Máy tính bảng, Gói cước" -> ("tablet", True).  Blank: no need."""
    key = fold(value)
    if not key or key in {"khong", "-", "0"}:
        return "", False
    device = ""
    data = False
    for part in _NEED_SPLIT_RE.split(key):
        part = part.strip(" .")
        if not part:
            continue
        kind = next((k for word, k in _NEED_WORDS if part == word), None)
        if kind is None:
            raise ValueError(_("nhu cầu “%(v)s” không thuộc danh mục") % {"v": part})
        if kind == "data":
            data = True
        elif device and device != kind:
            raise ValueError(_("chỉ được chọn một loại thiết bị"))
        else:
            device = kind
    return device, data


def village_key(name: Any) -> str:
    """The matching key ``Village.save()`` stores (accent- and prefix-insensitive)."""
    return fold(strip_unit_prefix(name))


def _split_words(text: str) -> Iterable[str]:
    return (w for w in (part.strip() for part in text.split(",")) if w)


class Lookups:
    """Reference data loaded once per import (or form), matched in memory.

    A handful of queries whatever the number of rows: categories, ethnicities,
    schools and communes of the district(s), and their villages.
    """

    def __init__(self, *, district_ids: Iterable[int] | None = None) -> None:
        self.categories: dict[str, HouseholdCategory] = {}
        for category in HouseholdCategory.objects.filter(is_active=True):
            for word in (category.code, category.name, *_split_words(category.synonyms)):
                self.categories.setdefault(fold(word), category)
                self.categories.setdefault(fold(strip_unit_prefix(word)), category)
        self.ethnicities: dict[str, Ethnicity] = {}
        for ethnicity in Ethnicity.objects.all():
            for word in (ethnicity.name, *_split_words(ethnicity.aliases)):
                self.ethnicities.setdefault(_ethnic_key(word), ethnicity)
        schools = School.objects.select_related("district", "commune")
        communes = Commune.objects.all()
        if district_ids is not None:
            ids = list(district_ids)
            schools = schools.filter(district_id__in=ids)
            communes = communes.filter(district_id__in=ids)
        self.schools_by_code: dict[str, School] = {}
        self.schools_by_name: dict[str, list[School]] = {}
        for school in schools:
            self.schools_by_code[school.code] = school
            self.schools_by_name.setdefault(unit_key(school.name), []).append(school)
        self.communes: dict[tuple[int | None, str], Commune] = {}
        self.commune_names: UnitIndex[Commune] = UnitIndex()
        commune_ids: list[int] = []
        for commune in communes:
            self.communes[(commune.district_id, unit_key(commune.name))] = commune
            self.commune_names.add(commune.district_id, commune.name, commune)
            commune_ids.append(commune.pk)
        self.villages: dict[tuple[int, str], Village] = {}
        self.village_names: UnitIndex[Village] = UnitIndex()
        for village in Village.objects.filter(commune_id__in=commune_ids):
            self.villages[(village.commune_id, village.key)] = village
            self.village_names.add(village.commune_id, village.name, village)

    def category(self, value: Any) -> HouseholdCategory:
        found = self.categories.get(fold(value)) or self.categories.get(
            fold(strip_unit_prefix(value))
        )
        if found is None:
            raise ValueError(_("không thuộc danh mục"))
        return found

    def ethnicity(self, value: Any) -> Ethnicity:
        found = self.ethnicities.get(_ethnic_key(value))
        if found is None:
            raise ValueError(_("không thuộc danh mục 54 dân tộc"))
        return found

    def school(self, value: Any) -> School:
        """A school of the loaded district(s) by code or by name (accent/prefix-insensitive)."""
        text = clean_text(value)
        if isinstance(value, float) and value.is_integer():
            text = f"{int(value):08d}"
        by_code = self.schools_by_code.get(text)
        if by_code is not None:
            return by_code
        if text.isdigit() and len(text) == 7:  # a code that lost its leading zero
            by_code = self.schools_by_code.get("0" + text)
            if by_code is not None:
                return by_code
        matches = self.schools_by_name.get(unit_key(text), [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ValueError(_("có nhiều trường trùng tên; hãy ghi mã trường"))
        raise ValueError(_("không tìm thấy trường “%(v)s” trong huyện") % {"v": text})

    def school_in_title(self, lines: Iterable[str]) -> School | None:
        """The school a list's title block names ("TRƯỜNG PTDTBT THCS TÂN TIẾN"), if any."""
        for line in lines:
            code = re.search(r"\b(\d{8})\b", line)
            if code and code.group(1) in self.schools_by_code:
                return self.schools_by_code[code.group(1)]
            key = unit_key(line)
            if not fold(line).startswith("truong"):
                continue
            matches = self.schools_by_name.get(key, [])
            if len(matches) == 1:
                return matches[0]
        return None

    def commune(self, district_id: int, value: Any) -> Commune:
        """The commune of the district a cell names: exact spelling first (see ``UnitIndex``)."""
        try:
            found = self.commune_names.find(district_id, value)
        except AmbiguousUnitName as exc:
            raise ValueError(
                _("“%(v)s” có thể là %(names)s: hãy ghi đúng tên có dấu")
                % {"v": clean_text(value), "names": ", ".join(exc.names)}
            ) from None
        if found is None:
            raise ValueError(_("không tìm thấy “%(v)s” trong huyện") % {"v": clean_text(value)})
        return found

    def commune_in_title(self, district_id: int, lines: Iterable[str]) -> Commune | None:
        """The commune a commune-level list names in its title block ("UBND XÃ BẢN LẦU")."""
        for line in lines:
            match = _COMMUNE_TITLE_RE.match(fold(line))
            if match is None:
                continue
            # Keep the line's own spelling (tone marks) after the People's Committee words.
            name = clean_text(line).split(" ")[match["skip"].count(" ") + 1 :]
            try:
                return self.commune(district_id, " ".join(name))
            except ValueError:
                continue
        return None

    def village(self, commune_id: int, name: str, key: str) -> Village | None:
        """The registered village of the commune a cell names (``key``: its ``village_key``).

        Exact spelling first (see ``UnitIndex``); then the stored matching key, which
        also finds the villages this import created.  Two villages differing by a
        tone mark cannot both exist (one key per commune), so no ambiguity is left.
        """
        try:
            found = self.village_names.find(commune_id, name)
        except AmbiguousUnitName:
            found = None
        return found or self.villages.get((commune_id, key))


# "UBND XÃ BẢN LẦU", "ỦY BAN NHÂN DÂN PHƯỜNG SA PẢ", "UBND THỊ TRẤN PHỐ RÀNG" (folded):
# ``skip`` is the People's Committee words, before the commune's own name with its prefix.
_COMMUNE_TITLE_RE = re.compile(
    r"^(?P<skip>ubnd|u\.b\.n\.d|uy ban nhan dan)\s+(?:xa|phuong|thi tran)\s+\S"
)


def _ethnic_key(value: Any) -> str:
    # "H'Mông", "Hmông", "H Mông", "Mông" -> "hmong"/"mong": drop punctuation and spaces.
    return re.sub(r"[^a-z0-9]", "", fold(value))


def birth_date(value: Any, *, today: dt.date | None = None) -> dt.date:
    """Date of birth in d/m/y (any padding, "-" or "." separators), a real date or an Excel serial."""
    return parse_birth_date(value, today=today)
