import pytest

from tests.taskqueue.broker import stop_broker


@pytest.fixture
def broker_down(monkeypatch):
    stop_broker(monkeypatch)
    return monkeypatch
