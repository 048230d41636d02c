"""The public page's figures: zero as zero, spending per purpose, fresh after every change.

Expected values come from raw SQL over the tables; the page is read as a visitor
reads it (the rendered HTML), with the cache warm before each change.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from coverage import services as coverage_services
from coverage.models import CoveragePoint
from devices import services as device_services
from devices.importers import import_carrier_statuses
from devices.models import Device
from donations import services as donation_services
from donations.models import Spending
from tests.devices.conftest import xlsx
from tests.devices.factories import (
    DataPackageFactory,
    DeviceFactory,
    DeviceSourceFactory,
    SubscriptionFactory,
)
from tests.donations.factories import CashReceiptFactory, PledgeFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.4\n% scan\n" + b"0" * 100


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def purchase(province_official):
    return DeviceSourceFactory(created_by=province_official, reference="HĐ 12/2021/HĐMB")


@pytest.fixture
def tablet(school, purchase):
    return DeviceFactory(
        source=purchase, holder=Device.Holder.SCHOOL, school=school, district=school.district
    )


@pytest.fixture
def approved_pupil(school):
    from tests.devices.factories import StudentFactory, approve

    pupil = StudentFactory(school=school, full_name="Giàng Thị Mai")
    approve(pupil, "tablet")
    return pupil


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change as committed: its on-commit work (clearing the page's cache) runs."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def sql(query: str, params: tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return int(cursor.fetchone()[0] or 0)


def page(client) -> str:
    return client.get(reverse("donations:public")).content.decode()


def big_stat(html: str, label: str) -> str:
    m = re.search(
        r'<div class="value">([^<]+)(?:<small[^>]*>[^<]*</small>)?</div><div class="label">'
        + re.escape(label),
        html,
    )
    assert m, label
    return m.group(1)


def school_cells(html: str, name: str) -> list[str]:
    start = html.index(f"<td>{name}</td>")
    row = html[start : html.index("</tr>", start)]
    return re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)


def vnd(n: int) -> str:
    return f"{n:,}".replace(",", ".") + "\u00a0đ"


def test_zero_is_shown_as_zero_and_one_to_four_as_small(client, school, far_school, purchase):
    for _ in range(6):
        DeviceFactory(
            source=purchase,
            school=far_school,
            district=far_school.district,
            holder=Device.Holder.SCHOOL,
        )
    DeviceFactory(
        source=purchase, school=school, district=school.district, holder=Device.Holder.SCHOOL
    )
    html = page(client)
    # far_school: 6 devices, nothing allocated, handed over or subscribed yet.
    assert school_cells(html, far_school.name) == ["6", "0", "0", "0"]
    assert (
        sql("SELECT COUNT(*) FROM devices_allocation a WHERE a.school_id = %s", (far_school.pk,))
        == 0
    )
    # school: one device, a count that could point at a pupil's school.
    assert school_cells(html, school.name) == ["&lt;5", "0", "0", "0"]
    assert big_stat(html, "Thiết bị đã bàn giao tận tay học sinh") == "0"
    assert big_stat(html, "Gói cước dữ liệu đang hoạt động") == "0"
    for district in (school.district, far_school.district):
        start = html.index(f"<h3>{district.name}</h3>")
        summary = html[start : html.index("</summary>", start)]
        assert "Đã bàn giao: <strong>0</strong>" in summary


def test_spending_per_purpose_is_published(client, province_official, school):
    from tests.donations.factories import FundAccountFactory

    account = FundAccountFactory()
    purchase_batch = DeviceSourceFactory(kind="purchase", created_by=province_official)
    rows = [
        ("devices", 120_000_000, purchase_batch, 0),
        ("data", 15_000_000, None, 300),
        ("data", 5_000_000, None, 100),
        ("other", 2_500_000, None, 0),
    ]
    for n, (purpose, amount, batch, subs) in enumerate(rows):
        Spending.objects.create(
            spent_on=dt.date(2021, 11, 1),
            amount=amount,
            account=account,
            purpose=purpose,
            reference=f"PC-{n}",
            purchase=batch,
            subscriptions_count=subs,
            recorded_by=province_official,
        )
    html = page(client)
    section = html[html.index('data-testid="public-spending"') :]
    for purpose, label in Spending.Purpose.choices:
        amount = sql(
            "SELECT COALESCE(SUM(amount), 0) FROM donations_spending WHERE purpose = %s", (purpose,)
        )
        count = sql("SELECT COUNT(*) FROM donations_spending WHERE purpose = %s", (purpose,))
        subs = sql(
            "SELECT COALESCE(SUM(subscriptions_count), 0) FROM donations_spending WHERE purpose = %s",
            (purpose,),
        )
        start = section.index(f'data-purpose="{purpose}"')
        row = section[start : section.index("</tr>", start)]
        assert f"<td>{label}</td>" in row
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        assert cells == [str(count), vnd(amount), f"{subs:,}".replace(",", ".")]
    total = sql("SELECT SUM(amount) FROM donations_spending")
    assert f'data-testid="spending-total">{vnd(total)}<' in section
    assert total == 142_500_000


# ------------------------------------------------------------ the cache follows


def test_carrier_status_import_shows_on_the_public_page_at_once(
    committed, client, district_officer, school, school_staff
):
    from tests.devices.factories import StudentFactory, approve

    package = DataPackageFactory(carrier="vnpt", name="EDU4G", free_months=3)
    pupil_ = StudentFactory(school=school)
    SubscriptionFactory(
        student=pupil_,
        proposal_item=approve(pupil_, "data"),
        package=package,
        phone="0912000000",
        iccid="8984040000000000000",
        created_by=school_staff,
    )
    assert big_stat(page(client), "Gói cước dữ liệu đang hoạt động") == "0"
    data = xlsx(
        [
            ["STT", "Số thuê bao", "ICCID", "Trạng thái", "Ngày kích hoạt"],
            [1, "0912000000", "", "Hoạt động", ""],
        ]
    )
    with committed():
        report = import_carrier_statuses(actor=district_officer, source=data, dry_run=False)
    assert report.ok, report.errors
    active = sql("SELECT COUNT(*) FROM devices_subscription WHERE status = 'active'")
    assert active == 1
    assert big_stat(page(client), "Gói cước dữ liệu đang hoạt động") == str(active)


def test_allocation_and_handover_show_at_once(
    committed, client, school_staff, tablet, approved_pupil
):
    html = page(client)
    assert big_stat(html, "Thiết bị đã phân bổ cho học sinh") == "0"
    with committed():
        allocation = device_services.allocate_device(
            actor=school_staff, device=tablet, student=approved_pupil
        )
    assert big_stat(page(client), "Thiết bị đã phân bổ cho học sinh") == "1"
    assert big_stat(page(client), "Thiết bị đã bàn giao tận tay học sinh") == "0"
    with committed():
        device_services.record_handover(
            actor=school_staff,
            allocation=allocation,
            scan=SimpleUploadedFile("scan.pdf", PDF, "application/pdf"),
            handover_date=dt.date.today(),
        )
    handed = sql("SELECT COUNT(*) FROM devices_allocation WHERE status = 'handed_over'")
    assert big_stat(page(client), "Thiết bị đã bàn giao tận tay học sinh") == str(handed) == "1"


@time_machine.travel(NOW)
def test_coverage_signal_and_plan_show_at_once(committed, client, province_official, school):
    from tests.accounts.factories import UserFactory, role

    officer = UserFactory(
        username="cb_phu_song", role=role("coverage_officer"), province=school.district.province
    )
    point = CoveragePoint.objects.get(school=school)
    label = "Điểm đã phủ sóng / tổng số điểm"
    assert big_stat(page(client), label) == "0"
    with committed():
        coverage_services.record_signal(
            actor=officer,
            point=point,
            carrier="viettel",
            technology=4,
            measured_on=dt.date(2026, 11, 20),
            source="carrier",
        )
    assert big_stat(page(client), label) == "1"
    with committed():
        plan = coverage_services.create_plan(
            actor=officer,
            point=point,
            carrier="viettel",
            target_date=dt.date(2027, 6, 30),
            solution="upgrade",
            note="Nâng cấp trạm",
            stage=2,
        )
    # A plan not yet verified: not covered (the README's rule), at once.
    assert big_stat(page(client), label) == "0"
    with committed():
        coverage_services.advance_plan(actor=officer, plan=plan, stage=5, note="Nghiệm thu")
    covered = sql(
        "SELECT COUNT(*) FROM coverage_coveragepoint p LEFT JOIN coverage_coverageplan pl"
        " ON pl.point_id = p.id WHERE p.best_technology >= 4 AND (pl.id IS NULL OR pl.stage = 5)"
    )
    assert big_stat(page(client), label) == str(covered) == "1"


def test_spending_and_cash_show_at_once(committed, client, province_official, school):
    from tests.accounts.factories import UserFactory, role
    from tests.donations.factories import FundAccountFactory

    manager = UserFactory(
        username="tai_tro_2", role=role("donation_manager"), province=school.district.province
    )
    account = FundAccountFactory()
    pledge = PledgeFactory(created_by=manager, cash_amount=50_000_000)
    receipt = CashReceiptFactory(pledge=pledge, amount=20_000_000, account=account)
    html = page(client)
    assert big_stat(html, "Tiền tài trợ đã nhận") == vnd(20_000_000)
    assert 'data-testid="spending-total">0\u00a0đ<' in html
    with committed():
        donation_services.record_cash_receipt(
            actor=manager,
            pledge=pledge,
            amount=10_000_000,
            received_on=dt.date.today(),
            account=account,
            reference="UNC-778",
        )
    assert big_stat(page(client), "Tiền tài trợ đã nhận") == vnd(
        sql("SELECT SUM(amount) FROM donations_cashreceipt")
    )
    with committed():
        donation_services.record_spending(
            actor=manager,
            spent_on=dt.date.today(),
            amount=7_000_000,
            account=account,
            purpose="data",
            reference="PC-01",
            receipts=[receipt],
            subscriptions_count=140,
        )
    assert f'data-testid="spending-total">{vnd(7_000_000)}<' in page(client)


def test_devices_received_show_at_once(committed, client, province_official):
    from tests.devices.factories import make_imei

    assert big_stat(page(client), "Thiết bị đã nhận") == "0"
    source = DeviceSourceFactory(kind="purchase", created_by=province_official)
    with committed():
        device_services.receive_device(
            actor=province_official,
            device_source=source,
            device_type="tablet",
            make="Samsung",
            model_name="Galaxy Tab A7 Lite",
            serial_number="SN-PUB-1",
            imei=make_imei(7),
        )
    assert big_stat(page(client), "Thiết bị đã nhận") == str(
        sql("SELECT COUNT(*) FROM devices_device")
    )
