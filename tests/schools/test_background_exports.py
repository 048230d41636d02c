"""Big list exports in a task, downloadable only by the user who asked."""

import datetime as dt
import io
from unittest import mock

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from schools.models import ExportJob
from schools.tasks import run_export
from taskqueue.services import sweep
from tests.reports.factories import OutreachFactory

pytestmark = pytest.mark.django_db
START = reverse("schools:export_start", args=["reports.outreach"])


@pytest.fixture
def activities(school):
    OutreachFactory(school=school, title="@SUM(1+1)")
    OutreachFactory(school=school, title="Phát thanh bản tin", channel="broadcast")
    return 2


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST and run the on-commit callbacks (the task enqueue), as after a real commit."""

    def do(client, url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {})

    return do


def download(client, job):
    response = client.get(reverse("schools:export_download", args=[job.pk]))
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_background_export_runs_and_downloads(
    post, activities, client_for, school_staff, far_school
):
    OutreachFactory(school=far_school, title="Không thuộc trường")
    client = client_for(school_staff)
    response = post(client, START, {"channel": ""})
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("schools:export_detail", args=[job.pk])
    assert (job.user, job.status, job.rows) == (school_staff, ExportJob.Status.DONE, 2)
    page = client.get(response["Location"])
    assert reverse("schools:export_download", args=[job.pk]) in page.content.decode()
    values = [v for r in download(client, job).active.iter_rows(values_only=True) for v in r]
    assert "'@SUM(1+1)" in values  # formula neutralised
    assert "Không thuộc trường" not in values  # scoped to the requesting user


def test_background_export_keeps_filters(post, activities, client_for, school_staff):
    client = client_for(school_staff)
    post(client, START, {"channel": "broadcast", "page": "3"})
    job = ExportJob.objects.get()
    assert job.params == {"channel": "broadcast"}
    assert job.rows == 1


def test_only_the_requesting_user_downloads(
    post, activities, client_for, school_staff, other_school_staff
):
    post(client_for(school_staff), START)
    job = ExportJob.objects.get()
    other = client_for(other_school_staff)
    for name in ("export_detail", "export_status", "export_download"):
        assert other.get(reverse(f"schools:{name}", args=[job.pk])).status_code == 404


def test_export_start_is_post_only_and_needs_login(client, client_for, school_staff):
    assert client.post(START).status_code == 302
    assert client_for(school_staff).get(START).status_code == 405


def test_unknown_exporter_is_404(client_for, school_staff):
    response = client_for(school_staff).post(reverse("schools:export_start", args=["nope"]))
    assert response.status_code == 404


def test_status_endpoint(post, activities, client_for, school_staff):
    client = client_for(school_staff)
    post(client, START)
    job = ExportJob.objects.get()
    data = client.get(reverse("schools:export_status", args=[job.pk])).json()
    assert data["done"] and data["rows"] == 2
    assert data["download_url"] == reverse("schools:export_download", args=[job.pk])


def test_run_export_twice_keeps_one_file(post, activities, client_for, school_staff):
    post(client_for(school_staff), START)
    job = ExportJob.objects.get()
    name = job.file.name
    assert run_export(job.pk) == 2
    job.refresh_from_db()
    assert job.file.name == name


def test_broker_down_keeps_the_job_pending_and_the_sweep_sends_it(
    post, activities, client_for, school_staff
):
    with mock.patch("schools.tasks.run_export.apply_async", side_effect=OperationalError("down")):
        response = post(client_for(school_staff), START)
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert (job.status, job.enqueued_at) == (ExportJob.Status.PENDING, None)
    assert sweep()["schools.exports"] == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.rows == 2


def test_sweep_fails_an_export_whose_worker_died(school_staff):
    job = ExportJob.objects.create(
        user=school_staff,
        exporter="reports.outreach",
        status=ExportJob.Status.RUNNING,
        started_at=timezone.now() - dt.timedelta(hours=2),
    )
    fresh = ExportJob.objects.create(
        user=school_staff,
        exporter="reports.outreach",
        status=ExportJob.Status.RUNNING,
        started_at=timezone.now(),
    )
    sweep()
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "gián đoạn" in job.error
    assert fresh.status == ExportJob.Status.RUNNING


def test_export_task_is_acknowledged_late_and_requeued_when_its_worker_dies():
    assert run_export.acks_late is True and run_export.reject_on_worker_lost is True


def test_big_list_is_not_built_in_the_request(activities, client_for, school_staff, settings):
    settings.EXPORT_BACKGROUND_ROWS = 1
    client = client_for(school_staff)
    response = client.get(reverse("reports:outreach_list"), {"export": "xlsx", "channel": ""})
    assert response.status_code == 302
    page = client.get(reverse("reports:outreach_list"))
    assert "Xuất Excel (chạy nền)" in page.content.decode()
    assert START in page.content.decode()
