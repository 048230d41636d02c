"""PDF rendering of official Vietnamese administrative documents.

One place that lays out the standard header block of Decree 30/2020/NĐ-CP
(issuer on the left, national motto on the right, number and dated place line),
a title, body text, tables and signature blocks.  Used for the device handover
record (biên bản bàn giao), donor acknowledgements and progress reports.

Fonts come from the ``fontpkg-noto-sans`` package only (no network, no system
fonts).  Its variable TTFs are cut down to Latin + Vietnamese and turned into
static instances once, into a cache directory: by ``prepare_fonts`` where the portal
is installed (``manage.py prepare_fonts``), else on first use.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
import os
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import fontpkg_noto_sans
from django.utils.translation import pgettext
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.util import Padding

__all__ = ["OfficialDocument", "OfficialHeader", "format_date_vi", "format_vnd"]

FAMILY = "NotoSans"
_SOURCES = {"": "NotoSans[wdth,wght].ttf", "B": "NotoSans[wdth,wght].ttf"}
_SOURCES |= {"I": "NotoSans-Italic[wdth,wght].ttf", "BI": "NotoSans-Italic[wdth,wght].ttf"}
# Basic Latin .. Latin Extended-B, combining marks, Latin Extended Additional
# (precomposed Vietnamese), punctuation, currency symbols (₫), arrows, math, shapes.
_UNICODES = [*range(0x20, 0x250), *range(0x300, 0x370), *range(0x1E00, 0x1F00)]
_UNICODES += [*range(0x2000, 0x2070), *range(0x20A0, 0x20D0), *range(0x2100, 0x2300)]
_UNICODES += [*range(0x25A0, 0x2600)]
_FONT_CACHE_VERSION = "1"
_font_lock = threading.Lock()
_VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_CELL_PADDING = Padding(top=1, right=1.5, bottom=1, left=1.5)
_NUMERIC = re.compile(r"^[+-]?[\d.,\s]+(đ|%)?$")


def _font_cache_dir() -> Path:
    """FONT_CACHE_DIR or MEDIA_ROOT/fonts when Django settings are usable, else the system temp dir."""
    try:
        from django.conf import settings

        explicit = getattr(settings, "FONT_CACHE_DIR", None)
        media_root = settings.MEDIA_ROOT
    except Exception:  # settings absent or not configured: stay usable without Django
        explicit = media_root = None
    if explicit:
        return Path(explicit)
    if media_root:
        return Path(media_root) / "fonts"
    return Path(tempfile.gettempdir()) / "laocai_portal_fonts"


def _target(style: str) -> Path:
    source = fontpkg_noto_sans.ROOT / "files" / _SOURCES[style]
    stat = source.stat()
    key = f"{_FONT_CACHE_VERSION}:{source.name}:{stat.st_size}:{stat.st_mtime_ns}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return _font_cache_dir() / f"{FAMILY}-{style or 'R'}-{digest}.ttf"


def _build(source_name: str, styles: list[str]) -> None:
    """Subset one variable TTF once (the slow half: ~15 s on the 2-core machine) and
    write a static instance per style of it."""
    font = TTFont(fontpkg_noto_sans.ROOT / "files" / source_name)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_UNICODES)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    subsetted = buffer.getvalue()
    for style in styles:
        axes = {"wght": 700 if "B" in style else 400, "wdth": 100}
        static = instancer.instantiateVariableFont(TTFont(io.BytesIO(subsetted)), axes, static=True)
        out = io.BytesIO()
        static.save(out)
        target = _target(style)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write-then-rename so concurrent processes never read a half-written file.
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(out.getvalue())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)


def prepare_fonts() -> list[Path]:
    """Build every missing style now (``manage.py prepare_fonts``, run where the portal is
    installed), so no document waits for it: about a minute on an empty cache, nothing
    when the files exist. Styles sharing a source file are subsetted together."""
    with _font_lock:
        missing: dict[str, list[str]] = {}
        for style, source_name in _SOURCES.items():
            if not _target(style).exists():
                missing.setdefault(source_name, []).append(style)
        for source_name, styles in missing.items():
            _build(source_name, styles)
    return [_target(style) for style in _SOURCES]


@functools.cache
def _font_path(style: str) -> Path:
    """Static TTF for ``style`` ("", "B", "I", "BI"), built on first use when
    ``prepare_fonts`` has not run, and cached on disk."""
    target = _target(style)
    if not target.exists():
        prepare_fonts()
    return target


def format_vnd(amount: int | Decimal) -> str:
    """Format an amount of đồng the Vietnamese way: ``1234567`` -> ``"1.234.567 đ"``.

    Decimals are rounded half-up to whole đồng; floats are refused (money is never float).
    """
    if isinstance(amount, float | bool) or not isinstance(amount, int | Decimal):
        raise TypeError(f"format_vnd() needs int or Decimal, got {type(amount).__name__}")
    # "đ" on Vietnamese pages and documents, "VND" in English.
    symbol = pgettext("currency symbol after an amount", "đ")
    return f"{_group(amount)} {symbol}"


def _group(number: int | Decimal) -> str:
    """Whole number with dots as thousands separators: ``-1234`` -> ``"-1.234"``."""
    whole = int(Decimal(number).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return f"{whole:,}".replace(",", ".")


def format_date_vi(d: datetime.date, *, pad: bool = False) -> str:
    """``date(2021, 7, 5)`` -> ``"ngày 5 tháng 7 năm 2021"``.

    ``pad=True`` follows Decree 30/2020 for document headers: days below 10 and
    months 1 and 2 get a leading zero (``"ngày 05 tháng 02 năm 2021"``).  Aware
    datetimes are converted to Vietnam time first.
    """
    if isinstance(d, datetime.datetime):
        d = (d.astimezone(_VN_TZ) if d.tzinfo else d).date()
    day = f"{d.day:02d}" if pad else str(d.day)
    month = f"{d.month:02d}" if pad and d.month < 3 else str(d.month)
    return f"ngày {day} tháng {month} năm {d.year}"


def _lines(result: object) -> list[str]:
    """The line list from ``multi_cell(dry_run=True, output="LINES")``."""
    assert isinstance(result, list)
    return result


def _nfc(value: object) -> str:
    """Cell/paragraph text in NFC, so decomposed input (e.g. from Excel) maps to glyphs."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return _group(value)
    return unicodedata.normalize("NFC", "" if value is None else str(value))


@dataclass
class OfficialHeader:
    """Who issues the document, its number, and where/when (the header block)."""

    issuer_parent: str
    issuer: str
    number: str = ""
    place: str = ""
    date: datetime.date = field(default_factory=lambda: datetime.datetime.now(_VN_TZ).date())


class _PDF(FPDF):
    """FPDF with lazily registered Noto Sans styles and a "Trang x/y" footer."""

    page_numbers = True

    def use_font(self, style: str = "", size: float = 12) -> None:
        style = "".join(sorted(style))
        if f"{FAMILY.lower()}{style}" not in self.fonts:
            self.add_font(FAMILY, style, _font_path(style))
        self.set_font(FAMILY, style, size)

    def footer(self) -> None:
        if not self.page_numbers:
            return
        self.set_y(-12)
        self.use_font("I", 9)
        self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")


class OfficialDocument:
    """An official document (A4, portrait or ``orientation="L"``) built top to bottom.

    The header block and title are drawn on construction; then call
    :meth:`paragraph`, :meth:`heading`, :meth:`key_values`, :meth:`table` and
    :meth:`signature_blocks` in reading order, and finally :meth:`output`.
    """

    line_height = 6.0

    def __init__(
        self,
        header: OfficialHeader,
        title: str,
        subtitle: str = "",
        orientation: str = "P",
        *,
        page_numbers: bool = True,
    ) -> None:
        self.header = header
        pdf = _PDF(orientation=orientation, unit="mm", format="A4")
        pdf.page_numbers = page_numbers
        # Decree 30/2020 margins: left 30, right 15, top/bottom 20 mm.
        pdf.set_margins(left=30, top=20, right=15)
        pdf.set_auto_page_break(auto=True, margin=20)
        pdf.set_title(_nfc(title))
        pdf.set_creator("Cổng Sóng và máy tính cho em - Lào Cai")
        pdf.add_page()
        self._pdf = pdf
        self._draw_header()
        pdf.use_font("B", 14)
        pdf.ln(8)
        pdf.multi_cell(0, 7, _nfc(title).upper(), align="C", new_x=XPos.LMARGIN)
        if subtitle:
            pdf.use_font("B", 12)
            pdf.multi_cell(0, self.line_height, _nfc(subtitle), align="C", new_x=XPos.LMARGIN)
        pdf.ln(4)

    def _draw_header(self) -> None:
        pdf, h = self._pdf, self.header
        left_w = pdf.epw * 0.4
        right_w = pdf.epw - left_w
        x_left, x_right, top = pdf.l_margin, pdf.l_margin + left_w, pdf.get_y()

        def centered(x: float, w: float, text: str, style: str, size: float) -> None:
            pdf.use_font(style, size)
            pdf.set_x(x)
            pdf.multi_cell(w, 5.5, text, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)

        def rule(x: float, w: float, length: float) -> None:
            y = pdf.get_y() + 0.8
            pdf.set_line_width(0.3)
            pdf.line(x + (w - length) / 2, y, x + (w + length) / 2, y)

        pdf.set_y(top)
        centered(x_left, left_w, _nfc(h.issuer_parent).upper(), "", 11)
        centered(x_left, left_w, _nfc(h.issuer).upper(), "B", 11)
        rule(x_left, left_w, left_w / 3)
        left_bottom = pdf.get_y() + 3

        pdf.set_y(top)
        centered(x_right, right_w, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", 11)
        motto = "Độc lập - Tự do - Hạnh phúc"
        centered(x_right, right_w, motto, "B", 12)
        rule(x_right, right_w, pdf.get_string_width(motto))
        right_bottom = pdf.get_y() + 3

        pdf.set_y(max(left_bottom, right_bottom))
        line_y = pdf.get_y()
        if h.number:
            centered(x_left, left_w, _nfc(h.number), "", 11)
        if h.date or h.place:
            pdf.set_y(line_y)
            when = format_date_vi(h.date, pad=True) if h.date else ""
            place = f"{_nfc(h.place)}, {when}" if h.place and when else _nfc(h.place) or when
            centered(x_right, right_w, place[:1].upper() + place[1:], "I", 11)
        pdf.set_x(pdf.l_margin)

    def page_break(self) -> None:
        """Start a new page (e.g. one section per school on a sheet handed out by school)."""
        self._pdf.add_page()

    def paragraph(
        self, text: str, bold: bool = False, italic: bool = False, *, keep_with_next: float = 0
    ) -> None:
        """A justified paragraph of body text.

        ``keep_with_next`` (mm) is the height of what must follow on the same page (the
        closing block): when both do not fit, the paragraph starts a new page.
        """
        pdf = self._pdf
        pdf.use_font(("B" if bold else "") + ("I" if italic else ""), 12)
        if keep_with_next:
            lines = _lines(
                pdf.multi_cell(0, self.line_height, _nfc(text), dry_run=True, output="LINES")
            )
            if pdf.will_page_break(len(lines) * self.line_height + 1.5 + keep_with_next):
                pdf.add_page()
        pdf.multi_cell(0, self.line_height, _nfc(text), align="J", new_x=XPos.LMARGIN)
        pdf.ln(1.5)

    def heading(self, text: str, *, keep_with_next: float = 0) -> None:
        """A bold section heading, e.g. ``"I. THÔNG TIN THIẾT BỊ"``.

        ``keep_with_next`` (mm): the height of a short section that must follow on its page.
        """
        pdf = self._pdf
        # Never strand a heading at the bottom.
        if pdf.will_page_break(max(3 * self.line_height, self.line_height + keep_with_next)):
            pdf.add_page()
        pdf.ln(2)
        pdf.use_font("B", 12)
        pdf.multi_cell(0, self.line_height, _nfc(text), align="L", new_x=XPos.LMARGIN)
        pdf.ln(1)

    def key_values(self, pairs: list[tuple[str, str]]) -> None:
        """Lines of ``label: value`` with the value in bold (wraps at the margin)."""
        pdf = self._pdf
        for label, value in pairs:
            pdf.set_x(pdf.l_margin)
            pdf.use_font("", 12)
            pdf.write(self.line_height, f"{_nfc(label)}: ")
            pdf.use_font("B", 12)
            pdf.write(self.line_height, _nfc(value))
            pdf.ln(self.line_height)
        pdf.ln(1.5)

    def table(
        self,
        headers: list[str],
        rows: list[list[str | int]],
        widths: list[float] | None = None,
        totals: list | None = None,
        font_size: float = 10,
        *,
        keep_with_next: float = 0,
    ) -> None:
        """A bordered table; rows grow to fit wrapped text, the header repeats per page.

        ``keep_with_next`` (mm) keeps the last row on the page of what follows (the closing
        block): when they do not fit together, the last row moves to a new page with the
        header, so a signature is never alone on its page.

        ``widths`` are relative (scaled to the usable page width; equal by default).
        ``int``/``Decimal`` cells are grouped with dots (``1.234``) and right-aligned,
        as are numeric-looking strings such as ``"1.234.567 đ"``; pass codes and
        years as ``str`` to keep them ungrouped.  ``totals`` is a bold last row.
        """
        pdf = self._pdf
        widths = widths or [1.0] * len(headers)
        scale = pdf.epw / sum(widths)
        widths = [w * scale for w in widths]
        line_h = font_size * 0.5

        def draw_row(cells: list, style: str, header: bool = False, keep: float = 0) -> None:
            self._table_row(cells, headers, widths, style, font_size, header=header, keep=keep)

        pdf.set_line_width(0.2)
        if pdf.will_page_break(4 * line_h + 4):
            pdf.add_page()
        draw_row(headers, "B", header=True)
        last = len(rows) - 1
        for i, row in enumerate(rows):
            draw_row(row, "", keep=keep_with_next + 3 if i == last and not totals else 0)
        if totals:
            draw_row(totals, "B", keep=keep_with_next + 3)
        pdf.ln(3)

    def _table_row(
        self,
        cells: list,
        headers: list[str],
        widths: list[float],
        style: str,
        font_size: float,
        *,
        header: bool = False,
        keep: float = 0,
    ) -> None:
        """One row of :meth:`table`; a row that does not fit (with ``keep`` mm after it)
        starts a new page under a repeated header."""
        pdf = self._pdf
        line_h = font_size * 0.5
        pdf.use_font(style, font_size)
        texts = [_nfc(c) for c in cells]
        aligns = ["C" if header else self._align(c) for c in cells]
        height = 2 + line_h * max(
            len(
                _lines(
                    pdf.multi_cell(
                        w, line_h, t, dry_run=True, output="LINES", padding=_CELL_PADDING
                    )
                )
            )
            for w, t in zip(widths, texts, strict=True)
        )
        if not header and pdf.will_page_break(height + keep):
            pdf.add_page()
            self._table_row(headers, headers, widths, "B", font_size, header=True)
            pdf.use_font(style, font_size)
        x, y = pdf.l_margin, pdf.get_y()
        for w, text, align in zip(widths, texts, aligns, strict=True):
            if header:
                pdf.set_fill_color(230, 230, 230)
                pdf.rect(x, y, w, height, style="DF")
            else:
                pdf.rect(x, y, w, height)
            pdf.set_xy(x, y)
            pdf.multi_cell(w, line_h, text, align=align, padding=_CELL_PADDING)
            x += w
        pdf.set_xy(pdf.l_margin, y + height)

    @staticmethod
    def _align(value: object) -> str:
        if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
            return "R"
        return "R" if _NUMERIC.match(str(value)) else "L"

    def signature_blocks(self, blocks: list[tuple[str, str, str]]) -> None:
        """Side-by-side signature columns of (title, note, name), kept on one page.

        E.g. ``("ĐẠI DIỆN NHÀ TRƯỜNG", "(Ký, ghi rõ họ tên, đóng dấu)", "Nguyễn Văn A")``;
        an empty name leaves the space for a handwritten one.
        """
        pdf = self._pdf
        if not blocks:
            return
        if pdf.will_page_break(50):
            pdf.add_page()
        pdf.ln(4)
        width = pdf.epw / len(blocks)
        top = pdf.get_y()
        bottom = self._draw_signatures(blocks, pdf.l_margin, width, top, bottom=top)
        pdf.set_xy(pdf.l_margin, bottom + 3)

    def _draw_signatures(
        self,
        blocks: list[tuple[str, str, str]],
        left: float,
        width: float,
        top: float,
        *,
        bottom: float,
    ) -> float:
        """Signature blocks side by side from ``left``, each ``width`` wide: title, note,
        space to sign, name. Returns the lowest point reached (at least ``bottom``)."""
        pdf = self._pdf
        for i, (title, note, name) in enumerate(blocks):
            x = left + i * width
            pdf.set_xy(x, top)
            pdf.use_font("B", 11)
            pdf.multi_cell(width, 5.5, _nfc(title).upper(), align="C", new_x=XPos.LEFT)
            if note:
                pdf.use_font("I", 10)
                pdf.multi_cell(width, 5, _nfc(note), align="C", new_x=XPos.LEFT)
            pdf.set_xy(x, pdf.get_y() + 25)
            pdf.use_font("B", 11)
            pdf.multi_cell(width, 5.5, _nfc(name), align="C", new_x=XPos.LEFT)
            bottom = max(bottom, pdf.get_y())
        return bottom

    _RECIPIENT_LINE = 5.0
    _CLOSING_GAP = 4.0

    def closing_height(self, recipients: list[str], blocks: list[tuple[str, str, str]]) -> float:
        """The height (mm) :meth:`closing` will take, to keep the text before it on its page."""
        pdf = self._pdf
        left = (1 + len(recipients)) * self._RECIPIENT_LINE if recipients else 0.0
        width = pdf.epw * (0.6 if recipients else 1.0) / max(len(blocks), 1)
        right = 0.0
        for title, note, _name in blocks:
            pdf.use_font("B", 11)
            lines = len(
                _lines(
                    pdf.multi_cell(width, 5.5, _nfc(title).upper(), dry_run=True, output="LINES")
                )
            )
            right = max(right, lines * 5.5 + (5 if note else 0) + 25 + 5.5)
        return self._CLOSING_GAP + max(left, right) + 3

    def closing(self, recipients: list[str], blocks: list[tuple[str, str, str]]) -> None:
        """The end of an official document (Decree 30/2020): "Nơi nhận:" on the left, the
        signature blocks on the right, side by side and on one page.

        ``recipients`` are the lines under "Nơi nhận:" ("- UBND tỉnh (b/c);", "- Lưu: VT.").
        """
        pdf = self._pdf
        if pdf.will_page_break(self.closing_height(recipients, blocks)):
            pdf.add_page()
        pdf.ln(self._CLOSING_GAP)
        top = pdf.get_y()
        left_w = pdf.epw * 0.4 if recipients else 0.0
        if recipients:
            pdf.set_xy(pdf.l_margin, top)
            pdf.use_font("BI", 11)
            pdf.cell(left_w, self._RECIPIENT_LINE, "Nơi nhận:", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.use_font("", 10)
            for line in recipients:
                pdf.cell(
                    left_w, self._RECIPIENT_LINE, _nfc(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT
                )
        width = (pdf.epw - left_w) / max(len(blocks), 1)
        bottom = self._draw_signatures(
            blocks, pdf.l_margin + left_w, width, top, bottom=pdf.get_y()
        )
        pdf.set_xy(pdf.l_margin, bottom + 3)

    def output(self) -> bytes:
        """The finished PDF as bytes."""
        return bytes(self._pdf.output())
