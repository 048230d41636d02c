import io

import pytest
from openpyxl import Workbook

from tests.devices.factories import DeviceSourceFactory


def xlsx(rows: list[list], title: str | None = None) -> bytes:
    """An .xlsx with an optional title line, then the given rows."""
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.append([])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def purchase(province_official):
    return DeviceSourceFactory(created_by=province_official, reference="HĐ 12/2021/HĐMB")


@pytest.fixture
def school_tablet(school, purchase):
    from devices.models import Device
    from tests.devices.factories import DeviceFactory

    return DeviceFactory(
        source=purchase, holder=Device.Holder.SCHOOL, school=school, district=school.district
    )


@pytest.fixture
def pupil(school):
    from tests.devices.factories import StudentFactory

    return StudentFactory(school=school, full_name="Giàng Thị Mai")


@pytest.fixture
def beneficiary(pupil):
    """``pupil``, approved (and confirmed) for a tablet and a data package."""
    from tests.devices.factories import approve

    approve(pupil, "tablet")
    approve(pupil, "data")
    return pupil


@pytest.fixture(autouse=True, scope="session")
def _stable_font_cache():
    """Build the PDF fonts once per machine, not once per test run.

    ``tests/settings.py`` gives every run a fresh MEDIA_ROOT, where the official
    document renderer caches its fonts; instancing them takes ~20 s per run.  The
    fonts do not depend on the test, so they are kept in the system temp dir.
    """
    import tempfile
    from pathlib import Path
    from unittest import mock

    stable = Path(tempfile.gettempdir()) / "laocai_portal_fonts"
    with mock.patch("kernel.documents._font_cache_dir", return_value=stable):
        yield
