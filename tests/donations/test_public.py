import datetime as dt

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from coverage.models import CoveragePlan, CoveragePoint
from devices.models import Device, DeviceSource
from donations.models import InKindReceipt
from donations.public import show, suppress_rows
from tests.devices.factories import DeviceFactory, DeviceSourceFactory, SubscriptionFactory
from tests.donations.factories import (
    CashReceiptFactory,
    DonorFactory,
    PledgeFactory,
    allocate,
    make_pupil,
)

pytestmark = pytest.mark.django_db

PUPIL = {
    "full_name": "Thào Seo Quýnhzy",
    "pupil_code": "1097531864",
    "personal_id": "010210987654",
    "village_name": "Thôn Pờ Xìzyquan",
}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def programme(manager, school, far_school, *, big_school_devices=6):
    named = DonorFactory(name="Tập đoàn Viettel", public_consent=True)
    hidden = DonorFactory(
        name="Ông Vàng A Bíhidden", kind="individual", tax_code="", public_consent=False
    )
    p1 = PledgeFactory(donor=named, cash_amount=500_000_000, created_by=manager)
    p2 = PledgeFactory(donor=hidden, cash_amount=3_000_000, created_by=manager)
    CashReceiptFactory(pledge=p1, amount=200_000_000)
    CashReceiptFactory(pledge=p2, amount=3_000_000)
    source = DeviceSourceFactory(kind=DeviceSource.Kind.DONATION, created_by=manager)
    InKindReceipt.objects.create(pledge=p1, source=source, recorded_by=manager)
    pupil = make_pupil(school, **PUPIL)
    other = make_pupil(
        school, full_name="Giàng Thị Lùzyx", pupil_code="1097531865", village_name="Bản Zyxcơ"
    )
    allocate(DeviceFactory(source=source), pupil, by=manager, handed_over=True)
    allocate(DeviceFactory(source=source), other, by=manager)
    SubscriptionFactory(
        student=pupil,
        proposal_item=pupil.proposal_items.first(),
        status="active",
        created_by=manager,
        phone="0912345678",
    )
    for _ in range(big_school_devices):
        DeviceFactory(
            source=source,
            school=far_school,
            district=far_school.district,
            holder=Device.Holder.SCHOOL,
        )
    return named, hidden


def test_public_page_needs_no_login(client, manager, school, far_school):
    programme(manager, school, far_school)
    response = client.get(reverse("donations:public"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tập đoàn Viettel" in html
    assert "203.000.000\u00a0đ" in html  # received, all donors
    assert "503.000.000\u00a0đ" in html  # pledged


def test_public_page_has_no_personal_data(client, manager, school, far_school):
    programme(manager, school, far_school)
    html = client.get(reverse("donations:public")).content.decode()
    for secret in (
        PUPIL["full_name"],
        "Quýnhzy",
        PUPIL["pupil_code"],
        PUPIL["personal_id"],
        "7654",
        PUPIL["village_name"],
        "Xìzyquan",
        "Lùzyx",
        "Zyxcơ",
        "GCN-HN",
        "Phụ huynh",
        "0912345678",
        "Hộ nghèo",
    ):
        assert secret not in html, secret


def test_anonymous_donor_is_grouped_and_not_named(client, manager, school, far_school):
    programme(manager, school, far_school)
    html = client.get(reverse("donations:public")).content.decode()
    assert "Bíhidden" not in html
    assert "Nhà tài trợ ẩn danh" in html
    assert "3.000.000\u00a0đ" in html


def test_small_school_counts_are_suppressed(client, manager, school, far_school):
    programme(manager, school, far_school, big_school_devices=6)
    html = client.get(reverse("donations:public")).content.decode()
    start = html.index(school.name)
    row = html[start : html.index("</tr>", start)]
    assert "&lt;5" in row
    assert ">2<" not in row and ">1<" not in row
    far = html[html.index(far_school.name) :]
    assert ">6<" in far[: far.index("</tr>")]


def test_secondary_suppression_hides_a_second_cell():
    rows = [{"n": 2}, {"n": 7}, {"n": 9}]
    suppress_rows(rows, ("n",))
    assert [r["show"]["n"] for r in rows] == ["<5", "<5", "9"]
    rows = [{"n": 12}, {"n": 7}]
    suppress_rows(rows, ("n",))
    assert [r["show"]["n"] for r in rows] == ["12", "7"]
    # Zero describes no child: shown as 0 (it was "<5").
    assert show(0) == "0" and show(4) == "<5" and show(5) == "5" and show(1234) == "1.234"


def test_public_page_counts_coverage_and_data(client, manager, school, far_school):
    programme(manager, school, far_school)
    # Each school is a point from the moment it exists; one is measured at 4G.
    covered = CoveragePoint.objects.get(school=school)
    CoveragePoint.objects.filter(pk=covered.pk).update(best_technology=4)
    CoveragePlan.objects.create(
        point=covered,
        carrier="viettel",
        target_date=dt.date(2021, 12, 31),
        solution="new_bts",
        stage=CoveragePlan.Stage.VERIFIED,
    )
    response = client.get(reverse("donations:public"))
    totals = response.context["totals"]
    assert totals["coverage_covered"] == "1" and totals["coverage_points"] == "2"
    assert totals["subscriptions"] == "1"
    assert totals["handed_over"] == "1" and totals["allocated"] == "2"


def test_public_page_is_cached_second_request_makes_no_query(
    client, manager, school, far_school, django_assert_num_queries
):
    programme(manager, school, far_school)
    url = reverse("donations:public")
    client.get(url)
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response.status_code == 200
    assert "Tập đoàn Viettel" in response.content.decode()


def test_public_page_cache_varies_by_language(client, manager, school, far_school):
    programme(manager, school, far_school)
    url = reverse("donations:public")
    client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
    assert cache.get("donations:public:v1:vi") is not None
    assert cache.get("donations:public:v1:en") is None
    # The portal follows the language the visitor picked (a cookie), not the browser's.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.get(url)
    assert cache.get("donations:public:v1:en") is not None


def test_a_new_receipt_refreshes_the_public_page(
    client, manager, school, far_school, account, django_capture_on_commit_callbacks
):
    from donations import services

    named, _hidden = programme(manager, school, far_school)
    url = reverse("donations:public")
    assert "700.000.000\u00a0đ" not in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_cash_receipt(
            actor=manager,
            pledge=named.pledges.get(),
            amount=300_000_000,
            received_on=dt.date(2021, 12, 1),
            account=account,
            reference="FT-NEW",
        )
    assert "500.000.000\u00a0đ" in client.get(url).content.decode()


def test_public_page_query_count_does_not_grow(
    client, manager, school, far_school, django_assert_num_queries
):
    programme(manager, school, far_school, big_school_devices=1)
    url = reverse("donations:public")
    # One more than before: the spending per purpose, now published; and one more for the
    # provinces (the one shown and the switch).
    with django_assert_num_queries(20):
        client.get(url)
    cache.clear()
    programme_more = DonorFactory.create_batch(3, public_consent=True)
    for donor in programme_more:
        CashReceiptFactory(pledge=PledgeFactory(donor=donor, created_by=manager))
    DeviceFactory.create_batch(
        5, school=school, district=school.district, holder=Device.Holder.SCHOOL
    )
    with django_assert_num_queries(20):
        client.get(url)


def test_public_page_is_computed_when_the_cache_is_down(client, manager, school, settings):
    from donations.public import clear_public_cache

    # A Redis cache on a port where nothing listens: every cache call raises.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6396/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    response = client.get(reverse("donations:public"))
    assert response.status_code == 200
    assert "Lào Cai" in response.content.decode()
    clear_public_cache()  # a donation recorded during the outage does not fail either
