"""The list of household-list imports sorts by its whitelisted columns."""

from __future__ import annotations

import pytest
from django.urls import reverse

from schools.models import ImportBatch

pytestmark = pytest.mark.django_db


def test_imports_sort_by_error_count_and_file_name(client_for, school_staff, school):
    def batch(name, errors):
        return ImportBatch.objects.create(
            kind="students",
            uploaded_by=school_staff,
            school=school,
            file_name=name,
            file_sha256=name,
            status="validated",
            error_count=errors,
        )

    first = batch("b-nhieu-loi.xlsx", 9)
    second = batch("a-it-loi.xlsx", 1)
    client = client_for(school_staff)
    url = reverse("students:import_list")
    rows = lambda **p: list(client.get(url, p).context["page"])  # noqa: E731
    assert rows() == [second, first]
    assert rows(sap_xep="-loi") == [first, second]
    assert rows(sap_xep="loi") == [second, first]
    assert rows(sap_xep="-tep") == [first, second]
    assert rows(sap_xep="file_sha256") == [second, first]
    assert 'aria-sort="descending"' in client.get(url, {"sap_xep": "-loi"}).content.decode()
