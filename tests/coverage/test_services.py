"""Writes: points, signals, plans; scope and audit."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404

from accounts.models import AuditEvent
from coverage import services
from coverage.models import CarrierSignal, CoveragePlan, CoveragePoint, PlanNote
from tests.coverage.factories import CoveragePointFactory
from tests.schools.factories import SchoolSiteFactory, VillageFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2021, 11, 15)


def _point_for(school, officer):
    return services.create_point(actor=officer, kind=CoveragePoint.Kind.SCHOOL, school=school)


def test_school_point_takes_commune_district_and_coordinates_from_the_school(
    school, coverage_officer
):
    point = _point_for(school, coverage_officer)
    assert (point.commune, point.district) == (school.commune, school.district)
    assert (point.latitude, point.longitude) == (school.latitude, school.longitude)
    assert point.name == school.name
    assert AuditEvent.objects.filter(
        action="coverage.point.create", object_id=str(point.pk)
    ).exists()


def test_site_point_takes_village_from_the_site(school, coverage_officer):
    site = SchoolSiteFactory(school=school, latitude=22.6, longitude=103.9)
    point = services.create_point(actor=coverage_officer, kind=CoveragePoint.Kind.SITE, site=site)
    assert point.village == site.village
    assert point.district == school.district


def test_coordinates_outside_lao_cai_are_refused(commune, coverage_officer):
    village = VillageFactory(commune=commune)
    with pytest.raises(ValidationError) as exc:
        services.create_point(
            actor=coverage_officer,
            kind=CoveragePoint.Kind.VILLAGE,
            village=village,
            latitude=21.03,  # Hà Nội
            longitude=105.85,
        )
    assert "ngoài tỉnh Lào Cai" in str(exc.value)
    assert not CoveragePoint.objects.exists()


def test_new_village_is_created_when_named_with_its_commune(commune, coverage_officer):
    point = services.create_point(
        actor=coverage_officer,
        kind=CoveragePoint.Kind.VILLAGE,
        commune=commune,
        village_name="Thôn Khuổi Phường",
        latitude=22.7,
        longitude=103.88,
    )
    assert point.village.commune == commune
    assert point.name == "Thôn Khuổi Phường"


def test_school_cannot_create_village_point(commune, school_staff):
    village = VillageFactory(commune=commune)
    with pytest.raises(Http404):
        services.create_point(
            actor=school_staff,
            kind=CoveragePoint.Kind.VILLAGE,
            village=village,
            latitude=22.5,
            longitude=104.0,
        )


def test_officer_cannot_create_point_outside_province(coverage_officer, db):
    from tests.schools.factories import CommuneFactory, DistrictFactory, ProvinceFactory

    other = DistrictFactory(province=ProvinceFactory(code="02", name="Hà Giang"), code="024")
    village = VillageFactory(commune=CommuneFactory(district=other))
    with pytest.raises(Http404):
        services.create_point(
            actor=coverage_officer,
            kind=CoveragePoint.Kind.VILLAGE,
            village=village,
            latitude=22.5,
            longitude=104.0,
        )


@time_machine.travel(TODAY)
def test_record_signal_recomputes_best_over_carriers(coverage_officer, commune):
    point = CoveragePointFactory(village=VillageFactory(commune=commune))
    survey = CarrierSignal.Source.CARRIER_SURVEY
    services.record_signal(
        actor=coverage_officer,
        point=point,
        carrier="viettel",
        technology=2,
        measured_on=dt.date(2021, 10, 1),
        source=survey,
    )
    point.refresh_from_db()
    assert point.best_technology == 2 and point.has_no_signal
    services.record_signal(
        actor=coverage_officer,
        point=point,
        carrier="vnpt",
        technology=4,
        measured_on=dt.date(2021, 10, 1),
        source=survey,
    )
    point.refresh_from_db()
    assert point.best_technology == 4 and not point.has_no_signal
    # VNPT's station goes down: a newer measurement replaces the old one.
    services.record_signal(
        actor=coverage_officer,
        point=point,
        carrier="vnpt",
        technology=3,
        measured_on=dt.date(2021, 11, 1),
        source=survey,
    )
    point.refresh_from_db()
    assert point.best_technology == 3 and point.is_weak
    assert point.signals.count() == 2
    event = AuditEvent.objects.filter(action="coverage.signal.record").order_by("-pk").first()
    assert event.changes["signal.vnpt"] == [4, 3]
    assert event.changes["best_technology"] == [4, 3]


@time_machine.travel(TODAY)
def test_older_measurement_and_future_date_are_refused(coverage_officer, commune):
    point = CoveragePointFactory(village=VillageFactory(commune=commune))
    kwargs = {"actor": coverage_officer, "point": point, "carrier": "viettel", "source": "carrier"}
    services.record_signal(**kwargs, technology=4, measured_on=dt.date(2021, 11, 1))
    with pytest.raises(ValidationError):
        services.record_signal(**kwargs, technology=0, measured_on=dt.date(2021, 10, 1))
    with pytest.raises(ValidationError):
        services.record_signal(**kwargs, technology=0, measured_on=dt.date(2021, 12, 1))
    point.refresh_from_db()
    assert point.best_technology == 4


@time_machine.travel(TODAY)
def test_school_reports_at_own_school_creating_the_point(school, school_staff):
    signal = services.report_school_signal(
        actor=school_staff,
        school=school,
        carrier="viettel",
        technology=3,
        measured_on=dt.date(2021, 11, 10),
    )
    assert signal.source == CarrierSignal.Source.SCHOOL_REPORT
    assert signal.point.school == school
    assert signal.recorded_by == school_staff


@time_machine.travel(TODAY)
def test_school_cannot_report_for_another_school(
    school, other_school, school_staff, coverage_officer
):
    other_point = _point_for(other_school, coverage_officer)
    with pytest.raises(Http404):
        services.report_school_signal(
            actor=school_staff,
            school=other_school,
            carrier="viettel",
            technology=4,
            measured_on=TODAY,
        )
    with pytest.raises(Http404):
        services.record_signal(
            actor=school_staff,
            point=other_point,
            carrier="viettel",
            technology=4,
            measured_on=TODAY,
            source="school",
        )
    assert not CarrierSignal.objects.exists()


@time_machine.travel(TODAY)
def test_school_may_only_file_school_reports(school, school_staff, coverage_officer):
    point = _point_for(school, coverage_officer)
    with pytest.raises(ValidationError):
        services.record_signal(
            actor=school_staff,
            point=point,
            carrier="viettel",
            technology=4,
            measured_on=TODAY,
            source=CarrierSignal.Source.CARRIER_SURVEY,
        )


def test_school_cannot_edit_points(school, school_staff, coverage_officer):
    point = _point_for(school, coverage_officer)
    with pytest.raises(Http404):
        services.update_point(actor=school_staff, point=point, name="Khác")
    with pytest.raises(Http404):
        services.set_ministry_list(actor=school_staff, point=point, on_list=True)


def test_district_officer_cannot_write(school, district_officer, coverage_officer):
    point = _point_for(school, coverage_officer)
    with pytest.raises(Http404):
        services.update_point(actor=district_officer, point=point, notes="x")
    with pytest.raises(Http404):
        services.create_plan(
            actor=district_officer,
            point=point,
            carrier="viettel",
            target_date=TODAY,
            solution="new_bts",
            note="x",
        )


def test_update_point_audits_the_change(school, coverage_officer):
    point = _point_for(school, coverage_officer)
    services.set_ministry_list(
        actor=coverage_officer, point=point, on_list=True, reason="QĐ của Bộ"
    )
    point.refresh_from_db()
    assert point.on_ministry_list
    event = AuditEvent.objects.get(action="coverage.point.update")
    assert event.changes == {"on_ministry_list": [False, True]}
    assert event.reason == "QĐ của Bộ"
    with pytest.raises(ValidationError):
        services.update_point(actor=coverage_officer, point=point, latitude=10.0)


@time_machine.travel(TODAY)
def test_plan_stages_need_notes_and_verification_needs_4g(commune, coverage_officer):
    point = CoveragePointFactory(village=VillageFactory(commune=commune))
    with pytest.raises(ValidationError):
        services.create_plan(
            actor=coverage_officer,
            point=point,
            carrier="viettel",
            target_date=dt.date(2022, 6, 30),
            solution="new_bts",
            note="  ",
        )
    plan = services.create_plan(
        actor=coverage_officer,
        point=point,
        carrier="viettel",
        target_date=dt.date(2022, 6, 30),
        solution="new_bts",
        note="Đã khảo sát vị trí",
    )
    services.advance_plan(
        actor=coverage_officer, plan=plan, stage=CoveragePlan.Stage.ON_AIR, note="Đã phát sóng"
    )
    with pytest.raises(ValidationError):
        services.advance_plan(
            actor=coverage_officer, plan=plan, stage=CoveragePlan.Stage.VERIFIED, note="Nghiệm thu"
        )
    services.record_signal(
        actor=coverage_officer,
        point=point,
        carrier="viettel",
        technology=4,
        measured_on=TODAY,
        source="carrier",
    )
    services.advance_plan(
        actor=coverage_officer, plan=plan, stage=CoveragePlan.Stage.VERIFIED, note="Nghiệm thu đạt"
    )
    plan.refresh_from_db()
    assert plan.is_covered
    assert list(PlanNote.objects.filter(plan=plan).order_by("pk").values_list("stage", "text")) == [
        (1, "Đã khảo sát vị trí"),
        (4, "Đã phát sóng"),
        (5, "Nghiệm thu đạt"),
    ]
    assert CoveragePoint.objects.covered().filter(pk=point.pk).exists()
    assert AuditEvent.objects.filter(action="coverage.plan.update").count() == 2
    with pytest.raises(ValidationError):
        services.create_plan(
            actor=coverage_officer,
            point=point,
            carrier="vnpt",
            target_date=TODAY,
            solution="upgrade",
            note="Kế hoạch thứ hai",
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_signals_keep_the_best_technology(coverage_officer, commune):
    """Two carriers reported at the same moment: the point ends with the best of both."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    point = CoveragePointFactory(village=VillageFactory(commune=commune))
    barrier = threading.Barrier(2)
    errors = []

    def report(carrier, technology):
        try:
            barrier.wait()
            services.record_signal(
                actor=coverage_officer,
                point=point,
                carrier=carrier,
                technology=technology,
                measured_on=dt.date(2021, 10, 1),
                source="carrier",
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=a) for a in (("viettel", 2), ("vnpt", 4))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    point.refresh_from_db()
    assert point.best_technology == 4 and point.signals.count() == 2
