"""Vietnamese identifiers of organisations: tax codes (mã số thuế) and contact phones.

A tax code has 10 digits, the last a check digit over the first nine (weights 31, 29, 23,
19, 17, 13, 7, 5, 3; check = 10 - sum mod 11, so a sum divisible by 11 is never issued); a
branch or dependent unit adds a dash and three digits, 001-999 ("0100109106-001"). An
organisation's phone is a mobile (10 digits, 03/05/07/08/09) or a landline: since 2017 every
landline has 11 digits, 02 + the area code + the subscriber ("0214 3840 123" in Lào Cai,
"024 3xxx xxxx" in Hà Nội).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from kernel.normalize import clean_text, normalize_phone

__all__ = ["normalize_contact_phone", "normalize_tax_code", "tax_code_check_digit"]

_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_LANDLINE_RE = re.compile(r"^02\d{9}$")


def tax_code_check_digit(first_nine: str) -> int | None:
    """The 10th digit of a tax code starting with ``first_nine``; None if no code can."""
    total = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True))
    check = 10 - total % 11
    return check if check < 10 else None


def normalize_tax_code(value: Any) -> str:
    """ "0100109106-001" -> "0100109106001"; raises ``ValueError`` naming what is wrong.

    Spaces, dots and dashes are ignored; the result is 10 digits, or 13 for a branch.
    """
    text = re.sub(r"[\s.\-]", "", clean_text(value))
    if not text:
        return ""
    if not re.fullmatch(r"\d{10}|\d{13}", text):
        raise ValueError(
            _("Mã số thuế gồm 10 chữ số, hoặc 10 chữ số, dấu gạch và 3 chữ số của chi nhánh.")
        )
    if tax_code_check_digit(text[:9]) != int(text[9]):
        raise ValueError(
            _("Mã số thuế %(code)s sai chữ số kiểm tra (chữ số thứ 10): hãy kiểm tra lại.")
            % {"code": text[:10]}
        )
    if len(text) == 13 and text[10:] == "000":
        raise ValueError(_("Mã chi nhánh (3 chữ số sau dấu gạch) phải từ 001 đến 999."))
    return text


def normalize_contact_phone(value: Any) -> str:
    """A mobile (10 digits) or landline (11 digits, 02…) number, digits only.

    Accepts spaces, dots, dashes, brackets and +84: "(0214) 3840 123", "+84 24 3825 1234".
    """
    try:
        return normalize_phone(value)
    except ValueError:
        pass
    text = clean_text(value).lstrip("'")
    digits = re.sub(r"\D", "", text) if re.fullmatch(r"[\d\s.\-()+]+", text) else ""
    if digits.startswith("84") and len(digits) == 12:
        digits = "0" + digits[2:]
    if not _LANDLINE_RE.match(digits):
        raise ValueError(
            _(
                "số điện thoại không hợp lệ: di động 10 chữ số (03, 05, 07, 08, 09…) hoặc "
                "cố định 11 chữ số (02…, ví dụ 0214 3840 123)"
            )
        )
    return digits
