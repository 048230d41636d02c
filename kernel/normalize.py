"""Pure value normalisers shared by every spreadsheet import.

Each function takes one raw cell value (as python-calamine, csv or a form gives it:
``str``, ``float``, ``int``, ``bool``, ``date``, ``datetime`` or ``None``) and either
returns a clean value or raises ``ValueError`` whose message is a short,
translatable Vietnamese phrase.  Importers attach the row number and column header
(see ``kernel.importing.RowValidator``), so messages here never repeat them.

See "Data conventions" in the project's domain notes for why each rule exists.
"""

# size: the cell normalisers (text, unit names, dates, IDs, phones, legacy encodings)
#   share the folding and pattern tables at its top

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Collection
from typing import Any

from django.utils.translation import gettext as _

__all__ = [
    "AmbiguousUnitName",
    "DateParts",
    "UnitIndex",
    "YearOnlyError",
    "clean_text",
    "decode_legacy_vietnamese",
    "excel_serial_to_date",
    "fold",
    "is_blank",
    "looks_like_tcvn3",
    "normalize_digits",
    "normalize_phone",
    "parse_birth_date",
    "parse_bool_vi",
    "parse_date",
    "parse_date_parts",
    "parse_gender",
    "strip_unit_prefix",
    "unit_key",
    "was_numeric",
]

# Any run of whitespace, including NBSP (U+00A0), narrow NBSP, zero-width space and
# BOM, which survive copy/paste from Word and web pages into Excel.
_WHITESPACE_RE = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")


def is_blank(value: Any) -> bool:
    """True for ``None``, NaN and strings that are empty once cleaned."""
    return clean_text(value) == ""


def clean_text(value: Any) -> str:
    """Return ``value`` as NFC text with all whitespace collapsed to single spaces.

    ``None`` and float NaN (pandas/calamine "no value") become ``""``.  Integral
    floats are *not* reformatted here: use the numeric normalisers for IDs/phones.
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    text = value if value.__class__ is str else str(value)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    # Printable text has no whitespace but " " (tabs, NBSP, zero-width spaces are not
    # printable): with no double or edge space there is nothing to collapse.  Most
    # cells of a 100,000-row list take this path.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return _WHITESPACE_RE.sub(" ", text).strip()


def fold(value: Any) -> str:
    """Accent- and case-insensitive matching key: ``"Giàng Seo Phủ"`` -> ``"giang seo phu"``.

    "Đ/đ" has no Unicode decomposition, so it is mapped to "d" explicitly.
    """
    text = clean_text(value).lower()
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "d")
    return _WHITESPACE_RE.sub(" ", stripped).strip()


# --------------------------------------------------------------------------- units

# Folded prefixes, longest first so "thi xa" wins over a hypothetical "thi".
_UNIT_PREFIXES: tuple[tuple[str, ...], ...] = tuple(
    sorted(
        (
            ("tinh",),
            ("thanh", "pho"),
            ("tp",),
            ("huyen",),
            ("thi", "xa"),
            ("quan",),
            ("xa",),
            ("phuong",),
            ("thi", "tran"),
            ("tt",),
            ("thon",),
            ("ban",),
            ("to", "dan", "pho"),
            ("to",),
            ("khu", "pho"),
            ("khu",),
            ("lang",),
            ("xom",),
            ("truong",),
        ),
        key=len,
        reverse=True,
    )
)
# Prefixes that name a village by number ("Tổ 5", "Khu 2", "Xóm 3"): the number alone
# is no name, so these keep their prefix ("Tổ 5" and "Khu 5" are two places).
_NUMBERED_PREFIXES = {("to",), ("khu", "pho"), ("khu",), ("lang",), ("xom",)}
_NUMBER_NAME_RE = re.compile(r"^(?:\d+[a-z]?|[ivxl]+)$", re.IGNORECASE)
# "TP.Lào Cai" / "TT.Phố Ràng": abbreviation glued to the name by a dot.
_GLUED_ABBREVIATION_RE = re.compile(r"^(tp|tt)\.(?=\S)", re.IGNORECASE)


def strip_unit_prefix(name: Any) -> str:
    """Remove one leading administrative prefix ("Huyện", "Xã", "TP.", "Thôn", ...).

    Matching is case- and accent-insensitive ("HUYỆN", "huyen") and only whole
    words count ("Bảnh" keeps its first word).  Only one prefix is removed, because
    some names themselves start with a prefix word ("Thôn Bản Phố" -> "Bản Phố");
    a name that *is* such a word plus the rest ("Bản Lầu" commune) is found by
    ``UnitIndex``, which also tries the name unstripped.  School-type prefixes
    ("THCS", "PTDTBT") are kept: they distinguish schools sharing a commune name.
    A bare prefix with nothing after it, and "Tổ 5"/"Khu 2" (a number is no
    name), are returned unchanged.
    """
    text = clean_text(name)
    glued = _GLUED_ABBREVIATION_RE.match(text)
    if glued:
        return text[glued.end() :].strip()
    words = text.split(" ")
    folded = [fold(word).rstrip(".") for word in words]
    for prefix in _UNIT_PREFIXES:
        n = len(prefix)
        if len(words) > n and tuple(folded[:n]) == prefix:
            rest = " ".join(words[n:]).lstrip(".:- ").strip()
            if prefix in _NUMBERED_PREFIXES and _NUMBER_NAME_RE.match(rest):
                return text
            return rest
    return text


def unit_key(name: Any) -> str:
    """Matching key for administrative units: "Huyện Bảo Yên", "bảo yên", "BAO YEN" -> "bao yen"."""
    return fold(strip_unit_prefix(name))


def _exact_key(name: Any) -> str:
    # Case-insensitive, tone marks kept: "XÃ BẢN LẦU" -> "xã bản lầu".
    return clean_text(name).lower().rstrip(".")


def _name_forms(name: Any) -> list[str]:
    """The name as written, then without its one prefix word (if it has one)."""
    text = clean_text(name)
    stripped = strip_unit_prefix(text)
    return [text, stripped] if stripped and stripped != text else [text]


class AmbiguousUnitName(ValueError):
    """A name that fits several units once accents are ignored (or several of the same spelling)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


class UnitIndex[T]:
    """Finds a unit (district, commune, village) of a group by the name a list gives it.

    Two real communes can differ by a tone mark only ("Phường Sa Pa" and "Phường
    Sa Pả" in Sa Pa town), so the exact spelling (any case, tone marks kept) is
    tried first, and the accent-folded spelling only when exactly one unit of the
    group has it.  In each spelling the whole name is tried first, then the name
    with or without one prefix word: "Bản Lầu" finds "Xã Bản Lầu" although "Bản"
    is also a village prefix, and "Bản Phố" prefers the village "Bản Phố" to "Thôn
    Bản Phố".  ``group`` scopes the names (a district id for communes, a commune id
    for villages).
    """

    def __init__(self) -> None:
        # (exact?, whole name?) -> (group, key) -> {entry number: (name, item)}
        self._tiers: dict[tuple[bool, bool], dict[tuple[Any, str], dict[int, tuple[str, T]]]] = {
            tier: {} for tier in ((True, True), (True, False), (False, True), (False, False))
        }
        self._count = 0

    def add(self, group: Any, name: str, item: T) -> None:
        self._count += 1
        entry = (clean_text(name), item)
        forms = _name_forms(name)
        for exact in (True, False):
            key_of = _exact_key if exact else fold
            self._tiers[exact, True].setdefault((group, key_of(forms[0])), {})[self._count] = entry
            for form in forms:
                self._tiers[exact, False].setdefault((group, key_of(form)), {})[self._count] = entry

    def find(self, group: Any, value: Any) -> T | None:
        """The unit ``value`` names in ``group``; None when none; ``AmbiguousUnitName`` when several."""
        forms = _name_forms(value)
        for (exact, whole), index in self._tiers.items():
            key_of = _exact_key if exact else fold
            for form in forms[:1] if whole else forms:
                found = index.get((group, key_of(form)))
                if not found:
                    continue
                items = list({id(item): (name, item) for name, item in found.values()}.values())
                if len(items) == 1:
                    return items[0][1]
                raise AmbiguousUnitName(sorted(name for name, _item in items))
        return None


# --------------------------------------------------------------------------- dates

# Excel's 1900 date system counts 1900-02-29, a day that never existed (a Lotus
# 1-2-3 compatibility bug): serial 60 is that phantom day, serials above it are
# offset from 1899-12-30 and serials below it from 1899-12-31.
_EXCEL_EPOCH_AFTER_BUG = dt.date(1899, 12, 30)
_EXCEL_EPOCH_BEFORE_BUG = dt.date(1899, 12, 31)
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31

_DMY_RE = re.compile(
    r"^(?P<d>\d{1,2})\s*[/\-. ]\s*(?P<m>\d{1,2})\s*[/\-. ]\s*(?P<y>\d{4}|\d{2})"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_ISO_RE = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_SERIAL_TEXT_RE = re.compile(r"^\d{1,7}(?:\.\d+)?$")
# "ngày 5 tháng 7 năm 2012", "Sinh ngày 05 tháng 07 năm 2012" (folded).
_WORDY_RE = re.compile(
    r"^(?:sinh\s+)?ngay\s*(?P<d>\d{1,2})\s*,?\s*thang\s*(?P<m>\d{1,2})\s*,?\s*nam\s*(?P<y>\d{4}|\d{2})$"
)
# "2010", "năm 2010" (folded): a year alone.
_YEAR_ONLY_RE = re.compile(r"^(?:nam\s*)?(?P<y>\d{4})(?:\.0+)?$")
_YEARS = range(1900, 2101)


class YearOnlyError(ValueError):
    """A date cell holding only a year (the text "2010" or the number 2010)."""

    def __init__(self) -> None:
        super().__init__(_("chỉ có năm, cần đủ ngày/tháng/năm"))


def _nonexistent_date() -> ValueError:
    return ValueError(_("ngày không tồn tại"))


def _bad_date_format() -> ValueError:
    return ValueError(_("không đúng định dạng ngày/tháng/năm"))


def excel_serial_to_date(serial: float) -> dt.date:
    """Convert an Excel (1900 date system) serial number to a date; time of day is dropped."""
    if math.isnan(serial) or serial < 1 or serial >= _EXCEL_MAX_SERIAL + 1:
        raise _bad_date_format()
    days = int(serial)
    if days == 60:
        raise _nonexistent_date()
    epoch = _EXCEL_EPOCH_AFTER_BUG if days > 60 else _EXCEL_EPOCH_BEFORE_BUG
    return epoch + dt.timedelta(days=days)


def _expand_two_digit_year(year: int, today: dt.date | None = None) -> int:
    # "05/07/12" is 2012 for pupils; a year later than this year's two digits is
    # taken as the previous century (parents' and staff birth dates).
    current = (today or dt.date.today()).year
    century, current_two = divmod(current, 100)
    return (century * 100 + year) if year <= current_two else ((century - 1) * 100 + year)


def _build_date(year: int, month: int, day: int) -> dt.date:
    if not (1 <= month <= 12) or not (1 <= day <= 31):
        raise _bad_date_format()
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _nonexistent_date() from None


def parse_date(value: Any, *, today: dt.date | None = None) -> dt.date:
    """Parse a day/month/year cell into a ``date``.

    Accepts ``date``/``datetime`` objects, Excel serial numbers (int, float, or
    text such as ``"39999"``), ``d/m/y`` text with 1-2 digit day and month,
    separators ``/ - .`` or space and a 2- or 4-digit year, and ISO ``yyyy-mm-dd``.
    ``today`` only matters for 2-digit years (pass a fixed date in tests).

    Raises ``ValueError("ngày không tồn tại")`` for impossible dates such as
    30/02/2012 and ``ValueError("không đúng định dạng ngày/tháng/năm")`` otherwise.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):  # bool is an int subclass, but True is no date
        raise _bad_date_format()
    if isinstance(value, int | float):
        if float(value).is_integer() and int(value) in _YEARS:
            # The number 2010 is a year typed alone, not the Excel serial of 2 July 1905.
            raise YearOnlyError()
        return excel_serial_to_date(float(value))
    text = clean_text(value)
    if not text:
        raise _bad_date_format()
    year_only = _YEAR_ONLY_RE.match(fold(text)) if len(text) <= 12 else None
    if year_only and int(year_only["y"]) in _YEARS:
        raise YearOnlyError()
    if _SERIAL_TEXT_RE.match(text) and len(text.split(".")[0]) >= 4:
        # A date column exported as text keeps the serial ("39999"); short digit
        # runs ("12") are more likely typos than 1900 dates, so they are refused.
        return excel_serial_to_date(float(text))
    match = _ISO_RE.match(text)
    if match:
        return _build_date(int(match["y"]), int(match["m"]), int(match["d"]))
    match = _DMY_RE.match(text) or _WORDY_RE.match(fold(text))
    if match:
        year = int(match["y"])
        if len(match["y"]) == 2:
            year = _expand_two_digit_year(year, today)
        return _build_date(year, int(match["m"]), int(match["d"]))
    raise _bad_date_format()


def _part_number(value: Any) -> int | None:
    """A day, month or year cell as a number (5, 5.0, "05", " 5 "); None when blank."""
    if isinstance(value, bool):
        raise _bad_date_format()
    if isinstance(value, int | float):
        if isinstance(value, float) and (math.isnan(value) or not value.is_integer()):
            raise _bad_date_format()
        return int(value)
    text = clean_text(value).removesuffix(".0")
    if not text:
        return None
    if not text.isdigit() or not text.isascii():
        raise _bad_date_format()
    return int(text)


class DateParts(tuple):
    """(day, month, year) cells of a split date, as a row gives them."""

    __slots__ = ()


def parse_date_parts(day: Any, month: Any, year: Any, *, today: dt.date | None = None) -> dt.date:
    """A date spread over three cells ("Ngày | Tháng | Năm" under a merged "Ngày sinh").

    All three blank raises ``ValueError("bắt buộc")``; a year without day and month
    raises ``YearOnlyError``.
    """
    d, m, y = _part_number(day), _part_number(month), _part_number(year)
    if d is None and m is None and y is None:
        raise ValueError(_("bắt buộc"))
    if y is not None and d is None and m is None:
        raise YearOnlyError()
    if d is None or m is None or y is None:
        raise ValueError(_("thiếu ngày, tháng hoặc năm"))
    if y < 100:
        y = _expand_two_digit_year(y, today)
    if y not in _YEARS:
        raise _bad_date_format()
    return _build_date(y, m, d)


def parse_birth_date(value: Any, *, today: dt.date | None = None) -> dt.date:
    """``parse_date`` (or ``parse_date_parts`` for ``DateParts``) that also refuses dates
    after ``today`` ("ngày sinh ở tương lai") and names a year alone as such."""
    today = today or dt.date.today()
    try:
        if value.__class__ is DateParts:
            born = parse_date_parts(*value, today=today)
        else:
            born = parse_date(value, today=today)
    except YearOnlyError:
        raise ValueError(_("chỉ có năm sinh, cần đủ ngày/tháng/năm")) from None
    if born > today:
        raise ValueError(_("ngày sinh ở tương lai"))
    return born


# ------------------------------------------------------------------ numbers / IDs


def was_numeric(value: Any) -> bool:
    """True when the cell held a number (Excel stored it as such), not text.

    Only numeric cells can have lost a leading zero to Excel, so only they get it
    restored; a text cell one digit short is a typing mistake and must be reported.
    """
    return isinstance(value, int | float) and not isinstance(value, bool)


def _integral_digits(value: float | int) -> str:
    # Floats hold integers exactly up to 2**53 (16 digits), enough for any ID; going
    # through int() avoids "3.08246281e+08" and "308246281.0" artefacts.
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value) or not value.is_integer() or value < 0:
            raise ValueError(_("không phải là một dãy chữ số"))
        return str(int(value))
    if value < 0:
        raise ValueError(_("không phải là một dãy chữ số"))
    return str(value)


def normalize_digits(
    value: Any,
    *,
    length: int | Collection[int],
    restore_leading_zero: bool = True,
    label: str = "",
) -> str:
    """Normalise an identifier made only of digits (personal ID, pupil ID, ...).

    ``length`` is the required number of digits, or a collection of accepted
    lengths (e.g. ``(9, 12)`` for old CMND and CCCD numbers).  Spaces, dots and a
    leading apostrophe are ignored.  When the cell was numeric (see
    ``was_numeric``) and is exactly one digit short, the leading zero Excel dropped
    is restored.  ``label``, if given, starts the error message.
    """
    lengths = (length,) if isinstance(length, int) else tuple(sorted(length))
    if was_numeric(value):
        try:
            digits = _integral_digits(value)
        except ValueError:
            digits = ""  # 3.5 or -1 are not IDs: reported as the length error below
        numeric = True
    else:
        digits = re.sub(r"[\s.\-]", "", clean_text(value)).lstrip("'")
        numeric = False
    if not digits.isdigit() or not digits.isascii():
        digits = ""
    if numeric and restore_leading_zero and (len(digits) + 1) in lengths:
        digits = "0" + digits
    if len(digits) not in lengths:
        expected = " hoặc ".join(str(n) for n in lengths)
        message = _("phải gồm đúng %(length)s chữ số") % {"length": expected}
        raise ValueError(f"{label} {message}" if label else message)
    return digits


_MOBILE_RE = re.compile(r"^0[35789]\d{8}$")


def normalize_phone(value: Any) -> str:
    """Normalise a Vietnamese mobile number to 10 digits starting 03/05/07/08/09.

    Accepts "+84 912 345 678", "84912345678", "0912.345.678", "0912-345-678" and
    numbers that lost their leading zero in Excel (912345678 or 912345678.0).
    """
    invalid = ValueError(_("số điện thoại không hợp lệ"))
    if was_numeric(value):
        try:
            digits = _integral_digits(value)
        except ValueError:
            raise invalid from None
    else:
        text = clean_text(value).lstrip("'")
        if not re.fullmatch(r"[\d\s.\-()+]+", text):
            raise invalid
        digits = re.sub(r"\D", "", text)
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    elif len(digits) == 9 and not digits.startswith("0"):
        # Also accepted from text cells: a CSV saved from a sheet that already
        # dropped the zero.  The 03/05/07/08/09 check below keeps this unambiguous.
        digits = "0" + digits
    if not _MOBILE_RE.match(digits):
        raise invalid
    return digits


# ------------------------------------------------------------------ small choices

_GENDER = {
    "nam": "M",
    "trai": "M",
    "m": "M",
    "male": "M",
    "nu": "F",
    "gai": "F",
    "f": "F",
    "female": "F",
}


def parse_gender(value: Any) -> str:
    """Return ``"M"`` or ``"F"`` from "Nam", "Nữ", "NỮ", "Nu", "male", "female", ...

    Layouts with one "x" column per gender are resolved by the importer, which
    knows which column the "x" is in.
    """
    key = fold(value)
    if key in _GENDER:
        return _GENDER[key]
    raise ValueError(_("giới tính phải là Nam hoặc Nữ"))


_TRUE = {"co", "x", "1", "yes", "y", "true", "dung", "v", "\u2713", "\u2714"}
_FALSE = {"", "khong", "0", "no", "n", "false", "sai", "-"}


def parse_bool_vi(value: Any) -> bool:
    """Yes/no cell: "Có", "x", "1", "yes" -> True; "Không", "0", "no", blank -> False.

    A blank cell means "not ticked" in these lists, hence False.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        if value in (0, 1):
            return bool(value)
        raise ValueError(_("phải là Có hoặc Không"))
    key = fold(value)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(_("phải là Có hoặc Không"))


# --------------------------------------------------------------- legacy encodings

# TCVN 5712:1993 VN3 ("ABC", fonts .VnTime/.VnArial), as the bytes appear once
# Excel or Python decoded them as cp1252/latin-1.  VN3 has precomposed lowercase
# letters only; apart from Ă Â Ê Ô Ơ Ư Đ, capitals were typed with the ".VnTimeH"
# fonts, which draw the lowercase code points as capitals.
_TCVN3_TO_UNICODE: dict[str, str] = {
    "\xa1": "Ă", "\xa2": "Â", "\xa3": "Ê", "\xa4": "Ô", "\xa5": "Ơ", "\xa6": "Ư", "\xa7": "Đ",
    "\xa8": "ă", "\xa9": "â", "\xaa": "ê", "\xab": "ô", "\xac": "ơ", "\xad": "ư", "\xae": "đ",
    "\xb5": "à", "\xb6": "ả", "\xb7": "ã", "\xb8": "á", "\xb9": "ạ",
    "\xbb": "ằ", "\xbc": "ẳ", "\xbd": "ẵ", "\xbe": "ắ", "\xc6": "ặ",
    "\xc7": "ầ", "\xc8": "ẩ", "\xc9": "ẫ", "\xca": "ấ", "\xcb": "ậ",
    "\xcc": "è", "\xce": "ẻ", "\xcf": "ẽ", "\xd0": "é", "\xd1": "ẹ",
    "\xd2": "ề", "\xd3": "ể", "\xd4": "ễ", "\xd5": "ế", "\xd6": "ệ",
    "\xd7": "ì", "\xd8": "ỉ", "\xdc": "ĩ", "\xdd": "í", "\xde": "ị",
    "\xdf": "ò", "\xe1": "ỏ", "\xe2": "õ", "\xe3": "ó", "\xe4": "ọ",
    "\xe5": "ồ", "\xe6": "ổ", "\xe7": "ỗ", "\xe8": "ố", "\xe9": "ộ",
    "\xea": "ờ", "\xeb": "ở", "\xec": "ỡ", "\xed": "ớ", "\xee": "ợ",
    "\xef": "ù", "\xf1": "ủ", "\xf2": "ũ", "\xf3": "ú", "\xf4": "ụ",
    "\xf5": "ừ", "\xf6": "ử", "\xf7": "ữ", "\xf8": "ứ", "\xf9": "ự",
    "\xfa": "ỳ", "\xfb": "ỷ", "\xfc": "ỹ", "\xfd": "ý", "\xfe": "ỵ",
}  # fmt: skip

# Latin-1 letters that real Unicode Vietnamese uses; seeing only these proves
# nothing, since "Lê Mai" is valid Unicode and also valid TCVN3 bytes.
_UNICODE_VI_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_TCVN3_STRONG = set(_TCVN3_TO_UNICODE) - _UNICODE_VI_LATIN1
# Code points that only Unicode Vietnamese has (Ă ă Đ đ Ĩ ĩ Ũ ũ Ơ ơ Ư ư, the
# Latin Extended Additional block, combining tone marks).
_UNICODE_VI_ONLY_RE = re.compile(
    "[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0"
    "\u1ea0-\u1ef9\u0300-\u0303\u0309\u0323]"
)
_TOKEN_RE = re.compile(r"[A-Za-z\xa1-\xff]+")
# Shape of one Vietnamese syllable once folded: onset, vowel cluster, coda.
_SYLLABLE_RE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?$"
)


def _convert_tcvn3_token(token: str) -> str:
    converted = "".join(_TCVN3_TO_UNICODE.get(ch, ch) for ch in token)
    ascii_letters = [ch for ch in token if ch.isascii() and ch.isalpha()]
    if len(ascii_letters) >= 2 and all(ch.isupper() for ch in ascii_letters):
        # Typed with an uppercase ".VnTimeH" font: "TR¦êNG" means "TRƯỜNG".  One
        # capital alone ("Tù") is a title-case word, not an uppercase one.
        converted = converted.upper()
    return converted


def looks_like_tcvn3(text: str) -> bool:
    """Heuristic: does ``text`` look like TCVN3 bytes read as cp1252?

    Conservative by design, so valid Unicode is never altered: the text must hold
    no Unicode-only Vietnamese letters, must contain TCVN3 code points that real
    Vietnamese text does not use (µ ¨ ® ...), and most words holding such code
    points must become well-formed Vietnamese syllables when converted.
    """
    if not isinstance(text, str) or not text or _UNICODE_VI_ONLY_RE.search(text):
        return False
    if not any(ch in _TCVN3_STRONG for ch in text):
        return False
    candidates = [
        tok for tok in _TOKEN_RE.findall(text) if any(ch in _TCVN3_TO_UNICODE for ch in tok)
    ]
    if not candidates:
        return False
    well_formed = sum(
        1 for tok in candidates if _SYLLABLE_RE.match(fold(_convert_tcvn3_token(tok)))
    )
    return well_formed * 5 >= len(candidates) * 4  # at least 80 %


def decode_legacy_vietnamese(text: Any) -> str:
    """Convert TCVN3 (ABC) text such as ``"Hoµng V¨n Nam"`` to NFC Unicode ("Hoàng Văn Nam").

    Text that does not look like TCVN3 (``looks_like_tcvn3``) is returned unchanged
    (apart from ``str()``), so this is safe to apply to every text cell.  VNI is not
    handled.
    """
    if text is None:
        return ""
    text = str(text)
    if not looks_like_tcvn3(text):
        return text
    converted = _TOKEN_RE.sub(lambda m: _convert_tcvn3_token(m.group(0)), text)
    return unicodedata.normalize("NFC", converted)
