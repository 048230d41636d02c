"""The import-batch workflow every list import goes through: upload → check → confirm.

An uploaded spreadsheet becomes an ``ImportBatch`` (who, when, which file and its hash,
kept for ``UPLOAD_RETENTION_DAYS``); its check is a dry run whose counts and row errors
are stored on the batch; the user reads the dry run, downloads the file with a "Lỗi"
column to correct it, confirms (the import runs again for real, all or nothing) or
cancels. Pupil lists (``students.services``), delivery lists and carriers' status files
(``devices``) and coverage surveys (``coverage``) each bring their importer and their
messages, and take the rest from here:

- ``store_upload``: the batch and its file, with an audit record;
- the statuses, written once: ``begin`` a check or an import (or refuse), ``reopen`` for
  new column choices, ``outcome`` / ``conclude``: how a check or an import ends;
- ``store_report`` / ``report_fields``: a check's or an import's counts and errors;
- ``claim_for_import``: lock a checked batch and mark it importing (or refuse);
- ``cancel``: abandon a batch that is not writing;
- ``batch_for_user``: the one lookup of a batch, scoped, 404 otherwise;
- ``errors_by_row`` / ``error_copy_response``: the file with its errors;
- ``purge_expired_uploads``: retention.

It sits with the ``ImportBatch`` model, below ``accounts``: audit records go through
``kernel.audit``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.audit import record_audit
from kernel.exporters import XLSX_CONTENT_TYPE, content_disposition
from kernel.importing import ImportReport
from kernel.scoping import ScopedUser, get_for_user
from schools.models import ImportBatch

logger = logging.getLogger(__name__)

_SCOPE_DEFAULT: Any = object()


@transaction.atomic
def store_upload(
    *,
    actor: Any,
    kind: str,
    upload: File | bytes,
    file_name: str,
    stored_name: str | None = None,
    audit_action: str = "import.upload",
    audit_changes: Mapping[str, list[Any]]
    | Callable[[ImportBatch], Mapping[str, Any]]
    | None = None,
    audit_unit: bool = False,
    district_id: int | None = _SCOPE_DEFAULT,
    school_id: int | None = _SCOPE_DEFAULT,
    **fields: Any,
) -> ImportBatch:
    """Keep an uploaded spreadsheet as an ``ImportBatch`` (file, hash, uploader, unit).

    ``upload`` is the uploaded file or its bytes. The batch belongs to the uploader's
    district and school unless ``district_id``/``school_id`` are given; ``fields`` are
    further model fields (``options``, ``status``, ``mapping``, ``rows``...).
    ``audit_changes`` (or a function of the new batch giving them) default to
    ``{"kind": [None, kind]}``; ``audit_unit`` files the audit record under the batch's
    school and district (their administrators see it).
    """
    content, sha256 = _content_and_hash(upload)
    scope = actor.scope
    if district_id is _SCOPE_DEFAULT:
        district_id = scope.district_id if scope.is_district else None
    if school_id is _SCOPE_DEFAULT:
        school_id = scope.school_id if scope.is_school else None
    batch = ImportBatch(
        kind=kind,
        uploaded_by=actor,
        file_name=file_name[-255:],
        file_sha256=sha256,
        district_id=district_id,
        school_id=school_id,
        **fields,
    )
    batch.file.save(stored_name or file_name or "upload.xlsx", content, save=False)
    batch.save()
    if callable(audit_changes):
        audit_changes = audit_changes(batch)
    record_audit(
        actor=actor,
        action=audit_action,
        obj=batch,
        changes=dict(audit_changes) if audit_changes is not None else {"kind": [None, kind]},
        school_id=batch.school_id if audit_unit else None,
        district_id=batch.district_id if audit_unit else None,
    )
    return batch


def report_fields(report: ImportReport) -> dict[str, Any]:
    """A check's or an import's counts and row errors as ``ImportBatch`` field values."""
    return {
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "error_count": len(report.errors),
        "errors": [e.as_dict() for e in report.errors],
    }


def _content_and_hash(upload: File | bytes) -> tuple[File, str]:
    """What to store of an upload (its bytes or the uploaded file) and its SHA-256."""
    digest = hashlib.sha256()
    if isinstance(upload, bytes):
        digest.update(upload)
        return ContentFile(upload), digest.hexdigest()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return upload, digest.hexdigest()


def store_report(batch: ImportBatch, report: ImportReport) -> None:
    """Copy a check's or an import's counts and row errors onto ``batch`` (not saved)."""
    for name, value in report_fields(report).items():
        setattr(batch, name, value)
    if report.notices:
        # How the file was read (hidden rows not imported, sheets read), for the batch page.
        batch.options = {**(batch.options or {}), "reading": list(report.notices)}


# ------------------------------------------------------------------------- the statuses
#
#   uploaded ─check─▶ validating ─▶ validated ─confirm─▶ importing ─▶ done | failed
#      ▲  └─ unreadable columns: back ─┘  │  └─ rolled back with errors: back ─┘
#      └────────── new column choices ────┘
# Every importer moves its batches through these functions only.

CHECK, IMPORT = "validate", "import"
S = ImportBatch.Status
RUNNING = (S.VALIDATING, S.IMPORTING)
_PHASES: dict[str, tuple[tuple[str, ...], str]] = {
    # phase: (the statuses it starts from, the status while it runs)
    CHECK: ((S.UPLOADED, S.VALIDATED), S.VALIDATING),
    IMPORT: ((S.VALIDATED,), S.IMPORTING),
}


def running_status(phase: str) -> str:
    """The status of a batch while ``phase`` (``CHECK`` or ``IMPORT``) runs."""
    return _PHASES[phase][1]


def begin(batch: ImportBatch, *, phase: str, refusal: str) -> None:
    """Move ``batch`` (locked by the caller) into ``phase``'s running status, not saved;
    ``ValueError(refusal)`` when its status does not start that phase."""
    starts_from, running = _PHASES[phase]
    if batch.status not in starts_from:
        raise ValueError(refusal)
    batch.status = running
    batch.progress = 0


def reopen(batch: ImportBatch, *, refusal: str) -> None:
    """Back to uploaded (the user chose other columns), not saved; ``ValueError(refusal)``
    once the batch has run."""
    if batch.status not in _PHASES[CHECK][0]:
        raise ValueError(refusal)
    batch.status = S.UPLOADED


def outcome(
    *,
    phase: str,
    report: ImportReport | None,
    message: str = "",
    on_errors: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """How a check or an import ends, as ``ImportBatch`` field values.

    A check is validated, row errors and all (the page offers the corrected copy);
    an import is done, or failed when its report has errors; a file that could not be
    read (no ``report``) failed. ``on_errors`` is the status instead when the report has
    errors or there is none (a check whose columns can be chosen again goes back to
    uploaded; an import rolled back stays validated; one told to skip bad rows is done).
    A batch done or failed is finished: its time is recorded.
    """
    if report is None:
        status = on_errors or S.FAILED
    elif phase == CHECK:
        status = on_errors if report.errors and on_errors else S.VALIDATED
    else:
        status = on_errors if report.errors and on_errors else S.DONE if report.ok else S.FAILED
    values: dict[str, Any] = {"status": status, "progress": 100, "message": message}
    if report is not None:
        values.update(report_fields(report))
    if status in (S.DONE, S.FAILED):
        values["finished_at"] = now or timezone.now()
    return values


def conclude(
    batch: ImportBatch,
    *,
    phase: str,
    report: ImportReport | None,
    message: str = "",
    on_errors: str | None = None,
) -> None:
    """End a check or an import on ``batch`` (not saved): ``outcome`` and how the file was
    read."""
    if report is not None:
        store_report(batch, report)
    for name, value in outcome(
        phase=phase, report=report, message=message, on_errors=on_errors
    ).items():
        setattr(batch, name, value)


@transaction.atomic
def claim_for_import(batch: ImportBatch, *, refusal: str) -> ImportBatch:
    """Lock a checked batch and mark it importing; ``ValueError(refusal)`` if it is not
    checked (already imported, cancelled, failed, or claimed by another request)."""
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.error_count:
        raise ValueError(refusal)
    begin(locked, phase=IMPORT, refusal=refusal)
    locked.save(update_fields=["status", "progress"])
    return locked


CANCELLABLE = (
    ImportBatch.Status.UPLOADED,
    ImportBatch.Status.VALIDATED,
    ImportBatch.Status.VALIDATING,
    ImportBatch.Status.IMPORTING,
)


@transaction.atomic
def cancel(*, actor: Any, batch: ImportBatch, audit_action: str) -> ImportBatch:
    """Abandon a batch that is not writing: uploaded, checked, or queued for a worker.

    A worker holds the batch's row lock for its whole run, so a row we can lock is
    one nobody is working on (a queued task finds it cancelled and leaves it alone).
    Raises ``ValueError`` with the message for the user when it cannot be cancelled.
    """
    locked = ImportBatch.objects.select_for_update(skip_locked=True).filter(pk=batch.pk).first()
    if locked is None:
        raise ValueError(
            _("Tệp “%(file)s” đang được xử lý; vui lòng đợi xử lý xong rồi hủy.")
            % {"file": batch.file_name}
        )
    if locked.status not in CANCELLABLE:
        raise ValueError(_("Chỉ hủy được lần nhập chưa ghi dữ liệu."))
    locked.status = ImportBatch.Status.CANCELLED
    locked.finished_at = timezone.now()
    locked.save(update_fields=["status", "finished_at"])
    record_audit(
        actor=actor,
        action=audit_action,
        obj=locked,
        school_id=locked.school_id,
        district_id=locked.district_id,
    )
    return locked


def batch_for_user(
    user: ScopedUser,
    pk: int,
    *,
    kinds: Collection[str],
    uploader_only: bool = False,
    related: Iterable[str] = (),
) -> ImportBatch:
    """A batch of one of ``kinds`` in ``user``'s scope (only their own with
    ``uploader_only``); 404 otherwise, so that other units' uploads do not leak."""
    queryset = ImportBatch.objects.filter(kind__in=list(kinds))
    if related:
        queryset = queryset.select_related(*related)
    batch = get_for_user(queryset, user, pk=pk)
    if uploader_only and batch.uploaded_by_id != getattr(user, "pk", None):
        raise Http404
    return batch


def errors_by_row(errors: Iterable[Mapping[str, Any]]) -> dict[int, list[str]]:
    """Stored row errors as the "Lỗi" column shows them: "column: message" per row."""
    by_row: dict[int, list[str]] = {}
    for error in errors:
        column = error.get("column")
        text = f"{column}: {error['message']}" if column else error["message"]
        by_row.setdefault(int(error["row"]), []).append(text)
    return by_row


def error_copy_response(data: bytes, filename: str) -> HttpResponse:
    """The corrected-copy download: the uploaded sheet with its "Lỗi" column."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    return response


# ------------------------------------------------------------------------- retention


def purge_expired_uploads(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Delete the stored files of imports older than ``UPLOAD_RETENTION_DAYS``.

    Uploaded lists carry children's personal and financial data and are not kept
    forever: after the retention period only the batch's record stays (who, when,
    which file and its hash, the counts and the errors). Imports still running are
    left alone. Safe to run twice; returns how many files were deleted.
    """
    now = now or timezone.now()
    days = settings.UPLOAD_RETENTION_DAYS if days is None else days
    expired = (
        ImportBatch.objects.filter(
            uploaded_at__lt=now - dt.timedelta(days=days), file_deleted_at__isnull=True
        )
        .exclude(status__in=RUNNING)
        .exclude(file="")
        .order_by("pk")
    )
    purged = 0
    for batch_id in expired.values_list("pk", flat=True).iterator():
        if _purge_upload(batch_id, now=now, days=days):
            purged += 1
    return purged


@transaction.atomic
def _purge_upload(batch_id: int, *, now: dt.datetime, days: int) -> bool:
    batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None or batch.file_deleted_at is not None or not batch.file:
        return False
    name = batch.file.name
    storage = batch.file.storage
    batch.file = ""
    batch.file_deleted_at = now
    batch.save(update_fields=["file", "file_deleted_at"])
    record_audit(
        actor=None,
        action="import.file_deleted",
        obj=batch,
        changes={"file_deleted_at": [None, now.isoformat()]},
        reason=_("Hết thời hạn lưu trữ %(days)s ngày") % {"days": days},
        school_id=batch.school_id,
        district_id=batch.district_id,
    )
    # Delete the file only once the record says so; a failed delete leaves an orphan file
    # that a rerun cannot see, so it is logged rather than ignored.
    transaction.on_commit(lambda: _delete_stored(storage, name))
    return True


def _delete_stored(storage: Any, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        logger.exception("Could not delete an expired upload")
