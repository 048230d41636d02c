"""Numbers read out in Vietnamese, as official documents write amounts: "Bằng chữ: …".

The rules a reader applies, and the sheet's accountant checks:

- units after "mươi" (20-99): 1 is "mốt" (hai mươi mốt), 5 is "lăm" (hai mươi lăm); after
  "mười" (10-19): 5 is "lăm" (mười lăm), 1 stays "một" (mười một);
- a zero tens digit between a spoken hundred and a unit is "linh" (một trăm linh năm);
- inside a number, a group of three with no hundreds still says "không trăm"
  (một nghìn không trăm linh năm, hai triệu không trăm năm mươi nghìn); empty groups are
  skipped (một triệu không trăm linh một);
- scales are nghìn, triệu, tỷ, and above a billion the count of tỷ is itself read
  (một nghìn tỷ, hai nghìn năm trăm tỷ).
"""

from __future__ import annotations

__all__ = ["amount_in_words", "read_number"]

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_BILLION = 1_000_000_000


def _units_after_tens(tens: int, units: int) -> list[str]:
    if units == 0:
        return []
    if units == 5:
        return ["lăm"]
    if units == 1 and tens >= 2:
        return ["mốt"]
    return [_DIGITS[units]]


def _group(number: int, *, full: bool) -> list[str]:
    """Words for 0 < ``number`` < 1000; ``full`` reads an empty hundred ("không trăm")."""
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            words += ["linh", _DIGITS[units]] if words else [_DIGITS[units]]
    elif tens == 1:
        words += ["mười", *_units_after_tens(1, units)]
    else:
        words += [_DIGITS[tens], "mươi", *_units_after_tens(tens, units)]
    return words


def _below_billion(number: int, *, full: bool) -> list[str]:
    words: list[str] = []
    for scale, size in (("triệu", 1_000_000), ("nghìn", 1_000), ("", 1)):
        group = number // size % 1000
        if not group:
            continue
        words += _group(group, full=full or bool(words))
        if scale:
            words.append(scale)
    return words


def _words(number: int, *, full: bool = False) -> list[str]:
    if number >= _BILLION:
        high, low = divmod(number, _BILLION)
        return [*_words(high, full=full), "tỷ", *(_below_billion(low, full=True) if low else [])]
    return _below_billion(number, full=full)


def read_number(number: int) -> str:
    """``125_000_000`` -> ``"một trăm hai mươi lăm triệu"``; 0 is "không"."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"read_number() needs an int, got {type(number).__name__}")
    if number < 0:
        return "âm " + read_number(-number)
    return " ".join(_words(number)) if number else _DIGITS[0]


def amount_in_words(amount: int) -> str:
    """An amount of đồng as a sentence: ``"Một trăm hai mươi lăm triệu đồng chẵn."``."""
    if not amount:
        return "Không đồng."
    text = read_number(int(amount))
    return f"{text[:1].upper()}{text[1:]} đồng chẵn."
