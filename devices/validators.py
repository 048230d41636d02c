"""Normalisers for device identifiers and vocabularies, shared by forms and importers.

Each takes a raw value (form input or spreadsheet cell) and returns a clean value
or raises ``ValueError`` with a short Vietnamese message, like ``kernel.normalize``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.utils.translation import gettext as _

from devices.models import Device
from kernel.normalize import clean_text, fold, normalize_digits
from schools.choices import DeviceType

# Device types that carry a cellular modem and therefore an IMEI.
IMEI_TYPES = frozenset({DeviceType.TABLET, DeviceType.SMARTPHONE})


def luhn_ok(digits: str) -> bool:
    """True when the last digit of ``digits`` is the Luhn check digit of the rest."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass the Luhn check (for demo data, tests)."""
    for digit in "0123456789":
        if luhn_ok(body + digit):
            return digit
    raise ValueError(body)  # unreachable for a digit string


def normalize_imei(value: Any) -> str:
    """15 digits with a valid Luhn check digit; spaces, dots and dashes are ignored."""
    digits = normalize_digits(value, length=15, restore_leading_zero=False)
    if not luhn_ok(digits):
        raise ValueError(_("IMEI không hợp lệ (sai chữ số kiểm tra Luhn)"))
    return digits


def normalize_serial(value: Any) -> str:
    """Upper-case serial number without spaces; a numeric Excel cell loses its ".0"."""
    if isinstance(value, float) and not math.isnan(value) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s+", "", clean_text(value)).lstrip("'").upper()
    if not text:
        raise ValueError(_("bắt buộc"))
    if len(text) > 60:
        raise ValueError(_("dài quá 60 ký tự"))
    if not re.fullmatch(r"[A-Z0-9./_\-]+", text):
        raise ValueError(_("chỉ gồm chữ cái không dấu, chữ số và các dấu . / - _"))
    return text


def normalize_iccid(value: Any) -> str:
    """SIM card number: 19 or 20 digits (starting 89 for telecom cards)."""
    digits = normalize_digits(value, length=(19, 20), restore_leading_zero=False)
    if not digits.startswith("89"):
        raise ValueError(_("số ICCID phải bắt đầu bằng 89"))
    return digits


_TYPE_WORDS: dict[str, str] = {
    "may tinh bang": DeviceType.TABLET,
    "mtb": DeviceType.TABLET,
    "tablet": DeviceType.TABLET,
    "ipad": DeviceType.TABLET,
    "may tinh xach tay": DeviceType.LAPTOP,
    "mtxt": DeviceType.LAPTOP,
    "laptop": DeviceType.LAPTOP,
    "notebook": DeviceType.LAPTOP,
    "may tinh de ban": DeviceType.DESKTOP,
    "may de ban": DeviceType.DESKTOP,
    "desktop": DeviceType.DESKTOP,
    "pc": DeviceType.DESKTOP,
    "may tinh ban": DeviceType.DESKTOP,
    "dien thoai thong minh": DeviceType.SMARTPHONE,
    "dien thoai": DeviceType.SMARTPHONE,
    "smartphone": DeviceType.SMARTPHONE,
    "dtdd": DeviceType.SMARTPHONE,
}


def _key(value: Any) -> str:
    return re.sub(r"[^a-z0-9]+", " ", fold(value)).strip()


def parse_device_type(value: Any) -> str:
    """ "Máy tính bảng", "tablet", "MTB" -> ``DeviceType.TABLET`` (also the stored codes)."""
    key = _key(value)
    for choice in DeviceType:
        if key in (_key(choice.value), _key(choice.label)):
            return choice.value
    if key in _TYPE_WORDS:
        return _TYPE_WORDS[key]
    raise ValueError(
        _("không thuộc danh mục (máy tính để bàn, máy tính xách tay, máy tính bảng, điện thoại)")
    )


_CONDITION_WORDS: dict[str, str] = {
    "moi": Device.Condition.NEW,
    "new": Device.Condition.NEW,
    "moi 100": Device.Condition.NEW,
    "da qua su dung": Device.Condition.USED_GOOD,
    "da qua su dung tot": Device.Condition.USED_GOOD,
    "cu": Device.Condition.USED_GOOD,
    "cu tot": Device.Condition.USED_GOOD,
    "used": Device.Condition.USED_GOOD,
    "tot": Device.Condition.USED_GOOD,
    "tan trang": Device.Condition.REFURBISHED,
    "refurbished": Device.Condition.REFURBISHED,
    "hong": Device.Condition.DAMAGED,
    "damaged": Device.Condition.DAMAGED,
}


def parse_condition(value: Any) -> str:
    """ "Mới", "đã qua sử dụng", "tân trang", "hỏng" -> ``Device.Condition``."""
    key = _key(value)
    for choice in Device.Condition:
        if key in (_key(choice.value), _key(choice.label)):
            return choice.value
    if key in _CONDITION_WORDS:
        return _CONDITION_WORDS[key]
    raise ValueError(_("không thuộc danh mục (mới, đã qua sử dụng, tân trang, hỏng)"))
