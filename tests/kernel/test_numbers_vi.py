"""Amounts in words against readings checked by hand (and by accounting software's rules)."""

import pytest

from kernel.numbers_vi import amount_in_words, read_number

READINGS = [
    (0, "không"),
    (1, "một"),
    (4, "bốn"),
    (5, "năm"),
    (10, "mười"),
    (11, "mười một"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (20, "hai mươi"),
    (21, "hai mươi mốt"),
    (25, "hai mươi lăm"),
    (55, "năm mươi lăm"),
    (91, "chín mươi mốt"),
    (100, "một trăm"),
    (101, "một trăm linh một"),
    (105, "một trăm linh năm"),
    (110, "một trăm mười"),
    (111, "một trăm mười một"),
    (115, "một trăm mười lăm"),
    (121, "một trăm hai mươi mốt"),
    (1_000, "một nghìn"),
    (1_005, "một nghìn không trăm linh năm"),
    (1_015, "một nghìn không trăm mười lăm"),
    (2_050, "hai nghìn không trăm năm mươi"),
    (10_500, "mười nghìn năm trăm"),
    (15_000, "mười lăm nghìn"),
    (21_000, "hai mươi mốt nghìn"),
    (50_000, "năm mươi nghìn"),
    (105_000, "một trăm linh năm nghìn"),
    (1_000_000, "một triệu"),
    (1_000_001, "một triệu không trăm linh một"),
    (2_050_000, "hai triệu không trăm năm mươi nghìn"),
    (3_500_000, "ba triệu năm trăm nghìn"),
    (125_000_000, "một trăm hai mươi lăm triệu"),
    (200_000_000, "hai trăm triệu"),
    (1_000_000_000, "một tỷ"),
    (1_200_000_000, "một tỷ hai trăm triệu"),
    (1_000_500_000, "một tỷ năm trăm nghìn"),
    (1_000_050_000, "một tỷ không trăm năm mươi nghìn"),
    (5_000_000_000, "năm tỷ"),
    (
        1_234_567_891,
        "một tỷ hai trăm ba mươi bốn triệu năm trăm sáu mươi bảy nghìn tám trăm chín mươi mốt",
    ),
    (1_000_000_000_000, "một nghìn tỷ"),
    (2_500_000_000_000, "hai nghìn năm trăm tỷ"),
    (15_000_000_021, "mười lăm tỷ không trăm hai mươi mốt"),
]


@pytest.mark.parametrize(("number", "words"), READINGS)
def test_reading(number, words):
    assert read_number(number) == words


@pytest.mark.parametrize(
    ("amount", "sentence"),
    [
        (125_000_000, "Một trăm hai mươi lăm triệu đồng chẵn."),
        (50_000, "Năm mươi nghìn đồng chẵn."),
        (1_500_021_000, "Một tỷ năm trăm triệu không trăm hai mươi mốt nghìn đồng chẵn."),
        (0, "Không đồng."),
    ],
)
def test_amount_in_words(amount, sentence):
    assert amount_in_words(amount) == sentence


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        read_number(1.5)
