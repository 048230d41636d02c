"""Writes for the pupil registry.

This module: household lists imported (``import_household_list``) and the import-batch
workflow of the web (upload → check → confirm, in a Celery task).  Pupils typed in the
browser: ``students.services.pupils``, re-exported here, so ``students.services`` stays
the one place views, tasks and commands call.  The workflow stays in this module rather
than a submodule of its own: the tests (and operators' scripts) replace
``services._run_batch``, ``services._enqueue`` and ``services.read_streaming`` here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import record_audit
from kernel.importing import ImportReport
from kernel.spreadsheets import Sheet, SpreadsheetError, Table, read_rows, write_error_copy
from schools import import_batches
from schools.models import ImportBatch, School
from students import selectors
from students.exporters import ImportChangesExporter
from students.fastrows import iter_data_rows, read_streaming
from students.importers import StudentImporter
from students.importers.merge import KEEP_PORTAL, TAKE_FILE
from students.services.pupils import (
    HOUSEHOLD_AUDIT_FIELDS,
    STUDENT_AUDIT_FIELDS,
    StudentData,
    _check_school_scope,
    can_delete,
    create_student,
    delete_student,
    eligibility_changes,
    identity_changes,
    record_pupil_access,
    update_student,
)

__all__ = [
    "HOUSEHOLD_AUDIT_FIELDS",
    "STUDENT_AUDIT_FIELDS",
    "ImportRefused",
    "StudentData",
    "can_delete",
    "cancel_batch",
    "choose_conflict_values",
    "create_student",
    "delete_student",
    "describe_batch_table",
    "eligibility_changes",
    "error_copy",
    "identity_changes",
    "import_changes_file",
    "import_household_list",
    "record_pupil_access",
    "row_limit_for",
    "run_batch",
    "running_batch_for",
    "save_mapping",
    "start_batch",
    "update_student",
    "upload_household_list",
    "upload_limit_bytes",
]

logger = logging.getLogger(__name__)


def upload_limit_bytes() -> int:
    return settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024


def row_limit_for(actor: User | None) -> int | None:
    """School users may upload at most ``IMPORT_MAX_ROWS_SCHOOL`` rows; district-wide files are bigger."""
    if actor is not None and actor.scope.is_school:
        return settings.IMPORT_MAX_ROWS_SCHOOL
    return None


def import_household_list(
    *,
    actor: User | None,
    source: Any,
    filename: str = "",
    school: School | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    override: Mapping[str, int] | None = None,
    header_row: int | None = None,
    batch: ImportBatch | None = None,
    progress: Any = None,
    max_rows: int | None = None,
) -> ImportReport:
    """Read, validate and (unless ``dry_run``) write a household list.

    Raises ``SpreadsheetError`` when the file cannot be used at all; row problems
    come back in the report.  Without ``skip_invalid`` any row error means nothing
    is written.
    """
    limit = max_rows if max_rows is not None else row_limit_for(actor)
    sheet, more_rows = read_streaming(
        source, filename=filename, max_bytes=upload_limit_bytes(), max_rows=limit
    )
    importer = StudentImporter(actor=actor, school=school)
    table = importer.locate(sheet, override=override, header_row=header_row)
    importer.check_table(table)
    return importer.run(
        table,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        batch=batch,
        progress=progress,
        release_rows=True,
        more_rows=more_rows,
        max_rows=limit,
    )


# ------------------------------------------------------------ import batches (web)


class ImportRefused(Exception):
    """An upload refused before anything is stored, with a Vietnamese message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def running_batch_for(*, actor: User, school: School | None) -> ImportBatch | None:
    """A pupil import still running for the same user or school (one at a time)."""
    running = ImportBatch.objects.filter(
        kind=ImportBatch.Kind.STUDENTS, status__in=import_batches.RUNNING
    )
    from django.db.models import Q

    condition = Q(uploaded_by=actor)
    if school is not None:
        condition |= Q(school=school)
    return running.filter(condition).first()


def _refuse_if_running(actor: User, school: School | None, exclude: int | None = None) -> None:
    running = running_batch_for(actor=actor, school=school)
    if running is not None and running.pk != exclude:
        raise ImportRefused(
            _(
                "Đang có một lần nhập danh sách học sinh chưa xong (tệp “%(file)s”). "
                "Vui lòng đợi lần nhập đó hoàn tất rồi tải tệp mới."
            )
            % {"file": running.file_name}
        )


def _locate_for_batch(
    batch: ImportBatch, actor: User, *, streaming: bool = False
) -> tuple[Sheet, Table, StudentImporter, Any]:
    """Re-read a stored upload: the whole sheet, or its head and a row stream (``streaming``)."""
    if batch.file_deleted_at is not None or not batch.file:
        raise SpreadsheetError(
            _("Tệp “%(file)s” đã được xóa theo thời hạn lưu trữ; hãy tải tệp lên lại.")
            % {"file": batch.file_name}
        )
    batch.file.open("rb")
    try:
        max_bytes, max_rows = upload_limit_bytes(), row_limit_for(actor)
        more_rows: Any = ()
        if streaming:
            sheet, more_rows = read_streaming(
                batch.file, filename=batch.file_name, max_bytes=max_bytes, max_rows=max_rows
            )
        else:
            sheet = read_rows(
                batch.file, filename=batch.file_name, max_bytes=max_bytes, max_rows=max_rows
            )
    finally:
        batch.file.close()
    importer = StudentImporter(actor=actor, school=batch.school)
    override = {k: int(v) for k, v in (batch.mapping or {}).items()}
    table = importer.locate(sheet, override=override or None)
    return sheet, table, importer, more_rows


@transaction.atomic
def upload_household_list(*, actor: User, upload: Any, school: School | None = None) -> ImportBatch:
    """Store an uploaded list as an ``ImportBatch`` after checking it can be read.

    Nothing is stored when the file is refused (``SpreadsheetError``/``ImportRefused``).
    """
    if school is not None:
        _check_school_scope(actor, school)
    elif actor.scope.is_school:
        school = actor.school
    _refuse_if_running(actor, school)
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > upload_limit_bytes():
        raise SpreadsheetError(
            _("Tệp vượt quá giới hạn %(size)s MB.") % {"size": settings.IMPORT_MAX_UPLOAD_MB}
        )
    upload.seek(0)
    data = upload.read(upload_limit_bytes() + 1)
    sheet = read_rows(
        data, filename=upload.name, max_bytes=upload_limit_bytes(), max_rows=row_limit_for(actor)
    )
    importer = StudentImporter(actor=actor, school=school)
    table = importer.locate(sheet)
    importer.resolve_default_school(table)
    return import_batches.store_upload(
        actor=actor,
        kind=ImportBatch.Kind.STUDENTS,
        upload=data,
        file_name=upload.name[:255],
        stored_name=upload.name[-80:],
        audit_action="student_import.upload",
        audit_changes=lambda batch: {
            "file_name": [None, batch.file_name],
            "sha256": [None, batch.file_sha256],
        },
        audit_unit=True,
        school_id=importer.school.pk if importer.school else None,
        district_id=(importer.district.pk if importer.district else actor.scope.district_id),
        mapping={},
        rows=sum(1 for _row in iter_data_rows(table, limit=row_limit_for(actor))),
    )


def describe_batch_table(*, actor: User, batch: ImportBatch) -> tuple[Table, StudentImporter]:
    """The detected table of a stored batch (for the mapping screen)."""
    _sheet, table, importer, _more = _locate_for_batch(batch, actor)
    return table, importer


@transaction.atomic
def save_mapping(*, actor: User, batch: ImportBatch, mapping: Mapping[str, int]) -> ImportBatch:
    """Record the user's column choices ({field: column index})."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    try:
        import_batches.reopen(batch, refusal=_("Lần nhập này đã chạy; không thể đổi cột."))
    except ValueError as exc:
        raise ImportRefused(str(exc)) from None
    batch.mapping = {k: int(v) for k, v in mapping.items()}
    batch.save(update_fields=["mapping", "status"])
    return batch


def start_batch(
    *,
    actor: User,
    batch: ImportBatch,
    phase: str,
    skip_invalid: bool = False,
    confirm_duplicates: bool = False,
) -> ImportBatch:
    """Start the dry run (``phase="validate"``) or the import (``"import"``) of a batch.

    Small files run at once; files above ``IMPORT_ASYNC_ROWS`` rows run in Celery and
    the page shows a progress bar.
    """
    from students.tasks import run_student_import

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        # Serialise starts per school and per user, so two tabs (or two colleagues)
        # cannot both pass the "nothing running" check.
        if batch.school_id is not None:
            list(School.objects.select_for_update().filter(pk=batch.school_id).values("pk"))
        list(User.objects.select_for_update().filter(pk=actor.pk).values("pk"))
        _refuse_if_running(actor, batch.school, exclude=batch.pk)
        if batch.file_deleted_at is not None:
            raise ImportRefused(
                _("Tệp “%(file)s” đã được xóa theo thời hạn lưu trữ; hãy tải tệp lên lại.")
                % {"file": batch.file_name}
            )
        try:
            import_batches.begin(
                batch,
                phase=phase,
                refusal=_("Lần nhập này không ở bước có thể thực hiện thao tác đó."),
            )
        except ValueError as exc:
            raise ImportRefused(str(exc)) from None
        if phase != "validate" and (batch.options or {}).get("warnings") and not confirm_duplicates:
            raise ImportRefused(
                _(
                    "Tệp có học sinh có thể trùng hoặc ghép vào hộ của trường khác: hãy kiểm tra "
                    "danh sách cảnh báo và đánh dấu “Tôi đã kiểm tra các học sinh có thể trùng”."
                )
            )
        batch.options = {**(batch.options or {}), "skip_invalid": bool(skip_invalid)}
        batch.started_at, batch.task_id = timezone.now(), ""  # "" = not yet with the broker
        batch.save(update_fields=["status", "progress", "options", "started_at", "task_id"])
        is_async = batch.rows > settings.IMPORT_ASYNC_ROWS
        if is_async:
            batch_id = batch.pk
            transaction.on_commit(lambda: _enqueue(run_student_import, batch_id, phase))
    if not is_async:
        run_batch(batch_id=batch.pk, phase=phase)
        batch.refresh_from_db()
    return batch


def _enqueue(task: Any, batch_id: int, phase: str) -> None:
    """Send the batch to the broker; when it is down the batch stays queued (no ``task_id``)
    and the sweep (``students.recovery``) sends it again."""
    from taskqueue.services import enqueue_safely

    result = enqueue_safely(task, batch_id, phase)
    if result is not None:
        ImportBatch.objects.filter(pk=batch_id, task_id="").update(
            task_id=str(result.id or "")[:64]
        )


def run_batch(*, batch_id: int, phase: str) -> ImportBatch | None:
    """Do the work of a started batch; safe to call twice (a finished batch is left alone)."""
    running = import_batches.running_status(phase)
    batch = ImportBatch.objects.select_related("uploaded_by", "school").filter(pk=batch_id).first()
    if batch is None or batch.status != running:
        return batch

    def progress(percent: int) -> None:
        ImportBatch.report_progress(batch_id, percent)

    try:
        return _run_batch(batch, phase=phase, progress=progress)
    except Exception:
        # Never leave a batch "running": it would block every later upload of the school.
        logger.exception("Household-list import %s failed", batch_id)
        message = _("Lỗi hệ thống khi xử lý tệp; chưa ghi dữ liệu nào. Vui lòng thử lại.")
        _finish(batch_id, phase=phase, report=None, message=message)
        raise


def _run_batch(batch: ImportBatch, *, phase: str, progress: Any) -> ImportBatch:
    batch_id = batch.pk
    actor = batch.uploaded_by
    skip_invalid = bool((batch.options or {}).get("skip_invalid"))
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch_id)
            if locked.status != import_batches.running_status(phase):
                return locked  # another worker finished it meanwhile
            _sheet, table, importer, more_rows = _locate_for_batch(batch, actor, streaming=True)
            importer.check_table(table)
            report = importer.run(
                table,
                dry_run=phase == "validate",
                skip_invalid=skip_invalid,
                batch=locked,
                progress=progress,
                release_rows=True,
                more_rows=more_rows,
                expected_rows=batch.rows or None,
                max_rows=row_limit_for(actor),
            )
            if phase == "validate":
                # Possible duplicates and shared households: the user confirms them.
                options = {**(locked.options or {})}
                options["warnings"] = [w.as_dict() for w in importer.warnings[:1000]]
                options["reading"] = importer.notices
                # Sheet names of a list over several sheets, to show "Sheet 6A, dòng 12".
                options["sheets"] = table.list_sheets if table.extra else []
                ImportBatch.objects.filter(pk=batch_id).update(options=options)
                _finish(batch_id, phase=phase, report=report)
            elif report.errors and not skip_invalid:
                # Checked and written at once: the rows were rolled back, nothing is kept.
                message = _("Tệp còn %(n)s lỗi: chưa ghi học sinh nào.") % {"n": len(report.errors)}
                _finish(batch_id, phase=phase, report=report, message=message, on_errors=CHECKED)
            else:
                # Told to skip the bad rows: done with the good ones.
                _finish(batch_id, phase=phase, report=report, on_errors=ImportBatch.Status.DONE)
    except SpreadsheetError as exc:
        # A column or school problem can be fixed on the mapping screen: back to step 2.
        back = ImportBatch.Status.UPLOADED if phase == "validate" else None
        _finish(batch_id, phase=phase, report=None, message=exc.message, on_errors=back)
    return ImportBatch.objects.get(pk=batch_id)


CHECKED = ImportBatch.Status.VALIDATED


def _finish(batch_id: int, **how: Any) -> None:
    """End the check or the import of a batch row (``import_batches.outcome``); the row
    is written by id: the worker holds its lock."""
    ImportBatch.objects.filter(pk=batch_id).update(**import_batches.outcome(**how))


def cancel_batch(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """Abandon a batch that is not writing: uploaded, checked, or queued for a worker."""
    try:
        return import_batches.cancel(actor=actor, batch=batch, audit_action="student_import.cancel")
    except ValueError as exc:
        raise ImportRefused(str(exc)) from None


@transaction.atomic
def choose_conflict_values(
    *,
    actor: User,
    batch: ImportBatch,
    choices: Mapping[str, str],
    for_all: str = "",
) -> ImportBatch:
    """Record, on a checked batch, which value wins where the file would overwrite a value
    set in the portal: ``choices`` {conflict key: "portal"|"file"} one by one, or
    ``for_all`` for every conflict (which replaces the earlier one-by-one choices).
    Applied when the batch is imported; unknown keys are ignored.
    """
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.VALIDATED:
        raise ImportRefused(_("Chỉ chọn được giá trị cho lần nhập đã kiểm tra, chưa ghi."))
    options = dict(batch.options or {})
    stored = dict(options.get("conflicts") or {})
    take_file = set(stored.get("file") or ())
    keep_portal = set(stored.get("portal") or ())
    if for_all in (KEEP_PORTAL, TAKE_FILE):
        stored["all"] = for_all
        take_file.clear()
        keep_portal.clear()
    else:
        known = selectors.conflict_keys(batch)
        for key, choice in choices.items():
            if key not in known or choice not in (KEEP_PORTAL, TAKE_FILE):
                continue
            take_file.discard(key)
            keep_portal.discard(key)
            (take_file if choice == TAKE_FILE else keep_portal).add(key)
    stored["file"] = sorted(take_file)
    stored["portal"] = sorted(keep_portal)
    stored.setdefault("all", KEEP_PORTAL)
    options["conflicts"] = stored
    before = (batch.options or {}).get("conflicts") or {}
    batch.options = options
    batch.save(update_fields=["options"])
    record_audit(
        actor=actor,
        action="student_import.choose",
        obj=batch,
        changes={"conflicts": [before, stored]},
        school_id=batch.school_id,
        district_id=batch.district_id,
    )
    return batch


def import_changes_file(*, actor: User, batch: ImportBatch) -> bytes:
    """The dry run's per-field difference as .xlsx (formula-neutralised)."""
    exporter = ImportChangesExporter(title_lines=[actor.unit_label, batch.file_name])
    return exporter.to_bytes(selectors.import_change_lines(batch))


def error_copy(*, actor: User, batch: ImportBatch) -> bytes:
    """The uploaded file with an added "Lỗi" column listing each row's errors."""
    _sheet, table, _importer, _more = _locate_for_batch(batch, actor)
    by_row = import_batches.errors_by_row(batch.errors or [])
    # The list's own sheet: a summary sheet before it is not part of the list.
    return write_error_copy(table.sheet, table, by_row)
