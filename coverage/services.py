"""Writes for coverage points, their measured signal and the plans to cover them.

Who may write what:

- a coverage officer (``can_manage_coverage``) creates and edits points, signals,
  plans and the ministry-list flag anywhere in their scope (the province for the
  Department of Information and Communications or a carrier);
- a school (``can_report_coverage``) reports the signal measured at its own school
  and school sites, and may create the point for them to do so;
- everyone else reads.

Every function checks the actor's scope again (404 outside it) and leaves an
audit record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import require
from accounts.models import User
from accounts.services import diff, record_audit, snapshot
from coverage import rules
from coverage.models import (
    GOOD_FROM,
    CarrierSignal,
    CoveragePlan,
    CoveragePoint,
    PlanNote,
    Technology,
)
from coverage.states import record_state
from schools import import_batches
from schools.choices import Carrier
from schools.models import (
    Commune,
    ImportBatch,
    School,
    SchoolSite,
    Village,
    inside_province,
)
from schools.services import get_or_create_village

POINT_FIELDS = (
    "kind",
    "name",
    "school",
    "site",
    "village",
    "commune",
    "district",
    "latitude",
    "longitude",
    "on_ministry_list",
    "notes",
)
PLAN_FIELDS = ("carrier", "target_date", "solution", "stage")


# ----------------------------------------------------------------------- access


def can_manage(actor: User) -> bool:
    return rules.may_manage_coverage(actor)


def _require_manager(actor: User) -> None:
    if not can_manage(actor):
        raise Http404


def _require_visible_point(actor: User, point: CoveragePoint) -> None:
    if not CoveragePoint.objects.visible_to(actor).filter(pk=point.pk).exists():
        raise Http404


def _require_district(actor: User, district_id: int) -> None:
    require(rules.works_in_district(actor, district_id))


def _district_of(commune: Commune) -> int:
    """Coverage points carry the units of 2021: a commune of the list since 1 July 2025
    has no district, so a point cannot be recorded in it yet."""
    if commune.district_id is None:
        raise ValidationError(
            {"village": _("Thôn/bản phải thuộc một xã của danh mục trước 1/7/2025.")}
        )
    return commune.district_id


may_report_for_school = rules.may_report_for_school


def _checked_coordinates(latitude: float | None, longitude: float | None) -> tuple[float, float]:
    if latitude is None or longitude is None:
        raise ValidationError({"latitude": _("Cần nhập tọa độ (vĩ độ, kinh độ) của điểm.")})
    if not inside_province(latitude, longitude):
        raise ValidationError({"latitude": _("Tọa độ nằm ngoài tỉnh Lào Cai.")})
    return float(latitude), float(longitude)


# ------------------------------------------------------------------------ points


def _blank_place_point(new: CoveragePoint, **place: Any) -> CoveragePoint:
    """The school's or site's own point while nobody has filled it in, else ``new``.

    Every school and site has a point from the moment it exists ("chưa khảo sát"):
    creating "its" point fills that one in.  One already measured or planned is
    somebody's work and stays refused.
    """
    existing = (
        # "of self": the signal and plan joins are outer joins PostgreSQL cannot lock.
        CoveragePoint.objects.select_for_update(of=("self",))
        .filter(**place, best_technology__isnull=True, signals__isnull=True, plan__isnull=True)
        .first()
    )
    if existing is None:
        return new
    existing.notes = new.notes
    return existing


# size: three kinds of point (school, school site, village centre) share one transaction: access
#   check, place resolution, coordinates, audit
@transaction.atomic
def create_point(
    *,
    actor: User,
    kind: str,
    school: School | None = None,
    site: SchoolSite | None = None,
    village: Village | None = None,
    commune: Commune | None = None,
    village_name: str = "",
    name: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    on_ministry_list: bool = False,
    notes: str = "",
) -> CoveragePoint:
    """Create a coverage point for a school, a school site or a village centre.

    The commune and district always come from the place itself; the coordinates
    too unless given.  A village may be given as ``commune`` + ``village_name``:
    villages have no official list, so one named for the first time is created.
    A school may create the point of its own school or sites (to report their
    signal); everything else needs a coverage officer.
    """
    if village is None and commune is not None and village_name.strip():
        _require_manager(actor)
        _require_district(actor, _district_of(commune))
        village, _created = get_or_create_village(commune=commune, name=village_name)
    point = CoveragePoint(kind=kind, notes=notes)
    if kind == CoveragePoint.Kind.SCHOOL:
        if school is None:
            raise ValidationError({"school": _("Chọn trường.")})
        if not may_report_for_school(actor, school.pk):
            raise Http404
        point = _blank_place_point(point, school=school)
        if point.pk is None and CoveragePoint.objects.filter(school=school).exists():
            raise ValidationError({"school": _("Trường này đã có điểm phủ sóng.")})
        if village is not None and village.commune_id != school.commune_id:
            raise ValidationError({"village": _("Thôn/bản phải thuộc xã của trường.")})
        point.school, point.village = school, village
        point.commune_id, point.district_id = school.commune_id, school.district_id
        point.name = name or school.name
        latitude = school.latitude if latitude is None else latitude
        longitude = school.longitude if longitude is None else longitude
    elif kind == CoveragePoint.Kind.SITE:
        if site is None:
            raise ValidationError({"site": _("Chọn điểm trường.")})
        if not may_report_for_school(actor, site.school_id):
            raise Http404
        point = _blank_place_point(point, site=site)
        if point.pk is None and CoveragePoint.objects.filter(site=site).exists():
            raise ValidationError({"site": _("Điểm trường này đã có điểm phủ sóng.")})
        point.site, point.village = site, site.village
        point.commune_id = site.school.commune_id
        point.district_id = site.school.district_id
        if site.village is not None:
            point.commune_id = site.village.commune_id
        point.name = name or site.name
        latitude = site.latitude if latitude is None else latitude
        longitude = site.longitude if longitude is None else longitude
    elif kind == CoveragePoint.Kind.VILLAGE:
        _require_manager(actor)
        if village is None:
            raise ValidationError({"village": _("Chọn thôn/bản.")})
        point.village = village
        point.commune_id = village.commune_id
        point.district_id = _district_of(village.commune)
        point.name = name or village.name
        latitude = village.latitude if latitude is None else latitude
        longitude = village.longitude if longitude is None else longitude
    else:
        raise ValidationError({"kind": _("Loại điểm không hợp lệ.")})
    _require_district(actor, point.district_id)
    point.latitude, point.longitude = _checked_coordinates(latitude, longitude)
    # Only an officer puts a point on the ministry's list.
    point.on_ministry_list = bool(on_ministry_list) and can_manage(actor)
    point.save()
    record_state(point)
    record_audit(
        actor=actor,
        action="coverage.point.create",
        obj=point,
        changes={k: [None, v] for k, v in snapshot(point, POINT_FIELDS).items()},
        district_id=point.district_id,
    )
    return point


@transaction.atomic
def update_point(
    *,
    actor: User,
    point: CoveragePoint,
    name: str | None = None,
    village: Village | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    on_ministry_list: bool | None = None,
    notes: str | None = None,
    reason: str = "",
) -> CoveragePoint:
    """Edit a point's name, village (school points), coordinates, ministry flag or notes.

    What a point stands for (its kind, school, site, commune) never changes:
    create another point instead.  Arguments left ``None`` stay as they are.
    """
    _require_manager(actor)
    _require_visible_point(actor, point)
    point = CoveragePoint.objects.select_for_update().get(pk=point.pk)
    before = snapshot(point, POINT_FIELDS)
    if name is not None:
        point.name = name.strip() or point.name
    if village is not None and point.kind == CoveragePoint.Kind.SCHOOL:
        if village.commune_id != point.commune_id:
            raise ValidationError({"village": _("Thôn/bản phải thuộc xã của trường.")})
        point.village = village
    if latitude is not None or longitude is not None:
        lat = point.latitude if latitude is None else latitude
        lon = point.longitude if longitude is None else longitude
        point.latitude, point.longitude = _checked_coordinates(lat, lon)
    if on_ministry_list is not None:
        point.on_ministry_list = on_ministry_list
    if notes is not None:
        point.notes = notes
    changes = diff(before, snapshot(point, POINT_FIELDS))
    if changes:
        point.save()
        record_audit(
            actor=actor,
            action="coverage.point.update",
            obj=point,
            changes=changes,
            reason=reason,
            district_id=point.district_id,
        )
    return point


def set_ministry_list(
    *, actor: User, point: CoveragePoint, on_list: bool, reason: str = ""
) -> CoveragePoint:
    """Put a point on (or take it off) the ministry's list of points to cover."""
    return update_point(actor=actor, point=point, on_ministry_list=on_list, reason=reason)


# ------------------------------------------------------------------------ signal


# size: access, validation, the latest-measurement rule, recomputing the point and the audit entry
#   run in this order in one transaction
@transaction.atomic
def record_signal(
    *,
    actor: User,
    point: CoveragePoint,
    carrier: str,
    technology: int,
    measured_on: dt.date,
    source: str,
) -> CarrierSignal:
    """Record the best technology ``carrier`` offers at ``point`` and recompute the point.

    One measurement per carrier is kept: the latest.  An older measurement than the
    one on file is refused.  ``CoveragePoint.best_technology`` becomes the best over
    every carrier, which drives the no-signal (< 3G) and weak (3G only) flags.
    A school may only report at its own school and sites, as a school report.
    """
    _require_visible_point(actor, point)
    if not can_manage(actor):
        if not actor.can("can_report_coverage"):
            raise Http404
        if source != CarrierSignal.Source.SCHOOL_REPORT:
            raise ValidationError({"source": _("Nhà trường chỉ báo cáo sóng đo tại trường.")})
    if carrier not in Carrier.values:
        raise ValidationError({"carrier": _("Nhà mạng không hợp lệ.")})
    if technology not in Technology.values:
        raise ValidationError({"technology": _("Công nghệ không hợp lệ.")})
    if source not in CarrierSignal.Source.values:
        raise ValidationError({"source": _("Nguồn không hợp lệ.")})
    if measured_on > timezone.localdate():
        raise ValidationError({"measured_on": _("Ngày đo không được ở tương lai.")})
    point = CoveragePoint.objects.select_for_update().get(pk=point.pk)
    signal = CarrierSignal.objects.filter(point=point, carrier=carrier).first()
    if signal is not None and signal.measured_on > measured_on:
        raise ValidationError(
            {
                "measured_on": _("Đã có kết quả đo của nhà mạng này ngày %(d)s, mới hơn.")
                % {"d": signal.measured_on.strftime("%d/%m/%Y")}
            }
        )
    old_technology = signal.technology if signal else None
    if signal is None:
        signal = CarrierSignal(point=point, carrier=carrier)
    signal.technology = technology
    signal.measured_on = measured_on
    signal.source = source
    signal.recorded_by = actor
    signal.save()
    old_best = point.best_technology
    point.best_technology = point.signals.aggregate(best=Max("technology"))["best"]
    if point.best_technology != old_best:
        point.save(update_fields=["best_technology", "updated_at"])
    record_state(point)
    record_audit(
        actor=actor,
        action="coverage.signal.record",
        obj=point,
        changes={
            f"signal.{carrier}": [old_technology, technology],
            "measured_on": [None, measured_on],
            "source": [None, source],
            **(
                {"best_technology": [old_best, point.best_technology]}
                if point.best_technology != old_best
                else {}
            ),
        },
        district_id=point.district_id,
    )
    return signal


@transaction.atomic
def report_school_signal(
    *,
    actor: User,
    school: School | None = None,
    site: SchoolSite | None = None,
    carrier: str,
    technology: int,
    measured_on: dt.date,
) -> CarrierSignal:
    """A school reports the signal at itself or one of its sites, creating the point if needed."""
    target_school_id = school.pk if school is not None else (site.school_id if site else None)
    if not may_report_for_school(actor, target_school_id):
        raise Http404
    if site is not None:
        point = CoveragePoint.objects.filter(site=site).first() or create_point(
            actor=actor, kind=CoveragePoint.Kind.SITE, site=site
        )
    elif school is not None:
        point = CoveragePoint.objects.filter(school=school).first() or create_point(
            actor=actor, kind=CoveragePoint.Kind.SCHOOL, school=school
        )
    else:
        raise ValidationError(_("Chọn trường hoặc điểm trường."))
    return record_signal(
        actor=actor,
        point=point,
        carrier=carrier,
        technology=technology,
        measured_on=measured_on,
        source=CarrierSignal.Source.SCHOOL_REPORT,
    )


# ------------------------------------------------------------------------- plans


def _note(plan: CoveragePlan, actor: User, text: str) -> PlanNote:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"note": _("Cần ghi nội dung tiến độ.")})
    return PlanNote.objects.create(plan=plan, stage=plan.stage, text=text, author=actor)


def _check_stage(point: CoveragePoint, stage: int) -> None:
    if stage not in CoveragePlan.Stage.values:
        raise ValidationError({"stage": _("Giai đoạn không hợp lệ.")})
    if stage == CoveragePlan.Stage.VERIFIED and (
        point.best_technology is None or point.best_technology < GOOD_FROM
    ):
        raise ValidationError(
            {"stage": _("Chỉ nghiệm thu khi đã ghi nhận kết quả đo sóng 4G trở lên tại điểm này.")}
        )


@transaction.atomic
def create_plan(
    *,
    actor: User,
    point: CoveragePoint,
    carrier: str,
    target_date: dt.date,
    solution: str,
    note: str,
    stage: int = CoveragePlan.Stage.SURVEYED,
) -> CoveragePlan:
    """Plan how ``point`` will be covered; the first progress note says what was decided."""
    _require_manager(actor)
    _require_visible_point(actor, point)
    if CoveragePlan.objects.filter(point=point).exists():
        raise ValidationError(_("Điểm này đã có kế hoạch phủ sóng."))
    _check_stage(point, stage)
    plan = CoveragePlan.objects.create(
        point=point, carrier=carrier, target_date=target_date, solution=solution, stage=stage
    )
    _note(plan, actor, note)
    record_state(point)
    record_audit(
        actor=actor,
        action="coverage.plan.create",
        obj=point,
        changes={f"plan.{k}": [None, v] for k, v in snapshot(plan, PLAN_FIELDS).items()},
        reason=note,
        district_id=point.district_id,
    )
    return plan


@transaction.atomic
def update_plan(
    *,
    actor: User,
    plan: CoveragePlan,
    note: str,
    carrier: str | None = None,
    target_date: dt.date | None = None,
    solution: str | None = None,
    stage: int | None = None,
) -> CoveragePlan:
    """Change a plan (carrier, date, solution, stage); every change carries a progress note.

    Moving to "verified" needs a measured 4G signal at the point: a point counts as
    covered only after verification, and verification means someone measured it.
    """
    _require_manager(actor)
    _require_visible_point(actor, plan.point)
    plan = CoveragePlan.objects.select_for_update().select_related("point").get(pk=plan.pk)
    before = snapshot(plan, PLAN_FIELDS)
    values: dict[str, Any] = {
        "carrier": carrier,
        "target_date": target_date,
        "solution": solution,
        "stage": stage,
    }
    for name, value in values.items():
        if value is not None:
            setattr(plan, name, value)
    if stage is not None and stage != before["stage"]:
        _check_stage(plan.point, stage)
    plan.save()
    _note(plan, actor, note)
    record_state(plan.point)
    changes = diff(before, snapshot(plan, PLAN_FIELDS))
    record_audit(
        actor=actor,
        action="coverage.plan.update" if changes else "coverage.plan.note",
        obj=plan.point,
        changes={f"plan.{k}": v for k, v in changes.items()},
        reason=note,
        district_id=plan.point.district_id,
    )
    return plan


def advance_plan(*, actor: User, plan: CoveragePlan, stage: int, note: str) -> CoveragePlan:
    """Move a plan to ``stage`` with a progress note (backwards too, to correct a mistake)."""
    return update_plan(actor=actor, plan=plan, stage=stage, note=note)


def add_plan_note(*, actor: User, plan: CoveragePlan, text: str) -> CoveragePlan:
    """A progress note without a change of stage."""
    return update_plan(actor=actor, plan=plan, note=text)


# ----------------------------------------------------------------- survey import


def upload_survey(*, actor: User, upload: Any) -> ImportBatch:
    """Store an uploaded survey as an ``ImportBatch`` and dry-run it (nothing else written).

    The batch keeps the file, the counts and every row error, so the user can fix
    the file or confirm the import from the batch page.
    """
    from coverage.importers import import_survey

    _require_manager(actor)
    data = upload.read()
    upload.seek(0)
    file_name = (getattr(upload, "name", "") or "khao-sat.xlsx")[-255:]
    report = import_survey(actor=actor, source=data, filename=file_name, dry_run=True)
    with transaction.atomic():
        batch = import_batches.store_upload(
            actor=actor,
            kind=ImportBatch.Kind.COVERAGE,
            upload=data,
            file_name=file_name,
            audit_action="coverage.import.upload",
            audit_changes={"rows": [None, report.rows], "errors": [None, len(report.errors)]},
            school_id=None,
            status=ImportBatch.Status.VALIDATING,
        )
        _store_report(batch, report, done=False)
        batch.save()
    return batch


def _store_report(batch: ImportBatch, report: Any, *, done: bool) -> None:
    """A survey with row errors fails at once (nothing to confirm); else checked or done."""
    phase = import_batches.IMPORT if done else import_batches.CHECK
    import_batches.conclude(batch, phase=phase, report=report, on_errors=ImportBatch.Status.FAILED)


def confirm_survey(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """Import a validated survey for real: validated again, then written all or nothing."""
    from coverage.importers import import_survey

    _require_manager(actor)
    batch = import_batches.batch_for_user(actor, batch.pk, kinds=[ImportBatch.Kind.COVERAGE])
    try:
        batch = import_batches.claim_for_import(
            batch, refusal=_("Chỉ nhập được tệp đã kiểm tra không có lỗi.")
        )
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    with batch.file.open("rb") as handle:
        data = handle.read()
    report = import_survey(actor=actor, source=data, filename=batch.file_name, dry_run=False)
    with transaction.atomic():
        _store_report(batch, report, done=True)
        batch.save()
        record_audit(
            actor=actor,
            action="coverage.import.confirm",
            obj=batch,
            changes={
                "created": [None, report.created],
                "updated": [None, report.updated],
                "errors": [None, len(report.errors)],
            },
        )
    return batch
