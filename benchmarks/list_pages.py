"""List-page benchmark: the pupil registry's pages at 25,000 and at 470,000 pupils.

Usage (PostgreSQL; two databases of your own, created, migrated and seeded when missing
with benchmarks/dashboard.py's generator)::

    .venv/bin/python benchmarks/list_pages.py [--small-url postgres://…/laocai_bench_25k]
        [--large-url postgres://…/laocai_bench_470k] [--repeat 7]

For each size a child process renders, through Django's test client as a district and
a province user, the registry's page 1, page 100, an accent-free name search and a
filter (``need=device``), a warm-up first and then ``--repeat`` times each; it prints
min/median/max in milliseconds and the query count, then the ratio of the medians
470,000 : 25,000 (goal ≤ 1.3) and the load average. At 25,000 pupils the district (the
first by code, 42 of 1,045 schools) holds ~1,000 pupils, so its "page 100" is its last page.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SMALL_URL = "postgres://postgres@127.0.0.1:5432/laocai_bench_25k"
LARGE_URL = "postgres://postgres@127.0.0.1:5432/laocai_bench_470k"
PASSWORD = "bench-Passw0rd-list-pages"  # local benchmark accounts only
# 20 pupils of the benchmark school are given this name (with accents, "Giàng Thị Đào k"):
# the search finds the same 20 at either size, typed without accents as users do.
SEARCH = "giang thi dao"
# What each page asks for (the registry's own query string).
PAGES = {
    "page 1": {},
    "page 100": {"page": "100"},
    "name search": {"q": SEARCH},
    "filter need=device": {"need": "device"},
}


def prepare(url: str, pupils: int) -> None:
    """Create, migrate and seed the database when needed; create the benchmark accounts."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    sys.path.insert(0, str(HERE))
    import dashboard  # the generator; reads DATABASE_URL when imported

    dashboard.ensure_database(url)
    dashboard.setup_django()
    from students.models import Student

    if Student.objects.count() != pupils:
        dashboard.generate(pupils)
        from django.db import connection

        with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load
            cursor.execute("VACUUM ANALYZE")
    school = ensure_users()["school_code"]
    name_searched_pupils(school)


def name_searched_pupils(school_code: str) -> None:
    from kernel.normalize import fold
    from students.models import Student

    pupils = Student.objects.filter(school__code=school_code).order_by("pk")[:20]
    for k, pk in enumerate(pupils.values_list("pk", flat=True)):
        name = f"Giàng Thị Đào {k}"
        Student.objects.filter(pk=pk).update(full_name=name, name_key=fold(name))


def ensure_users() -> dict[str, str]:
    """A province, a district and a school account (usernames by role, and the school's
    code), made once."""
    from accounts.models import User
    from accounts.selectors import find_role
    from accounts.services import create_user
    from schools.models import District, School

    district = District.objects.order_by("code").first()
    school = School.objects.filter(district=district, code__startswith="B").order_by("pk").first()
    assert district is not None and school is not None, "seed the database first"
    wanted = {
        "province": ("province", ""),
        "district": ("district", district.code),
        "school": ("school", school.code),
    }
    names = {}
    for key, (role, unit) in wanted.items():
        username = f"bench_{key}"
        if not User.objects.filter(username=username).exists():
            create_user(
                actor=None,
                username=username,
                role=find_role(role),
                unit_code=unit,
                full_name=f"Bench {key}",
                password=PASSWORD,
            )
        names[key] = username
    return {**names, "school_code": school.code}


def measure(url: str, pupils: int, repeat: int) -> dict[str, dict[str, float]]:
    prepare(url, pupils)
    from django.db import connection, reset_queries
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User

    path = reverse("students:list")
    results: dict[str, dict[str, float]] = {}
    for role in ("district", "province"):
        client = Client(HTTP_HOST="localhost")
        client.force_login(User.objects.get(username=f"bench_{role}"))
        for label, params in PAGES.items():
            client.get(path, params)  # warm-up: plans, templates, caches
            times = []
            for _ in range(repeat):
                reset_queries()
                start = time.perf_counter()
                response = client.get(path, params)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.status_code
            results[f"{role} {label}"] = {
                "min": min(times),
                "median": statistics.median(times),
                "max": max(times),
                "queries": len(connection.queries),
            }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small-url", default=os.environ.get("SMALL_DATABASE_URL", SMALL_URL))
    parser.add_argument("--large-url", default=os.environ.get("LARGE_DATABASE_URL", LARGE_URL))
    parser.add_argument("--small", type=int, default=25_000)
    parser.add_argument("--large", type=int, default=470_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--child", nargs=2, metavar=("URL", "PUPILS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], int(args.child[1]), args.repeat)))
        return
    runs = {}
    for pupils, url in ((args.small, args.small_url), (args.large, args.large_url)):
        # One process per database: Django binds its settings to one DATABASE_URL.
        child = [
            sys.executable,
            __file__,
            "--child",
            url,
            str(pupils),
            "--repeat",
            str(args.repeat),
        ]
        out = subprocess.run(child, check=True, capture_output=True, text=True, cwd=ROOT).stdout
        runs[pupils] = json.loads(out.strip().splitlines()[-1])
    small, large = runs[args.small], runs[args.large]
    print(f"pupil list pages, ms over {args.repeat} runs (min / median / max), queries")
    print(f"{'page':32} {args.small:>9,} pupils          {args.large:>9,} pupils          ratio")
    worst = 0.0
    for key in small:
        a, b = small[key], large[key]
        ratio = b["median"] / a["median"]
        worst = max(worst, ratio)
        print(
            f"{key:32} {a['min']:6.1f} / {a['median']:6.1f} / {a['max']:6.1f} q{a['queries']:<3.0f}"
            f"  {b['min']:6.1f} / {b['median']:6.1f} / {b['max']:6.1f} q{b['queries']:<3.0f}"
            f"  {ratio:.2f}"
        )
    print(
        f"worst ratio of medians: {worst:.2f} (goal <= 1.3) -> {'OK' if worst <= 1.3 else 'NOT MET'}"
    )
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
