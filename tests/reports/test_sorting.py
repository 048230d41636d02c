"""The progress-report list and the outreach log sort by their whitelisted columns."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from reports import services
from reports.models import OutreachActivity, ProgressReport

pytestmark = pytest.mark.django_db


def _rows(client, name, **params):
    response = client.get(reverse(f"reports:{name}"), params)
    assert response.status_code == 200
    return response, list(response.context["page"].object_list)


def test_progress_reports_sort_by_number(client_for, province_official):
    def report(number, end):
        return ProgressReport.objects.create(
            period_start=end - dt.timedelta(days=6), period_end=end, number=number
        )

    older = report("02/BC-SGDĐT", dt.date(2021, 10, 10))
    newer = report("01/BC-SGDĐT", dt.date(2021, 10, 17))
    client = client_for(province_official)
    assert _rows(client, "report_list")[1] == [newer, older]
    response, rows = _rows(client, "report_list", sap_xep="-so")
    assert rows == [older, newer]
    assert 'aria-sort="descending"' in response.content.decode()
    assert _rows(client, "report_list", sap_xep="ky")[1] == [older, newer]
    assert _rows(client, "report_list", sap_xep="figures")[1] == [newer, older]


def test_the_outreach_log_sorts_by_title_and_keeps_the_channel_filter(
    client_for, province_official
):
    def activity(day, title):
        return services.create_outreach_activity(
            actor=province_official,
            held_on=dt.date(2021, 10, day),
            channel=OutreachActivity.Channel.EVENT,
            title=title,
        )

    first = activity(1, "Tọa đàm phụ huynh")
    second = activity(5, "Lễ phát động")
    client = client_for(province_official)
    assert _rows(client, "outreach_list")[1] == [second, first]
    response, rows = _rows(client, "outreach_list", sap_xep="-noi_dung", channel="event")
    assert rows == [first, second]
    html = response.content.decode()
    assert "channel=event" in html and 'name="sap_xep" value="-noi_dung"' in html
    assert _rows(client, "outreach_list", sap_xep="ngay")[1] == [first, second]
    assert _rows(client, "outreach_list", sap_xep="link")[1] == [second, first]
