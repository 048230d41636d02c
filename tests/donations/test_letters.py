"""The acknowledgement letter says what it said on its date: amounts in words, totals as at then."""

import datetime as dt
import shutil
import subprocess

import pytest
from django.db import connection

from donations.documents import cash_receipt_pdf
from tests.donations.factories import CashReceiptFactory, DonorFactory, PledgeFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils"),
]


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(  # noqa: S603 - a fixed tool on a file the test wrote
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(out.split())


def _sql_total(donor_id: int, day: dt.date, pk: int) -> int:
    """The donor's cash up to the receipt, counted independently of the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(r.amount), 0) FROM donations_cashreceipt r "
            "JOIN donations_pledge p ON p.id = r.pledge_id WHERE p.donor_id = %s "
            "AND (r.received_on < %s OR (r.received_on = %s AND r.id <= %s))",
            [donor_id, day, day, pk],
        )
        return int(cursor.fetchone()[0])


def test_letter_total_is_as_at_its_date_with_receipts_before_and_after(tmp_path):
    donor = DonorFactory(name="VNPT Lào Cai")
    first = PledgeFactory(donor=donor, cash_amount=300_000_000)
    second = PledgeFactory(donor=donor, cash_amount=100_000_000)
    CashReceiptFactory(pledge=first, amount=50_000_000, received_on=dt.date(2021, 9, 20))
    CashReceiptFactory(pledge=second, amount=25_000_000, received_on=dt.date(2021, 9, 25))
    letter = CashReceiptFactory(pledge=first, amount=50_000_000, received_on=dt.date(2021, 10, 1))
    # Received after the letter's date: never in it, however late the letter is printed.
    CashReceiptFactory(pledge=first, amount=100_000_000, received_on=dt.date(2021, 11, 5))
    CashReceiptFactory(pledge=second, amount=75_000_000, received_on=dt.date(2021, 12, 1))
    # Another donor's cash is not this donor's.
    CashReceiptFactory(amount=999_000_000, received_on=dt.date(2021, 9, 1))

    text = _text(cash_receipt_pdf(letter), tmp_path)

    assert _sql_total(donor.pk, letter.received_on, letter.pk) == 125_000_000
    assert "Số tiền: 50.000.000 đ" in text
    assert "Bằng chữ: Năm mươi triệu đồng chẵn." in text
    assert "Đã nhận theo cam kết đến ngày 01/10/2021: 100.000.000 đ" in text
    assert "Tổng số tiền VNPT Lào Cai đã tài trợ đến ngày 01/10/2021: 125.000.000 đ" in text
    assert "Bằng chữ: Một trăm hai mươi lăm triệu đồng chẵn." in text
    assert "350.000.000" not in text and "200.000.000" not in text


def test_a_later_receipt_on_the_same_day_is_not_in_an_earlier_letter(tmp_path):
    donor = DonorFactory(name="MobiFone Lào Cai")
    pledge = PledgeFactory(donor=donor)
    letter = CashReceiptFactory(pledge=pledge, amount=10_000_000, received_on=dt.date(2021, 10, 1))
    CashReceiptFactory(pledge=pledge, amount=5_000_000, received_on=dt.date(2021, 10, 1))
    text = _text(cash_receipt_pdf(letter), tmp_path)
    assert "đã tài trợ đến ngày 01/10/2021: 10.000.000 đ" in text
    assert "Bằng chữ: Mười triệu đồng chẵn." in text
