"""Turning an upload into a ``Sheet``: size, format by content, zip bombs, passwords.

``read_rows()`` reads an upload (xlsx/xlsm/ods/xls/csv, detected by content) into
a ``Sheet`` of raw cell values, refusing anything unsafe or unreadable with a
``SpreadsheetError`` whose ``message`` is one Vietnamese sentence.  Workbooks are
parsed by ``kernel.safe_read`` (extent scan, then a memory- and time-limited child
process); CSV files here.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import zipfile
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from kernel.spreadsheets.sheet import (
    DEFAULT_MAX_BYTES,
    HEADER_SCAN_ROWS,
    Sheet,
    SpreadsheetError,
    is_blank_row,
)
from kernel.xlsx_layout import SheetLayout

# A zip whose members expand beyond this, or by more than this ratio, is refused
# before any XML parser sees it.  Real 20 MB workbooks stay far below both.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Small XML parts (styles, repeated empty cells) legitimately compress more than
# 100:1, so the ratio only counts for members big enough to hurt.
_RATIO_CHECK_MIN_BYTES = 10 * 1024 * 1024

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


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
) -> list[tuple[list[list[Any]], str, list[Any], SheetLayout | None]]:
    from kernel import safe_read

    # Row limit plus room for the title block and header, so a huge sheet is
    # never fully materialised.
    nrows = max_rows + HEADER_SCAN_ROWS + 50 if max_rows is not None else None
    parsed = safe_read.read_workbook(data, nrows=nrows)
    return [(p.rows, p.sheet_name, p.merged, p.layout) for p in (parsed, *parsed.others)]


def _body_rows(rows: list[list[Any]]) -> int:
    return sum(1 for row in rows[HEADER_SCAN_ROWS:] if not is_blank_row(row))


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
        found: list[tuple[list[list[Any]], str, list[Any], SheetLayout | None]] = [
            (safe_read.read_text_table(data, _read_csv, sheet_name), sheet_name, [], None)
        ]
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
