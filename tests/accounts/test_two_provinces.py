"""Two provinces side by side: nothing of province B is visible from province A.

Every scoped queryset (every model whose manager is a ``ScopedQuerySet``) splits its
rows between the two provinces' officers with no overlap; and every page without
arguments, its Excel export included, renders for each of A's users exactly as it did
before province B existed (lists, dashboards' totals, home pages).
"""

from __future__ import annotations

import io
import re

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from kernel.scoping import ScopedQuerySet
from tests.access_world import ROLES, build_province

pytestmark = pytest.mark.django_db


def scoped_models():
    return [
        model
        for model in apps.get_models()
        if isinstance(model._default_manager.all(), ScopedQuerySet)
    ]


@pytest.fixture
def two_provinces(db):
    a = build_province(code="10", name="Lào Cai", prefix="10")
    b = build_province(code="15", name="Yên Bái", prefix="15")
    return a, b


def seen_by_province(qs, world) -> set[int]:
    """What the province's provincial users see (donations only its donation manager)."""
    seen: set[int] = set()
    for code in ("province_officer", "coverage_officer", "donation_manager"):
        seen |= set(qs.visible_to(world.users[code]).values_list("pk", flat=True))
    return seen


def test_every_scoped_model_is_built_in_both_provinces(two_provinces):
    a, b = two_provinces
    names = {model.__name__ for model in scoped_models()}
    # Rounds, donations and progress reports are scoped like the rest.
    assert {"SupportRound", "Donor", "Pledge", "FundAccount", "CashReceipt"} <= names
    assert {"InKindReceipt", "Spending", "ProgressReport"} <= names
    for model in scoped_models():
        qs = model._default_manager.all()
        assert seen_by_province(qs, a), model.__name__
        assert seen_by_province(qs, b), model.__name__


def test_scoped_querysets_split_rows_between_the_provinces(two_provinces):
    a, b = two_provinces
    for model in scoped_models():
        qs = model._default_manager.all()
        seen_a, seen_b = seen_by_province(qs, a), seen_by_province(qs, b)
        assert not seen_a & seen_b, f"{model.__name__}: rows seen from both provinces"
        # Every row belongs to one of the two provinces: nothing hidden from both.
        assert seen_a | seen_b == set(qs.values_list("pk", flat=True)), model.__name__
        for code in ROLES:
            seen = set(qs.visible_to(a.users[code]).values_list("pk", flat=True))
            assert seen <= seen_a, f"{model.__name__} seen by {code} of A reaches into B"


def test_province_b_rows_are_the_ones_built_there(two_provinces):
    # Against what the builder put in B, not against visible_to itself.
    a, b = two_provinces
    for key, obj in b.objects.items():
        manager = type(obj)._default_manager
        if not isinstance(manager.all(), ScopedQuerySet):
            continue
        assert obj.pk not in seen_by_province(manager.filter(pk=obj.pk), a), key
        assert obj.pk in seen_by_province(manager.filter(pk=obj.pk), b), key


def _pages():
    """Every URL without arguments that answers GET (the portal's lists and dashboards)."""

    def walk(resolver, prefix="", namespace=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in ("admin", "i18n") or str(entry.pattern).startswith("i18n"):
                    continue
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.converters:
                yield f"{namespace}{entry.name}"

    # The public page is anonymous: no user's scope limits it; it shows one province by
    # its own switch, tested in tests/donations/test_public_provinces.py.
    skip = {"accounts:logout", "set_language"}
    return sorted(
        name
        for name in set(walk(get_resolver()))
        if name not in skip and not name.startswith("donations:public")
    )


CSRF = re.compile(
    rb'name="csrfmiddlewaretoken" value="[^"]+"|csrf[_-]?token[^>]*?"[A-Za-z0-9]{32,}"'
)


def _snapshot(user) -> dict[str, object]:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    seen: dict[str, object] = {}
    for name in _pages():
        url = reverse(name)
        for suffix in ("", "?export=xlsx"):
            cache.clear()
            response = client.get(url + suffix)
            if response.status_code != 200:
                seen[name + suffix] = response.status_code
                continue
            content = b"".join(response) if response.streaming else response.content
            if response["Content-Type"].startswith("application/vnd.openxmlformats"):
                book = load_workbook(io.BytesIO(content), read_only=True)
                seen[name + suffix] = [
                    [list(row) for row in sheet.iter_rows(values_only=True)]
                    for sheet in book.worksheets
                ]
            else:
                seen[name + suffix] = CSRF.sub(b"", content)
    return seen


@pytest.mark.parametrize("code", ROLES)
def test_every_page_and_export_is_unchanged_by_a_second_province(code):
    a = build_province(code="10", name="Lào Cai", prefix="10")
    user = a.users[code]
    before = _snapshot(user)
    build_province(code="15", name="Yên Bái", prefix="15")
    after = _snapshot(user)
    changed = sorted(name for name in before if before[name] != after[name])
    assert not changed, f"{code} of province A sees province B on {changed}"
    # The snapshot is not vacuous: A's own pages show A's data.
    assert sum(1 for v in before.values() if not isinstance(v, int)) >= 10


def test_what_an_administrator_recorded_belongs_to_the_first_province(two_provinces):
    # An administrator has no unit; their scope is the first province (by code), and so is
    # a device source, a provincial store device or a batch they recorded.
    from devices.models import Device
    from schools.models import ImportBatch
    from tests.accounts.factories import UserFactory, role
    from tests.devices.factories import DeviceFactory, DeviceSourceFactory

    a, b = two_provinces
    admin = UserFactory(username="quantri_x", role=role("admin"), is_superuser=True)
    device = DeviceFactory(source=DeviceSourceFactory(created_by=admin))
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.DEVICES, uploaded_by=admin, file_name="x.xlsx"
    )
    district_batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.STUDENTS, uploaded_by=admin, file_name="y.xlsx", district=b.district
    )
    for user, sees in ((a.users["province_officer"], True), (b.users["province_officer"], False)):
        assert Device.objects.visible_to(user).filter(pk=device.pk).exists() is sees
        assert ImportBatch.objects.visible_to(user).filter(pk=batch.pk).exists() is sees
        # A district's batch is the district's, whoever uploaded it.
        assert (
            ImportBatch.objects.visible_to(user).filter(pk=district_batch.pk).exists() is not sees
        )


def test_writes_take_the_province_of_the_acting_user(two_provinces):
    import datetime as dt

    from donations import services as donations
    from rounds import services as rounds

    a, b = two_provinces
    round_ = rounds.open_round(
        actor=b.users["province_officer"],
        name="Đợt 2",
        school_year="2022-2023",
        starts_on=dt.date(2022, 9, 5),
        ends_on=dt.date(2022, 10, 5),
        offers=["tablet"],
    )
    assert round_.province == b.province
    # The same enterprise (tax code) has a record in each province's register.
    donor = donations.create_donor(
        actor=a.users["donation_manager"], kind="enterprise", name="VNPT", tax_code="0100684378"
    )
    again = donations.create_donor(
        actor=b.users["donation_manager"], kind="enterprise", name="VNPT", tax_code="0100684378"
    )
    assert (donor.province, again.province) == (a.province, b.province)


def test_no_write_reaches_into_another_province(two_provinces):
    import datetime as dt

    from django.http import Http404

    from donations import services as donations
    from rounds import services as rounds

    a, b = two_provinces
    manager = a.users["donation_manager"]
    receipt = {"amount": 1_000_000, "received_on": dt.date(2021, 10, 2)}
    with pytest.raises(Http404):  # another province's pledge
        donations.record_cash_receipt(
            actor=manager, pledge=b["pledge"], account=a["account"], reference="X1", **receipt
        )
    with pytest.raises(Http404):  # another province's fund account
        donations.record_cash_receipt(
            actor=manager, pledge=a["pledge"], account=b["account"], reference="X2", **receipt
        )
    with pytest.raises(Http404):  # a pledge to another province's round
        donations.create_pledge(
            actor=manager, donor=a["donor"], pledged_on=dt.date(2021, 10, 1), round=b["round"]
        )
    with pytest.raises(Http404):
        rounds.close_round(actor=a.users["province_officer"], round=b["round"])
    with pytest.raises(Http404):
        rounds.start_proposal(actor=a.users["school_staff"], round=b["round"])
    assert b["pledge"].cash_receipts.count() == 1
    b["round"].refresh_from_db()
    assert b["round"].is_open


def test_forms_offer_only_the_users_province(two_provinces):
    from donations.forms import CashReceiptForm, PledgeForm

    a, b = two_provinces
    manager = a.users["donation_manager"]
    assert list(PledgeForm(user=manager).fields["round"].queryset) == [a["round"]]
    form = CashReceiptForm(user=manager)
    assert list(form.fields["account"].queryset) == [a["account"]]
    assert form.fields["account"].initial == a["account"].pk


def test_each_province_reports_on_its_own_units(two_provinces):
    a, b = two_provinces
    for world, other in ((a, b), (b, a)):
        report = world["report"]
        assert report.province == world.province
        assert report.number == "01/BC-SGDĐT"  # each Sở numbers its own reports
        codes = {d["code"] for d in report.figures["districts"]}
        assert codes == {world.district.code}, codes
        assert report.figures["donations"] == {"pledged": 50_000_000, "received": 20_000_000}
        stale = report.figures["completeness"]["districts"]
        assert [d["code"] for d in stale] == [world.district.code]
        outreach = report.figures["outreach"]
        assert outreach["total"] == 3  # the province's three activities, not six
        assert set(outreach["by_district"]) == {"province", str(world.district.pk)}
        assert str(other.district.pk) not in outreach["by_district"]
