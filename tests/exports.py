"""Download a registry-sized list's export the only way there is: through the worker.

Since issue 17 such a list's export address answers with the list page; the file comes
from an ``ExportJob`` started by the page's background button. ``export_via_worker``
checks that first answer, starts the job with the list's parameters, runs it (the
on-commit enqueue, eager Celery) and returns the download with its bytes in ``content``.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpResponse
from django.test import TestCase
from django.urls import reverse

from schools.models import ExportJob


def export_via_worker(client, url: str, params: dict | None = None, *, key: str) -> HttpResponse:
    params = dict(params or {})
    answer = client.get(url, params)
    assert answer.status_code == 302, answer.get("Content-Type")
    list_params = {k: v for k, v in params.items() if k not in {"export", "format"}}
    before = set(ExportJob.objects.values_list("pk", flat=True))
    with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=True):
        client.post(reverse("schools:export_start", args=[key]), list_params)
    job = ExportJob.objects.exclude(pk__in=before).get(exporter=key)
    assert job.status == ExportJob.Status.DONE, job.error
    download = client.get(reverse("schools:export_download", args=[job.pk]))
    response = HttpResponse(b"".join(download.streaming_content), status=download.status_code)
    for header, value in download.items():
        response[header] = value
    return response
