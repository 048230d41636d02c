"""Parts built by different apps meeting on one page: the signal where a pupil lives,
the warning when a data package would not work there, and a device's donor."""

import datetime as dt

import pytest
from django.urls import reverse

from coverage.models import Technology
from devices.selectors import signal_warning
from schools.services import get_or_create_village
from tests.coverage.factories import CoveragePointFactory, signal
from tests.devices.factories import DeviceFactory, DeviceSourceFactory
from tests.donations.factories import DonorFactory, PledgeFactory
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def village(school):
    return get_or_create_village(commune=school.commune, name="Thôn Nậm Đét")[0]


@pytest.fixture
def pupil(school, village):
    return StudentFactory(school=school, village=village, full_name="Thào Thị Sinh")


def village_point(village, technology):
    point = CoveragePointFactory(kind="village", village=village, name=village.name)
    signal(point, "viettel", technology)
    return point


def test_pupil_page_says_the_home_village_has_no_signal(client_for, school_staff, pupil, village):
    village_point(village, Technology.G2)
    body = (
        client_for(school_staff).get(reverse("students:detail", args=[pupil.pk])).content.decode()
    )
    assert 'data-status="no_signal"' in body
    assert "thôn trắng sóng" in body


def test_pupil_page_says_the_home_village_is_covered(client_for, school_staff, pupil, village):
    village_point(village, Technology.G4)
    body = (
        client_for(school_staff).get(reverse("students:detail", args=[pupil.pk])).content.decode()
    )
    assert 'data-status="covered"' in body


def test_data_package_for_a_pupil_without_signal_warns(pupil, village):
    assert signal_warning(pupil) == ""
    village_point(village, Technology.NONE)
    assert "Thào Thị Sinh" in signal_warning(pupil)
    assert "trắng sóng" in signal_warning(pupil)


def test_device_page_names_its_donor(client_for, province_official):
    donor = DonorFactory(name="Viettel Lào Cai", public_consent=True)
    pledge = PledgeFactory(donor=donor)
    source = DeviceSourceFactory(kind="donation", received_on=dt.date(2021, 10, 20))
    from donations.models import InKindReceipt

    InKindReceipt.objects.create(pledge=pledge, source=source, recorded_by=province_official)
    device = DeviceFactory(source=source)
    body = (
        client_for(province_official)
        .get(reverse("devices:device_detail", args=[device.pk]))
        .content.decode()
    )
    assert "Viettel Lào Cai" in body
