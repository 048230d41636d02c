import datetime as dt
import os
import unicodedata

import pytest
from django.conf import settings

if not os.environ.get("DJANGO_SETTINGS_MODULE") and not settings.configured:
    # Pure-Python tests: gettext only needs USE_I18N when run without pytest-django.
    settings.configure(USE_I18N=False)

from kernel.normalize import (  # noqa: E402
    clean_text,
    decode_legacy_vietnamese,
    fold,
    looks_like_tcvn3,
    normalize_digits,
    normalize_phone,
    parse_birth_date,
    parse_bool_vi,
    parse_date,
    parse_gender,
    strip_unit_prefix,
    unit_key,
    was_numeric,
)

TODAY = dt.date(2021, 9, 15)


# ------------------------------------------------------------------ text


def test_clean_text_collapses_whitespace_including_nbsp_and_normalises_to_nfc():
    nfd = unicodedata.normalize("NFD", "Giàng  Seo\u00a0Phủ ")
    assert nfd != "Giàng Seo Phủ"
    assert clean_text(nfd) == "Giàng Seo Phủ"
    assert clean_text("\tHầu\n Thị\u200b Mẩy  ") == "Hầu Thị Mẩy"


@pytest.mark.parametrize(
    "value",
    [
        "Giàng Seo Phủ",
        unicodedata.normalize("NFD", "Giàng Seo Phủ"),
        " Lý Thị Dế",
        "Lý Thị Dế ",
        "Lý  Thị Dế",
        "Lý\tThị",
        "Lý\u00a0Thị",
        "Lý\u200bThị",
        "Lý\ufeffThị",
        "Lý\u2028Thị",
        "Lý\x85Thị",
        "Lý\x1cThị",
        "Lý\u3000Thị",
        "6A",
        "HN-0123",
        12,
        3.5,
    ],
)
def test_clean_text_shortcut_gives_what_the_regex_gives(value):
    # Most cells are already clean and skip the regex: the result must not differ.
    import re

    text = unicodedata.normalize("NFC", str(value))
    expected = re.sub(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+", " ", text).strip()
    assert clean_text(value) == expected


@pytest.mark.parametrize("value", [None, float("nan"), "", "   ", "\u00a0"])
def test_clean_text_blank_values_give_empty_string(value):
    assert clean_text(value) == ""


def test_clean_text_stringifies_numbers():
    assert clean_text(12) == "12"


def test_fold_removes_accents_case_and_maps_d_bar():
    assert fold("Giàng Seo Phủ") == "giang seo phu"
    assert fold("ĐẶNG  Thị Đào") == "dang thi dao"
    assert fold(unicodedata.normalize("NFD", "Nguyễn Thị Ngọc")) == "nguyen thi ngoc"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Huyện Bảo Yên", "Bảo Yên"),
        ("HUYỆN BẢO YÊN", "BẢO YÊN"),
        ("huyen Bao Yen", "Bao Yen"),
        ("Thành phố Lào Cai", "Lào Cai"),
        ("TP. Lào Cai", "Lào Cai"),
        ("TP.Lào Cai", "Lào Cai"),
        ("Thị xã Sa Pa", "Sa Pa"),
        ("Thị trấn Phố Ràng", "Phố Ràng"),
        ("TT. Phố Ràng", "Phố Ràng"),
        ("Xã Tân Tiến", "Tân Tiến"),
        ("Phường Cốc Lếu", "Cốc Lếu"),
        ("Tỉnh Lào Cai", "Lào Cai"),
        ("Thôn Nậm Đét", "Nậm Đét"),
        ("Bản Cốc Ly", "Cốc Ly"),
        ("Tổ dân phố 5", "5"),
        ("Trường PTDTBT THCS Tân Tiến", "PTDTBT THCS Tân Tiến"),
        ("Thôn Bản Phố", "Bản Phố"),  # only one prefix removed
        ("Xã", "Xã"),  # a bare prefix is not a name
        ("Xuân Quang", "Xuân Quang"),  # "Xu..." is not "Xã"
    ],
)
def test_strip_unit_prefix(name, expected):
    assert strip_unit_prefix(name) == expected


def test_unit_key_matches_spellings_of_one_district():
    assert unit_key("Huyện Bảo Yên") == unit_key("bảo yên") == unit_key("BAO YEN") == "bao yen"
    assert unit_key("Huyện Bảo Yên") != unit_key("Huyện Bảo Thắng")


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    "value",
    [
        "5/7/2012",
        "05/07/2012",
        "05-07-2012",
        "5.7.2012",
        "5 7 2012",
        " 05 / 07 / 2012 ",
        "2012-07-05",
        "05/07/2012 00:00:00",
        "5/7/12",
        dt.date(2012, 7, 5),
        dt.datetime(2012, 7, 5, 8, 30),
        41095,
        41095.0,
        41095.75,  # a time of day is dropped
        "41095",
    ],
)
def test_parse_date_accepts_official_variants(value):
    assert parse_date(value, today=TODAY) == dt.date(2012, 7, 5)


def test_parse_date_excel_serial_respects_1900_leap_year_bug():
    assert parse_date(59) == dt.date(1900, 2, 28)
    assert parse_date(61) == dt.date(1900, 3, 1)
    with pytest.raises(ValueError, match="ngày không tồn tại"):
        parse_date(60)


def test_parse_date_two_digit_year_century_depends_on_today():
    assert parse_date("1/1/21", today=TODAY) == dt.date(2021, 1, 1)
    assert parse_date("1/1/22", today=TODAY) == dt.date(1922, 1, 1)
    assert parse_date("1/1/85", today=TODAY) == dt.date(1985, 1, 1)


@pytest.mark.parametrize("value", ["30/02/2012", "31/04/2010", "29/02/2011", "2011-02-29"])
def test_parse_date_impossible_dates(value):
    with pytest.raises(ValueError, match="^ngày không tồn tại$"):
        parse_date(value)


@pytest.mark.parametrize(
    "value", ["", None, "abc", "12/2012", "5/13/2012", "32/1/2012", "2012/07", True, "12", -3]
)
def test_parse_date_bad_format(value):
    with pytest.raises(ValueError, match="^không đúng định dạng ngày/tháng/năm$"):
        parse_date(value)


def test_parse_birth_date_rejects_future_dates():
    assert parse_birth_date("15/09/2021", today=TODAY) == TODAY
    with pytest.raises(ValueError, match="ngày sinh ở tương lai"):
        parse_birth_date("16/09/2021", today=TODAY)
    with pytest.raises(ValueError, match="ngày không tồn tại"):
        parse_birth_date("30/02/2012", today=TODAY)


# ------------------------------------------------------------------ phones and IDs


@pytest.mark.parametrize(
    "value",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84 912 345 678",
        "+84912345678",
        "84912345678",
        "(+84) 912 345 678",
        912345678,
        912345678.0,
        "912345678",
        "'0912345678",
    ],
)
def test_normalize_phone_variants(value):
    assert normalize_phone(value) == "0912345678"


@pytest.mark.parametrize("prefix", ["03", "05", "07", "08", "09"])
def test_normalize_phone_accepts_every_mobile_prefix(prefix):
    assert normalize_phone(prefix + "12345678") == prefix + "12345678"


@pytest.mark.parametrize(
    "value", ["0123", "0212345678", "01234567890", "091234567x", "", 12.5, "0912345678 / 0987"]
)
def test_normalize_phone_rejects_invalid(value):
    with pytest.raises(ValueError, match="^số điện thoại không hợp lệ$"):
        normalize_phone(value)


def test_was_numeric_only_for_real_numbers():
    assert was_numeric(308246281.0)
    assert was_numeric(308246281)
    assert not was_numeric("308246281")
    assert not was_numeric(True)


def test_normalize_digits_restores_leading_zero_of_numeric_cell():
    assert normalize_digits(308246281.0, length=10) == "0308246281"
    assert normalize_digits(3.08246281e8, length=10) == "0308246281"
    assert normalize_digits(10123456789, length=12) == "010123456789"


def test_normalize_digits_does_not_restore_zero_for_text_cell():
    with pytest.raises(ValueError, match="phải gồm đúng 10 chữ số"):
        normalize_digits("308246281", length=10)


def test_normalize_digits_restoration_can_be_disabled():
    with pytest.raises(ValueError):
        normalize_digits(308246281.0, length=10, restore_leading_zero=False)


def test_normalize_digits_strips_spaces_and_keeps_text_zeros():
    assert normalize_digits(" 010 123 456 789 ", length=12) == "010123456789"
    assert normalize_digits("'0308246281", length=10) == "0308246281"


def test_normalize_digits_accepts_several_lengths():
    assert normalize_digits("123456789", length=(9, 12)) == "123456789"
    assert normalize_digits(10123456789.0, length=(9, 12)) == "010123456789"


@pytest.mark.parametrize("value", ["12345", "0308246281x", 3.5, "030824628123", "", -308246281])
def test_normalize_digits_wrong_length_or_non_digits(value):
    with pytest.raises(ValueError, match="^phải gồm đúng 10 chữ số$"):
        normalize_digits(value, length=10)


def test_normalize_digits_label_prefixes_message():
    with pytest.raises(ValueError, match="^Số CCCD phải gồm đúng 12 chữ số$"):
        normalize_digits("123", length=12, label="Số CCCD")


# ------------------------------------------------------------------ choices


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Nam", "M"),
        ("nam", "M"),
        ("NAM", "M"),
        ("male", "M"),
        ("Nữ", "F"),
        ("NỮ", "F"),
        ("Nu", "F"),
        ("female", "F"),
        (" nữ ", "F"),
    ],
)
def test_parse_gender(value, expected):
    assert parse_gender(value) == expected


@pytest.mark.parametrize("value", ["", "x", "Khác", None])
def test_parse_gender_rejects_unknown(value):
    with pytest.raises(ValueError):
        parse_gender(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Có", True), ("có", True), ("x", True), ("X", True), (1, True), (1.0, True), ("yes", True), (True, True),
     ("Không", False), ("khong", False), ("0", False), (0.0, False), ("no", False), ("", False), (None, False)],
)  # fmt: skip
def test_parse_bool_vi(value, expected):
    assert parse_bool_vi(value) is expected


@pytest.mark.parametrize("value", ["có lẽ", 2, "?"])
def test_parse_bool_vi_rejects_unknown(value):
    with pytest.raises(ValueError, match="Có hoặc Không"):
        parse_bool_vi(value)


# ------------------------------------------------------------------ TCVN3


@pytest.mark.parametrize(
    ("legacy", "unicode_text"),
    [
        ("Hoµng V¨n Nam", "Hoàng Văn Nam"),
        ("§µo ThÞ Hång", "Đào Thị Hồng"),
        ("Giµng Seo Phñ", "Giàng Seo Phủ"),
        ("Céng hßa x· héi chñ nghÜa ViÖt Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
        ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
        ("Tr­êng PTDTBT THCS T©n TiÕn", "Trường PTDTBT THCS Tân Tiến"),
        # Uppercase ".VnTimeH" font: lowercase codes drawn as capitals.
        ("TR¦êNG PTDTBT THCS T¢N TIÕN", "TRƯỜNG PTDTBT THCS TÂN TIẾN"),
        ("Ngµy sinh", "Ngày sinh"),
    ],
)
def test_decode_legacy_vietnamese_tcvn3(legacy, unicode_text):
    assert looks_like_tcvn3(legacy)
    assert decode_legacy_vietnamese(legacy) == unicode_text


@pytest.mark.parametrize(
    "text",
    [
        "Hoàng Văn Nam",
        "Lê Mai",  # Latin-1-only Unicode Vietnamese
        "LÊ MAI",
        "Cá Thị Hà",
        "Samsung® Galaxy Tab · 4G",
        "Nguyen Van A",
        "Giá: 1.234.567 đ",
        unicodedata.normalize("NFD", "Hoàng Văn Nam"),
        "",
    ],
)
def test_decode_legacy_vietnamese_leaves_unicode_alone(text):
    assert not looks_like_tcvn3(text)
    assert decode_legacy_vietnamese(text) == text


def test_decode_legacy_vietnamese_none_is_empty():
    assert decode_legacy_vietnamese(None) == ""
