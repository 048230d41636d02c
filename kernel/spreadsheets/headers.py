r"""Finding the header row below the title block and mapping its columns to fields.

An importer names the fields it wants as ``ColumnSpec``\ s (label and synonyms);
``best_candidate`` tries each of the first rows, alone and with the row above it
(two-row headers under merged group labels), and keeps the reading that maps the
most required and then the most columns.  The folded keys of totals, subtotals,
signature blocks and class headings live here too: the table reader uses them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kernel.normalize import clean_text, fold
from kernel.spreadsheets.sheet import Sheet, is_blank_row


@dataclass(frozen=True)
class ColumnSpec:
    """One field an importer wants, and the header wordings that name it."""

    field: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    # Only a header equal to a synonym names this field, never one that starts with it:
    # "Tên" (a given-name column) must not take "Tên trường" or "Tên cha mẹ".
    exact: bool = False
    # A required field this column can stand in for (one part of a split name or date,
    # a mark column): header detection counts that field as found.
    stands_for: str = ""
    # The value may come from class section headings ("Lớp 6A") instead of a column.
    from_section: bool = False

    @functools.lru_cache(maxsize=512)  # noqa: B019 - specs are few, frozen and module-level
    def match_keys(self) -> list[str]:
        """Matching keys of the label and synonyms, longest first (computed once per spec)."""
        keys = {_header_key(s) for s in (self.label, *self.synonyms)}
        return sorted((k for k in keys if k), key=len, reverse=True)


def _header_key(value: Any) -> str:
    # "Thôn / bản:", "Ngày sinh (*)" and "SỐ ĐT" must compare equal to the
    # synonyms "thôn/bản", "ngày sinh", "số đt".
    try:
        return _cached_header_key(value)
    except TypeError:  # an unhashable value
        return _NON_KEY_RE.sub(" ", fold(value)).strip()


_NON_KEY_RE = re.compile(r"[^a-z0-9]+")


# Header detection tries every cell of the first rows against every column's
# synonyms: the same few hundred texts tens of thousands of times.  ``typed``
# keeps 1, 1.0 and True apart.
@functools.lru_cache(maxsize=4096, typed=True)
def _cached_header_key(value: Any) -> str:
    return _NON_KEY_RE.sub(" ", fold(value)).strip()


_STT_KEYS = {"stt", "tt", "so tt", "so thu tu", "thu tu"}
_COLUMN_NUMBER_RE = re.compile(r"^\(?\s*(\d{1,2}|[a-z])\s*\)?$", re.IGNORECASE)
# Folded texts of a totals row ("Tổng cộng", "Cộng", ...): not a data row.
TOTAL_KEYS = {"tong cong", "cong", "tong so", "tong", "cong tong"}
# Folded starts of a signature block ("Người lập biểu", "Hiệu trưởng", ...): the table ends.
SIGNATURE_KEYS = (
    "nguoi lap bieu",
    "nguoi lap",
    "hieu truong",
    "pho hieu truong",
    "thu truong don vi",
    "ke toan",
    "xac nhan cua",
    "truong phong",
    "giam doc",
    # Notes and signature lines under the table ("Ghi chú: ...", "(Ký, ghi rõ họ tên)").
    "ghi chu",
    "danh sach co",
    "danh sach nay co",
    "ky ghi ro",
    "ky va ghi ro",
    "ky ten",
    "ky dong dau",
    "nguoi lap danh sach",
)
# Folded starts of a section subtotal ("Cộng lớp 6A: 5 học sinh").
SUBTOTAL_KEYS = ("cong lop", "tong lop", "tong so hoc sinh", "tong so hs", "cong so hoc sinh")
# Folded class section heading ("Lớp 6A", "LỚP: 7B1", "Danh sách lớp 6A").
SECTION_RE = re.compile(r"^(?:danh sach )?(?:hoc sinh )?lop (\d{1,2} ?[a-z]?\d{0,2})$")
# "Bảo Yên, ngày ... tháng ... năm ..." (folded): the place-and-date line above signatures.
PLACE_DATE_RE = re.compile(r"\bngay\b.{0,12}\bthang\b.{0,12}\bnam\b")


@dataclass
class _Candidate:
    header_row: int  # 0-based index of the last header row
    first_row: int  # 0-based index of the first header row
    mapping: dict[str, int]
    headers: dict[int, str]
    score: tuple[int, int, int]


def _merged_value(sheet: Sheet, row: int, col: int) -> Any:
    """Value of (row, col), or of the top-left cell of the merged range holding it."""
    value = sheet.cell(row, col)
    if clean_text(value):
        return value
    for (r1, c1), (r2, c2) in sheet.merged:
        if r1 <= row <= r2 and c1 <= col <= c2:
            return sheet.cell(r1, c1)
    return value


def _merge_top(sheet: Sheet, row: int, cols: Iterable[int]) -> int:
    """First row of the header block: a header cell merged down from above starts it."""
    top = row
    for (r1, c1), (r2, c2) in sheet.merged:
        if r1 < row <= r2 and any(c1 <= col <= c2 for col in cols):
            top = min(top, r1)
    return top


def _header_texts(sheet: Sheet, row: int, with_parent: bool) -> dict[int, list[str]]:
    """Candidate header texts per column for a header ending at ``row``.

    Single-row header: the cell text.  Two-row header: a cell empty in the lower
    row takes the upper text (vertically merged "Họ và tên"); otherwise the lower
    text is tried alone and prefixed by its (horizontally merged) parent.
    """
    width = sheet.width
    texts: dict[int, list[str]] = {}
    parent_carry = ""
    for col in range(width):
        child = clean_text(_merged_value(sheet, row, col))
        if not with_parent:
            if child:
                texts[col] = [child]
            continue
        parent_raw = clean_text(sheet.cell(row - 1, col))
        parent = clean_text(_merged_value(sheet, row - 1, col))
        if parent_raw:
            parent_carry = parent_raw
        elif not sheet.merged and child:
            # No merge information (xls/csv): a blank upper cell above a filled
            # lower one continues the group label to its left.
            parent = parent_carry
        elif not child:
            parent_carry = ""
        if child and parent and parent != child:
            texts[col] = [child, f"{parent} {child}"]
        elif child or parent:
            texts[col] = [child or parent]
    return texts


def _match(texts: Sequence[str], spec: ColumnSpec) -> tuple[int, int] | None:
    """Score of the best synonym match of any of ``texts``: (exact?, length)."""
    best: tuple[int, int] | None = None
    for text in texts:
        key = _header_key(text)
        if not key:
            continue
        for syn in spec.match_keys():
            if key == syn:
                score = (1, len(syn))
            elif not spec.exact and key.startswith(syn + " "):
                score = (0, len(syn))
            else:
                continue
            if best is None or score > best:
                best = score
    return best


def _assign(texts: Mapping[int, Sequence[str]], columns: Sequence[ColumnSpec]) -> dict[str, int]:
    """Greedy one-to-one assignment of fields to columns, best matches first.

    Exact matches beat prefix matches, then longer synonyms beat shorter ones, so
    "Họ tên cha/mẹ" goes to the guardian field, and "Họ và tên" (exact) wins the
    pupil-name field over "Họ tên cha/mẹ/người giám hộ" (prefix of "họ tên").
    """
    scored: list[tuple[tuple[int, int], int, str]] = []
    for col, candidates in texts.items():
        if _header_key(candidates[0]) in _STT_KEYS:
            continue
        for spec in columns:
            score = _match(candidates, spec)
            if score is not None:
                scored.append((score, -col, spec.field))
    scored.sort(reverse=True)
    mapping: dict[str, int] = {}
    taken: set[int] = set()
    for _score, neg_col, name in scored:
        col = -neg_col
        if name in mapping or col in taken:
            continue
        mapping[name] = col
        taken.add(col)
    return mapping


def _score(mapping: Mapping[str, int], columns: Sequence[ColumnSpec]) -> tuple[int, int]:
    standing = {spec.stands_for for spec in columns if spec.stands_for and spec.field in mapping}
    required = sum(
        1 for spec in columns if spec.required and (spec.field in mapping or spec.field in standing)
    )
    return required, len(mapping)


def _is_column_number_row(row: Sequence[Any]) -> bool:
    values = [clean_text(v) for v in row if clean_text(v)]
    if len(values) < 2:
        return False
    # Numeric cells come back from calamine as floats (1.0, 2.0).
    return all(
        _COLUMN_NUMBER_RE.match(v.removesuffix(".0")) or re.fullmatch(r"\(\d+\)\s*=.*", v)
        for v in values
    )


def _best_candidate(
    sheet: Sheet, columns: Sequence[ColumnSpec], scan_rows: int
) -> _Candidate | None:
    best: _Candidate | None = None
    for row in range(min(scan_rows, len(sheet.rows))):
        if is_blank_row(sheet.rows[row]) or _is_section_row(sheet.rows[row]):
            continue  # a class heading ("Lớp 6A") is never the header row
        options = [False, True] if row > 0 else [False]
        for with_parent in options:
            texts = _header_texts(sheet, row, with_parent)
            mapping = _assign(texts, columns)
            if not mapping:
                continue
            required, matched = _score(mapping, columns)
            # Ties prefer the single-row reading (with_parent False sorts first
            # with a higher third component).
            score = (required, matched, 0 if with_parent else 1)
            if best is None or score > best.score:
                headers = {col: vals[-1] for col, vals in texts.items()}
                top = _merge_top(sheet, row, headers)
                best = _Candidate(
                    header_row=row,
                    first_row=min(top, row - 1) if with_parent else top,
                    mapping=mapping,
                    headers=headers,
                    score=score,
                )
    return best


def _is_section_row(row: Sequence[Any]) -> bool:
    filled = [c for c in (clean_text(v) for v in row) if c]
    return len(filled) == 1 and bool(SECTION_RE.match(_header_key(filled[0])))
