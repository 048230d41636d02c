"""Tax codes by their check digit, and organisations' phones (mobile or landline)."""

import pytest

from kernel.identifiers import normalize_contact_phone, normalize_tax_code, tax_code_check_digit

# Real tax codes of donors to the programme (published in the national business register).
VALID = {
    "0100109106": "Viettel (Tập đoàn Công nghiệp - Viễn thông Quân đội)",
    "0100684378": "VNPT (Tập đoàn Bưu chính Viễn thông Việt Nam)",
    "0100686209": "MobiFone (Tổng công ty Viễn thông MobiFone)",
    "0100112437": "Vietcombank (Ngân hàng TMCP Ngoại thương Việt Nam)",
    "0100686174": "Agribank (Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam)",
}


@pytest.mark.parametrize("code", sorted(VALID))
def test_real_tax_codes_pass_their_check_digit(code):
    assert tax_code_check_digit(code[:9]) == int(code[9])
    assert normalize_tax_code(code) == code


@pytest.mark.parametrize(
    "code",
    ["0000000000", "0100109107", "0100684379", "0100686200", "1234567890", "0100112430"],
)
def test_a_wrong_check_digit_is_refused(code):
    with pytest.raises(ValueError, match="sai chữ số kiểm tra"):
        normalize_tax_code(code)


def test_check_digit_is_none_when_no_code_can_exist():
    # 0000000000: the weighted sum is 0, divisible by 11, so 10 - 0 is no digit.
    assert tax_code_check_digit("000000000") is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0100109106-001", "0100109106001"),
        ("0100109106 - 012", "0100109106012"),
        ("0100.109.106", "0100109106"),
        (" 0100684378 ", "0100684378"),
        ("", ""),
    ],
)
def test_branch_codes_and_punctuation(typed, stored):
    assert normalize_tax_code(typed) == stored


@pytest.mark.parametrize("code", ["0100109107-001", "0100109106-000", "01001091", "010010910600"])
def test_bad_branch_or_length_is_refused(code):
    with pytest.raises(ValueError):
        normalize_tax_code(code)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0214 3840 123", "02143840123"),  # Lào Cai landline
        ("(0214) 3.840.123", "02143840123"),
        ("024 3825 1234", "02438251234"),  # Hà Nội
        ("+84 24 3825 1234", "02438251234"),
        ("028 3829 5555", "02838295555"),
        ("0912 345 678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
    ],
)
def test_contact_phone_accepts_mobiles_and_landlines(typed, stored):
    assert normalize_contact_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["0214 3840 12", "0123 456 789", "02143840123456", "0614 3840 123", "abc"]
)
def test_contact_phone_refuses_other_numbers(typed):
    with pytest.raises(ValueError, match="số điện thoại không hợp lệ"):
        normalize_contact_phone(typed)
