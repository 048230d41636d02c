"""Reading untrusted spreadsheets so that no file can take a web worker down.

A 5 KB .xlsx whose only cell is XFD1048576 makes python-calamine allocate rows ×
columns (``Range::from_sparse`` has no bound: tafia/calamine#693) and abort the
whole process.  Every read path of ``kernel.spreadsheets`` (and the streaming
reader of ``students.fastrows``) therefore goes through ``read_workbook`` here:

1. ``check_extent()`` scans the worksheet XML of an .xlsx/.xlsm as it inflates,
   with regular expressions over the byte stream (never a DOM), for the declared
   extent (``<dimension ref>``) and the real one (the largest ``<c r="...">``), and
   refuses a sheet past ``SPREADSHEET_MAX_COLUMNS`` / ``_MAX_ROWS`` / ``_MAX_CELLS``
   with a Vietnamese sentence naming the sheet and the cell.
2. ``parse_in_child()`` runs the parser in a fresh child process
   (``kernel/_parse_child.py``) limited to ``SPREADSHEET_PARSER_MEMORY_BYTES`` of
   address space (``RLIMIT_AS``) and ``SPREADSHEET_PARSER_TIMEOUT`` seconds; a crash,
   an abort or a timeout there becomes a ``SpreadsheetError``.  The rows come back
   as pickles read by an unpickler that only builds plain values and dates, in
   chunks of typed columns (few objects to unpickle; see ``kernel/_parse_child.py``)
   sent while the child still converts the rows after them.
3. The rows that come back are checked once more against the same caps (formats
   the scan cannot see into: .ods, .xls, .xlsb, and CSV via ``read_text_table``).

A normal file is inflated once by the scan (which also reads the layout of each
sheet: hidden rows, legacy-font cells, ``kernel.xlsx_layout``) and parsed once by
the child.
"""

from __future__ import annotations

import io
import pickle
import re
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from kernel._parse_child import decode_chunk
from kernel.spreadsheets import (
    SpreadsheetError,
    corrupt_error,
    empty_error,
    encrypted_error,
)
from kernel.xlsx_layout import LayoutScan, SheetLayout, legacy_styles

__all__ = [
    "ParsedSheet",
    "check_extent",
    "check_rows",
    "limits",
    "parse_in_child",
    "read_text_table",
    "read_workbook",
    "read_workbook_streaming",
    "visible_sheet_count",
    "stream_in_child",
]

_CHILD = Path(__file__).with_name("_parse_child.py")
_CHUNK = 1024 * 1024
# A tag cut by a chunk boundary is found again in the next buffer: keep this much.
_OVERLAP = 4096
# Cell (``<c r="B7">``) and row (``<row r="7">``) reference attributes.  A
# literal start keeps the scan at regex-engine speed; a writer that puts tabs or
# newlines before ``r`` slips past it, and the child's memory limit still holds.
_WIDE_RE = re.compile(rb" r=[\"']([A-Z]{2,4})(\d{1,9})[\"']")
_LETTERS_RE = re.compile(rb" r=[\"']([A-Z]{1,4})\d")
_ROW_RE = re.compile(rb" r=[\"'](\d{1,9})[\"']")
_DIMENSION_RE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']{1,64})[\"']"
)
_REF_RE = re.compile(r"\$?([A-Za-z]{1,4})\$?(\d{1,9})")
_SHEET_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\s[^>]*>")
_REL_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\s[^>]*>")
_ATTR_RE = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


@dataclass(frozen=True)
class Limits:
    columns: int
    rows: int
    cells: int
    memory_bytes: int
    timeout: float


def limits() -> Limits:
    """The caps in force (settings ``SPREADSHEET_*``)."""
    return Limits(
        columns=int(getattr(settings, "SPREADSHEET_MAX_COLUMNS", 200)),
        rows=int(getattr(settings, "SPREADSHEET_MAX_ROWS", 300_000)),
        cells=int(getattr(settings, "SPREADSHEET_MAX_CELLS", 10_000_000)),
        memory_bytes=int(getattr(settings, "SPREADSHEET_PARSER_MEMORY_BYTES", 2 * 1024**3)),
        timeout=float(getattr(settings, "SPREADSHEET_PARSER_TIMEOUT", 120)),
    )


@dataclass
class ParsedSheet:
    """One worksheet as the child read it (rows start at Excel row 1, column A)."""

    rows: list[list[Any]]
    sheet_name: str
    merged: list[Any] = field(default_factory=list)
    height: int = 0
    # The workbook's other non-empty visible worksheets, in order (one per class).
    others: list[ParsedSheet] = field(default_factory=list)
    # Hidden rows and legacy-font cells (.xlsx/.xlsm), from the extent scan.
    layout: SheetLayout | None = None


# ------------------------------------------------------------------ cell refs


def _column_index(letters: str) -> int:
    """1-based column number of "A", "Z", "AA", "XFD"."""
    number = 0
    for char in letters.upper():
        number = number * 26 + (ord(char) - 64)
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters or "A"


def _cell_name(row: int, col: int) -> str:
    return f"{_column_letters(col)}{row}"


def _refuse(sheet: str, row: int, col: int, caps: Limits, *, declared: bool) -> None:
    """Raise the error for a sheet reaching (row, col), if that passes a cap."""
    cell = _cell_name(row, col)
    where = (
        _("Trang tính “%(sheet)s” khai báo vùng dữ liệu đến ô %(cell)s")
        if declared
        else _("Trang tính “%(sheet)s” có ô %(cell)s")
    ) % {"sheet": sheet, "cell": cell}
    advice = _("hãy xoá các dòng, cột thừa (hoặc chép bảng sang tệp mới) rồi tải lên lại.")
    if col > caps.columns:
        raise SpreadsheetError(
            _("%(where)s ở cột thứ %(col)s, vượt quá giới hạn %(max)s cột; %(advice)s")
            % {"where": where, "col": col, "max": caps.columns, "advice": advice}
        )
    if row > caps.rows:
        raise SpreadsheetError(
            _("%(where)s ở dòng %(row)s, vượt quá giới hạn %(max)s dòng; %(advice)s")
            % {"where": where, "row": row, "max": caps.rows, "advice": advice}
        )
    if row * col > caps.cells:
        raise SpreadsheetError(
            _(
                "%(where)s: bảng từ ô A1 đến ô đó có %(n)s ô, vượt quá giới hạn %(max)s ô; %(advice)s"
            )
            % {"where": where, "n": row * col, "max": caps.cells, "advice": advice}
        )


# -------------------------------------------------------------- extent scan


def _attributes(tag: bytes) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, double, single in _ATTR_RE.findall(tag):
        key = name.decode("ascii", "replace").rsplit(":", 1)[-1]
        found[key] = (double or single).decode("utf-8", "replace")
    return found


def _read_small(archive: zipfile.ZipFile, name: str, cap: int = 8 * 1024 * 1024) -> bytes:
    try:
        with archive.open(name) as member:
            return member.read(cap)
    except KeyError:
        return b""


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """{zip member of a worksheet: its name in Excel}, from workbook.xml and its rels."""
    targets: dict[str, str] = {}
    for tag in _REL_TAG_RE.findall(_read_small(archive, "xl/_rels/workbook.xml.rels")):
        attrs = _attributes(tag)
        target = attrs.get("Target", "")
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[attrs.get("Id", "")] = part.replace("/./", "/")
    names: dict[str, str] = {}
    for tag in _SHEET_TAG_RE.findall(_read_small(archive, "xl/workbook.xml")):
        attrs = _attributes(tag)
        sheet_part = targets.get(attrs.get("id", ""))
        if sheet_part:
            names[sheet_part] = attrs.get("name", "")
    return names


# size: one loop over the chunks keeps every check on the same buffer; split, it would re-read it.
def _scan_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    sheet: str,
    caps: Limits,
    layout: LayoutScan | None = None,
) -> None:
    """Find the far edge of one worksheet part without touching most of its cells.

    Three literal-prefixed regex scans per chunk, each matching only what can pass
    a cap: ``<row r="N">`` numbers, cell refs with two or more column letters
    (past column Z), and cell refs with as many row digits as the row cap.  The
    exact widest column is computed only when the area cap is in doubt.  Each
    inflated chunk also goes to ``layout`` (hidden rows, legacy-font cells), so the
    sheet XML is inflated and read once for both.
    """
    deep_re = re.compile(rb" r=[\"']([A-Z]{1,4})(\d{%d,9})[\"']" % len(str(caps.rows)))
    max_row = max_col = 0
    tail = b""
    in_head = True  # <dimension> comes before <sheetData>
    with archive.open(info) as member:
        while True:
            chunk = member.read(_CHUNK)
            if not chunk:
                break
            if layout is not None:
                layout.feed(chunk)
            buffer = tail + chunk
            tail = buffer[-_OVERLAP:]
            if in_head:
                match = _DIMENSION_RE.search(buffer)
                if match:
                    ref = match.group(1).decode("ascii", "replace").split(":")[-1]
                    parsed = _REF_RE.fullmatch(ref.strip())
                    if parsed:
                        row, col = int(parsed.group(2)), _column_index(parsed.group(1))
                        _refuse(sheet, row, col, caps, declared=True)
                in_head = match is None and b"<sheetData" not in buffer
            for letters, digits in _WIDE_RE.findall(buffer):
                col = _column_index(letters.decode("ascii"))
                if col > max_col:
                    max_col = col
                    if col > caps.columns:
                        _refuse(sheet, int(digits), col, caps, declared=False)
            rows = _ROW_RE.findall(buffer)
            if rows:
                max_row = max(max_row, max(map(int, rows)))
            for letters, digits in deep_re.findall(buffer):
                row = int(digits)
                if row > max_row:
                    max_row = row
                    if row > caps.rows:
                        _refuse(sheet, row, _column_index(letters.decode()), caps, declared=False)
            if max_row > caps.rows:
                _refuse(sheet, max_row, max(max_col, 1), caps, declared=False)
            if max_row * max(max_col, 26) > caps.cells:
                narrow = set(_LETTERS_RE.findall(buffer))
                max_col = max([max_col, *(_column_index(c.decode()) for c in narrow)])
                if max_row * max_col > caps.cells:
                    _refuse(sheet, max_row, max_col, caps, declared=False)


def check_extent(data: bytes) -> dict[str, SheetLayout]:
    """Refuse an .xlsx/.xlsm whose worksheets declare or reach past the caps.

    Streams each XML worksheet part through a regex scan (bounded memory whatever
    its size); other formats (.ods, .xls, .xlsb: no XML worksheet parts) pass
    through, and the child's memory limit covers them.  Returns the layout of each
    worksheet read on the way (hidden rows, legacy-font cells: ``kernel.xlsx_layout``)
    by sheet name; ``{}`` for other formats.
    """
    if not data.startswith(b"PK"):
        return {}
    caps = limits()
    layouts: dict[str, SheetLayout] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = _sheet_names(archive)
            legacy = _styles_or_none(archive)
            for info in archive.infolist():
                part = info.filename
                if not (part.startswith("xl/worksheets/") and part.endswith(".xml")):
                    continue
                if part.startswith("xl/worksheets/_rels/"):
                    continue
                name = names.get(part)
                scan = LayoutScan(legacy) if name is not None and legacy is not None else None
                _scan_member(archive, info, name or Path(part).stem, caps, scan)
                if scan is not None and name is not None:
                    layouts[name] = scan.close()
    except SpreadsheetError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise corrupt_error() from None
    return layouts


def _styles_or_none(archive: zipfile.ZipFile) -> dict[int, str] | None:
    """The legacy-font styles, or None when the styles part cannot be read (no layout then)."""
    try:
        return legacy_styles(archive)
    except Exception:  # noqa: BLE001 - the values calamine reads are still used
        return None


def check_rows(rows: list[list[Any]], sheet_name: str) -> None:
    """The same caps on rows already read (formats the scan cannot see into)."""
    caps = limits()
    height = len(rows)
    width = max((len(row) for row in rows), default=0)
    if width > caps.columns or height > caps.rows or height * width > caps.cells:
        # Name a real cell at the far edge: the last one of the widest row.
        widest = max(range(height), key=lambda i: len(rows[i]))
        row, col = (widest + 1, width) if width > caps.columns else (height, max(width, 1))
        _refuse(sheet_name, row, col, caps, declared=False)


# ------------------------------------------------------------ child process


class _PlainUnpickler(pickle.Unpickler):
    """Builds only plain values and the ``datetime`` types a parser returns."""

    _ALLOWED = frozenset(
        {
            ("datetime", "date"),
            ("datetime", "datetime"),
            ("datetime", "time"),
            ("datetime", "timedelta"),
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed")


def _crashed() -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "Không đọc được tệp: trình đọc bảng tính cần quá nhiều bộ nhớ hoặc bị dừng đột ngột "
            "(tệp có thể bị hỏng); hãy mở bằng Excel, chép bảng sang tệp mới rồi tải lên lại."
        )
    )


def _timed_out(caps: Limits) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "Đọc tệp quá %(seconds)s giây nên đã dừng; hãy mở bằng Excel, xoá các dòng, "
            "cột thừa rồi tải lên lại."
        )
        % {"seconds": int(caps.timeout)}
    )


def _child_error(kind: Any) -> SpreadsheetError:
    if kind == "password":
        return encrypted_error()
    if kind == "empty":
        return empty_error()
    if kind == "corrupt":
        return corrupt_error()
    return _crashed()


def _load(stream: IO[bytes]) -> tuple[Any, ...]:
    # A fresh unpickler per item: each item is a separate pickle with its own memo.
    try:
        item = _PlainUnpickler(stream).load()
    except Exception:  # EOF (the child died), garbage, a refused class
        raise _crashed() from None
    if not isinstance(item, tuple) or not item:
        raise _crashed()
    return item


def _rows(item: tuple[Any, ...]) -> list[list[Any]]:
    """A ``("cols", n, columns)`` chunk back as ``n`` rows (``_parse_child.decode_chunk``)."""
    try:
        return decode_chunk(item)
    except Exception:  # a malformed chunk: the child is not behaving
        raise _crashed() from None


def _spawn(caps: Limits, nrows: int | None, all_sheets: bool) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-I",
        str(_CHILD),
        str(caps.memory_bytes),
        str(max(int(caps.timeout), 1)),
        str(nrows if nrows is not None else -1),
        "1" if all_sheets else "0",
    ]
    try:
        return subprocess.Popen(  # noqa: S603 - fixed interpreter and script, no shell
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        raise _crashed() from None


def stream_in_child(
    data: bytes, *, nrows: int | None, all_sheets: bool = False
) -> tuple[ParsedSheet, Iterator[Any]]:
    """Parse a workbook in a memory- and time-limited child process.

    Returns the sheet's name, merged ranges and height (``rows`` empty) and an
    iterator of row chunks read from the child as they are needed.  Raises
    ``SpreadsheetError`` for every outcome but a readable, non-empty sheet: a
    password, a damaged file, an empty workbook, an out-of-memory abort, a signal
    or a timeout.  The wall-clock limit covers the parse of the first sheet (the
    child sends nothing before calamine has read it); the child's CPU limit covers
    the rest.
    """
    caps = limits()
    child = _spawn(caps, nrows, all_sheets)
    fired = threading.Event()

    def kill() -> None:
        fired.set()
        child.kill()

    timer = threading.Timer(caps.timeout, kill)
    timer.daemon = True
    timer.start()

    def finish() -> None:
        timer.cancel()
        if child.poll() is None:
            child.kill()
        assert child.stdout is not None
        child.stdout.close()
        child.wait()

    assert child.stdin is not None and child.stdout is not None
    try:
        try:
            child.stdin.write(data)
            child.stdin.close()
        except OSError:  # the child died before reading the whole file
            pass
        first = _load(child.stdout)
        timer.cancel()
        if first[0] == "error":
            raise _child_error(first[1] if len(first) > 1 else "")
        if first[0] != "start" or len(first) != 4:
            raise _crashed()
    except SpreadsheetError as exc:
        finish()
        if fired.is_set():
            raise _timed_out(caps) from None
        raise exc from None
    except BaseException:
        finish()
        raise
    _start, sheet_name, merged, height = first
    header = ParsedSheet(rows=[], sheet_name=sheet_name, merged=merged, height=height)
    return header, _chunks(child.stdout, all_sheets, finish)


def _chunks(
    stream: IO[bytes], all_sheets: bool, finish: Callable[[], None]
) -> Iterator[list[list[Any]] | ParsedSheet]:
    """The rows the child sends after its first ``start``, chunk by chunk; with
    ``all_sheets`` a ``ParsedSheet`` (rows empty) announces each further sheet."""
    try:
        while True:
            item = _load(stream)
            if item[0] == "cols":
                yield _rows(item)
            elif item[0] == "end" and all_sheets:
                continue  # another sheet follows, or "done"
            elif item[0] in ("end", "done"):
                return
            elif item[0] == "start" and all_sheets and len(item) == 4:
                _start, name, more_merged, more_height = item
                yield ParsedSheet(rows=[], sheet_name=name, merged=more_merged, height=more_height)
            elif item[0] == "error":
                raise _child_error(item[1] if len(item) > 1 else "")
            else:
                raise _crashed()
    finally:
        finish()


def parse_in_child(data: bytes, *, nrows: int | None) -> ParsedSheet:
    """``stream_in_child`` with every row of every non-empty visible sheet collected.

    Returns the first sheet, the workbook's other sheets in its ``others``.
    """
    header, chunks = stream_in_child(data, nrows=nrows, all_sheets=True)
    sheets = [header]
    for chunk in chunks:
        if isinstance(chunk, ParsedSheet):
            sheets.append(chunk)
        else:
            sheets[-1].rows.extend(chunk)
    header.others = sheets[1:]
    return header


# ------------------------------------------------------------------ entry points


def read_workbook(data: bytes, *, nrows: int | None = None) -> ParsedSheet:
    """Check, parse (in a child) and re-check a workbook: the one call of each read path."""
    layouts = check_extent(data)
    parsed = parse_in_child(data, nrows=nrows)
    for sheet in (parsed, *parsed.others):
        check_rows(sheet.rows, sheet.sheet_name)
        sheet.layout = layouts.get(sheet.sheet_name)
    return parsed


def visible_sheet_count(data: bytes) -> int | None:
    """Visible sheets an .xlsx/.xlsm lists in its workbook part (None for other formats).

    Lets the streaming reader keep streaming the one sheet of most files, and read
    a workbook with one sheet per class whole.
    """
    if not data.startswith(b"PK"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            tags = _SHEET_TAG_RE.findall(_read_small(archive, "xl/workbook.xml"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        return None
    if not tags:
        return None
    return sum(
        1
        for tag in tags
        if _attributes(tag).get("state", "visible") not in ("hidden", "veryHidden")
    )


def read_workbook_streaming(data: bytes) -> tuple[ParsedSheet, Iterator[list[Any]]]:
    """``read_workbook`` for big lists: the rows come one by one as the child sends them.

    Each row is checked against the caps as it passes (the scan has already
    refused an .xlsx/.xlsm past them; this covers the other formats).
    """
    layouts = check_extent(data)
    header, chunks = stream_in_child(data, nrows=None)
    header.layout = layouts.get(header.sheet_name)
    return header, _capped(chunks, header.sheet_name)


def _capped(chunks: Iterator[list[list[Any]]], sheet_name: str) -> Iterator[list[Any]]:
    caps = limits()
    height = width = 0
    for chunk in chunks:
        for row in chunk:
            height += 1
            if len(row) > width:
                width = len(row)
            if width > caps.columns or height > caps.rows or height * width > caps.cells:
                col = width if width > caps.columns else max(len(row), 1)
                _refuse(sheet_name, height, col, caps, declared=False)
            yield row


def read_text_table(
    data: bytes, parse: Callable[[bytes], list[list[Any]]], sheet_name: str = ""
) -> list[list[Any]]:
    """Parse a CSV with ``parse`` after bounding its line count, then check its width.

    The csv module is pure Python and cannot crash the process; the caps keep a
    20 MB file of line breaks or delimiters from becoming millions of lists.
    """
    caps = limits()
    lines = data.count(b"\n") + 1
    if lines > caps.rows:
        raise SpreadsheetError(
            _("Tệp “%(sheet)s” có %(n)s dòng, vượt quá giới hạn %(max)s dòng.")
            % {"sheet": sheet_name, "n": lines, "max": caps.rows}
        )
    rows = parse(data)
    check_rows(rows, sheet_name)
    return rows
