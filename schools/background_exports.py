"""Big list exports run in a Celery task (``ExportJob``) and end with a download link.

Any app registers its list once::

    register_export(
        "reports.outreach",
        label="Hoạt động tuyên truyền",
        filename="hoat-dong-tuyen-truyen.xlsx",
        exporter=OutreachExporter,
        objects=lambda user, params: outreach_list(user, params),
    )

``objects(user, params)`` must scope the rows to ``user`` (``visible_to``): the
task runs as the requesting user, and only that user can download the file.
A list of pupil-level data registers with ``personal_data=True``: each export is
then recorded as an access (who, what, how many rows), and ``per_user=True``
builds the exporter with ``exporter(user)`` so its columns can depend on the
user's capabilities (masked IDs for roles that may not see them).
A list view calls ``export_response()`` for ``?export=xlsx``: small lists
download at once, big ones (``EXPORT_BACKGROUND_ROWS``) go through a job.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from accounts.http import AuthedRequest
from accounts.models import PersonalDataAccess, User
from accounts.services import record_access, record_audit
from kernel.exporters import XlsxExporter
from schools.models import ExportJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegisteredExport:
    key: str
    label: str
    filename: str
    exporter: Callable[..., XlsxExporter]
    objects: Callable[[User, dict[str, Any]], Iterable[Any]]
    personal_data: bool = False
    per_user: bool = False
    capabilities: tuple[str, ...] = ()
    per_params: bool = False
    name_for: Callable[[User, dict[str, Any]], str] | None = None

    def filename_for(self, user: User, params: dict[str, Any] | None = None) -> str:
        """The download's name: ``name_for(user, params)`` when the list names its subject
        (a donor, a school), else the registered ``filename``."""
        if self.name_for is not None:
            try:
                return self.name_for(user, params or {})
            except Http404:  # the subject is gone or out of scope since: the generic name
                pass
        return self.filename

    def check_access(self, user: User) -> None:
        """The list page's own rule: pupil-level data needs ``can_view_beneficiaries``
        (as ``pupil_data_required``), then any of ``capabilities``; refused with 404."""
        if self.personal_data and not user.can("can_view_beneficiaries"):
            raise Http404
        if self.capabilities and not any(user.can(c) for c in self.capabilities):
            raise Http404

    def build_exporter(self, user: User, params: dict[str, Any] | None = None) -> XlsxExporter:
        """``per_params``: ``exporter(user, params)`` (a title naming the list's subject)."""
        if self.per_params:
            return self.exporter(user, params or {})
        return self.exporter(user) if self.per_user else self.exporter()

    def record(self, user: User, rows: int) -> None:
        """An access record for a pupil-level export (nothing for other lists)."""
        if self.personal_data:
            record_access(
                user=user,
                action=PersonalDataAccess.Action.EXPORT,
                what=f"{self.label} (Excel)",
                rows=rows,
            )


_REGISTRY: dict[str, RegisteredExport] = {}


def register_export(
    key: str,
    *,
    label: str,
    filename: str,
    exporter: Callable[..., XlsxExporter],
    objects: Callable[[User, dict[str, Any]], Iterable[Any]],
    personal_data: bool = False,
    per_user: bool = False,
    capabilities: tuple[str, ...] = (),
    per_params: bool = False,
    name_for: Callable[[User, dict[str, Any]], str] | None = None,
) -> None:
    _REGISTRY[key] = RegisteredExport(
        key,
        label,
        filename,
        exporter,
        objects,
        personal_data,
        per_user,
        capabilities,
        per_params,
        name_for,
    )


def get_export(key: str) -> RegisteredExport:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise Http404 from None


def background_threshold() -> int:
    return int(getattr(settings, "EXPORT_BACKGROUND_ROWS", 5000))


def clean_params(params: Any) -> dict[str, str]:
    """The list's filters from a QueryDict, without paging or the export switch."""
    return {
        k: str(v)[:200]
        for k, v in params.items()
        if k not in {"page", "export", "format", "csrfmiddlewaretoken", "exporter"}
    }


@transaction.atomic
def start_export(*, user: User, key: str, params: dict[str, str]) -> ExportJob:
    """Record an export job for ``user`` and run it in the background after commit."""
    entry = get_export(key)
    entry.check_access(user)
    if entry.name_for is not None:
        # A list of one subject (a donor, a proposal): look it up as the user now, so
        # one out of scope answers 404 and records no job.
        entry.name_for(user, params)
    job = ExportJob.objects.create(user=user, exporter=key, params=params)
    record_audit(actor=user, action="export.start", obj=job, changes={"exporter": [None, key]})
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> bool:
    """Send the job to the broker; when it is down the job stays pending (no ``enqueued_at``)
    and the sweep (``sweep_exports``) sends it again."""
    from schools.tasks import run_export
    from taskqueue.services import enqueue_safely

    if enqueue_safely(run_export, job_id) is None:
        return False
    ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
        enqueued_at=timezone.now()
    )
    return True


def interrupted_message() -> str:
    return _(
        "Việc lập tệp bị gián đoạn (máy chủ xử lý dừng hoặc quá thời gian); vui lòng xuất lại."
    )


def sweep_exports(now: dt.datetime) -> int:
    """Re-send jobs the broker never got; fail the ones whose task is gone or past its limit."""
    from schools.tasks import run_export
    from taskqueue.services import stale_before

    stale = stale_before(run_export, now)
    unsent = ExportJob.objects.filter(status=ExportJob.Status.PENDING, enqueued_at__isnull=True)
    resent = 0
    for pk in list(unsent.values_list("pk", flat=True)):
        if not _enqueue(pk):
            break  # still down: try again at the next sweep
        resent += 1
    lost = ExportJob.objects.filter(
        Q(status=ExportJob.Status.RUNNING, started_at__lt=stale)
        | Q(status=ExportJob.Status.PENDING, enqueued_at__lt=stale)
    ).update(status=ExportJob.Status.FAILED, error=interrupted_message(), finished_at=now)
    if lost:
        logger.warning("%s export job(s) ended by the sweep: their task is gone", lost)
    return resent + lost


def export_response(
    request: AuthedRequest,
    *,
    key: str,
    objects: Any,
    count: int | None = None,
    back_to: str | None = None,
    params: dict[str, str] | None = None,
) -> HttpResponse:
    """``?export=xlsx`` on a list page: download a small list now.

    A big list is not built inside the request: the user is sent back to the list,
    whose "Xuất Excel (chạy nền)" button POSTs to ``schools:export_start``
    (``back_to`` names the list when the export has an address of its own;
    ``params`` are the list's parameters when they are not the query string).
    """
    entry = get_export(key)
    total = count if count is not None else objects.count()
    if total <= background_threshold():
        entry.record(request.user, total)
        list_params = params if params is not None else clean_params(request.GET)
        exporter = entry.build_exporter(request.user, list_params)
        response = exporter.as_http_response(
            objects,
            entry.filename_for(request.user, list_params),
        )
        if entry.personal_data:
            patch_cache_control(response, private=True, no_store=True)
        return response
    messages.warning(
        request,
        _(
            "Danh sách có %(n)s dòng: hãy bấm “Xuất Excel (chạy nền)” để hệ thống "
            "lập tệp và đưa đường dẫn tải về."
        )
        % {"n": total},
    )
    query = clean_params(request.GET)
    return redirect((back_to or request.path) + ("?" + urlencode(query) if query else ""))


def export_button(
    request: HttpRequest,
    *,
    key: str,
    count: int,
    name: str = "xlsx",
    params: dict[str, str] | None = None,
    url: str = "",
) -> dict:
    """What ``includes/export_button.html`` needs: a direct link, or the background form.

    ``params`` are added to the list's filters (the job's parameters); ``url`` is the
    export's own address when it has one (else the list page with ``?export=``)."""
    params = {**clean_params(request.GET), **(params or {})}
    query = urlencode({**params, "export": name})
    return {
        "key": key,
        "params": params,
        "background": count > background_threshold(),
        "url": url or f"?{query}",
    }
