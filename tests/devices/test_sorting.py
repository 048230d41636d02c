"""Every devices list sorts by its whitelisted columns; other keys keep the default order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from devices import services
from devices.models import Device
from tests.devices.factories import (
    DataPackageFactory,
    DeviceFactory,
    DeviceSourceFactory,
    StudentFactory,
    SubscriptionFactory,
    approve,
)

pytestmark = pytest.mark.django_db


def _rows(client, name, **params):
    response = client.get(reverse(f"devices:{name}"), params)
    assert response.status_code == 200
    return response, list(response.context["page"].object_list)


@pytest.fixture
def two_pupils(school):
    # "An" sorts first by name but sits in the later class.
    return [
        StudentFactory(school=school, full_name="Lò Văn An", class_name="9A", grade=9),
        StudentFactory(school=school, full_name="Vàng Thị Xuân", class_name="6A", grade=6),
    ]


def test_subscriptions_sort_by_end_date_and_fall_back_on_unknown_keys(
    client_for, school_staff, two_pupils
):
    an, xuan = two_pupils
    package = DataPackageFactory()
    early = SubscriptionFactory(
        student=an, proposal_item=approve(an, "data"), package=package, ends_on=dt.date(2022, 1, 1)
    )
    late = SubscriptionFactory(
        student=xuan,
        proposal_item=approve(xuan, "data"),
        package=package,
        ends_on=dt.date(2022, 6, 1),
    )
    client = client_for(school_staff)
    default = _rows(client, "subscriptions")[1]
    assert default == [late, early]  # newest first, as before
    response, rows = _rows(client, "subscriptions", sap_xep="ket_thuc", status="")
    assert rows == [early, late]
    html = response.content.decode()
    assert 'aria-sort="ascending"' in html and "sap_xep=-ket_thuc" in html and "status=" in html
    assert _rows(client, "subscriptions", sap_xep="-ket_thuc")[1] == [late, early]
    assert _rows(client, "subscriptions", sap_xep="phone")[1] == default


def test_allocations_sort_by_pupil_and_class(
    client_for, school_staff, school, two_pupils, purchase
):
    an, xuan = two_pupils
    made = []
    for pupil in (xuan, an):  # Xuân allocated first, so the default (newest) puts An first
        approve(pupil, "tablet")
        device = DeviceFactory(
            source=purchase, holder=Device.Holder.SCHOOL, school=school, district=school.district
        )
        made.append(services.allocate_device(actor=school_staff, device=device, student=pupil))
    by_xuan, by_an = made
    client = client_for(school_staff)
    assert [a.pk for a in _rows(client, "allocations")[1]] == [by_an.pk, by_xuan.pk]
    assert [a.pk for a in _rows(client, "allocations", sap_xep="-hoc_sinh")[1]] == [
        by_xuan.pk,
        by_an.pk,
    ]
    assert [a.pk for a in _rows(client, "allocations", sap_xep="lop")[1]] == [by_xuan.pk, by_an.pk]
    assert [a.pk for a in _rows(client, "allocations", sap_xep="x")[1]] == [by_an.pk, by_xuan.pk]


def test_waiting_beneficiaries_sort_by_class(client_for, school_staff, two_pupils):
    an, xuan = two_pupils
    for pupil in two_pupils:
        approve(pupil, "tablet")
    client = client_for(school_staff)
    names = lambda **p: [i.student for i in _rows(client, "beneficiaries", **p)[1]]  # noqa: E731
    assert names() == [an, xuan]
    assert names(sap_xep="lop") == [xuan, an]
    assert names(sap_xep="-hoc_sinh") == [xuan, an]
    assert names(sap_xep="student__pupil_code") == [an, xuan]


def test_transfers_sort_by_device_count(client_for, province_official, district, purchase):
    big = services.create_transfer(
        actor=province_official,
        devices=[DeviceFactory(source=purchase) for _ in range(3)],
        to_district=district,
    )
    small = services.create_transfer(
        actor=province_official, devices=[DeviceFactory(source=purchase)], to_district=district
    )
    client = client_for(province_official)
    assert _rows(client, "transfers")[1] == [small, big]
    assert _rows(client, "transfers", sap_xep="-so_thiet_bi")[1] == [big, small]
    assert _rows(client, "transfers", sap_xep="so_phieu")[1] == [big, small]
    assert _rows(client, "transfers", sap_xep="bogus")[1] == [small, big]


def test_sources_sort_by_reference_and_count(client_for, province_official):
    old = DeviceSourceFactory(reference="B-01", received_on=dt.date(2021, 1, 1))
    new = DeviceSourceFactory(reference="A-02", received_on=dt.date(2021, 9, 1))
    DeviceFactory(source=old)
    DeviceFactory(source=old)
    DeviceFactory(source=new)
    client = client_for(province_official)
    assert _rows(client, "sources")[1] == [new, old]
    assert _rows(client, "sources", sap_xep="-so_thiet_bi")[1] == [old, new]
    assert _rows(client, "sources", sap_xep="ngay_nhan")[1] == [old, new]
    assert _rows(client, "sources", sap_xep="-so_chung_tu")[1] == [old, new]
    assert _rows(client, "sources", sap_xep="created_by")[1] == [new, old]


def test_the_ready_to_learn_list_sorts_by_class_and_keeps_the_filter(
    client_for, school_staff, two_pupils
):
    an, xuan = two_pupils
    for pupil in two_pupils:
        approve(pupil, "tablet")
    client = client_for(school_staff)
    assert _rows(client, "readiness")[1] == [an, xuan]
    response, rows = _rows(client, "readiness", sap_xep="lop", thieu="any")
    assert rows == [xuan, an]
    html = response.content.decode()
    assert "thieu=any" in html and 'name="sap_xep" value="lop"' in html
    assert _rows(client, "readiness", sap_xep="name_key")[1] == [an, xuan]


def test_packages_sort_by_price(client_for, school_staff):
    cheap = DataPackageFactory(name="ZZ rẻ", price_vnd_per_month=10_000)
    dear = DataPackageFactory(name="AA đắt", price_vnd_per_month=90_000)
    client = client_for(school_staff)
    url = reverse("devices:packages")

    def rows(**params):
        packages = client.get(url, params).context["packages"]
        return [p for p in packages if p in (cheap, dear)]

    assert rows() == [dear, cheap]
    assert rows(sap_xep="gia") == [cheap, dear]
    assert rows(sap_xep="-gia") == [dear, cheap]
    assert rows(sap_xep="iccid") == [dear, cheap]
