import pytest

from tests.accounts.factories import UserFactory, role
from tests.devices.conftest import xlsx
from tests.devices.factories import make_imei
from tests.donations.factories import FundAccountFactory, PledgeFactory

HEADER = ["STT", "Loại thiết bị", "Hãng", "Model", "Số serial", "IMEI", "Tình trạng"]


def delivery_list(*serials: str, device_type: str = "Máy tính bảng", start: int = 500) -> bytes:
    """An .xlsx delivery list with one tablet (valid IMEI) per serial."""
    rows = [
        [i, device_type, "Samsung", "Galaxy Tab A7 Lite", serial, make_imei(start + i), "Mới"]
        for i, serial in enumerate(serials, start=1)
    ]
    return xlsx([HEADER, *rows], title="BIÊN BẢN GIAO NHẬN THIẾT BỊ")


@pytest.fixture
def manager(province):
    """A provincial donation manager (the role that records receipts)."""
    return UserFactory(username="tai_tro", role=role("donation_manager"), province=province)


@pytest.fixture
def coverage_officer(province):
    """Provincial, but without the donations capability."""
    return UserFactory(username="phu_song", role=role("coverage_officer"), province=province)


@pytest.fixture
def account(db):
    return FundAccountFactory()


@pytest.fixture
def pledge(manager):
    return PledgeFactory(created_by=manager, cash_amount=100_000_000)
