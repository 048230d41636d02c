from pathlib import Path

import pytest

from tests.schools.factories import CommuneFactory

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "danh-sach-hoc-sinh-mau.xlsx"


@pytest.fixture
def sample_path():
    return SAMPLE


@pytest.fixture
def sample_bytes():
    return SAMPLE.read_bytes()


@pytest.fixture
def primary_school(district):
    """A primary school of the same district (grades 1–5)."""
    from tests.schools.factories import SchoolFactory

    commune = CommuneFactory(district=district, code="02960", name="Thị trấn Phố Ràng")
    return SchoolFactory(
        commune=commune,
        district=district,
        code="08700001",
        name="Trường PTDTBT TH Phố Ràng",
        level="TH",
    )
