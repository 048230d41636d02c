"""Every object URL, requested as every role from another unit, answers 404.

Generated from the URL conf: each pattern with an object kwarg (``pk``, ``item``,
``donor_pk``...) must be classified below: which object of the other unit it names, or
why it names no unit's object. A new object URL fails ``test_every_object_url_is_classified``
until it is; a view that forgets its scope fails ``test_object_urls_of_another_unit_answer_404``.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from schools.models import GENERATION_2025, Commune, CommuneSuccession, Province
from tests.access_world import ROLES, build_province
from tests.accounts.factories import UserFactory, role
from tests.schools.factories import CommuneFactory, DistrictFactory, SchoolFactory

pytestmark = pytest.mark.django_db

# url name -> key of the object in the other unit's world
OBJECT_URLS = {
    "schools:school_detail": "school",
    "schools:district_detail": "district",
    "schools:export_detail": "export",
    "schools:export_status": "export",
    "schools:export_download": "export",
    "students:detail": "student",
    "students:update": "student",
    "students:reveal": "student",
    "students:delete": "student",
    "students:import_detail": "student_batch",
    "students:import_check": "student_batch",
    "students:import_confirm": "student_batch",
    "students:import_cancel": "student_batch",
    "students:import_choose": "student_batch",
    "students:import_changes": "student_batch",
    "students:import_status": "student_batch",
    "students:import_error_file": "student_batch",
    "rounds:proposal": "proposal",
    "rounds:proposal_add": "proposal",
    "rounds:proposal_update": "proposal",
    "rounds:proposal_suggest": "proposal",
    "rounds:proposal_decide_items": "proposal",
    "rounds:proposal_export": "proposal",
    "rounds:proposal_transition": "proposal",
    "rounds:student_history": "student",
    "rounds:student_unlock": "student",
    "devices:device_detail": "device",
    "devices:device_write_off": "device",
    "devices:import_result": "device_batch",
    "devices:import_confirm": "device_batch",
    "devices:import_errors": "device_batch",
    "devices:transfer_detail": "transfer",
    "devices:transfer_confirm": "transfer",
    "devices:transfer_slip": "transfer",
    "devices:transfer_cancel": "transfer",
    "devices:allocate": "item",
    "devices:allocation_detail": "allocation",
    "devices:allocation_pdf": "allocation",
    "devices:allocation_scan": "allocation",
    "devices:allocation_handover": "allocation",
    "devices:allocation_return": "allocation",
    "devices:allocation_cancel": "allocation",
    "devices:subscription_detail": "subscription",
    "devices:subscription_problem": "subscription",
    "devices:problem_resolve": "problem",
    "devices:status_import_result": "status_batch",
    "devices:status_import_errors": "status_batch",
    "devices:status_import_confirm": "status_batch",
    "coverage:detail": "point",
    "coverage:edit": "point",
    "coverage:signal": "point",
    "coverage:ministry": "point",
    "coverage:plan": "point",
    "coverage:plan_note": "point",
    "coverage:import_detail": "coverage_batch",
    "coverage:import_confirm": "coverage_batch",
    "coverage:import_errors": "coverage_batch",
    "reports:outreach_edit": "outreach",
    "reports:outreach_delete": "outreach",
    "platforms:account_add": "student",
    "platforms:account_deactivate": "platform_account",
}
# url name -> key of an object that is its whole province's (every district and school of
# it takes part in a round; donations and progress reports are the Sở's own): requested
# as every role of another province, never by another unit of its own province.
PROVINCE_URLS = {
    "rounds:detail": "round",
    "rounds:edit": "round",
    "rounds:close": "round",
    "rounds:quotas": "round",
    "rounds:split": "round",
    "rounds:inbox": "round",
    "rounds:deadlines": "round",
    "rounds:export": "round",
    "rounds:proposal_start": "round",
    "donations:donor_detail": "donor",
    "donations:donor_edit": "donor",
    "donations:donor_devices": "donor",
    "donations:pledge_create": "donor",
    "donations:pledge_detail": "pledge",
    "donations:pledge_edit": "pledge",
    "donations:cash_receipt": "pledge",
    "donations:inkind_receipt": "pledge",
    "donations:cash_letter": "cash_receipt",
    "donations:inkind_letter": "inkind_receipt",
    "reports:report_detail": "report",
    "reports:report_status": "report",
    "reports:report_download": "report",
}
# Extra kwargs of a few patterns besides the object.
EXTRA_KWARGS = {
    "rounds:proposal_transition": {"name": "submit"},
    "reports:report_download": {"kind": "xlsx"},
}

# Object URLs whose object belongs to no unit, with the reason.
UNITLESS = {
    "platforms:platform_edit": "the platform catalogue is reference data, the same for every unit",
    # Not objects at all.
    "accounts:password_reset_confirm": "a signed token, not an object id",
    "accounts:activate_link": "an activation and its one-time token, for a visitor not logged in",
    "schools:export_start": "the name of an exporter, not an object id",
}


def object_patterns():
    """(name, kwarg names) of every pattern taking a kwarg, the admin's aside."""

    def walk(resolver, namespace=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry, ns)
            elif isinstance(entry, URLPattern) and entry.pattern.converters:
                yield f"{namespace}{entry.name}", tuple(entry.pattern.converters)

    return sorted(set(walk(get_resolver())))


def test_every_object_url_is_classified():
    names = {name for name, _kwargs in object_patterns()}
    classified = set(OBJECT_URLS) | set(PROVINCE_URLS) | set(UNITLESS)
    unclassified = names - classified
    assert not unclassified, f"classify these object URLs in {__name__}: {sorted(unclassified)}"
    stale = classified - names
    assert not stale, f"no such URL any more: {sorted(stale)}"


OTHER_PROVINCE = "(tỉnh khác)"


def _other_unit_users(a, b) -> dict[str, object]:
    """Users of every role who are not the objects' unit: another province's, another
    district's and another school's in the objects' own province and district, an
    administrator (whose province is the first) and a user with no role."""
    b_district_2 = DistrictFactory(province=b.province, code="152", name="Huyện Trấn Yên")
    b_school_2 = SchoolFactory(
        commune=CommuneFactory(district=b.district, code="15002", name="Xã Việt Thành"),
        district=b.district,
        code="15000002",
        name="Trường TH Việt Thành",
    )
    users = {f"{code} {OTHER_PROVINCE}": a.users[code] for code in ROLES}
    users["school_staff (trường khác cùng huyện)"] = UserFactory(
        username="truong_15b", role=role("school_staff"), school=b_school_2
    )
    users["district_officer (huyện khác cùng tỉnh)"] = UserFactory(
        username="phong_15b", role=role("district_officer"), district=b_district_2
    )
    # Commune officers (since 1/7/2025): one of a commune of a province of 2025 that b
    # went into, whose schools are not b's school; one of another province of 2025.
    b_2025 = Province.objects.create(code="15", name="Lào Cai", generation_id=GENERATION_2025)
    Province.objects.filter(pk=b.province.pk).update(successor=b_2025)
    viet_thanh = Commune.objects.create(
        generation_id=GENERATION_2025, province=b_2025, code="15002", name="Xã Việt Thành"
    )
    CommuneSuccession.objects.create(old=b_school_2.commune, new=viet_thanh)
    users["commune_officer (xã khác cùng tỉnh)"] = UserFactory(
        username="xa_15b", role=role("commune_officer"), commune=viet_thanh
    )
    far = Province.objects.create(code="08", name="Tuyên Quang", generation_id=GENERATION_2025)
    users[f"commune_officer {OTHER_PROVINCE}"] = UserFactory(
        username="xa_08",
        role=role("commune_officer"),
        commune=Commune.objects.create(
            generation_id=GENERATION_2025, province=far, code="02269", name="Phường Minh Xuân"
        ),
    )
    users["admin (tỉnh đầu tiên)"] = UserFactory(
        username="quantri_10", role=role("admin"), is_staff=True, is_superuser=True
    )
    users["no role"] = UserFactory(username="khong_vai_tro")
    return users


def _request(client: Client, url: str) -> int:
    status = client.get(url).status_code
    if status == 405:
        status = client.post(url, {}).status_code
    return status


def test_object_urls_of_another_unit_answer_404():
    a = build_province(code="10", name="Lào Cai", prefix="10")
    b = build_province(code="15", name="Yên Bái", prefix="15")
    objects = {"school": b.school, "district": b.district, **b.objects}
    failures = []
    for label, user in _other_unit_users(a, b).items():
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        # A unit of the objects' own province shares its province's objects.
        same_province = "khác cùng" in label
        for name, kwargs in object_patterns():
            key = OBJECT_URLS.get(name) or (None if same_province else PROVINCE_URLS.get(name))
            if key is None:
                continue
            values = {kwargs[0]: objects[key].pk, **EXTRA_KWARGS.get(name, {})}
            url = reverse(name, kwargs=values)
            status = _request(client, url)
            if status != 404:
                failures.append(f"{label}: {name} {url} answered {status}")
    assert not failures, "\n".join(failures)


def test_the_objects_own_unit_reaches_them():
    # Not vacuous: every such URL that answers GET reaches the object for some role of
    # the unit that owns it (the POST-only ones answer 405 to GET whoever asks).
    b = build_province(code="15", name="Yên Bái", prefix="15")
    objects = {"school": b.school, "district": b.district, **b.objects}
    keys = {**OBJECT_URLS, **PROVINCE_URLS}
    statuses: dict[str, set[int]] = {name: set() for name in keys}
    for code in ROLES:
        client = Client()
        client.force_login(b.users[code], backend="django.contrib.auth.backends.ModelBackend")
        for name, kwargs in object_patterns():
            if name in keys:
                values = {kwargs[0]: objects[keys[name]].pk, **EXTRA_KWARGS.get(name, {})}
                statuses[name].add(client.get(reverse(name, kwargs=values)).status_code)
    # These answer only when the check found errors (a copy of the file with them).
    only_with_errors = {"devices:import_errors", "devices:status_import_errors"}
    never = sorted(
        name for name, seen in statuses.items() if seen <= {404} and name not in only_with_errors
    )
    assert not never, f"the owning unit never reaches {never}"
    assert sum(1 for seen in statuses.values() if seen - {404, 405}) >= 25


def test_commune_officer_of_the_schools_commune_reaches_its_objects():
    b = build_province(code="15", name="Yên Bái", prefix="15")
    b_2025 = Province.objects.create(code="15", name="Lào Cai", generation_id=GENERATION_2025)
    Province.objects.filter(pk=b.province.pk).update(successor=b_2025)
    commune = Commune.objects.create(
        generation_id=GENERATION_2025, province=b_2025, code="15001", name="Xã Yên Bái"
    )
    CommuneSuccession.objects.create(old=b.school.commune, new=commune)
    officer = UserFactory(username="xa_15", role=role("commune_officer"), commune=commune)
    client = Client()
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    for name, key in (("schools:school_detail", "school"), ("students:detail", "student")):
        url = reverse(name, kwargs={"pk": b.objects.get(key, b.school).pk})
        assert client.get(url).status_code == 200, url
