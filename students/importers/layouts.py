"""Split and marked columns of a household list, joined into the values the checks expect.

Lists are typed in several shapes besides one column per field:

- the name in two or three columns ("Họ và tên đệm" + "Tên", "Họ" + "Tên đệm" + "Tên");
- the birth date in three ("Ngày | Tháng | Năm" under a merged "Ngày sinh");
- the gender as an "x" under "Nam" / "Nữ", or the birth date itself written under
  the "Nam" or the "Nữ" column (the traditional register form);
- the household category as an "x" in one column per category.

``RowShapes`` is built once per table from its column mapping; for a list with
none of these columns it is inactive and costs nothing per row.  It writes the
joined values into the row's ``values`` under the usual field names, or a
``Refused`` value that the checks turn into the row error it carries.

``MonthFirstEvidence`` decides, from the whole column, whether the date cells
shown month first (``kernel.cells.MonthFirstDate``) had their day and month
swapped by Excel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from django.utils.translation import gettext as _

from kernel.cells import MonthFirstDate, MonthFirstDateTime
from kernel.normalize import DateParts, clean_text, parse_bool_vi
from students.importers.columns import CATEGORY_MARKS, REQUIRED_ALTERNATIVES

__all__ = [
    "MONTH_FIRST_TYPES",
    "DateParts",
    "MonthFirstEvidence",
    "Refused",
    "RowShapes",
    "missing_required",
]

MONTH_FIRST_TYPES = (MonthFirstDate, MonthFirstDateTime)


class Refused:
    """A joined value that is already an error (two marks, a date under both genders...)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __hash__(self) -> int:
        return hash(self.message)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Refused) and other.message == self.message


def refusing(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fn`` that raises the message of a ``Refused`` value instead of reading it."""

    def checked(raw: Any) -> Any:
        if raw.__class__ is Refused:
            raise ValueError(raw.message)
        return fn(raw)

    return checked


def missing_required(missing: list[Any], mapping: Mapping[str, int]) -> list[Any]:
    """The required columns still missing once split and marked columns count for them."""
    return [
        spec
        for spec in missing
        if not any(
            all(part in mapping for part in group)
            for group in REQUIRED_ALTERNATIVES.get(spec.field, ())
        )
    ]


def _blank(value: Any) -> bool:
    return value is None or value == "" or (value.__class__ is str and value.isspace())


def _is_date_like(value: Any) -> bool:
    """A "Nam"/"Nữ" cell holding a date rather than a mark."""
    if isinstance(value, dt.date):
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value not in (0, 1)
    text = clean_text(value)
    return len(text) >= 4 and any(ch.isdigit() for ch in text) and text not in ("1", "0")


class RowShapes:
    """How one table's split and marked columns make the usual fields of a row."""

    def __init__(self, mapping: Mapping[str, int], labels: MutableMapping[str, str]) -> None:
        self.labels = labels
        self.name_parts: tuple[str, ...] = ()
        if "full_name" not in mapping and "given_name" in mapping:
            self.name_parts = tuple(
                f
                for f in ("family_middle", "family_name", "middle_name", "given_name")
                if f in mapping
            )
            labels["full_name"] = " + ".join(labels[f] for f in self.name_parts)
        self.date_parts = "date_of_birth" not in mapping and "birth_year" in mapping
        if self.date_parts:
            labels["date_of_birth"] = " / ".join(
                labels[f] for f in ("birth_day", "birth_month", "birth_year") if f in mapping
            )
        self.gender_marks = "gender" not in mapping and bool(
            {"gender_male", "gender_female"} & mapping.keys()
        )
        self.has_male = "gender_male" in mapping
        self.has_female = "gender_female" in mapping
        if self.gender_marks:
            labels["gender"] = " / ".join(
                labels[f] for f in ("gender_male", "gender_female") if f in mapping
            )
        self.marks = [(f, code) for f, code in CATEGORY_MARKS.items() if f in mapping]
        self.category_column = "category" in mapping
        if self.marks and not self.category_column:
            labels["category"] = " / ".join(labels[f] for f, _code in self.marks)
        self.active = bool(self.name_parts or self.date_parts or self.gender_marks or self.marks)

    def apply(self, values: dict[str, Any]) -> None:
        """Write the joined ``full_name``, ``date_of_birth``, ``gender``, ``category`` of a row."""
        if self.name_parts:
            parts = [clean_text(values.get(f)) for f in self.name_parts]
            if parts[-1] or any(parts):
                values["full_name"] = " ".join(p for p in parts if p)
                if not parts[-1]:
                    values["full_name"] = Refused(_("thiếu tên (cột “Tên” trống)"))
        if self.date_parts:
            day_month_year = (
                values.get("birth_day", ""),
                values.get("birth_month", ""),
                values["birth_year"],
            )
            if not all(_blank(p) for p in day_month_year):
                values["date_of_birth"] = DateParts(day_month_year)
        if self.gender_marks:
            self._gender(values)
        if self.marks:
            self._category(values)

    def _gender(self, values: dict[str, Any]) -> None:
        male = values.get("gender_male", "") if self.has_male else ""
        female = values.get("gender_female", "") if self.has_female else ""
        male_date, female_date = _is_date_like(male), _is_date_like(female)
        if male_date or female_date:
            # The register form: the birth date is written under the pupil's gender.
            if not _blank(female if male_date else male):
                both = Refused(_("ngày sinh ghi ở cả cột Nam và cột Nữ"))
                values["gender"] = values["date_of_birth"] = both
                return
            if _blank(values.get("date_of_birth", "")):
                values["date_of_birth"] = male if male_date else female
            values["gender"] = "Nam" if male_date else "Nữ"
            return
        try:
            is_male = parse_bool_vi(male) if self.has_male else None
            is_female = parse_bool_vi(female) if self.has_female else None
        except ValueError:
            values["gender"] = Refused(_("ô Nam/Nữ chỉ được đánh dấu x"))
            return
        if is_male and is_female:
            values["gender"] = Refused(_("đánh dấu cả Nam và Nữ: chỉ được chọn một"))
        elif is_male or is_female:
            values["gender"] = "Nam" if is_male else "Nữ"
        elif is_male is None or is_female is None:
            # One column only ("Nữ" marked x): a blank cell is the other gender.
            values["gender"] = "Nữ" if is_male is False else "Nam"
        else:
            values["gender"] = ""  # no mark in either column: "bắt buộc"

    def _category(self, values: dict[str, Any]) -> None:
        marked: list[str] = []
        for name, code in self.marks:
            cell = values.get(name, "")
            if _blank(cell):
                continue
            try:
                if parse_bool_vi(cell):
                    marked.append(code)
            except ValueError:
                values["category"] = Refused(
                    _("ô “%(column)s” chỉ được đánh dấu x") % {"column": self.labels[name]}
                )
                return
        if len(marked) > 1:
            names = ", ".join(self.labels[f] for f, code in self.marks if code in marked)
            values["category"] = Refused(
                _("đánh dấu nhiều diện hộ (%(names)s): chỉ được chọn một") % {"names": names}
            )
        elif marked and not (self.category_column and not _blank(values.get("category", ""))):
            values["category"] = marked[0]


class MonthFirstEvidence:
    """Whether a column's month-first date cells had day and month swapped by Excel.

    Excel on a US-locale machine reads a typed "05/07/2012" (5 July) as 7 May and
    shows it ``m/d/yyyy``; "25/07/2012" it cannot read, and leaves as text.  So a
    column whose month-first cells all have a day of 12 or less, beside text dates,
    was swapped: read back right.  A month-first cell with a day above 12 cannot
    have been swapped (its month would be above 12): the column holds dates
    really entered month first, so the others are uncertain and are flagged.
    Without text dates there is no evidence either way: flagged too.

    The evidence is the whole column: the importer keeps the rows whose date is
    uncertain (``held``) until the last row, or until a day above 12 settles it.
    Only those rows are kept, so memory stays flat for the usual lists.
    """

    __slots__ = ("late_days", "text_dates")

    def __init__(self) -> None:
        self.text_dates = 0
        self.late_days = 0

    @property
    def flagged(self) -> bool:
        """Settled already: uncertain cells of this column are errors."""
        return self.late_days > 0

    def swap(self) -> bool:
        """At the end of the column: read the uncertain cells with day and month swapped."""
        return self.text_dates > 0 and self.late_days == 0

    @staticmethod
    def message() -> str:
        return _("ngày sinh có thể bị đảo ngày/tháng (định dạng m/d/yyyy): hãy kiểm tra")


def read_month_first(raw: dt.date, evidence: MonthFirstEvidence) -> tuple[dt.date | None, bool]:
    """(the date as stored, uncertain?) for a month-first cell; notes what it proves."""
    stored = dt.date(raw.year, raw.month, raw.day)
    if raw.day > 12:
        evidence.late_days += 1
        return stored, False
    if raw.day == raw.month:
        return stored, False
    return stored, True


def swapped(value: dt.date) -> dt.date:
    """The date with day and month exchanged (a month-first cell read back right)."""
    return dt.date(value.year, value.day, value.month)


def school_year_start(today: dt.date) -> int:
    """The calendar year the current school year began (it opens on 5 September)."""
    return today.year if today.month >= 8 else today.year - 1


def fits_grade(born: dt.date, grade: int, start_year: int) -> bool:
    """A pupil of ``grade`` is between grade+4 and grade+12 years old (by birth year)."""
    age = start_year - born.year
    return grade + 4 <= age <= grade + 12
