"""Report numbers: assigned once, in sequence, restarting each year; the closing block."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from pypdf import PdfReader

from reports import services
from reports.models import ProgressReport

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _at(year, month, day):
    return time_machine.travel(dt.datetime(year, month, day, 8, 0, tzinfo=VN), tick=False)


def test_numbers_run_in_sequence_and_restart_on_the_first_of_january(province):
    with _at(2021, 12, 20):
        a = services.generate_report(dt.date(2021, 12, 13), dt.date(2021, 12, 19))
    with _at(2021, 12, 27):
        b = services.generate_report(dt.date(2021, 12, 20), dt.date(2021, 12, 26))
    with _at(2022, 1, 3):
        c = services.generate_report(dt.date(2021, 12, 27), dt.date(2022, 1, 2))
    with _at(2022, 1, 10):
        d = services.generate_report(dt.date(2022, 1, 3), dt.date(2022, 1, 9))
    assert [r.number for r in (a, b, c, d)] == [
        "01/BC-SGDĐT",
        "02/BC-SGDĐT",
        "01/BC-SGDĐT",
        "02/BC-SGDĐT",
    ]
    assert [(r.number_year, r.number_seq) for r in (a, b, c, d)] == [
        (2021, 1),
        (2021, 2),
        (2022, 1),
        (2022, 2),
    ]


def test_a_regenerated_report_keeps_its_number(province):
    with _at(2021, 10, 11):
        first = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
        services.generate_report(dt.date(2021, 10, 11), dt.date(2021, 10, 17))
    ProgressReport.objects.filter(pk=first.pk).update(status=ProgressReport.Status.FAILED)
    with _at(2021, 11, 2):
        again = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    assert again.pk == first.pk and again.number == "01/BC-SGDĐT"
    assert ProgressReport.objects.filter(number_year=2021).count() == 2


def test_a_number_is_never_given_twice_in_a_year(province):
    with _at(2021, 10, 11):
        first = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.create(
            period_start=dt.date(2021, 10, 11),
            period_end=dt.date(2021, 10, 17),
            number=first.number,
            number_year=2021,
            number_seq=1,
        )


def test_a_gap_left_by_a_deleted_report_is_not_reused(province):
    with _at(2021, 10, 11):
        services.generate_report(dt.date(2021, 9, 27), dt.date(2021, 10, 3))
        second = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
        ProgressReport.objects.filter(number_seq=1).delete()
        third = services.generate_report(dt.date(2021, 10, 11), dt.date(2021, 10, 17))
    assert (second.number_seq, third.number_seq) == (2, 3)


def test_report_pdf_ends_with_the_recipients_and_signatures(province):
    with _at(2021, 10, 11):
        report = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    with report.pdf.open("rb") as fh:
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages]
    last = pages[-1]
    assert "Nơi nhận:" in last and "- UBND tỉnh (b/c);" in last and "- Lưu: VT, Văn phòng." in last
    assert "PHÓ GIÁM ĐỐC" in last
    assert "Số: 01/BC-SGDĐT" in pages[0]
