import datetime as dt

import pytest
import time_machine

from accounts.models import User
from devices.models import Device, DeviceSource
from donations import selectors
from donations.models import InKindReceipt, Spending, SpendingDraw
from tests.devices.factories import DeviceFactory, DeviceSourceFactory
from tests.donations.factories import (
    CashReceiptFactory,
    DonorFactory,
    InstalmentFactory,
    PledgeFactory,
    PledgeItemFactory,
    allocate,
    make_pupil,
)

pytestmark = pytest.mark.django_db


def donated(pledge, serials, *, by):
    source = DeviceSourceFactory(
        kind=DeviceSource.Kind.DONATION, created_by=by, reference=f"BB-{serials[0]}"
    )
    InKindReceipt.objects.create(pledge=pledge, source=source, recorded_by=by)
    return [DeviceFactory(source=source, serial_number=s) for s in serials]


def small_programme(manager, school, far_school, n_extra=0):
    """A donor whose tablets went to two schools in two districts, plus cash spent on purchases."""
    donor = DonorFactory(name="Viettel Lào Cai")
    pledge = PledgeFactory(donor=donor, created_by=manager)
    PledgeItemFactory(pledge=pledge, quantity=4 + n_extra)
    devices = donated(pledge, [f"T{i:03d}" for i in range(4 + n_extra)], by=manager)
    allocate(
        devices[0],
        make_pupil(school, full_name="Giàng Seo Phủ", pupil_code="1000000001"),
        by=manager,
        handed_over=True,
    )
    allocate(
        devices[1],
        make_pupil(far_school, full_name="Lý Thị Mai", pupil_code="1000000002"),
        by=manager,
    )
    devices[2].district = far_school.district
    devices[2].holder = Device.Holder.DISTRICT
    devices[2].save()
    receipt = CashReceiptFactory(pledge=pledge, amount=20_000_000)
    purchase = DeviceSourceFactory(
        kind=DeviceSource.Kind.PURCHASE, created_by=manager, reference="HĐMB 9"
    )
    bought = DeviceFactory(
        source=purchase,
        serial_number="BUY001",
        school=school,
        district=school.district,
        holder=Device.Holder.SCHOOL,
    )
    spending = Spending.objects.create(
        spent_on=dt.date(2021, 12, 1),
        amount=5_000_000,
        account=receipt.account,
        purpose="devices",
        reference="UNC-1",
        purchase=purchase,
        recorded_by=manager,
    )
    SpendingDraw.objects.create(spending=spending, receipt=receipt, amount=5_000_000)
    return donor, devices, bought


def test_traceability_chain_from_donor_to_school(manager, school, far_school):
    donor, devices, bought = small_programme(manager, school, far_school)
    trace = selectors.donor_trace(user=manager, pk=donor.pk)
    places = {d.serial_number: place for d, place in trace.devices}
    assert set(places) == {"T000", "T001", "T002", "T003"}
    assert places["T000"]["school"] == school.name
    assert places["T000"]["district"] == school.district.name
    assert places["T000"]["handed_over"] is True
    assert places["T001"]["school"] == far_school.name
    assert places["T001"]["district"] == far_school.district.name
    assert places["T001"]["allocated"] and not places["T001"]["handed_over"]
    assert places["T002"] == {**places["T002"], "district": far_school.district.name, "school": ""}
    assert places["T003"]["district"] == "" and not places["T003"]["allocated"]
    assert [d.serial_number for d, _p in trace.purchased] == ["BUY001"]
    assert trace.totals["received_devices"] == 4
    assert trace.totals["allocated_devices"] == 2
    assert trace.totals["handed_over_devices"] == 1
    assert trace.totals["spent_from_donor"] == 5_000_000


def test_donor_trace_makes_a_fixed_number_of_queries(
    manager, school, far_school, django_assert_num_queries
):
    donor, *_ = small_programme(manager, school, far_school)
    # The user as a request reads it (the manager annotates what the scope needs).
    manager = User.objects.get(pk=manager.pk)
    with django_assert_num_queries(9) as small:
        selectors.donor_trace(user=manager, pk=donor.pk)
    # More devices, pledges and receipts: same count.
    pledge = PledgeFactory(donor=donor, created_by=manager)
    donated(pledge, ["X1", "X2", "X3"], by=manager)
    CashReceiptFactory(pledge=pledge)
    InstalmentFactory(pledge=pledge)
    with django_assert_num_queries(len(small.captured_queries)):
        selectors.donor_trace(user=manager, pk=donor.pk)


def test_device_leads_back_to_its_donor(manager, school, far_school):
    donor, devices, bought = small_programme(manager, school, far_school)
    assert selectors.donor_of_device(devices[0]) == donor
    assert selectors.donor_of_device(bought) is None
    assert selectors.funding_donors_of_device(bought) == [donor]
    assert selectors.donor_of_device(DeviceFactory()) is None


def test_donor_trace_is_404_outside_donation_managers(
    district_officer, manager, school, far_school
):
    from django.http import Http404

    donor, *_ = small_programme(manager, school, far_school)
    with pytest.raises(Http404):
        selectors.donor_trace(user=district_officer, pk=donor.pk)


# ---------------------------------------------------------------- instalments


@time_machine.travel(dt.datetime(2021, 11, 15, 9, tzinfo=dt.UTC), tick=False)
def test_overdue_when_due_date_passed_and_cumulative_received_below_cumulative_due(manager):
    pledge = PledgeFactory(cash_amount=90_000_000, created_by=manager)
    first = InstalmentFactory(pledge=pledge, due_on=dt.date(2021, 10, 1), amount=30_000_000)
    second = InstalmentFactory(pledge=pledge, due_on=dt.date(2021, 11, 1), amount=30_000_000)
    InstalmentFactory(pledge=pledge, due_on=dt.date(2021, 12, 1), amount=30_000_000)
    CashReceiptFactory(pledge=pledge, amount=40_000_000)
    detail = selectors.pledge_detail(user=manager, pk=pledge.pk)
    rows = {row.instalment.pk: row for row in detail.schedule}
    assert not rows[first.pk].overdue  # 40 ≥ 30
    assert rows[second.pk].overdue and rows[second.pk].outstanding == 20_000_000  # 40 < 60
    assert [r.overdue for r in detail.schedule] == [False, True, False]  # Dec not due yet
    assert selectors.overdue_donor_ids([pledge.donor_id]) == {pledge.donor_id}
    CashReceiptFactory(pledge=pledge, amount=20_000_000)
    assert selectors.overdue_donor_ids([pledge.donor_id]) == set()


def test_donor_totals(manager):
    donor = DonorFactory()
    pledge = PledgeFactory(donor=donor, cash_amount=50_000_000, created_by=manager)
    PledgeFactory(donor=donor, cash_amount=25_000_000, created_by=manager)
    PledgeItemFactory(pledge=pledge, quantity=7)
    CashReceiptFactory(pledge=pledge, amount=10_000_000)
    CashReceiptFactory(pledge=pledge, amount=5_000_000)
    donated(pledge, ["S1", "S2"], by=manager)
    row = selectors.donors_with_totals(manager).get(pk=donor.pk)
    assert (row.pledge_count, row.pledged_cash, row.received_cash) == (2, 75_000_000, 15_000_000)
    assert (row.pledged_devices, row.received_devices) == (7, 2)


def test_device_donor_snippet_links_for_managers_and_names_publicly_for_others(
    manager, district_officer, school, far_school
):
    from django.template import Context, Template

    donor, devices, bought = small_programme(manager, school, far_school)
    snippet = Template("{% load donations_tags %}{% device_donor device %}")
    html = snippet.render(Context({"device": devices[0], "user": manager}))
    assert f"/tai-tro/nha-tai-tro/{donor.pk}/" in html and "Viettel Lào Cai" in html
    html = snippet.render(Context({"device": devices[0], "user": district_officer}))
    assert "href" not in html and "Viettel Lào Cai" in html
    donor.public_consent = False
    donor.save()
    html = snippet.render(Context({"device": devices[0], "user": district_officer}))
    assert "Viettel" not in html and "Nhà tài trợ ẩn danh" in html
    html = snippet.render(Context({"device": bought, "user": manager}))
    assert "Mua bằng tiền tài trợ" in html and "Viettel Lào Cai" in html


def test_device_on_its_way_shows_its_destination(manager, school, far_school):
    from devices.models import StockTransfer

    donor, devices, _bought = small_programme(manager, school, far_school)
    transfer = StockTransfer.objects.create(to_district=far_school.district, sent_by=manager)
    transfer.devices.add(devices[3])
    places = {
        d.serial_number: p for d, p in selectors.donor_trace(user=manager, pk=donor.pk).devices
    }
    assert places["T003"]["in_transit_to"] == far_school.district.name
    assert places["T000"]["in_transit_to"] == ""
