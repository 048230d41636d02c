"""Legacy Vietnamese encodings in spreadsheet cells: TCVN3 (ABC) and VNI-Windows.

Lists typed years ago with the ".VnTime" (TCVN3) or "VNI-Times" (VNI) fonts store
one byte per glyph, which Excel reads back as cp1252 letters: "Hoµng V¨n Nam" or
"Nguyeãn Vaên Nam".  ``convert_cell`` turns such a cell into NFC Unicode.  The cell's
font (from the workbook's styles, see ``kernel.xlsx_layout``) is the reliable
signal; without it the text itself is examined, conservatively, so valid Unicode
is never altered.

Pure Python: no models, no database.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from kernel.normalize import (
    _SYLLABLE_RE,
    _TOKEN_RE,
    _UNICODE_VI_ONLY_RE,
    _convert_tcvn3_token,
    fold,
    looks_like_tcvn3,
)

__all__ = [
    "ENCODING_LABELS",
    "TCVN3",
    "TCVN3_UPPER",
    "VNI",
    "convert_cell",
    "decode_tcvn3",
    "decode_vni",
    "encoding_of_font",
    "looks_like_vni",
]

TCVN3 = "tcvn3"
TCVN3_UPPER = "tcvn3-upper"  # ".VnTimeH": the same bytes, drawn as capitals
VNI = "vni"

# Labels for the dry-run notices ("12 ô chuyển từ TCVN3 (ABC)").
ENCODING_LABELS = {TCVN3: "TCVN3 (ABC)", VNI: "VNI-Windows"}


def encoding_of_font(name: str) -> str | None:
    """The legacy encoding a font name implies: ".VnTime" TCVN3, ".VnTimeH" upper, "VNI-Times" VNI."""
    name = (name or "").strip()
    lowered = name.lower()
    if lowered.startswith(".vn"):
        # Upper-case fonts of the ABC set end in "H": .VnTimeH, .VnArialH, .VnAvantH ...
        return TCVN3_UPPER if name.endswith("H") else TCVN3
    if lowered.startswith(("vni-", "vni ")):
        return VNI
    return None


# ------------------------------------------------------------------------ VNI

# VNI-Windows writes a vowel as its ASCII base letter followed by one mark byte
# (as read in cp1252).  Tone marks on a plain vowel:
_VNI_TONES = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
# Circumflex (â ê ô) alone and with a tone:
_VNI_CIRCUMFLEX = {
    "â": "",
    "á": "\u0301",
    "à": "\u0300",
    "å": "\u0309",
    "ã": "\u0303",
    "ä": "\u0323",
}
# Breve (ă) alone and with a tone:
_VNI_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
# Letters VNI stores as one byte.
_VNI_SINGLE = {
    "í": "í",
    "ì": "ì",
    "æ": "ỉ",
    "ó": "ĩ",
    "ò": "ị",
    "î": "ỵ",
    "ñ": "đ",
    "ô": "ơ",
    "ö": "ư",
}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _build_vni() -> dict[str, str]:
    table: dict[str, str] = {}

    def add(seq: str, out: str) -> None:
        table[seq] = _nfc(out)
        # Capitals: the base letter and the mark byte are both upper-case.
        table[seq.upper()] = _nfc(out).upper()
        if len(seq) > 1:
            table[seq[0].upper() + seq[1:]] = _nfc(out)[0].upper() + _nfc(out)[1:]

    for single, out in _VNI_SINGLE.items():
        add(single, out)
    for base in "aeiouy":
        for mark, tone in _VNI_TONES.items():
            add(base + mark, base + tone)
    for base in "aeo":
        for mark, tone in _VNI_CIRCUMFLEX.items():
            add(base + mark, base + "\u0302" + tone)
    for mark, tone in _VNI_BREVE.items():
        add("a" + mark, "a\u0306" + tone)
    for horn, out in (("ô", "ơ"), ("ö", "ư")):
        for mark, tone in _VNI_TONES.items():
            add(horn + mark, out + tone)
    return table


_VNI_TO_UNICODE = _build_vni()
_VNI_RE = re.compile("|".join(re.escape(k) for k in sorted(_VNI_TO_UNICODE, key=len, reverse=True)))
_WORD_RE = re.compile(r"[A-Za-z\xc0-\xff]+")


def decode_vni(text: str) -> str:
    """VNI-Windows text read as cp1252 ("Nguyeãn") to NFC Unicode ("Nguyễn")."""
    return _nfc(_VNI_RE.sub(lambda m: _VNI_TO_UNICODE[m.group(0)], text))


def decode_tcvn3(text: str, *, upper: bool = False) -> str:
    """TCVN3 text read as cp1252 to NFC Unicode; ``upper`` for the ".VnTimeH" fonts."""
    converted = _TOKEN_RE.sub(lambda m: _convert_tcvn3_token(m.group(0)), text)
    converted = _nfc(converted)
    return converted.upper() if upper else converted


_TONE_MARKS = set("\u0300\u0301\u0303\u0309\u0323")


def _is_syllable(word: str) -> bool:
    """A well-formed Vietnamese syllable: onset, vowels, coda, and at most one tone mark."""
    tones = sum(1 for ch in unicodedata.normalize("NFD", word) if ch in _TONE_MARKS)
    return tones <= 1 and bool(_SYLLABLE_RE.match(fold(word)))


def _well_formed_share(words: list[str]) -> float:
    if not words:
        return 0.0
    return sum(1 for word in words if _is_syllable(word)) / len(words)


def _legacy_words(text: str) -> list[str]:
    return [w for w in _WORD_RE.findall(text) if not w.isascii()]


def looks_like_vni(text: str) -> bool:
    """Heuristic: decoding as VNI turns the accented words into more real syllables.

    Conservative: the text must hold no Unicode-only Vietnamese letters, at least
    80 % of its accented words must become syllables, and strictly more of them
    than as read ("Hoàng" stays: it is a syllable already).
    """
    if not isinstance(text, str) or not text or _UNICODE_VI_ONLY_RE.search(text):
        return False
    words = _legacy_words(text)
    if not words:
        return False
    decoded = [decode_vni(w) for w in words]
    if decoded == words:
        return False
    after = _well_formed_share(decoded)
    return after >= 0.8 and after > _well_formed_share(words)


@functools.lru_cache(maxsize=65536)
def _guess(text: str) -> str | None:
    """Legacy encoding of ``text`` judged from the text alone (cached: villages repeat)."""
    vni = looks_like_vni(text)
    tcvn = looks_like_tcvn3(text)
    if vni and tcvn:
        # Both readings make syllables: keep the one that makes more of them.
        words = _legacy_words(text)
        vni_share = _well_formed_share([decode_vni(w) for w in words])
        tcvn_share = _well_formed_share([decode_tcvn3(w) for w in words])
        return VNI if vni_share > tcvn_share else TCVN3
    if vni:
        return VNI
    if tcvn:
        return TCVN3
    return None


def convert_cell(value: object, font_encoding: str | None = None) -> tuple[object, str | None]:
    """Return ``(value, encoding)``: the Unicode text and the legacy encoding it was in.

    ``font_encoding`` is ``encoding_of_font()`` of the cell's font, when known.  Non
    text values, and text already in Unicode Vietnamese, come back unchanged with
    ``None``.  The encoding is ``TCVN3`` (also for the upper-case fonts) or ``VNI``.
    """
    if not isinstance(value, str) or not value or value.isascii() and font_encoding is None:
        return value, None
    if _UNICODE_VI_ONLY_RE.search(value):
        return value, None  # Unicode pasted into a legacy-font cell
    encoding = font_encoding or _guess(value)
    if encoding is None:
        return value, None
    if encoding == VNI:
        converted = decode_vni(value)
    else:
        converted = decode_tcvn3(value, upper=encoding == TCVN3_UPPER)
    if converted == value:
        return value, None
    return converted, (VNI if encoding == VNI else TCVN3)
