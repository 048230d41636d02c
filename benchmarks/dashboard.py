"""Dashboard benchmark: the selector against its raw aggregate SQL on 250,000 pupils.

Usage (PostgreSQL; the database is created and migrated when missing)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/laocai_bench_dash \\
        .venv/bin/python benchmarks/dashboard.py [--pupils 250000] [--repeat 7] [--regenerate]

Data is written with COPY (about half a minute for the province) and kept between
runs; ``--regenerate`` rebuilds it. The script prints the best time of the
selector (ORM queries + Python assembly) and of the same aggregates as
hand-written SQL, and their ratio; the goal is a ratio of at most 3.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
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


# size: the benchmark's synthetic province, built in one bulk pass per table so its cost is easy to
#   read
def generate(pupils: int, school_count: int = 612) -> None:
    from django.db import connection, transaction

    from accounts.models import User
    from coverage.models import CoveragePlan, CoveragePoint
    from devices.models import Allocation, DataPackage, Device, DeviceSource, Subscription
    from donations.models import CashReceipt, Donor, FundAccount, Pledge
    from rounds.models import Proposal, ProposalItem, SupportRound
    from schools.models import Commune, District, School
    from schools.services import load_units
    from students.models import Household, HouseholdCategory, Student

    rng = random.Random(365)
    t0 = time.perf_counter()
    load_units()
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
        cur.execute('DELETE FROM "schools_school" WHERE code LIKE %s', ["B%"])
    user, _ = User.objects.get_or_create(username="bench", defaults={"full_name": "Benchmark"})
    districts = list(District.objects.all())
    communes = list(Commune.objects.all())
    categories = list(HouseholdCategory.objects.values_list("pk", flat=True))
    schools = [
        School(
            code=f"B{i:07d}",
            name=f"Trường thử {i}",
            level="THCS",
            district_id=(c := communes[i % len(communes)]).district_id,
            commune_id=c.pk,
        )
        for i in range(school_count)
    ]
    School.objects.bulk_create(schools, batch_size=1000)
    schools = list(School.objects.filter(code__startswith="B").order_by("pk"))
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
        f"{len(subs):,} subscriptions, {len(districts)} districts, {school_count} schools "
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


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])
    setup_django()
    from django.db import connection

    from reports.selectors import Level, build_dashboard
    from students.models import Student

    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL (set DATABASE_URL).")
    if args.regenerate or Student.objects.count() != args.pupils:
        generate(args.pupils)

    def raw() -> None:
        with connection.cursor() as cur:
            for sql in RAW_PROVINCE:
                cur.execute(sql)
                cur.fetchall()

    board = build_dashboard(level=Level.PROVINCE)  # warm up caches and plans
    raw()
    t_selector = best_of(lambda: build_dashboard(level=Level.PROVINCE), args.repeat)
    t_raw = best_of(raw, args.repeat)
    print(
        f"pupils: {Student.objects.count():,}; needy: {board.totals.needy:,}; "
        f"approved: {board.totals.approved:,}; handed over: {board.totals.handed_over:,}"
    )
    print(f"province dashboard selector: {t_selector * 1000:.1f} ms (best of {args.repeat})")
    print(f"raw aggregate SQL:           {t_raw * 1000:.1f} ms (best of {args.repeat})")
    ratio = t_selector / t_raw
    print(f"ratio: {ratio:.2f} (goal <= 3) -> {'OK' if ratio <= 3 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
