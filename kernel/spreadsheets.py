"""Reading uploaded spreadsheets and finding the table inside them.

Every import in the portal (pupil/household lists, device deliveries, coverage
surveys, carrier status files, school and account lists) goes through here:

1. ``read_rows()`` turns an upload (xlsx/xlsm/ods/xls/csv, detected by content)
   into a ``Sheet`` of raw cell values, refusing anything unsafe or unreadable with
   a ``SpreadsheetError`` whose ``message`` is one Vietnamese sentence.
2. ``locate_table()`` (or the non-raising ``guess_table()``) finds the header row
   below the official title block, maps columns to fields through ``ColumnSpec``
   synonyms, and ``Table.data_rows()`` yields data rows with their Excel row
   numbers, skipping totals and stopping at the signature block.
3. ``write_error_copy()`` returns the original rows with a "Lỗi" column so a school
   can fix its file and upload it again.

Pure Python: no models, no database.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from kernel.legacy import convert_cell
from kernel.normalize import clean_text, fold
from kernel.xlsx_layout import SheetLayout

__all__ = [
    "DEFAULT_MAX_BYTES",
    "HEADER_SCAN_ROWS",
    "PLACE_DATE_RE",
    "ROW_STRIDE",
    "SECTION_RE",
    "SIGNATURE_KEYS",
    "SUBTOTAL_KEYS",
    "TOTAL_KEYS",
    "ColumnSpec",
    "RowNumber",
    "Sheet",
    "SpreadsheetError",
    "Table",
    "corrupt_error",
    "detect_format",
    "empty_error",
    "encrypted_error",
    "guess_table",
    "is_blank_row",
    "locate_table",
    "read_rows",
    "read_source",
    "reading_notices",
    "row_ref",
    "sheet_class",
    "write_error_copy",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
HEADER_SCAN_ROWS = 30
# A zip whose members expand beyond this, or by more than this ratio, is refused
# before any XML parser sees it.  Real 20 MB workbooks stay far below both.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Small XML parts (styles, repeated empty cells) legitimately compress more than
# 100:1, so the ratio only counts for members big enough to hurt.
_RATIO_CHECK_MIN_BYTES = 10 * 1024 * 1024

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


# Row numbers of a list spread over several sheets: sheet position × ROW_STRIDE +
# Excel row, so every row of the file has its own number (and sorts by sheet).
ROW_STRIDE = 1_000_000


class RowNumber(int):
    """The row number of a list read from several sheets, shown as "Sheet 6A, dòng 12".

    Its ``int`` value is unique across the file's sheets (``ROW_STRIDE``), so it
    keys errors, duplicates and changes like a plain row number; ``excel_row`` is
    the row in Excel and ``sheet`` the sheet's name.  Single-sheet files keep plain
    ``int`` row numbers (and their "Dòng 12" wording).
    """

    sheet: str
    excel_row: int

    def __new__(cls, position: int, excel_row: int, sheet: str) -> RowNumber:
        number = super().__new__(cls, position * ROW_STRIDE + excel_row)
        number.sheet = sheet
        number.excel_row = excel_row
        return number

    def __reduce__(self) -> tuple[Any, ...]:
        return (RowNumber, (int(self) // ROW_STRIDE, self.excel_row, self.sheet))

    def __str__(self) -> str:
        return _("Sheet %(sheet)s, dòng %(row)s") % {"sheet": self.sheet, "row": self.excel_row}

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else format(int(self), spec)

    @staticmethod
    def decode(value: int, sheets: Sequence[str]) -> RowNumber | int:
        """A stored row number back as a ``RowNumber`` given the file's list sheets."""
        position, excel_row = divmod(int(value), ROW_STRIDE)
        if len(sheets) < 2 or position >= len(sheets):
            return int(value)
        return RowNumber(position, excel_row, sheets[position])


def row_ref(row: int) -> str:
    """ "dòng 12", or "Sheet 6A, dòng 12" for a row of a several-sheet list."""
    if isinstance(row, RowNumber):
        return str(row)
    return _("dòng %(row)s") % {"row": row}


_CLASS_SHEET_RE = re.compile(r"^(?:lop )?((\d{1,2}) ?[a-z]?\d{0,2})$")


def sheet_class(sheet_name: str) -> str:
    """The class a sheet is named after ("6A", "Lớp 7B1" -> "7B1"), or ""."""
    text = clean_text(sheet_name)
    match = _CLASS_SHEET_RE.match(re.sub(r"[^a-z0-9]+", " ", fold(text)).strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        return ""
    words = text.split()
    return words[-1] if len(words) > 1 and fold(words[0]) == "lop" else text


class SpreadsheetError(Exception):
    """An upload that cannot be used, with one clear Vietnamese sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
class Sheet:
    """Raw cells of one worksheet.

    ``rows[0]`` is Excel row 1 (leading blank rows are kept so row numbers match
    what the user sees).  Values are as calamine gives them: ``str`` ("" for an
    empty cell), ``float`` (also for integers), ``int``, ``bool``, ``date``,
    ``datetime``, ``time``.  ``merged`` lists merged ranges as 0-based
    ``((first_row, first_col), (last_row, last_col))`` when the format reports them.
    """

    rows: list[list[Any]]
    sheet_name: str = ""
    format: str = ""
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # Rows of the whole worksheet when ``rows`` holds only its head (streamed reads).
    height: int | None = None
    # 0-based indexes of rows hidden in Excel (not on the printed, signed list).
    hidden_rows: set[int] = field(default_factory=set)
    # Cells converted from a legacy encoding, per encoding ("tcvn3", "vni").
    converted: dict[str, int] = field(default_factory=dict)
    # (row, col) -> legacy encoding of the cell's font, for rows still to be read.
    cell_encodings: dict[tuple[int, int], str] = field(default_factory=dict, repr=False)
    # The workbook's other non-empty visible worksheets (a list with one sheet per class).
    others: list[Sheet] = field(default_factory=list, repr=False)

    def convert_row(self, index: int, row: list[Any]) -> list[Any]:
        """Convert the legacy-encoded text cells of row ``index`` (0-based) in place."""
        encodings = self.cell_encodings
        if not encodings and all(type(v) is not str or v.isascii() for v in row):
            return row  # the common case: nothing that could be legacy text
        for col, value in enumerate(row):
            if not isinstance(value, str) or not value:
                continue
            font = encodings.get((index, col)) if encodings else None
            if font is None and value.isascii():
                continue
            new, encoding = convert_cell(value, font)
            if encoding is not None:
                row[col] = new
                self.converted[encoding] = self.converted.get(encoding, 0) + 1
        return row

    def apply_layout(self, layout: SheetLayout | None) -> None:
        """Take the hidden rows and cell fonts the extent scan read (xlsx) and convert
        legacy-encoded cells."""
        if layout is not None:
            self.hidden_rows = layout.hidden_rows
            self.cell_encodings = layout.cell_encodings
        for index, row in enumerate(self.rows):
            self.convert_row(index, row)

    @property
    def row_count(self) -> int:
        return self.height if self.height is not None else len(self.rows)

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    def cell(self, row_index: int, col: int) -> Any:
        """Value at 0-based (row, col), ``""`` outside the data."""
        if 0 <= row_index < len(self.rows) and 0 <= col < len(self.rows[row_index]):
            return self.rows[row_index][col]
        return ""


# ----------------------------------------------------------------------- reading


def _too_big(max_bytes: int) -> SpreadsheetError:
    megabytes = max_bytes / (1024 * 1024)
    size = f"{megabytes:.0f}" if megabytes >= 1 else f"{megabytes:.2f}"
    return SpreadsheetError(_("Tệp vượt quá giới hạn %(size)s MB.") % {"size": size})


def _not_a_spreadsheet() -> SpreadsheetError:
    return SpreadsheetError(
        _("Tệp không phải là bảng tính Excel (.xlsx, .xls), .ods hoặc .csv; hãy chọn đúng tệp.")
    )


def corrupt_error() -> SpreadsheetError:
    """The error for a workbook the parser cannot read (damaged, truncated, garbage parts)."""
    return SpreadsheetError(
        _("Tệp bảng tính bị hỏng hoặc không đọc được; hãy mở bằng Excel và lưu lại rồi thử lại.")
    )


def encrypted_error() -> SpreadsheetError:
    """The error for a password-protected workbook."""
    return SpreadsheetError(
        _("Tệp được đặt mật khẩu; hãy gỡ mật khẩu trong Excel rồi tải lên lại.")
    )


def empty_error() -> SpreadsheetError:
    """The error for a file whose every visible worksheet is blank."""
    return SpreadsheetError(_("Tệp không có dữ liệu: mọi trang tính đều trống."))


def read_source(source: Any, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` (+1 to detect overflow) from a path, bytes or file.

    Raises ``SpreadsheetError`` when the source is bigger than ``max_bytes`` or
    cannot be opened.  Shared by ``read_rows`` and streaming readers built on it.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > max_bytes:
            raise _too_big(max_bytes)
        return data
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            if path.stat().st_size > max_bytes:
                raise _too_big(max_bytes)
            with path.open("rb") as fh:
                return fh.read(max_bytes + 1)
        except OSError:
            raise SpreadsheetError(_("Không mở được tệp đã chọn.")) from None
    # File-like, e.g. Django UploadedFile: trust .size when present (avoids reading
    # a huge temporary file), but still cap the read.
    size = getattr(source, "size", None)
    if isinstance(size, int) and size > max_bytes:
        raise _too_big(max_bytes)
    if hasattr(source, "seek"):
        with contextlib.suppress(OSError, ValueError):
            source.seek(0)
    try:
        data = source.read(max_bytes + 1)
    except (OSError, ValueError):
        raise SpreadsheetError(_("Không mở được tệp đã chọn.")) from None
    if isinstance(data, str):  # text-mode file object
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise _too_big(max_bytes)
    return data


def _check_zip(data: bytes) -> str:
    """Validate a zip container before parsing it and return its format name."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {info.filename for info in members}
            mimetype = b""
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size < 200:
                    mimetype = archive.read("mimetype").strip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise corrupt_error() from None
    # Declared sizes come from the central directory; zipfile itself refuses to
    # inflate past them (CRC/size check), so trusting them here is sound.
    total = 0
    for info in members:
        total += info.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise SpreadsheetError(
                _("Tệp bị từ chối vì giải nén ra dung lượng quá lớn (nghi là tệp độc hại).")
            )
        if info.file_size > _RATIO_CHECK_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise SpreadsheetError(
                _("Tệp bị từ chối vì tỉ lệ nén bất thường (nghi là tệp độc hại).")
            )
    if mimetype == b"application/vnd.oasis.opendocument.spreadsheet":
        return "ods"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        if "xl/workbook.bin" in names:
            return "xlsb"
        return "xlsm" if "xl/vbaProject.bin" in names else "xlsx"
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        raise corrupt_error()  # an xlsx missing its workbook part
    # .docx, .pptx, .odt, plain zip archives...
    raise _not_a_spreadsheet()


def _check_ole2(data: bytes) -> str:
    # Office encrypts xlsx by wrapping it in an OLE2 container with these streams;
    # directory entry names are UTF-16LE, so a raw byte search finds them.
    if (
        "EncryptedPackage".encode("utf-16-le") in data
        or "EncryptionInfo".encode("utf-16-le") in data
    ):
        raise encrypted_error()
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    raise _not_a_spreadsheet()  # .doc, .ppt, .msg, ...


_BINARY_MAGICS = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"BM",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x1f\x8b",
    b"MZ",
    b"\x7fELF",
    b"{\\rtf",
)


def detect_format(data: bytes) -> str:
    """The format of an upload by content: "xlsx", "xlsm", "xlsb", "ods", "xls" or "csv".

    Refuses (``SpreadsheetError``) empty files, zip bombs, encrypted workbooks,
    renamed PDFs/images/documents and HTML tables saved as ".xls".
    """
    if not data:
        raise empty_error()
    if data.startswith(_ZIP_MAGICS):
        return _check_zip(data)
    if data.startswith(_OLE2_MAGIC):
        return _check_ole2(data)
    head = data[:1024]
    if head.startswith(_BINARY_MAGICS) or b"\x00" in head:
        raise _not_a_spreadsheet()
    lowered = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if lowered.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
        # Many web systems export an HTML table named ".xls".
        raise SpreadsheetError(
            _(
                "Tệp là trang web (HTML/XML) được đổi tên thành bảng tính; "
                "hãy mở bằng Excel và lưu lại dạng .xlsx."
            )
        )
    return "csv"


def _decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Windows Vietnamese first: it decodes the tone marks Excel writes in
    # "CSV (Windows)" files; cp1252 catches the few bytes cp1258 leaves undefined.
    for encoding in ("cp1258", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _read_csv(data: bytes) -> list[list[Any]]:
    text = _decode_text(data)
    sample = text[:20000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        return [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error:
        raise corrupt_error() from None


def _read_workbook(
    data: bytes, max_rows: int | None
) -> list[tuple[list[list[Any]], str, list, SheetLayout | None]]:
    from kernel import safe_read

    # Row limit plus room for the title block and header, so a huge sheet is
    # never fully materialised.
    nrows = max_rows + HEADER_SCAN_ROWS + 50 if max_rows is not None else None
    parsed = safe_read.read_workbook(data, nrows=nrows)
    return [(p.rows, p.sheet_name, p.merged, p.layout) for p in (parsed, *parsed.others)]


def _body_rows(rows: list[list[Any]]) -> int:
    return sum(1 for row in rows[HEADER_SCAN_ROWS:] if not is_blank_row(row))


def is_blank_row(row: Sequence[Any]) -> bool:
    """True when every cell of ``row`` is empty or whitespace."""
    return all(clean_text(v) == "" for v in row)


def read_rows(
    source: str | os.PathLike[str] | bytes | IO[bytes] | Any,
    *,
    filename: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int | None = None,
) -> Sheet:
    """Read the first non-empty visible worksheet of an uploaded file.

    The workbook's other non-empty visible worksheets come in ``sheet.others``
    (read the same way), for lists with one sheet per class.

    ``source`` is a path, raw bytes or a binary file-like object (a Django
    ``UploadedFile``).  The format is decided by content, never by ``filename``
    (kept for messages and logs only).  ``max_rows`` limits the number of
    non-blank rows after the first ``HEADER_SCAN_ROWS`` rows (title and header
    allowance).  Any problem raises ``SpreadsheetError`` with a Vietnamese sentence;
    no parser exception escapes.
    """
    data = read_source(source, max_bytes)
    fmt = detect_format(data)
    if fmt == "csv":
        from kernel import safe_read

        sheet_name = Path(filename).stem if filename else ""
        found = [(safe_read.read_text_table(data, _read_csv, sheet_name), sheet_name, [], None)]
    else:
        found = _read_workbook(data, max_rows)
    sheets: list[Sheet] = []
    layouts: list[SheetLayout | None] = []
    for rows, sheet_name, merged, layout in found:
        while rows and is_blank_row(rows[-1]):
            rows.pop()
        if rows or not sheets:
            sheets.append(Sheet(rows=rows, sheet_name=sheet_name, format=fmt, merged=merged))
            layouts.append(layout)
    sheet = sheets[0]
    if not sheet.rows:
        raise empty_error()
    if max_rows is not None and sum(_body_rows(s.rows) for s in sheets) > max_rows:
        raise SpreadsheetError(
            _("Tệp có quá nhiều dòng: tối đa %(max)s dòng dữ liệu mỗi lần tải lên.")
            % {"max": max_rows}
        )
    for each, layout in zip(sheets, layouts, strict=True):
        each.apply_layout(layout)
    sheet.others = sheets[1:]
    return sheet


# -------------------------------------------------------------- header detection


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
        width = len(row)
        values = {name: (row[col] if col < width else "") for name, col in self.mapping}
        if all(
            (v == "" or (isinstance(v, str) and v.isspace()) or v is None) for v in values.values()
        ):
            return None
        if self.section:
            for name in self.section_fields:
                if clean_text(values.get(name, "")) == "":
                    values[name] = self.section
        self.data_began = True
        return values


def _is_section_row(row: Sequence[Any]) -> bool:
    filled = [c for c in (clean_text(v) for v in row) if c]
    return len(filled) == 1 and bool(SECTION_RE.match(_header_key(filled[0])))


def _build_table(
    sheet: Sheet,
    columns: Sequence[ColumnSpec],
    candidate: _Candidate | None,
    override: Mapping[str, int] | None,
    header_row: int | None,
) -> Table:
    if header_row is not None:
        # The user chose the header row; re-read its texts as a single row.
        index = header_row - 1
        if not 0 <= index < len(sheet.rows):
            raise SpreadsheetError(_("Dòng tiêu đề đã chọn nằm ngoài bảng tính."))
        texts = _header_texts(sheet, index, with_parent=False)
        candidate = _Candidate(
            header_row=index,
            first_row=index,
            mapping=_assign(texts, columns),
            headers={col: vals[-1] for col, vals in texts.items()},
            score=(0, 0, 0),
        )
    mapping = dict(candidate.mapping) if candidate else {}
    if override:
        width = sheet.width
        known = {spec.field for spec in columns}
        for name, col in override.items():
            if name not in known or not 0 <= col < max(width, 1):
                raise SpreadsheetError(
                    _("Cột đã chọn cho “%(field)s” không có trong bảng tính.") % {"field": name}
                )
        overridden = set(override.values())
        mapping = {n: c for n, c in mapping.items() if c not in overridden and n not in override}
        mapping.update(override)
    headers = dict(candidate.headers) if candidate else {}
    if candidate is None:
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


# ------------------------------------------------------------------- notices


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


# ------------------------------------------------------------------ error copy


def write_error_copy(
    sheet: Sheet, table: Table, errors_by_row: Mapping[int, Sequence[str]]
) -> bytes:
    """Return an .xlsx of the original rows plus a last column "Lỗi" with each row's errors.

    ``errors_by_row`` is keyed by 1-based Excel row number (as in
    ``ImportReport.errors_by_row()``).  Header rows are bold; every value is
    neutralised against formula injection.

    A list over several sheets gives one sheet per list sheet, same name, same
    rows, each with its own "Lỗi" column (``errors_by_row`` keyed by ``RowNumber``
    values): the school fixes each class where it always keeps it.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    if table.position is None:
        _write_error_sheet(workbook, sheet, table, errors_by_row)
    else:
        for each in table.tables:
            own = {
                number % ROW_STRIDE: messages
                for number, messages in errors_by_row.items()
                if number // ROW_STRIDE == each.position
            }
            _write_error_sheet(workbook, each.sheet, each, own)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_error_sheet(
    workbook: Any, sheet: Sheet, table: Table, errors_by_row: Mapping[int, Sequence[str]]
) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    from kernel.exporters import neutralize

    worksheet = workbook.create_sheet(title=(sheet.sheet_name or "Danh sách")[:31] or "Sheet1")
    bold = Font(bold=True)
    red = Font(color="C00000")
    width = sheet.width
    error_col = width
    worksheet.column_dimensions[_column_letter(error_col)].width = 60
    header_index = table.header_row - 1  # -1 when no header was found
    header_top = table.first_header_row - 1
    for index, row in enumerate(sheet.rows):
        is_header = 0 <= header_top <= index <= header_index
        cells: list[Any] = []
        for col in range(width):
            value = neutralize(row[col] if col < len(row) else "")
            cell = WriteOnlyCell(worksheet, value=value)
            if is_header:
                cell.font = bold
            cells.append(cell)
        if index == header_index:
            tail = WriteOnlyCell(worksheet, value=_("Lỗi"))
            tail.font = bold
            cells.append(tail)
        else:
            messages = errors_by_row.get(index + 1)
            if messages:
                tail = WriteOnlyCell(worksheet, value=neutralize("; ".join(messages)))
                tail.font = red
                tail.alignment = Alignment(wrap_text=True, vertical="top")
                cells.append(tail)
        worksheet.append(cells)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
