"""One fixture per role, on a small province: two districts, three schools.

- ``school_staff``: staff of ``school`` (district ``district``)
- ``other_school_staff``: staff of ``other_school`` in the same district
- ``district_officer``: the office of ``district``
- ``other_district_officer``: the office of ``other_district``
- ``province_official``: the provincial Department of Education
- ``admin_user``: a site administrator
- ``outsider``: logged in, but with no role and no unit
"""

from __future__ import annotations

import pytest

from tests.accounts.factories import UserFactory, role
from tests.schools.factories import CommuneFactory, DistrictFactory, ProvinceFactory, SchoolFactory


@pytest.fixture
def province(db):
    return ProvinceFactory()


@pytest.fixture
def district(province):
    return DistrictFactory(province=province, code="87", name="Huyện Bảo Yên")


@pytest.fixture
def other_district(province):
    return DistrictFactory(province=province, code="84", name="Huyện Si Ma Cai")


@pytest.fixture
def commune(district):
    return CommuneFactory(district=district, code="02980", name="Xã Tân Tiến")


@pytest.fixture
def school(commune):
    return SchoolFactory(
        commune=commune,
        district=commune.district,
        code="08700002",
        name="Trường PTDTBT THCS Tân Tiến",
    )


@pytest.fixture
def other_school(district):
    commune = CommuneFactory(district=district, code="02953", name="Xã Nghĩa Đô")
    return SchoolFactory(
        commune=commune,
        district=district,
        code="08700003",
        name="Trường TH&THCS Nghĩa Đô",
        level="TH&THCS",
    )


@pytest.fixture
def far_school(other_district):
    commune = CommuneFactory(district=other_district, code="02800", name="Xã Nàn Sán")
    return SchoolFactory(
        commune=commune, district=other_district, code="08400001", name="Trường PTDTBT THCS Nàn Sán"
    )


@pytest.fixture
def school_staff(school):
    return UserFactory(username="truong", role=role("school_staff"), school=school)


@pytest.fixture
def other_school_staff(other_school):
    return UserFactory(username="truong_khac", role=role("school_staff"), school=other_school)


@pytest.fixture
def far_school_staff(far_school):
    return UserFactory(username="truong_xa", role=role("school_staff"), school=far_school)


@pytest.fixture
def district_officer(district):
    return UserFactory(username="phong", role=role("district_officer"), district=district)


@pytest.fixture
def other_district_officer(other_district):
    return UserFactory(
        username="phong_khac", role=role("district_officer"), district=other_district
    )


@pytest.fixture
def province_official(province):
    return UserFactory(username="so", role=role("province_officer"), province=province)


@pytest.fixture
def admin_user(province):
    return UserFactory(username="quantri", role=role("admin"), is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db):
    return UserFactory(username="nguoi_ngoai")


@pytest.fixture
def client_for(client):
    """``client_for(user)`` logs the test client in as ``user``."""

    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request with the English cookie
    activates English for the thread, and a later test calling a service directly in the
    same process would otherwise get English messages (seen under random order/xdist)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (ids repeat across tests once rolled back)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    """Transactional tests flush the database, data migrations included; put reference data back."""
    marker = request.node.get_closest_marker("django_db")
    if not marker or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    for module in (
        "accounts.migrations.0003_default_roles",
        "accounts.migrations.0004_role_beneficiary_capabilities",
        "accounts.migrations.0008_commune_officers",
        "students.migrations.0002_reference_data",
    ):
        importlib.import_module(module).load(apps, None)
    # The two generations of administrative units every province and commune points at.
    importlib.import_module("schools.migrations.0007_unit_generations").create_generations(
        apps, None
    )
