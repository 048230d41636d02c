"""What calamine does not tell about an .xlsx sheet: hidden rows and legacy-font cells.

``scan_layout(data, sheet_name)`` reads, once per file:

* ``xl/workbook.xml`` and its relationships (which part holds the sheet),
* ``xl/styles.xml`` (small; parsed with defusedxml): the font of every cell style,
  to know which styles use a TCVN3 (".VnTime", ".VnTimeH") or VNI ("VNI-Times") font,
* the sheet's XML, streamed in chunks and scanned with regular expressions (never a
  DOM: a 10,000-row sheet stays cheap): ``<row hidden="1">`` and, when legacy styles
  exist, the ``s`` style index of each cell.

Anything unexpected gives an empty layout: the values calamine read are still used.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import IO

from defusedxml import ElementTree

from kernel.legacy import encoding_of_font

__all__ = ["SheetLayout", "scan_layout"]

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CHUNK = 1024 * 1024
_ROW_RE = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_TAG_RE = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*?)/?>")
_ATTR_R = re.compile(rb'\br="([A-Z]*)(\d+)"')
_ATTR_S = re.compile(rb'\bs="(\d+)"')
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')


@dataclass
class SheetLayout:
    """0-based hidden row indexes, and the legacy encoding of cells by (row, col)."""

    hidden_rows: set[int] = field(default_factory=set)
    cell_encodings: dict[tuple[int, int], str] = field(default_factory=dict)


def _column_index(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ch - 64)
    return index - 1


def _sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rel_id = None
    for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
        if sheet.get("name") == sheet_name:
            rel_id = sheet.get(f"{_REL_NS}id")
            break
    if rel_id is None:
        return None
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target") or ""
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target))
    return None


def _legacy_styles(archive: zipfile.ZipFile) -> dict[int, str]:
    """Cell style index -> legacy encoding, for styles whose font is a legacy font."""
    try:
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    except KeyError:
        return {}
    fonts: list[str | None] = []
    fonts_node = styles.find(f"{_MAIN_NS}fonts")
    for font in fonts_node if fonts_node is not None else ():
        name = font.find(f"{_MAIN_NS}name")
        fonts.append(encoding_of_font(name.get("val", "")) if name is not None else None)
    result: dict[int, str] = {}
    xfs = styles.find(f"{_MAIN_NS}cellXfs")
    for index, xf in enumerate(xfs if xfs is not None else ()):
        font_id = int(xf.get("fontId", "0") or 0)
        encoding = fonts[font_id] if 0 <= font_id < len(fonts) else None
        if encoding:
            result[index] = encoding
    return result


def _scan_sheet(stream: IO[bytes], legacy: dict[int, str]) -> SheetLayout:
    layout = SheetLayout()
    row_index = -1
    col_index = -1
    tail = b""
    while True:
        chunk = stream.read(_CHUNK)
        buffer = tail + chunk
        if not buffer:
            break
        # Only scan up to the last complete tag; keep the rest for the next chunk.
        cut = buffer.rfind(b">") + 1 if chunk else len(buffer)
        text, tail = buffer[:cut], buffer[cut:]
        pattern = _TAG_RE if legacy else _ROW_RE
        for match in pattern.finditer(text):
            if legacy:
                kind, attrs = match.group(1), match.group(2)
            else:
                kind, attrs = b"row", match.group(1)
            position = _ATTR_R.search(attrs)
            if kind == b"row":
                row_index = int(position.group(2)) - 1 if position else row_index + 1
                col_index = -1
                if _HIDDEN.search(attrs):
                    layout.hidden_rows.add(row_index)
                continue
            col_index = _column_index(position.group(1)) if position else col_index + 1
            style = _ATTR_S.search(attrs)
            if style is not None:
                encoding = legacy.get(int(style.group(1)))
                if encoding:
                    layout.cell_encodings[(row_index, col_index)] = encoding
        if not chunk:
            break
    return layout


def scan_layout(data: bytes, sheet_name: str) -> SheetLayout:
    """Hidden rows and legacy-font cells of the .xlsx sheet ``sheet_name`` (empty if unknown)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            part = _sheet_part(archive, sheet_name)
            if part is None:
                return SheetLayout()
            legacy = _legacy_styles(archive)
            with archive.open(part) as stream:
                return _scan_sheet(stream, legacy)
    except Exception:  # noqa: BLE001 - a layout we cannot read leaves the values as read
        return SheetLayout()
