import pytest

from tests.accounts.factories import UserFactory, role


@pytest.fixture
def coverage_officer(province):
    """The provincial Department of Information and Communications (or a carrier)."""
    return UserFactory(username="sotttt", role=role("coverage_officer"), province=province)
