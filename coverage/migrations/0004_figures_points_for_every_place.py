"""Every school and school site becomes a coverage point; every point gets its first state.

Points created here are unmeasured ("chưa khảo sát").  Existing points start their
history at their last change (``updated_at``), the earliest moment their current state
is known; new ones now.  Reversing removes the states and the points this created
(those still unmeasured, without signals or plan).
"""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    School = apps.get_model("schools", "School")
    SchoolSite = apps.get_model("schools", "SchoolSite")
    CoveragePoint = apps.get_model("coverage", "CoveragePoint")
    CoveragePlan = apps.get_model("coverage", "CoveragePlan")
    PointState = apps.get_model("coverage", "PointState")
    now = timezone.now()
    have_school = set(
        CoveragePoint.objects.filter(school__isnull=False).values_list("school_id", flat=True)
    )
    have_site = set(
        CoveragePoint.objects.filter(site__isnull=False).values_list("site_id", flat=True)
    )
    new = [
        CoveragePoint(
            kind="school",
            school_id=s.pk,
            name=s.name,
            commune_id=s.commune_id,
            district_id=s.district_id,
            latitude=s.latitude,
            longitude=s.longitude,
        )
        for s in School.objects.exclude(pk__in=have_school)
    ]
    new += [
        CoveragePoint(
            kind="site",
            site_id=site.pk,
            village_id=site.village_id,
            name=site.name,
            commune_id=site.village.commune_id if site.village_id else site.school.commune_id,
            district_id=site.school.district_id,
            latitude=site.latitude,
            longitude=site.longitude,
        )
        for site in SchoolSite.objects.exclude(pk__in=have_site).select_related(
            "school", "village"
        )
    ]
    for point in new:
        point.save()  # auto_now sets updated_at to now
    stages = dict(CoveragePlan.objects.values_list("point_id", "stage"))
    PointState.objects.bulk_create(
        PointState(
            point_id=p.pk,
            at=min(p.updated_at or now, now),
            best_technology=p.best_technology,
            plan_stage=stages.get(p.pk),
        )
        for p in CoveragePoint.objects.filter(states__isnull=True).only(
            "pk", "updated_at", "best_technology"
        )
    )


def backwards(apps, schema_editor):
    CoveragePoint = apps.get_model("coverage", "CoveragePoint")
    PointState = apps.get_model("coverage", "PointState")
    PointState.objects.all().delete()
    CoveragePoint.objects.filter(
        kind__in=("school", "site"),
        best_technology__isnull=True,
        signals__isnull=True,
        plan__isnull=True,
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0003_figures_point_state"),
        ("schools", "0005_schedule_upload_retention"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
