"""A located table (``Table``) and its data rows; ``locate_table``, ``locate_list``.

``Table.data_rows()`` yields data rows with their Excel row numbers, skipping
blank rows, totals, class headings (whose class goes to the rows below) and rows
hidden in Excel, spreading merged values down, and stopping at the signature
block.  ``locate_list`` reads every sheet of a workbook that has the list's
header; ``reading_notices`` says what the reading did, for the dry run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.utils.translation import gettext as _

from kernel.normalize import clean_text, fold
from kernel.spreadsheets.headers import (
    _STT_KEYS,
    PLACE_DATE_RE,
    SECTION_RE,
    SIGNATURE_KEYS,
    SUBTOTAL_KEYS,
    TOTAL_KEYS,
    ColumnSpec,
    _assign,
    _best_candidate,
    _Candidate,
    _header_key,
    _header_texts,
    _is_column_number_row,
    _is_section_row,
    _merged_value,
)
from kernel.spreadsheets.sheet import (
    HEADER_SCAN_ROWS,
    RowNumber,
    Sheet,
    SpreadsheetError,
    is_blank_row,
    sheet_class,
)


@dataclass
class Table:
    """A located table: where its header is and which column holds which field.

    ``header_row`` is the 1-based Excel row of the last header row (0 when no
    header was found).  ``headers`` maps every non-empty header column to its
    text (two-row headers combined "Thông tin hộ Diện hộ").
    """

    sheet: Sheet
    columns: Sequence[ColumnSpec]
    header_row: int
    mapping: dict[str, int]
    headers: dict[int, str]
    unknown_columns: list[tuple[int, str]]
    missing_required: list[ColumnSpec]
    title_lines: list[str]
    first_data_index: int  # 0-based index of the first row after the header block
    first_header_row: int = 0  # 1-based; differs from header_row for two-row headers
    # Filled by reading the data rows: Excel row numbers of hidden rows not read, and
    # the class sections met ("6A", "6B").
    hidden_skipped: list[int] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    # Class headings ("Lớp 6A") below the header: a ``from_section`` field needs no column.
    has_sections: bool = False
    # The class the sheet is named after ("6A") when no column holds the class: the
    # ``from_section`` fields of its rows default to it.
    sheet_class: str = ""
    # A list over several sheets: this table's place among them (None: one sheet, whose
    # rows keep plain numbers), the tables of the other list sheets (on the first
    # table only) and the names of the sheets that are not lists.
    position: int | None = None
    extra: list[Table] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)

    def row_number(self, index: int) -> int:
        """The number of the row at 0-based ``index``: its Excel row, with the sheet when
        the list spans several sheets (``RowNumber``)."""
        if self.position is None:
            return index + 1
        return RowNumber(self.position, index + 1, self.sheet.sheet_name)

    @property
    def tables(self) -> list[Table]:
        """This table and the tables of the list's other sheets, in workbook order."""
        return [self, *self.extra]

    @property
    def list_sheets(self) -> list[str]:
        """The names of the sheets read as the list (several only for a multi-sheet list)."""
        return [t.sheet.sheet_name for t in self.tables]

    def add_sheets(self, tables: Sequence[Table], ignored: Sequence[str]) -> None:
        """Read ``tables`` (other sheets with the same required columns) as more rows."""
        self.extra = list(tables)
        self.ignored_sheets = list(ignored)
        if self.extra:
            for position, table in enumerate(self.tables):
                table.position = position

    def hidden_ranges(self) -> list[tuple[int, int]]:
        """``hidden_skipped`` as (first, last) runs of consecutive rows."""
        runs: list[tuple[int, int]] = []
        for number in self.hidden_skipped:
            if runs and runs[-1][1] == number - 1:
                runs[-1] = (runs[-1][0], number)
            else:
                runs.append((number, number))
        return runs

    @property
    def found(self) -> bool:
        """True when a header row was found and every required column is mapped."""
        return self.header_row > 0 and not self.missing_required

    def field_labels(self) -> dict[str, str]:
        """Header text per mapped field, for error messages ("Ngày sinh")."""
        labels = {spec.field: spec.label for spec in self.columns}
        for name, col in self.mapping.items():
            text = self.headers.get(col)
            if text:
                # Two-row headers store "Parent Child"; the child alone reads better.
                own = clean_text(_merged_value(self.sheet, self.header_row - 1, col))
                labels[name] = own or text
        return labels

    def _row_kind(self, row: Sequence[Any]) -> str:
        cells = [clean_text(v) for v in row]
        filled = [c for c in cells if c]
        if not filled:
            return "blank"
        keys = [_header_key(c) for c in filled]
        if any(k in TOTAL_KEYS or k.startswith(("tong cong", *SUBTOTAL_KEYS)) for k in keys):
            return "total"
        if len(filled) == 1 and SECTION_RE.match(keys[0]):
            return "section"
        required_cols = {
            self.mapping[s.field] for s in self.columns if s.required and s.field in self.mapping
        }
        signature_cols = {
            i
            for i, c in enumerate(cells)
            if c and any(_header_key(c).startswith(sig) for sig in SIGNATURE_KEYS)
        }
        if signature_cols:
            # "Hiệu trưởng" may be a staff member's position in a data row: it is a
            # signature only when the required data columns are otherwise empty.
            others = {i for i, c in enumerate(cells) if c} - signature_cols
            if not (others & required_cols):
                return "signature"
        if len(filled) <= 2 and any(PLACE_DATE_RE.search(fold(c)) for c in filled):
            return "signature"
        return "data"

    def data_rows(self, *, limit: int | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
        """Yield ``(excel_row_number, {field: raw_value})`` for each data row.

        Blank rows, totals and section subtotals ("Tổng cộng", "Cộng lớp 6A: 5 học
        sinh") and class headings ("Lớp 6A", whose class goes to the rows below) are
        skipped, and so are rows hidden in Excel (listed in ``hidden_skipped``); the
        first signature or notes row ("Người lập biểu", "Ghi chú: ...", "..., ngày ..
        tháng .. năm ..") after data began ends the table.  A value merged down over
        several rows belongs to each of them.  With ``limit``, the data row after the
        ``limit``-th raises ``SpreadsheetError`` (``read_rows``'s ``max_rows`` only
        bounds memory: it cannot know where the header is).
        """
        if self.header_row <= 0:
            return
        count = [0]  # data rows of every sheet of the list
        yield from self._own_rows(limit, count)
        for table in self.extra:
            yield from table._own_rows(limit, count)

    def _own_rows(
        self, limit: int | None, count: list[int]
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        reader = RowReader(self)
        for index in range(self.first_data_index, len(self.sheet.rows)):
            row = self.sheet.rows[index]
            if reader.skip(index, row):
                continue
            kind = self._row_kind(row)
            outcome = reader.classify(kind, row)
            if outcome == "end":
                return
            if outcome == "data":
                values = reader.values(row)
                if values is not None:
                    number = self.row_number(index)
                    count[0] += 1
                    if limit is not None and count[0] > limit:
                        raise too_many_rows(limit, number)
                    yield number, values


def too_many_rows(limit: int, row: int) -> SpreadsheetError:
    """The error for the first data row past ``limit`` (``row`` is its Excel row number)."""
    if isinstance(row, RowNumber):  # a list over several sheets: "Sheet 6B, dòng 8"
        return SpreadsheetError(
            _(
                "Tệp có quá nhiều dòng: tối đa %(max)s dòng dữ liệu mỗi lần tải lên "
                "(%(row)s đã là dòng dữ liệu thứ %(next)s)."
            )
            % {"max": limit, "row": row, "next": limit + 1}
        )
    return SpreadsheetError(
        _(
            "Tệp có quá nhiều dòng: tối đa %(max)s dòng dữ liệu mỗi lần tải lên "
            "(dòng %(row)s đã là dòng dữ liệu thứ %(next)s)."
        )
        % {"max": limit, "row": row, "next": limit + 1}
    )


def section_name(row: Sequence[Any]) -> str:
    """The class of a section heading row ("Lớp 6A" -> "6A")."""
    text = next(clean_text(v) for v in row if clean_text(v))
    words = text.replace(":", " ").split()
    for position, word in enumerate(words):
        if fold(word) == "lop":
            return " ".join(words[position + 1 :]).strip(" -.")
    return words[-1]


class RowReader:
    """State shared by ``Table.data_rows()`` and the fast reader over one table's rows.

    Tracks hidden rows (skipped and recorded on the table), the class of the current
    section, values merged down over several data rows, and the end of the table.
    """

    def __init__(self, table: Table) -> None:
        self.table = table
        self.hidden = table.sheet.hidden_rows
        self.mapping = list(table.mapping.items())
        # The mapped cells of a row in one C call (a dict built per row is the reader's
        # hottest line on a 100,000-row list).
        self.names = tuple(name for name, _col in self.mapping)
        cols = [col for _name, col in self.mapping]
        self.width = max(cols) + 1 if cols else 0
        self.pick: Callable[[Sequence[Any]], tuple[Any, ...]] = (
            itemgetter(*cols) if len(cols) > 1 else lambda row: tuple(row[col] for col in cols)
        )
        self.section_fields = {s.field for s in table.columns if s.from_section}
        self.section = table.sheet_class
        self.data_began = False
        table.hidden_skipped = []
        self.top_cols: dict[int, list[int]] = {}
        self.fills: dict[int, list[tuple[int, int]]] = {}
        self.tops: dict[tuple[int, int], Any] = {}
        for (r1, c1), (r2, _c2) in table.sheet.merged:
            if r2 > r1 and r1 >= table.first_data_index:
                self.top_cols.setdefault(r1, []).append(c1)
                for r in range(r1 + 1, r2 + 1):
                    self.fills.setdefault(r, []).append((c1, r1))

    def skip(self, index: int, row: list[Any]) -> bool:
        """Apply merges to ``row``; True when it is hidden in Excel (and so not read)."""
        if index in self.top_cols:
            for col in self.top_cols[index]:
                self.tops[(index, col)] = row[col] if col < len(row) else ""
        if index in self.fills:
            for col, top in self.fills[index]:
                if col < len(row) and clean_text(row[col]) == "":
                    row[col] = self.tops.get((top, col), "")
        if index in self.hidden:
            if not is_blank_row(row):
                self.table.hidden_skipped.append(index + 1)
            return True
        return False

    def classify(self, kind: str, row: Sequence[Any]) -> str:
        """ "data", "skip" or "end" for a row of ``kind`` ("data", "section", "signature"...)."""
        if kind == "section":
            self.section = section_name(row)
            self.table.sections.append(self.section)
            return "skip"
        if kind == "signature":
            return "end" if self.data_began else "skip"
        return "data" if kind == "data" else "skip"

    def values(self, row: Sequence[Any]) -> dict[str, Any] | None:
        """The row's values by field, or None when only unmapped columns are filled."""
        if len(row) < self.width:
            row = [*row, *[""] * (self.width - len(row))]
        picked = self.pick(row)
        for v in picked:
            if not (v == "" or v is None or (isinstance(v, str) and v.isspace())):
                break
        else:
            return None  # only unmapped columns are filled
        values = dict(zip(self.names, picked, strict=True))
        if self.section:
            for name in self.section_fields:
                if clean_text(values.get(name, "")) == "":
                    values[name] = self.section
        self.data_began = True
        return values


def _chosen_header(sheet: Sheet, columns: Sequence[ColumnSpec], header_row: int) -> _Candidate:
    """The header row the user chose (1-based), its texts re-read as a single row."""
    index = header_row - 1
    if not 0 <= index < len(sheet.rows):
        raise SpreadsheetError(_("Dòng tiêu đề đã chọn nằm ngoài bảng tính."))
    texts = _header_texts(sheet, index, with_parent=False)
    return _Candidate(
        header_row=index,
        first_row=index,
        mapping=_assign(texts, columns),
        headers={col: vals[-1] for col, vals in texts.items()},
        score=(0, 0, 0),
    )


def _overridden(
    sheet: Sheet,
    columns: Sequence[ColumnSpec],
    mapping: dict[str, int],
    override: Mapping[str, int],
) -> dict[str, int]:
    """``mapping`` with the user's choice of columns (``{field: column}``) on top."""
    width = sheet.width
    known = {spec.field for spec in columns}
    for name, col in override.items():
        if name not in known or not 0 <= col < max(width, 1):
            raise SpreadsheetError(
                _("Cột đã chọn cho “%(field)s” không có trong bảng tính.") % {"field": name}
            )
    overridden = set(override.values())
    kept = {n: c for n, c in mapping.items() if c not in overridden and n not in override}
    kept.update(override)
    return kept


def _headerless(sheet: Sheet, columns: Sequence[ColumnSpec], mapping: dict[str, int]) -> Table:
    """The table of a sheet where no header row was found (only the user's columns)."""
    return Table(
        sheet=sheet,
        columns=columns,
        header_row=0,
        mapping=mapping,
        headers={},
        unknown_columns=[],
        missing_required=[s for s in columns if s.required and s.field not in mapping],
        title_lines=[],
        first_data_index=0,
    )


def _build_table(
    sheet: Sheet,
    columns: Sequence[ColumnSpec],
    candidate: _Candidate | None,
    override: Mapping[str, int] | None,
    header_row: int | None,
) -> Table:
    if header_row is not None:
        candidate = _chosen_header(sheet, columns, header_row)
    mapping = dict(candidate.mapping) if candidate else {}
    if override:
        mapping = _overridden(sheet, columns, mapping, override)
    headers = dict(candidate.headers) if candidate else {}
    if candidate is None:
        return _headerless(sheet, columns, mapping)
    mapped_cols = set(mapping.values())
    unknown = [
        (col, text)
        for col, text in sorted(headers.items())
        if col not in mapped_cols and _header_key(text) not in _STT_KEYS
    ]
    title_lines = [
        clean_text(v) for row in sheet.rows[: candidate.first_row] for v in row if clean_text(v)
    ]
    first_data = candidate.header_row + 1
    if first_data < len(sheet.rows) and _is_column_number_row(sheet.rows[first_data]):
        first_data += 1
    has_sections = any(_is_section_row(row) for row in sheet.rows[first_data:])
    named_class = ""
    if any(s.from_section and s.field not in mapping for s in columns):
        named_class = sheet_class(sheet.sheet_name)
    return Table(
        sheet=sheet,
        columns=columns,
        header_row=candidate.header_row + 1,
        mapping=mapping,
        headers=headers,
        unknown_columns=unknown,
        missing_required=[
            s
            for s in columns
            if s.required
            and s.field not in mapping
            and not (s.from_section and (has_sections or named_class))
        ],
        title_lines=title_lines,
        first_data_index=first_data,
        first_header_row=candidate.first_row + 1,
        has_sections=has_sections,
        sheet_class=named_class,
    )


def guess_table(
    sheet: Sheet,
    columns: Sequence[ColumnSpec],
    *,
    override: Mapping[str, int] | None = None,
    header_row: int | None = None,
    scan_rows: int = HEADER_SCAN_ROWS,
) -> Table:
    """Best-guess ``Table`` without raising when columns are missing.

    For a UI that shows the detected mapping and lets the user correct it:
    check ``table.found`` / ``table.missing_required``, then call ``locate_table``
    again with ``override`` (``{field: column_index}``) and/or ``header_row``
    (1-based).  Raises ``SpreadsheetError`` only for an invalid override.
    """
    candidate = None if header_row is not None else _best_candidate(sheet, columns, scan_rows)
    return _build_table(sheet, columns, candidate, override, header_row)


def locate_table(
    sheet: Sheet,
    columns: Sequence[ColumnSpec],
    *,
    override: Mapping[str, int] | None = None,
    header_row: int | None = None,
    scan_rows: int = HEADER_SCAN_ROWS,
) -> Table:
    """Find the header row in the first ``scan_rows`` rows and map columns to fields.

    Raises ``SpreadsheetError`` when no header row is found or required columns
    are missing.  See ``guess_table`` for the non-raising variant and the meaning
    of ``override`` and ``header_row``.
    """
    table = guess_table(
        sheet, columns, override=override, header_row=header_row, scan_rows=scan_rows
    )
    if table.header_row == 0 or (not table.mapping):
        raise SpreadsheetError(
            _(
                'Không tìm thấy dòng tiêu đề cột (ví dụ "Họ và tên", "Ngày sinh") '
                "trong 30 dòng đầu của tệp."
            )
        )
    if table.missing_required:
        labels = ", ".join(f"“{spec.label}”" for spec in table.missing_required)
        raise SpreadsheetError(
            _("Dòng tiêu đề (dòng %(row)s) thiếu cột bắt buộc: %(labels)s.")
            % {"row": table.header_row, "labels": labels}
        )
    return table


def locate_list(
    sheet: Sheet, columns: Sequence[ColumnSpec], *, scan_rows: int = HEADER_SCAN_ROWS
) -> Table:
    """``locate_table`` over every sheet of the workbook (one sheet per class or unit).

    The table is found on the first sheet with the list's header (every required
    column mapped); each later sheet whose header maps every required column too is
    read as more rows of the list ("Sheet 6A, dòng 12"), the other sheets are named
    in ``Table.ignored_sheets``.  A single-sheet workbook is ``locate_table`` itself.
    """
    if not sheet.others:
        return locate_table(sheet, columns, scan_rows=scan_rows)
    found = [guess_table(each, columns, scan_rows=scan_rows) for each in (sheet, *sheet.others)]
    first = next((i for i, table in enumerate(found) if table.found), None)
    if first is None:
        return locate_table(sheet, columns, scan_rows=scan_rows)  # raises, naming the problem
    table = found[first]
    more = [t for i, t in enumerate(found) if i > first and t.found]
    ignored = [t.sheet.sheet_name for i, t in enumerate(found) if i != first and not t.found]
    table.add_sheets(more, ignored)
    return table


def reading_notices(table: Table) -> list[str]:
    """What the reading did beyond plain cells, for the dry run (Vietnamese sentences).

    Cells converted from a legacy encoding (per encoding), hidden rows not read and
    the class sections met; for a list over several sheets, the sheets read and
    the sheets left out (each hidden-row notice then names its sheet).  Call after
    the data rows were read.
    """
    from kernel.legacy import ENCODING_LABELS

    notices: list[str] = []
    tables = table.tables
    several = len(tables) > 1
    if several or table.ignored_sheets:
        text = _("Đã đọc %(n)s sheet: %(names)s.") % {
            "n": len(tables),
            "names": ", ".join(table.list_sheets),
        }
        if table.ignored_sheets:
            text += " " + _("Bỏ qua sheet không phải danh sách: %(names)s.") % {
                "names": ", ".join(table.ignored_sheets)
            }
        notices.append(text)
    converted: dict[str, int] = {}
    for each in tables:
        for encoding, count in each.sheet.converted.items():
            converted[encoding] = converted.get(encoding, 0) + count
    for encoding, count in sorted(converted.items()):
        notices.append(
            _("%(n)s ô được chuyển từ bảng mã %(encoding)s sang Unicode.")
            % {"n": count, "encoding": ENCODING_LABELS.get(encoding, encoding)}
        )
    for each in tables:
        where = (_("Sheet %(sheet)s: ") % {"sheet": each.sheet.sheet_name}) if several else ""
        for first, last in each.hidden_ranges():
            if first == last:
                text = _("Dòng %(row)s bị ẩn, không nhập.") % {"row": first}
            else:
                text = _("Dòng %(first)s–%(last)s bị ẩn, không nhập.") % {
                    "first": first,
                    "last": last,
                }
            notices.append(where + text)
    sections = [name for each in tables for name in each.sections]
    if sections:
        notices.append(
            _("Đã đọc %(n)s mục lớp: %(names)s.")
            % {"n": len(sections), "names": ", ".join(sections)}
        )
    return notices
