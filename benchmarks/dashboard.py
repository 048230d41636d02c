"""Dashboard benchmark: the selector against its raw aggregate SQL on the new province.

The province since 1 July 2025 (old Lào Cai and former Yên Bái): 1,045 schools in the
old communes of both provinces, each placed in its 2025 commune through the crosswalk
(``SchoolPlacement`` from the reform day), and 470,000 pupils.

Usage (PostgreSQL; the database is created and migrated when missing)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/laocai_bench_dash \\
        .venv/bin/python benchmarks/dashboard.py [--pupils 470000] [--schools 1045] \\
        [--repeat 7] [--regenerate] [--queries-at 25000] [--report-repeat 3]

Data is written with COPY (one to two minutes for the province) and kept between
runs; ``--regenerate`` rebuilds it. The script prints

- the best time of the selector (ORM queries + Python assembly) and of the same
  aggregates as hand-written SQL, and their ratio (goal: at most 3);
- the selector's query count here and on a small copy (``--queries-at`` pupils, in a
  second database ``<name>_q<N>``, built by a child run): it must be the same;
- the weekly progress report of the whole province (figures as of a day, XLSX and
  PDF): warm (best of ``--report-repeat`` in this process), first build in a fresh
  process with the fonts prepared, and the one-time font preparation (empty cache).
"""

# size: one script that seeds the synthetic new province and times every dashboard aggregate
#   against its SQL, so a reader reproduces the README figures from one file

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/laocai_bench_dash"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laocai_portal.settings")


def ensure_database(url: str) -> None:
    """CREATE DATABASE when it does not exist (connecting to the server's "postgres" db)."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def copy_rows(model, rows) -> int:
    """COPY plain dicts (by attname) into a model's table; missing fields take their default."""
    from django.db import connection

    fields = list(model._meta.concrete_fields)
    now = dt.datetime.now(dt.UTC)
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default():
            defaults[f.attname] = f.get_default()
        elif f.null:
            defaults[f.attname] = None
        else:
            defaults[f.attname] = ""
    columns = ", ".join(f'"{f.column}"' for f in fields)
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    n = 0
    raw = connection.connection
    sql = f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN'
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            values = []
            for f in fields:
                value = row.get(f.attname, defaults[f.attname])
                if f.attname in json_fields:
                    value = json.dumps(value)
                values.append(value)
            copy.write_row(values)
            n += 1
    return n


def reset_sequences(*models) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for model in models:
            table = model._meta.db_table
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table}"), 1))'
            )


# About the mix of the province's schools (preschool, primary, lower and upper secondary).
LEVELS = ["MN", "TH", "THCS", "MN", "TH", "THCS", "TH&THCS", "MN", "TH", "THPT"]


# size: the benchmark's synthetic province, built in one bulk pass per table so its cost is easy to
#   read
def generate(pupils: int, school_count: int = 1045) -> None:
    from django.db import connection, transaction

    from accounts.models import User
    from coverage.models import CoveragePlan, CoveragePoint
    from devices.models import Allocation, DataPackage, Device, DeviceSource, Subscription
    from donations.models import CashReceipt, Donor, FundAccount, Pledge
    from rounds.models import Proposal, ProposalItem, SupportRound
    from schools.models import (
        GENERATION_2021,
        REFORM_DATE,
        Commune,
        CommuneSuccession,
        District,
        School,
        SchoolPlacement,
    )
    from schools.services import load_units
    from schools.unit_loading import REFORM_CURRENT_PROVINCES, REFORM_LEGACY_PROVINCES
    from students.models import Household, HouseholdCategory, Student

    rng = random.Random(365)
    t0 = time.perf_counter()
    load_units(legacy_provinces=REFORM_LEGACY_PROVINCES, current_provinces=REFORM_CURRENT_PROVINCES)
    tables = [
        CashReceipt,
        Pledge,
        Donor,
        FundAccount,
        CoveragePlan,
        CoveragePoint,
        Subscription,
        DataPackage,
        Allocation,
        Device,
        DeviceSource,
        ProposalItem,
        Proposal,
        SupportRound,
        Student,
        Household,
    ]
    with connection.cursor() as cur:
        names = ", ".join(f'"{m._meta.db_table}"' for m in tables)
        cur.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        cur.execute(
            'DELETE FROM "schools_schoolplacement" WHERE school_id IN '
            '(SELECT id FROM "schools_school" WHERE code LIKE %s)',
            ["B%"],
        )
        cur.execute('DELETE FROM "schools_school" WHERE code LIKE %s', ["B%"])
    user, _ = User.objects.get_or_create(username="bench", defaults={"full_name": "Benchmark"})
    districts = list(District.objects.all())
    # The 319 old communes of old Lào Cai and former Yên Bái (both in the 2021 list).
    communes = list(Commune.objects.filter(generation_id=GENERATION_2021).order_by("code"))
    successor: dict[int, int] = {}
    for line in CommuneSuccession.objects.order_by("partial", "new__code"):
        successor.setdefault(line.old_id, line.new_id)
    categories = list(HouseholdCategory.objects.values_list("pk", flat=True))
    schools = [
        School(
            code=f"B{i:07d}",
            name=f"Trường thử {i}",
            level=LEVELS[i % len(LEVELS)],
            district_id=(c := communes[i % len(communes)]).district_id,
            commune_id=c.pk,
        )
        for i in range(school_count)
    ]
    School.objects.bulk_create(schools, batch_size=1000)
    schools = list(School.objects.filter(code__startswith="B").order_by("pk"))
    SchoolPlacement.objects.bulk_create(
        SchoolPlacement(school=s, commune_id=successor[s.commune_id], valid_from=REFORM_DATE)
        for s in schools
        if s.commune_id in successor
    )
    with transaction.atomic():
        n = copy_rows(
            Household,
            (
                {
                    "id": i + 1,
                    "category_id": categories[rng.randrange(len(categories))],
                    "commune_id": schools[i % school_count].commune_id,
                }
                for i in range(pupils)
            ),
        )
        needs = [rng.random() < 0.45 for _ in range(pupils)]
        copy_rows(
            Student,
            (
                {
                    "id": i + 1,
                    "pupil_code": f"{1000000000 + i}",
                    "full_name": f"Học sinh {i}",
                    "name_key": f"hoc sinh {i}",
                    "sort_key": f"{i}",
                    "date_of_birth": dt.date(2008 + i % 8, 1 + i % 12, 1 + i % 28),
                    "gender": "M" if i % 2 else "F",
                    "school_id": schools[i % school_count].pk,
                    "class_name": "7A",
                    "grade": 1 + i % 12,
                    "household_id": i + 1,
                    "commune_id": schools[i % school_count].commune_id,
                    "need_device": "tablet" if needs[i] else "",
                    "need_data": needs[i] and i % 3 == 0,
                    "status": "studying" if i % 50 else "left",
                }
                for i in range(pupils)
            ),
        )
        rounds = [
            SupportRound(
                name=f"Đợt {k}",
                school_year=f"{2021 + k}-{2022 + k}",
                starts_on=dt.date(2021 + k, 9, 1),
                ends_on=dt.date(2021 + k, 10, 31),
                offers=["tablet", "data"],
                requires_province_confirmation=k == 0,
                status="closed",
                created_by=user,
            )
            for k in range(2)
        ]
        SupportRound.objects.bulk_create(rounds)
        proposals = [
            Proposal(round=r, school=s, status=rng.choice(["confirmed", "approved", "submitted"]))
            for r in rounds
            for s in schools
        ]
        Proposal.objects.bulk_create(proposals, batch_size=2000)
        proposal_of = {(p.round_id, p.school_id): p for p in Proposal.objects.all()}
        items, item_id = [], 0
        for i in range(pupils):
            if not needs[i] or rng.random() > 0.6:
                continue
            r = rounds[i % 2]
            proposal = proposal_of[(r.pk, schools[i % school_count].pk)]
            decided = proposal.status != "submitted"
            item_id += 1
            items.append(
                {
                    "id": item_id,
                    "proposal_id": proposal.pk,
                    "round_id": r.pk,
                    "student_id": i + 1,
                    "kind": "tablet",
                    "status": rng.choice(["approved", "approved", "approved", "rejected"])
                    if decided
                    else "proposed",
                }
            )
        copy_rows(ProposalItem, items)
        source = DeviceSource.objects.create(
            kind="donation", reference="BENCH", received_on=dt.date(2021, 9, 1), created_by=user
        )
        confirmed = {
            p.pk
            for p in proposal_of.values()
            if p.status == "confirmed" or (p.status == "approved" and p.round_id == rounds[1].pk)
        }
        approved = [
            it for it in items if it["status"] == "approved" and it["proposal_id"] in confirmed
        ]
        handed = approved[: int(len(approved) * 0.7)]
        copy_rows(
            Device,
            (
                {
                    "id": k + 1,
                    "device_type": "tablet",
                    "make": "Samsung",
                    "model_name": "Tab A7",
                    "serial_number": f"BENCH{k:08d}",
                    "source_id": source.pk,
                    "holder": "pupil",
                    "school_id": schools[(it["student_id"] - 1) % school_count].pk,
                    "status": "handed_over",
                    "imei": None,
                }
                for k, it in enumerate(handed)
            ),
        )
        copy_rows(
            Allocation,
            (
                {
                    "id": k + 1,
                    "device_id": k + 1,
                    "device_type": "tablet",
                    "student_id": it["student_id"],
                    "proposal_item_id": it["id"],
                    "school_id": schools[(it["student_id"] - 1) % school_count].pk,
                    "status": "handed_over" if k % 10 else "reserved",
                    "allocated_by_id": user.pk,
                }
                for k, it in enumerate(handed)
            ),
        )
        package = DataPackage.objects.create(
            carrier="viettel", name="Bench 4G", price_vnd_per_month=50000
        )
        subs = approved[: int(len(approved) * 0.3)]
        copy_rows(
            Subscription,
            (
                {
                    "id": k + 1,
                    "student_id": it["student_id"],
                    "proposal_item_id": it["id"],
                    "package_id": package.pk,
                    "carrier": "viettel",
                    "phone": f"09{k:08d}",
                    "status": "active" if k % 4 else "expired",
                    "created_by_id": user.pk,
                }
                for k, it in enumerate(subs)
            ),
        )
        points = []
        for k, s in enumerate(schools):
            points.append(
                {
                    "id": k + 1,
                    "kind": "school",
                    "name": s.name,
                    "school_id": s.pk,
                    "commune_id": s.commune_id,
                    "district_id": s.district_id,
                    "latitude": 22.4,
                    "longitude": 104.0,
                    "best_technology": rng.choice([0, 2, 3, 4, 4, 5]),
                }
            )
        copy_rows(CoveragePoint, points)
        copy_rows(
            CoveragePlan,
            (
                {
                    "id": k + 1,
                    "point_id": p["id"],
                    "carrier": "viettel",
                    "target_date": dt.date(2022, 12, 31),
                    "solution": "new_bts",
                    "stage": rng.randint(1, 5),
                }
                for k, p in enumerate(points)
                if p["best_technology"] < 4
            ),
        )
        account = FundAccount.objects.create(name="Quỹ", bank="KBNN", number="BENCH")
        for k in range(200):
            donor = Donor.objects.create(kind="enterprise", name=f"Nhà tài trợ {k}")
            pledge = Pledge.objects.create(
                donor=donor,
                pledged_on=dt.date(2021, 9, 1),
                round=rounds[k % 2],
                cash_amount=10_000_000 * (1 + k % 5),
                created_by=user,
            )
            if k % 4:
                CashReceipt.objects.create(
                    pledge=pledge,
                    amount=5_000_000,
                    received_on=dt.date(2021, 9, 5),
                    account=account,
                    reference=f"BENCH-{k}",
                    recorded_by=user,
                )
        reset_sequences(Household, Student, ProposalItem, Device, Allocation, Subscription)
        reset_sequences(CoveragePoint, CoveragePlan)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(
        f"generated {n:,} pupils, {len(items):,} proposal items, {len(handed):,} allocations, "
        f"{len(subs):,} subscriptions, {len(districts)} districts, {len(communes)} communes, "
        f"{school_count} schools ({SchoolPlacement.objects.count():,} placed in 2025 communes) "
        f"in {time.perf_counter() - t0:.1f}s"
    )


RAW_PROVINCE = [
    "SELECT id, code, name FROM schools_district WHERE is_active ORDER BY code",
    "SELECT id, code, name FROM students_householdcategory ORDER BY priority, name",
    """WITH approved AS (
         SELECT i.student_id FROM rounds_proposalitem i
         JOIN rounds_proposal p ON p.id = i.proposal_id
         JOIN rounds_supportround r ON r.id = i.round_id
         WHERE i.status = 'approved' AND (p.status = 'confirmed'
           OR (p.status = 'approved' AND NOT r.requires_province_confirmation)))
       SELECT sc.district_id, h.category_id,
         COUNT(*) FILTER (WHERE (st.need_device <> '' OR st.need_data) AND st.status = 'studying'),
         COUNT(*) FILTER (WHERE st.id IN (SELECT student_id FROM approved))
       FROM students_student st
       JOIN schools_school sc ON sc.id = st.school_id
       JOIN students_household h ON h.id = st.household_id
       WHERE ((st.need_device <> '' OR st.need_data) AND st.status = 'studying')
         OR st.id IN (SELECT student_id FROM approved)
       GROUP BY 1, 2""",
    """SELECT sc.district_id, COUNT(*),
         COUNT(*) FILTER (WHERE i.status = 'approved' AND (p.status = 'confirmed' OR (p.status = 'approved' AND NOT r.requires_province_confirmation))),
         COUNT(*) FILTER (WHERE i.status = 'approved' AND (p.status = 'confirmed' OR (p.status = 'approved' AND NOT r.requires_province_confirmation)) AND i.kind <> 'data'),
         COUNT(*) FILTER (WHERE i.status = 'approved' AND (p.status = 'confirmed' OR (p.status = 'approved' AND NOT r.requires_province_confirmation)) AND i.kind = 'data')
       FROM rounds_proposalitem i
       JOIN rounds_proposal p ON p.id = i.proposal_id
       JOIN schools_school sc ON sc.id = p.school_id
       JOIN rounds_supportround r ON r.id = i.round_id
       GROUP BY 1""",
    """SELECT sc.district_id, COUNT(*) FROM devices_allocation a
       JOIN schools_school sc ON sc.id = a.school_id
       WHERE a.status = 'handed_over' GROUP BY 1""",
    """SELECT sc.district_id, COUNT(*) FROM devices_subscription s
       JOIN students_student st ON st.id = s.student_id
       JOIN schools_school sc ON sc.id = st.school_id
       WHERE s.status = 'active' GROUP BY 1""",
    """SELECT cp.district_id, COUNT(*),
         COUNT(*) FILTER (WHERE cp.best_technology >= 4 AND (pl.id IS NULL OR pl.stage = 5))
       FROM coverage_coveragepoint cp LEFT JOIN coverage_coverageplan pl ON pl.point_id = cp.id
       GROUP BY 1""",
    "SELECT COALESCE(SUM(cash_amount), 0) FROM donations_pledge",
    "SELECT COALESCE(SUM(amount), 0) FROM donations_cashreceipt",
]


def timings(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def spread(times: list[float], unit: float = 1000.0, fmt: str = ".1f") -> str:
    """min / median / max of ``times`` (seconds) in ms by default."""
    values = [min(times), statistics.median(times), max(times)]
    return " / ".join(f"{v * unit:{fmt}}" for v in values)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def groupings() -> dict[str, dict[str, str]]:
    """The province dashboard's groupings: the 2021 districts, and today's communes where
    the selector offers them (``grouping=``; reports.selectors since issue 16)."""
    import inspect

    from reports.selectors import build_dashboard

    found = {"2021 districts": {}}
    if "grouping" in inspect.signature(build_dashboard).parameters:
        from schools import grouping

        found["today's communes"] = {"grouping": grouping.CURRENT}
    return found


def dashboard(options: dict[str, str]) -> object:
    from reports.selectors import Level, build_dashboard

    return build_dashboard(level=Level.PROVINCE, **options)


def count_queries(options: dict[str, str]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        dashboard(options)
    return len(ctx.captured_queries)


def raw() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for sql in RAW_PROVINCE:
            cur.execute(sql)
            cur.fetchall()


def dashboard_figures(args: argparse.Namespace) -> None:
    from schools.models import School
    from students.models import Student

    raw()  # warm up caches and plans
    t_raw = timings(raw, args.repeat)
    print(f"raw aggregate SQL: {min(t_raw) * 1000:.1f} ms (best of {args.repeat})")
    print(f"  raw min / median / max ms: {spread(t_raw)}")
    small = small_queries(args) if args.queries_at else {}
    for label, options in groupings().items():
        board = dashboard(options)  # warm up
        t_selector = timings(lambda options=options: dashboard(options), args.repeat)
        ratio = min(t_selector) / min(t_raw)
        print(
            f"province dashboard by {label}: {min(t_selector) * 1000:.1f} ms (best of {args.repeat})"
        )
        print(f"  selector min / median / max ms: {spread(t_selector)}; rows: {len(board.rows)}")
        print(f"  ratio: {ratio:.2f} (goal <= 3) -> {'OK' if ratio <= 3 else 'TOO SLOW'}")
        line = f"  queries: {count_queries(options)} at {args.pupils:,} pupils"
        if label in small:
            verdict = "fixed" if small[label] == count_queries(options) else "NOT FIXED"
            line += f", {small[label]} at {args.queries_at:,} pupils -> {verdict}"
        print(line)
    print(
        f"pupils: {Student.objects.count():,}; schools: {School.objects.count():,}; "
        f"needy: {board.totals.needy:,}; approved: {board.totals.approved:,}; "
        f"handed over: {board.totals.handed_over:,}"
    )


REPORT_END = dt.date(2026, 11, 29)


def build_report() -> tuple[int, int]:
    """The weekly report of the whole new province, as the task builds it: figures as of
    the period's end, then the XLSX and the PDF (the row is not stored). Sizes in bytes."""
    from reports import documents
    from reports.models import ProgressReport
    from reports.services import compute_figures
    from schools.models import Province

    report = ProgressReport(period_start=REPORT_END - dt.timedelta(days=6), period_end=REPORT_END)
    # An unsaved province names the bodies and has no id: the figures are the whole data set
    # (both old provinces, i.e. the new province) whatever the code knows of successors.
    report.province = Province(code="15", name="Lào Cai")
    figures = compute_figures(report)
    xlsx = documents.build_xlsx(figures, number="01/BC-BENCH", issued_on=REPORT_END)
    pdf = documents.build_pdf(figures, number="01/BC-BENCH", issued_on=REPORT_END)
    return len(xlsx), len(pdf)


def child(args: list[str], env: dict[str, str] | None = None) -> str:
    """Run this script again in a fresh process; its last line of output."""
    out = subprocess.run(
        [sys.executable, __file__, *args],
        env={**os.environ, **(env or {})},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1]


def first_report(args: argparse.Namespace) -> None:
    """Child: the first report build of a fresh process (imports done, nothing built)."""
    t = time.perf_counter()
    build_report()
    print(f"{time.perf_counter() - t:.4f}")


def report_figures(args: argparse.Namespace) -> None:
    warm = timings(build_report, args.report_repeat)
    xlsx, pdf = build_report()
    print(f"weekly report (whole province, XLSX {xlsx:,} B + PDF {pdf:,} B), s:")
    print(f"  warm, min / median / max of {args.report_repeat}: {spread(warm, 1, '.2f')}")
    firsts = [float(child(["--phase", "first-report"])) for _ in range(args.report_repeat)]
    print(f"  first build in a fresh process, fonts prepared: {spread(firsts, 1, '.2f')}")
    with tempfile.TemporaryDirectory() as fonts:
        cold = float(child(["--phase", "first-report"], {"MEDIA_ROOT": fonts}))
    print(f"  first build with an empty font cache (once per deployment): {cold:.2f}")


def small_queries(args: argparse.Namespace) -> dict[str, int]:
    from urllib.parse import urlsplit

    parts = urlsplit(os.environ["DATABASE_URL"])
    small = parts._replace(path=f"{parts.path}_q{args.queries_at}").geturl()
    line = child(
        ["--pupils", str(args.queries_at), "--schools", str(args.schools), "--phase", "queries"],
        {"DATABASE_URL": small},
    )
    return dict(zip(groupings(), map(int, line.split()), strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, default=470_000)
    parser.add_argument("--schools", type=int, default=1045)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--report-repeat", type=int, default=3)
    parser.add_argument("--queries-at", type=int, default=25_000, help="0: skip")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument(
        "--phase", choices=["all", "queries", "first-report"], default="all", help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.phase != "first-report":
        ensure_database(os.environ["DATABASE_URL"])
    setup_django()
    from django.db import connection

    from schools.models import School
    from students.models import Student

    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL (set DATABASE_URL).")
    if args.phase == "first-report":
        first_report(args)
        return
    schools = School.objects.filter(code__startswith="B").count()
    if args.regenerate or Student.objects.count() != args.pupils or schools != args.schools:
        generate(args.pupils, args.schools)
    if args.phase == "queries":
        for options in groupings().values():
            count_queries(options)  # the first call also loads caches
        print(" ".join(str(count_queries(options)) for options in groupings().values()))
        return
    print(f"load average before: {load()}")
    dashboard_figures(args)
    if not args.no_report:
        report_figures(args)
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
