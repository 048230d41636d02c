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
