"""What calamine does not tell about an .xlsx sheet: hidden rows and legacy-font cells.

The sheet XML is read once, by the extent scan of ``kernel.safe_read`` (which
feeds each inflated chunk to a ``LayoutScan`` here), never by a DOM:

* ``<row hidden="1">``: a chunk with no ``hidden=`` in it costs one byte search;
* when ``xl/styles.xml`` names a TCVN3 (".VnTime", ".VnTimeH") or VNI ("VNI-Times")
  font, the ``s`` style index of each cell, to know which cells use it.  A file
  without such a font (almost every file) costs no per-cell work.

``legacy_styles(archive)`` reads the styles part (parsed with defusedxml only when
it names a legacy font).  ``scan_layout(data, sheet_name)`` is the same scan on its
own, for a caller holding a workbook and no extent scan.  Anything unexpected gives
an empty layout: the values calamine read are still used.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from defusedxml import ElementTree

from kernel.legacy import encoding_of_font

__all__ = ["LayoutScan", "SheetLayout", "legacy_styles", "scan_layout"]

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CHUNK = 1024 * 1024
_ROW_RE = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_TAG_RE = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*?)/?>")
_ATTR_R = re.compile(rb'\br="([A-Z]*)(\d+)"')
_ATTR_S = re.compile(rb'\bs="(\d+)"')
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
# A font name the legacy decoders know (``kernel.legacy.encoding_of_font``).
_LEGACY_FONT_RE = re.compile(rb"val=[\"']\s*(?:\.vn|vni[- ])", re.IGNORECASE)


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


class LayoutScan:
    """The layout of one sheet, built from its XML fed chunk by chunk (``feed``, ``close``).

    Three paths, cheapest first: rows carry ``r`` and no cell style is legacy (a
    chunk is looked at only if it contains ``hidden=``); rows without ``r`` (rare
    writers: each row tag is counted); legacy styles (each cell tag is read).
    """

    def __init__(self, legacy: dict[int, str]) -> None:
        self.layout = SheetLayout()
        self.legacy = legacy
        self.row_index = -1
        self.col_index = -1
        self.tail = b""
        # Decided at the first row tag: do rows carry their number (``r``)?
        self.numbered: bool | None = None

    def feed(self, chunk: bytes) -> None:
        buffer = self.tail + chunk
        # Only scan up to the last complete tag; keep the rest for the next chunk.
        cut = buffer.rfind(b">") + 1
        self.tail = buffer[cut:]
        self._scan(buffer[:cut])

    def close(self) -> SheetLayout:
        if self.tail:
            self._scan(self.tail)
            self.tail = b""
        return self.layout

    def _scan(self, text: bytes) -> None:
        if self.numbered is None:
            first = _ROW_RE.search(text)
            if first is None:
                return
            self.numbered = _ATTR_R.search(first.group(1)) is not None
        if self.legacy:
            self._scan_cells(text)
        elif not self.numbered or b"hidden=" in text:
            self._scan_rows(text)

    def _scan_rows(self, text: bytes) -> None:
        hidden = self.layout.hidden_rows
        for match in _ROW_RE.finditer(text):
            attrs = match.group(1)
            position = _ATTR_R.search(attrs)
            self.row_index = int(position.group(2)) - 1 if position else self.row_index + 1
            if _HIDDEN.search(attrs):
                hidden.add(self.row_index)

    def _scan_cells(self, text: bytes) -> None:
        layout, legacy = self.layout, self.legacy
        for match in _TAG_RE.finditer(text):
            kind, attrs = match.group(1), match.group(2)
            position = _ATTR_R.search(attrs)
            if kind == b"row":
                self.row_index = int(position.group(2)) - 1 if position else self.row_index + 1
                self.col_index = -1
                if _HIDDEN.search(attrs):
                    layout.hidden_rows.add(self.row_index)
                continue
            self.col_index = _column_index(position.group(1)) if position else self.col_index + 1
            style = _ATTR_S.search(attrs)
            if style is not None:
                encoding = legacy.get(int(style.group(1)))
                if encoding:
                    layout.cell_encodings[(self.row_index, self.col_index)] = encoding


def legacy_styles(archive: zipfile.ZipFile) -> dict[int, str]:
    """Cell style index -> legacy encoding, for styles whose font is a legacy font."""
    try:
        raw = archive.read("xl/styles.xml")
    except KeyError:
        return {}
    if not _LEGACY_FONT_RE.search(raw):
        return {}
    styles = ElementTree.fromstring(raw)
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


def scan_layout(data: bytes, sheet_name: str) -> SheetLayout:
    """Hidden rows and legacy-font cells of the .xlsx sheet ``sheet_name`` (empty if unknown)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            part = _sheet_part(archive, sheet_name)
            if part is None:
                return SheetLayout()
            scan = LayoutScan(legacy_styles(archive))
            with archive.open(part) as stream:
                while chunk := stream.read(_CHUNK):
                    scan.feed(chunk)
            return scan.close()
    except Exception:  # noqa: BLE001 - a layout we cannot read leaves the values as read
        return SheetLayout()
