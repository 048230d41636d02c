import importlib

import pytest

from accounts import home

pytestmark = pytest.mark.django_db


def test_an_app_without_home_module_adds_no_card(monkeypatch, province_official):
    monkeypatch.setattr(home, "CONTRIBUTORS", ("reports",))  # reports ships no home.py
    assert home.home_summary(province_official) == []


def test_a_broken_import_inside_a_home_module_is_not_hidden(monkeypatch, province_official):
    real = importlib.import_module

    def broken(name, *args, **kwargs):
        if name == "students.home":
            raise ModuleNotFoundError("No module named 'gone'", name="gone")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(importlib, "import_module", broken)
    with pytest.raises(ModuleNotFoundError, match="gone"):
        home.home_summary(province_official)
