import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from accounts.models import AuditEvent
from devices.models import Device, DeviceSource
from donations import services
from donations.models import CashReceipt, Donor, InKindReceipt, Spending
from schools.choices import SupportKind
from tests.devices.factories import DeviceFactory, DeviceSourceFactory
from tests.donations.conftest import delivery_list
from tests.donations.factories import (
    CashReceiptFactory,
    DonorFactory,
    FundAccountFactory,
    PledgeFactory,
    PledgeItemFactory,
)

pytestmark = pytest.mark.django_db


def upload(data: bytes, name: str = "giao-nhan.xlsx") -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


# ---------------------------------------------------------------- donors


def test_create_donor_normalises_branch_tax_code_and_audits(manager):
    donor = services.create_donor(
        actor=manager,
        kind=Donor.Kind.ENTERPRISE,
        name="  Viettel   Lào Cai ",
        tax_code="0100109106-001",
    )
    assert donor.tax_code == "0100109106001"
    assert donor.name == "Viettel Lào Cai"
    assert AuditEvent.objects.filter(
        action="donation.donor.create", object_id=str(donor.pk)
    ).exists()


@pytest.mark.parametrize("code", ["12345", "01001091061", "abcdefghij"])
def test_tax_code_must_have_10_or_13_digits(manager, code):
    with pytest.raises(ValidationError) as exc:
        services.create_donor(actor=manager, kind=Donor.Kind.ENTERPRISE, name="X", tax_code=code)
    assert "tax_code" in exc.value.error_dict


def test_enterprise_needs_tax_code_but_individual_does_not(manager):
    with pytest.raises(ValidationError):
        services.create_donor(actor=manager, kind=Donor.Kind.ENTERPRISE, name="Công ty A")
    person = services.create_donor(actor=manager, kind=Donor.Kind.INDIVIDUAL, name="Nguyễn Văn B")
    assert person.tax_code == ""


def test_duplicate_tax_code_names_the_other_donor(manager):
    DonorFactory(name="VNPT Lào Cai", tax_code="0100684378")
    with pytest.raises(ValidationError) as exc:
        services.create_donor(
            actor=manager, kind=Donor.Kind.ENTERPRISE, name="VNPT", tax_code="0100684378"
        )
    assert "VNPT Lào Cai" in str(exc.value)


def test_update_donor_records_changes(manager):
    donor = DonorFactory(public_consent=False)
    services.update_donor(actor=manager, donor=donor, public_consent=True)
    event = AuditEvent.objects.get(action="donation.donor.update")
    assert event.changes == {"public_consent": [False, True]}


def test_non_managers_cannot_write(district_officer, province_official, school_staff):
    for user in (district_officer, school_staff):
        with pytest.raises(Http404):
            services.create_donor(actor=user, kind=Donor.Kind.INDIVIDUAL, name="A")
    # The provincial officer role includes can_manage_donations.
    assert services.create_donor(actor=province_official, kind=Donor.Kind.INDIVIDUAL, name="A")


# ---------------------------------------------------------------- pledges


def test_pledge_with_items_and_instalments(manager):
    donor = DonorFactory()
    pledge = services.create_pledge(
        actor=manager,
        donor=donor,
        pledged_on=dt.date(2021, 9, 10),
        cash_amount=300_000_000,
        items=[
            services.ItemSpec(SupportKind.TABLET, 100),
            services.ItemSpec(SupportKind.DATA, 100, 12),
        ],
        instalments=[
            services.InstalmentSpec(dt.date(2021, 12, 1), 100_000_000),
            services.InstalmentSpec(dt.date(2021, 10, 1), 200_000_000),
        ],
    )
    assert [i.due_on for i in pledge.instalments.all()] == [
        dt.date(2021, 10, 1),
        dt.date(2021, 12, 1),
    ]
    assert sorted((i.kind, i.quantity, i.months) for i in pledge.items.all()) == [
        ("data", 100, 12),
        ("tablet", 100, None),
    ]


def test_instalments_must_add_up_to_the_cash(manager):
    with pytest.raises(ValidationError) as exc:
        services.create_pledge(
            actor=manager,
            donor=DonorFactory(),
            pledged_on=dt.date(2021, 9, 10),
            cash_amount=300_000_000,
            instalments=[services.InstalmentSpec(dt.date(2021, 10, 1), 100_000_000)],
        )
    assert "instalments" in exc.value.error_dict


def test_empty_pledge_refused(manager):
    with pytest.raises(ValidationError):
        services.create_pledge(actor=manager, donor=DonorFactory(), pledged_on=dt.date(2021, 9, 1))


# ---------------------------------------------------------------- cash receipts


def receive(manager, pledge, account, amount, reference, **kw):
    return services.record_cash_receipt(
        actor=manager,
        pledge=pledge,
        amount=amount,
        received_on=dt.date(2021, 10, 5),
        account=account,
        reference=reference,
        **kw,
    )


def test_cash_receipt_within_pledge(manager, pledge, account):
    receipt = receive(manager, pledge, account, 60_000_000, " kb 0001 ")
    assert receipt.reference == "KB 0001" and not receipt.over_delivery
    assert AuditEvent.objects.filter(action="donation.cash_receipt.create").count() == 1


def test_receipt_beyond_remainder_refused(manager, pledge, account):
    receive(manager, pledge, account, 60_000_000, "KB-1")
    with pytest.raises(ValidationError) as exc:
        receive(manager, pledge, account, 40_000_001, "KB-2")
    assert "amount" in exc.value.error_dict
    assert "40.000.000 đ" in str(exc.value)  # the remainder is named
    assert CashReceipt.objects.count() == 1
    # Exactly the remainder is fine.
    receive(manager, pledge, account, 40_000_000, "KB-3")


def test_over_delivery_needs_a_confirmed_reason(manager, pledge, account):
    with pytest.raises(ValidationError) as exc:
        receive(manager, pledge, account, 120_000_000, "KB-9", over_delivery=True)
    assert "over_delivery_reason" in exc.value.error_dict
    receipt = receive(
        manager,
        pledge,
        account,
        120_000_000,
        "KB-9",
        over_delivery=True,
        over_delivery_reason="Công văn 12/VT bổ sung 20 triệu",
    )
    assert receipt.over_delivery and receipt.over_delivery_reason


def test_over_delivery_flag_is_dropped_when_within_pledge(manager, pledge, account):
    receipt = receive(
        manager, pledge, account, 1_000_000, "KB-5", over_delivery=True, over_delivery_reason="x"
    )
    assert not receipt.over_delivery and receipt.over_delivery_reason == ""


@pytest.mark.parametrize("amount", [0, -5])
def test_amount_must_be_positive(manager, pledge, account, amount):
    with pytest.raises(ValidationError) as exc:
        receive(manager, pledge, account, amount, "KB-0")
    assert "amount" in exc.value.error_dict


def test_duplicate_bank_reference_refused_with_clear_message(manager, account):
    other = PledgeFactory(donor=DonorFactory(name="MobiFone"), created_by=manager)
    receive(manager, other, account, 5_000_000, "FT21280ABC")
    pledge = PledgeFactory(created_by=manager)
    with pytest.raises(ValidationError) as exc:
        receive(manager, pledge, account, 5_000_000, "ft21280abc")
    message = " ".join(exc.value.error_dict["reference"][0].messages)
    assert "FT21280ABC" in message and "MobiFone" in message and "05/10/2021" in message
    assert CashReceipt.objects.count() == 1


def test_reference_is_unique_in_the_database(pledge, account):
    from django.db import IntegrityError

    CashReceiptFactory(pledge=pledge, account=account, reference="X1")
    with pytest.raises(IntegrityError):
        CashReceiptFactory(pledge=pledge, account=account, reference="X1")


def test_district_officer_cannot_record_receipt(district_officer, pledge, account):
    with pytest.raises(Http404):
        receive(district_officer, pledge, account, 1, "KB-7")


# ---------------------------------------------------------------- in-kind receipts


def test_inkind_receipt_creates_exactly_the_listed_devices(manager):
    pledge = PledgeFactory(created_by=manager, cash_amount=0)
    PledgeItemFactory(pledge=pledge, kind=SupportKind.TABLET, quantity=3)
    DeviceFactory(serial_number="OLD0001")  # already in stock, untouched
    receipt = services.record_inkind_receipt(
        actor=manager,
        pledge=pledge,
        received_on=dt.date(2021, 10, 20),
        reference="BB 15/2021",
        delivery_file=upload(delivery_list("TAB0001", "TAB0002", "TAB0003")),
    )
    assert isinstance(receipt, InKindReceipt)
    assert receipt.source.kind == DeviceSource.Kind.DONATION
    assert receipt.source.received_on == dt.date(2021, 10, 20)
    created = Device.objects.filter(source=receipt.source)
    assert sorted(created.values_list("serial_number", flat=True)) == [
        "TAB0001",
        "TAB0002",
        "TAB0003",
    ]
    assert Device.objects.count() == 4
    assert all(d.holder == Device.Holder.PROVINCE for d in created)
    assert AuditEvent.objects.filter(action="donation.inkind_receipt.create").exists()


def test_inkind_beyond_pledged_quantity_refused_and_nothing_kept(manager):
    pledge = PledgeFactory(created_by=manager, cash_amount=0)
    PledgeItemFactory(pledge=pledge, kind=SupportKind.TABLET, quantity=2)
    with pytest.raises(ValidationError) as exc:
        services.record_inkind_receipt(
            actor=manager,
            pledge=pledge,
            received_on=dt.date(2021, 10, 20),
            reference="BB 16/2021",
            delivery_file=upload(delivery_list("TAB0001", "TAB0002", "TAB0003")),
        )
    assert "delivery_file" in exc.value.error_dict
    assert Device.objects.count() == 0
    assert DeviceSource.objects.count() == 0
    assert InKindReceipt.objects.count() == 0


def test_inkind_over_delivery_counts_earlier_receipts(manager):
    pledge = PledgeFactory(created_by=manager, cash_amount=0)
    PledgeItemFactory(pledge=pledge, kind=SupportKind.TABLET, quantity=3)
    kwargs = {"actor": manager, "pledge": pledge, "received_on": dt.date(2021, 10, 20)}
    services.record_inkind_receipt(
        reference="BB 1", delivery_file=upload(delivery_list("A1", "A2")), **kwargs
    )
    with pytest.raises(ValidationError):
        services.record_inkind_receipt(
            reference="BB 2", delivery_file=upload(delivery_list("A3", "A4", start=600)), **kwargs
        )
    receipt = services.record_inkind_receipt(
        reference="BB 2",
        delivery_file=upload(delivery_list("A3", "A4", start=600)),
        over_delivery=True,
        over_delivery_reason="Nhà tài trợ tặng thêm 1 máy",
        **kwargs,
    )
    assert receipt.over_delivery
    assert Device.objects.filter(source__donation_receipt__pledge=pledge).count() == 4


def test_inkind_with_bad_rows_creates_nothing(manager):
    pledge = PledgeFactory(created_by=manager, cash_amount=0)
    PledgeItemFactory(pledge=pledge, kind=SupportKind.TABLET, quantity=5)
    DeviceFactory(serial_number="DUP0001")
    with pytest.raises(services.DeliveryImportError) as exc:
        services.record_inkind_receipt(
            actor=manager,
            pledge=pledge,
            received_on=dt.date(2021, 10, 20),
            reference="BB 3",
            delivery_file=upload(delivery_list("NEW0001", "DUP0001")),
        )
    assert exc.value.report.errors
    assert "Dòng" in str(exc.value)
    assert Device.objects.count() == 1
    assert not DeviceSource.objects.filter(reference="BB 3").exists()


def test_inkind_not_a_spreadsheet(manager):
    pledge = PledgeFactory(created_by=manager, cash_amount=0)
    PledgeItemFactory(pledge=pledge)
    with pytest.raises(ValidationError) as exc:
        services.record_inkind_receipt(
            actor=manager,
            pledge=pledge,
            received_on=dt.date(2021, 10, 20),
            reference="BB 4",
            delivery_file=upload(b"not a spreadsheet", name="x.xlsx"),
        )
    assert "delivery_file" in exc.value.error_dict
    assert DeviceSource.objects.count() == 0


# ---------------------------------------------------------------- spending


def test_spending_draws_on_receipts_oldest_first(manager, account):
    pledge = PledgeFactory(created_by=manager)
    r1 = CashReceiptFactory(
        pledge=pledge, account=account, amount=30_000_000, received_on=dt.date(2021, 10, 1)
    )
    r2 = CashReceiptFactory(
        pledge=pledge, account=account, amount=50_000_000, received_on=dt.date(2021, 11, 1)
    )
    purchase = DeviceSourceFactory(kind=DeviceSource.Kind.PURCHASE, created_by=manager)
    DeviceFactory.create_batch(2, source=purchase)
    spending = services.record_spending(
        actor=manager,
        spent_on=dt.date(2021, 12, 1),
        amount=40_000_000,
        account=account,
        purpose=Spending.Purpose.DEVICES,
        reference="UNC 01",
        receipts=[r2, r1],
        purchase=purchase,
    )
    draws = {d.receipt_id: d.amount for d in spending.draws.all()}
    assert draws == {r1.pk: 30_000_000, r2.pk: 10_000_000}
    assert services.receipt_balance(r2) == 40_000_000
    assert spending.purchase == purchase
    with pytest.raises(ValidationError) as exc:
        services.record_spending(
            actor=manager,
            spent_on=dt.date(2021, 12, 2),
            amount=40_000_001,
            account=account,
            purpose=Spending.Purpose.DATA,
            subscriptions_count=10,
            reference="UNC 02",
            receipts=[r1, r2],
        )
    assert "receipts" in exc.value.error_dict


def test_spending_on_devices_needs_a_purchase_source(manager, account):
    receipt = CashReceiptFactory(account=account, amount=10_000_000)
    donated = DeviceSourceFactory(kind=DeviceSource.Kind.DONATION, created_by=manager)
    base = {
        "actor": manager,
        "spent_on": dt.date(2021, 12, 1),
        "amount": 1_000_000,
        "account": account,
        "purpose": Spending.Purpose.DEVICES,
        "receipts": [receipt],
    }
    with pytest.raises(ValidationError):
        services.record_spending(reference="A", **base)
    with pytest.raises(ValidationError):
        services.record_spending(reference="A", purchase=donated, **base)


def test_spending_can_import_the_purchased_devices(manager, account):
    receipt = CashReceiptFactory(account=account, amount=10_000_000)
    spending = services.record_spending(
        actor=manager,
        spent_on=dt.date(2021, 12, 1),
        amount=6_000_000,
        account=account,
        purpose=Spending.Purpose.DEVICES,
        reference="UNC 7",
        receipts=[receipt],
        purchase_file=upload(delivery_list("BUY1", "BUY2")),
    )
    assert spending.purchase.kind == DeviceSource.Kind.PURCHASE
    assert set(spending.purchase.devices.values_list("serial_number", flat=True)) == {
        "BUY1",
        "BUY2",
    }


def test_spending_receipts_must_be_from_its_account(manager, account):
    other = FundAccountFactory(number="999")
    receipt = CashReceiptFactory(account=other, amount=10_000_000)
    with pytest.raises(ValidationError) as exc:
        services.record_spending(
            actor=manager,
            spent_on=dt.date(2021, 12, 1),
            amount=1,
            account=account,
            purpose=Spending.Purpose.DATA,
            subscriptions_count=1,
            reference="B",
            receipts=[receipt],
        )
    assert "receipts" in exc.value.error_dict


def test_branch_tax_code_is_displayed_with_its_dash():
    assert Donor(tax_code="0100109106012").tax_code_display == "0100109106-012"
    assert Donor(tax_code="0100109106").tax_code_display == "0100109106"


def test_same_delivery_record_cannot_be_received_twice(manager):
    pledge = PledgeFactory(created_by=manager, cash_amount=0)
    PledgeItemFactory(pledge=pledge, kind=SupportKind.TABLET, quantity=10)
    kwargs = {"actor": manager, "pledge": pledge, "received_on": dt.date(2021, 10, 20)}
    services.record_inkind_receipt(
        reference="BB 30/2021", delivery_file=upload(delivery_list("Z1")), **kwargs
    )
    with pytest.raises(ValidationError) as exc:
        services.record_inkind_receipt(
            reference="bb 30/2021", delivery_file=upload(delivery_list("Z2", start=700)), **kwargs
        )
    assert "reference" in exc.value.error_dict
    assert not Device.objects.filter(serial_number="Z2").exists()


# --- editing a pledge -----------------------------------------------------------------


def edit(manager, pledge, **values):
    terms = {
        "pledged_on": pledge.pledged_on,
        "cash_amount": pledge.cash_amount,
        "purpose": pledge.purpose,
        "round": pledge.round,
        "note": pledge.note,
        "items": [],
        "instalments": [],
    }
    terms.update(values)
    return services.update_pledge(actor=manager, pledge=pledge, **terms)


def test_pledge_edit_replaces_terms_and_is_audited(manager, pledge):
    edit(
        manager,
        pledge,
        cash_amount=120_000_000,
        purpose="Máy tính bảng cho Bát Xát",
        items=[services.ItemSpec(kind=SupportKind.TABLET, quantity=20)],
        instalments=[
            services.InstalmentSpec(due_on=dt.date(2021, 10, 1), amount=70_000_000),
            services.InstalmentSpec(due_on=dt.date(2021, 11, 1), amount=50_000_000),
        ],
    )
    pledge.refresh_from_db()
    assert (pledge.cash_amount, pledge.purpose) == (120_000_000, "Máy tính bảng cho Bát Xát")
    assert [(i.kind, i.quantity) for i in pledge.items.all()] == [("tablet", 20)]
    assert [i.amount for i in pledge.instalments.order_by("due_on")] == [70_000_000, 50_000_000]
    event = AuditEvent.objects.get(action="donation.pledge.update")
    assert event.actor == manager
    assert event.changes["cash_amount"] == [100_000_000, 120_000_000]
    assert event.changes["in_kind"] == [[], ["20 × tablet"]]
    assert "note" not in event.changes  # unchanged terms are not logged


def test_pledge_cash_cannot_fall_below_what_was_received(manager, pledge, account):
    receive(manager, pledge, account, 60_000_000, "KB 0002")
    with pytest.raises(ValidationError) as error:
        edit(manager, pledge, cash_amount=50_000_000)
    assert "cash_amount" in error.value.message_dict
    pledge.refresh_from_db()
    assert pledge.cash_amount == 100_000_000
    edit(manager, pledge, cash_amount=60_000_000)  # down to exactly what came in
    pledge.refresh_from_db()
    assert pledge.cash_amount == 60_000_000


def test_pledged_devices_cannot_fall_below_those_delivered(manager):
    pledge = PledgeFactory(created_by=manager, cash_amount=0)
    PledgeItemFactory(pledge=pledge, kind=SupportKind.TABLET, quantity=3)
    services.record_inkind_receipt(
        actor=manager,
        pledge=pledge,
        received_on=dt.date(2021, 10, 20),
        reference="BB 16/2021",
        delivery_file=upload(delivery_list("TAB0101", "TAB0102")),
    )
    with pytest.raises(ValidationError) as error:
        edit(manager, pledge, items=[services.ItemSpec(kind=SupportKind.TABLET, quantity=1)])
    assert "items" in error.value.message_dict
    assert pledge.items.get().quantity == 3
    edit(manager, pledge, items=[services.ItemSpec(kind=SupportKind.TABLET, quantity=2)])
    assert pledge.items.get().quantity == 2


def test_only_donation_managers_edit_pledges(district_officer, pledge):
    with pytest.raises(Http404):
        services.update_pledge(
            actor=district_officer, pledge=pledge, pledged_on=pledge.pledged_on, cash_amount=1
        )
