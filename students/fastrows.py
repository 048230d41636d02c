"""Speed helpers for province-scale lists: a table-driven ``fold`` and row classification.

``kernel.normalize.fold`` decomposes every string to NFD and filters it character
by character: right, but ~15 µs a call, and a 100,000-row list needs millions of
calls.  ``quick_fold`` gives the same result with one ``str.translate`` (a C loop)
over a table built from Unicode data at import time; ``iter_data_rows`` is
``Table.data_rows()`` with the same rules (blank, totals, signature block) on top
of it.  Tests check both against the originals.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from kernel import safe_read
from kernel.spreadsheets import (
    HEADER_SCAN_ROWS,
    PLACE_DATE_RE,
    SECTION_RE,
    SIGNATURE_KEYS,
    SUBTOTAL_KEYS,
    TOTAL_KEYS,
    RowReader,
    Sheet,
    SpreadsheetError,
    Table,
    corrupt_error,
    detect_format,
    is_blank_row,
    read_rows,
    read_source,
    too_many_rows,
)


def _build_table() -> dict[int, Any]:
    table: dict[int, Any] = {}
    for start, end in ((0xC0, 0x250), (0x1E00, 0x1F00)):
        for code in range(start, end):
            char = chr(code)
            base = "".join(
                c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
            )
            if base != char:
                table[code] = base.lower()
    for code in range(0x300, 0x370):  # combining marks of NFD input
        table[code] = None
    table[ord("đ")] = "d"
    table[ord("Đ")] = "d"
    for code in (0xA0, 0x2007, 0x202F, 0x200B, 0xFEFF):
        table[code] = " "
    return table


_FOLD_TABLE = _build_table()
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")


def quick_fold(value: Any) -> str:
    """Same result as ``kernel.normalize.fold`` for text, much faster."""
    if value is None:
        return ""
    text = (value if isinstance(value, str) else str(value)).lower()
    if not text.isascii():
        text = text.translate(_FOLD_TABLE)
    return " ".join(text.split())


def quick_name_keys(full_name: str) -> tuple[str, str]:
    """``students.models.name_keys`` on top of ``quick_fold``."""
    folded = quick_fold(full_name)
    parts = folded.split(" ")
    if len(parts) == 1:
        return folded, folded
    return folded, f"{parts[-1]}|{' '.join(parts[1:-1])}|{parts[0]}"


def _key(text: str) -> str:
    return _NON_ALNUM_RE.sub(" ", quick_fold(text)).strip()


# A cell can only be a totals or signature marker if its key starts like one of them.
_MARKER_HEADS = frozenset(
    k[:4] for k in (*TOTAL_KEYS, *SUBTOTAL_KEYS, *SIGNATURE_KEYS, "lop ", "danh", "hoc ")
)
_LEADING_PUNCTUATION = " (*-.:'\"\t\r\n\u00a0\u2007\u202f\u200b\ufeff"
# ... and so only if its first character is one of these letters (any case or tone
# mark) or punctuation: one set lookup rules out most names, dates, codes and numbers.
_MARKER_FIRST_CHARS = frozenset(
    ch
    for ch in map(chr, (*range(0x20, 0x250), *range(0x1E00, 0x1F00)))
    if quick_fold(ch)[:1] in {k[0] for k in _MARKER_HEADS}
) | frozenset(_LEADING_PUNCTUATION)


def _marker_scan() -> re.Pattern[str]:
    """A regex finding, in a row's text cells joined by NUL, any cell that starts like a marker.

    Accent- and case-insensitive by construction (each letter of a head is the class of
    every character folding to it, combining marks allowed after it), so the row text
    needs no folding first.  It may find more than the markers, never fewer.
    """
    spaces = " \u00a0\u2007\u202f\u200b\ufeff"
    letters = {c for head in _MARKER_HEADS for c in head} - {" "}
    folding_to: dict[str, list[str]] = {c: [] for c in letters}
    for code in range(0x20, 0x10000):  # the whole BMP: "\u212a" (Kelvin) lowers to "k"
        if 0xD800 <= code < 0xE000:
            continue
        ch = chr(code)
        folded = ch.lower()
        if not folded.isascii():
            folded = folded.translate(_FOLD_TABLE)
        if folded in folding_to:
            folding_to[folded].append(ch)

    def letter(c: str) -> str:
        if c == " ":
            return "[" + re.escape(spaces) + "]"
        return "[" + re.escape("".join(folding_to[c])) + "][\u0300-\u036f]*"

    heads = "|".join("".join(letter(c) for c in head) for head in sorted(_MARKER_HEADS))
    return re.compile("\x00[" + re.escape(_LEADING_PUNCTUATION) + "]*(?:" + heads + ")")


_MARKER_SCAN = _marker_scan()


def _row_kind(row: list[Any], required_cols: set[int]) -> str:
    """ "data", "blank", "total" or "signature" (same rules as ``Table.data_rows()``).

    Fast path: a row with at least three text cells, none of which starts like a
    totals or signature marker, is data; anything else takes the cell-by-cell path.
    """
    texts = [v for v in row if isinstance(v, str) and v and not v.isspace()]
    if len(texts) >= 3 and _MARKER_SCAN.search("\x00" + "\x00".join(texts)) is None:
        return "data"
    return _row_kind_cells(row, required_cols)


def _row_kind_cells(row: list[Any], required_cols: set[int]) -> str:
    filled: list[tuple[int, str]] = []
    for index, value in enumerate(row):
        if isinstance(value, str):
            if value and not value.isspace():
                filled.append((index, value))
        elif value is not None and value == value:  # NaN != NaN
            filled.append((index, ""))
    if not filled:
        return "blank"
    signature_cols: set[int] = set()
    for index, text in filled:
        if not text or text[0] not in _MARKER_FIRST_CHARS or len(text) > 120:
            continue
        head = text[:8].lower()
        if not head.isascii():
            head = head.translate(_FOLD_TABLE)
        if head.lstrip(_LEADING_PUNCTUATION)[:4] not in _MARKER_HEADS:
            continue
        key = _key(text)
        if key in TOTAL_KEYS or key.startswith(("tong cong", *SUBTOTAL_KEYS)):
            return "total"
        if len(filled) == 1 and SECTION_RE.match(key):
            return "section"
        if key.startswith(SIGNATURE_KEYS):
            signature_cols.add(index)
    if signature_cols:
        others = {index for index, _text in filled} - signature_cols
        if not (others & required_cols):
            return "signature"
    if len(filled) <= 2 and any(
        text and PLACE_DATE_RE.search(quick_fold(text)) for _i, text in filled
    ):
        return "signature"
    return "data"


def _numbered_rows(
    table: Table, release: bool, more: Iterable[list[Any]]
) -> Iterator[tuple[int, list[Any]]]:
    rows = table.sheet.rows
    for index in range(table.first_data_index, len(rows)):
        row = rows[index]
        if release:
            rows[index] = _RELEASED
        yield index, row
    index = len(rows)
    for row in more:
        yield index, row
        index += 1


_RELEASED: list[Any] = []


def iter_data_rows(
    table: Table,
    *,
    release: bool = False,
    more: Iterable[list[Any]] = (),
    limit: int | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``Table.data_rows()`` for big sheets: same rows, same row numbers.

    With ``release`` each raw row is dropped from the sheet once read, so a
    100,000-row list does not stay in memory twice (raw and validated).  ``more``
    continues the sheet with rows still being read (``read_streaming``).  With
    ``limit``, the data row after the ``limit``-th raises ``SpreadsheetError``:
    the exact count of data rows below the header (the readers' own ``max_rows``
    only bounds memory and cannot know where the header is).  The tables of a
    list's other sheets (``table.extra``) follow, numbered by sheet; ``limit``
    counts the rows of all of them.
    """
    if table.header_row <= 0:
        return
    count = [0]
    yield from _own_rows(table, release, more, limit, count)
    for other in table.extra:
        yield from _own_rows(other, release, (), limit, count)


def _own_rows(
    table: Table,
    release: bool,
    more: Iterable[list[Any]],
    limit: int | None,
    count: list[int],
) -> Iterator[tuple[int, dict[str, Any]]]:
    number = table.row_number
    required_cols = {
        table.mapping[s.field] for s in table.columns if s.required and s.field in table.mapping
    }
    reader = RowReader(table)
    convert = table.sheet.convert_row
    head = len(table.sheet.rows)
    for index, row in _numbered_rows(table, release, more):
        if index >= head:
            row = convert(index, row)  # streamed rows: legacy encodings not yet converted
        if reader.skip(index, row):
            continue
        outcome = reader.classify(_row_kind(row, required_cols), row)
        if outcome == "end":
            return
        if outcome == "data":
            values = reader.values(row)
            if values is not None:
                count[0] += 1
                if limit is not None and count[0] > limit:
                    raise too_many_rows(limit, number(index))
                yield number(index), values


# --------------------------------------------------------------- streaming read


def read_streaming(
    source: Any,
    *,
    filename: str = "",
    max_bytes: int,
    max_rows: int | None = None,
    head_rows: int = HEADER_SCAN_ROWS + 20,
) -> tuple[Sheet, Iterator[list[Any]]]:
    """``read_rows`` for province-scale workbooks, without holding every row twice.

    The same checks run first (size, zip bomb, password, format: ``read_rows``'s
    own helpers).  A workbook's first ``head_rows`` rows come back as a ``Sheet``
    (enough to find the header and title block); the other rows are read from the
    child process that parses the workbook (``kernel.safe_read``: memory- and
    time-limited) as the returned iterator advances, so python-calamine's cells
    never live in this process and the Python rows never all at once.  CSV files
    are read whole (``rest`` is empty).  The ``max_rows`` limit raises
    ``SpreadsheetError`` while iterating.
    """
    data = read_source(source, max_bytes)
    fmt = detect_format(data)
    if fmt == "csv":
        return read_rows(data, filename=filename, max_bytes=max_bytes, max_rows=max_rows), iter(())
    rows: Iterator[list[Any]]
    if safe_read.visible_sheet_count(data) == 1:
        parsed, rows = safe_read.read_workbook_streaming(data)
    else:
        # Maybe one sheet per class: every sheet is read whole (the rows of a later
        # sheet cannot wait behind a stream of the first one).
        parsed = safe_read.read_workbook(data)
        if parsed.others:
            return _whole_sheets(parsed, fmt, max_rows), iter(())
        rows, parsed.rows = iter(parsed.rows), []
    head: list[list[Any]] = []
    filled = False
    for row in rows:
        filled = filled or not is_blank_row(row)
        head.append(row)
        if len(head) >= head_rows and filled:
            break
    sheet = Sheet(
        rows=head,
        sheet_name=parsed.sheet_name,
        format=fmt,
        merged=parsed.merged,
        height=max(parsed.height, len(head)),
    )
    # Hidden rows and cell fonts, read by the extent scan.
    sheet.apply_layout(parsed.layout)
    del data
    return sheet, _guarded(rows, len(head), max_rows)


def _whole_sheets(parsed: safe_read.ParsedSheet, fmt: str, max_rows: int | None) -> Sheet:
    body = sum(
        1
        for each in (parsed, *parsed.others)
        for row in each.rows[HEADER_SCAN_ROWS:]
        if not is_blank_row(row)
    )
    if max_rows is not None and body > max_rows:
        raise SpreadsheetError(
            _("Tệp có quá nhiều dòng: tối đa %(max)s dòng dữ liệu mỗi lần tải lên.")
            % {"max": max_rows}
        )
    sheets = []
    for each in (parsed, *parsed.others):
        rows = each.rows
        while rows and is_blank_row(rows[-1]):
            rows.pop()
        sheet = Sheet(rows=rows, sheet_name=each.sheet_name, format=fmt, merged=each.merged)
        sheet.apply_layout(each.layout)
        sheets.append(sheet)
    first = sheets[0]
    first.others = [s for s in sheets[1:] if s.rows]
    return first


def _guarded(rows: Iterator[list[Any]], consumed: int, max_rows: int | None) -> Iterator[list[Any]]:
    counted = 0
    index = consumed
    try:
        for row in rows:
            if max_rows is not None and index >= HEADER_SCAN_ROWS and not is_blank_row(row):
                counted += 1
                if counted > max_rows:
                    raise SpreadsheetError(
                        _("Tệp có quá nhiều dòng: tối đa %(max)s dòng dữ liệu mỗi lần tải lên.")
                        % {"max": max_rows}
                    )
            index += 1
            yield row
    except SpreadsheetError:
        raise
    except Exception:
        raise corrupt_error() from None
