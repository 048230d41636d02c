"""Benchmark: a 100,000-row household list imported district-wide on PostgreSQL.

Not part of the test suite.  Run::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/laocai_bench .venv/bin/python benchmarks/import_students.py --runs 3

It generates three lists (same layout as the official sample plus a "Mã trường"
column, written with openpyxl write-only): a clean one, the same with 11 chance
duplicates (a pupil listed again under another pupil code: a row error each), and
the clean one with every pupil's note changed.  Then it measures the five paths of an import as a district officer,
recorded as an import batch like an upload (full validation, duplicate detection,
bulk writes, audit), each in a fresh process against its floor (reading the same
file with python-calamine and ``COPY``-ing the raw rows into an equivalent
temporary table):

1. ``clean``: the clean list into an empty registry;
2. ``refused``: the list with errors, strict (nothing written);
3. ``valid-only``: the list with errors, "only the valid rows";
4. ``again``: the clean list a second time (every pupil found, nothing changes);
5. ``changed``: the list with every pupil changed.

Each path prints its time, floor, ratio and peak RSS; with ``--runs N`` the whole
set is repeated and min / median / max are printed, with the load average.

Goal (issue 17): ratio <= 3 (median) on every path, peak RSS <= 300 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import random
import resource
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/laocai_bench"
HEADERS = [
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Dân tộc",
    "Lớp",
    "Mã định danh",
    "Họ tên cha/mẹ/người giám hộ",
    "Số điện thoại",
    "Thôn/bản",
    "Xã/phường",
    "Diện hộ",
    "Mã hộ",
    "Nhu cầu hỗ trợ",
    "Mã trường",
    "Ghi chú",
]
FAMILY = ["Giàng", "Sùng", "Thào", "Lý", "Vàng", "Hầu", "Tẩn", "Bàn", "Chảo", "La", "Hoàng", "Nông"]
MIDDLE = ["Seo", "A", "Thị", "Văn", "Mùi", "Minh", "Ngọc", "Phù"]
GIVEN = ["Phủ", "Chứ", "Sinh", "Mẩy", "Dế", "Pà", "Hoa", "Lở", "Sử", "Chi", "Say", "Tuấn", "Lan"]
ETHNIC = ["Mông", "Dao", "Tày", "Giáy", "Nùng", "Kinh", "H'Mông"]
CATEGORIES = ["Hộ nghèo", "Hộ cận nghèo", "HN", "HCN", "Hoàn cảnh khó khăn", "Gia đình chính sách"]
NEEDS = ["Máy tính bảng", "Gói cước", "Máy tính bảng, Gói cước", "Máy tính, Gói cước", "Máy tính"]
VILLAGES = ["Nậm Đét", "Lùng Phình", "Sín Chải", "Bản Phố", "Na Lang", "Tả Thồ", "Cốc Ly", "Bản Ỏ"]


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, _slash, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str, migrate: bool = True) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laocai_portal.settings")
    # Production settings (DEBUG off) refuse a weak key: a random one, shared by the phases.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["DEBUG"] = "False"
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def prepare_units():
    """Districts, communes and the schools of Bảo Yên; a district officer; a clean registry."""
    from accounts.models import Role, User
    from schools.models import Commune, District, School
    from schools.services import load_units

    load_units()
    district = District.objects.get(code="87")
    communes = list(Commune.objects.filter(district=district).order_by("code"))
    schools = []
    for index, commune in enumerate(communes):
        for suffix, level in (("1", "TH"), ("2", "THCS")):
            code = f"08790{index:02d}{suffix}"
            school, _created = School.objects.update_or_create(
                code=code,
                defaults={
                    "name": f"Trường PTDTBT {level} {commune.name.split(' ', 1)[-1]}",
                    "level": level,
                    "district": district,
                    "commune": commune,
                },
            )
            schools.append(school)
    empty_registry()
    user = User.objects.filter(username="bench_phong").first() or User(username="bench_phong")
    user.role = Role.objects.get(code="district_officer")
    user.district = district
    user.school = user.province = None
    user.set_unusable_password()
    user.save()
    return user, schools


def empty_registry() -> None:
    from django.db import connection

    from accounts.models import AuditEvent
    from schools.models import ImportBatch, Village
    from students.models import Household, Student

    quote = connection.ops.quote_name
    # A scratch database: start from an empty registry.  TRUNCATE (not DELETE) also
    # empties what refers to pupils (proposals, devices handed over, e.g. left by
    # benchmarks/dashboard.py in the same database) and leaves no dead rows behind,
    # which would make each run import into tables bloated by the runs before it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {quote(Student._meta.db_table)}, {quote(Household._meta.db_table)} CASCADE"
        )
    AuditEvent.objects.filter(action__startswith="student").delete()
    ImportBatch.objects.filter(kind="students").delete()
    Village.objects.filter(students__isnull=True, households__isnull=True).delete()
    with connection.cursor() as cursor:
        for model in (AuditEvent, ImportBatch, Village):
            cursor.execute(f"VACUUM (FULL, ANALYZE) {quote(model._meta.db_table)}")


# size: the synthetic household list written row by row in the layout of a real school's file
def generate(path: Path, rows: int, schools, *, errors: int = 0, note: str = "") -> None:
    """The list; with ``errors``, that many chance duplicates spread through it (a pupil
    listed again under another pupil code: a row error); every row carries ``note``
    (a changed value for every pupil)."""
    from openpyxl import Workbook

    rng = random.Random(365)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sach")
    sheet.append(["UBND HUYỆN BẢO YÊN"])
    sheet.append(["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"])
    sheet.append([])
    sheet.append(["DANH SÁCH HỌC SINH CẦN HỖ TRỢ THIẾT BỊ HỌC TRỰC TUYẾN"])
    sheet.append([])
    sheet.append(HEADERS)
    family: tuple = ()
    # Born the year a pupil of the grade usually is, in the school year the benchmark runs in.
    from students.importers.layouts import school_year_start

    first_grade_year = school_year_start(dt.date.today()) - 6
    seen: set[tuple[str, str, str]] = set()
    every = rows // errors if errors else 0
    for n in range(1, rows + 1):
        school = schools[n % len(schools)]
        grade = rng.choice(list(school.grades))
        if n % 5 == 0 and family:
            code, category, commune, guardian, phone = family  # a sibling of the last pupil
        else:
            code, category, commune = f"HN-{n:06d}", rng.choice(CATEGORIES), school.commune.name
            guardian = f"{rng.choice(FAMILY)} Văn {rng.choice(GIVEN)}"
            phone = f"09{rng.randint(10000000, 99999999)}"
        family = (code, category, commune, guardian, phone)
        while True:  # the same name, birth date and school twice would be a duplicate
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            born = f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/{first_grade_year - grade}"
            if (name, born, school.code) not in seen:
                seen.add((name, born, school.code))
                break
        sheet.append(
            [
                n,
                name,
                born,
                rng.choice(["Nam", "Nữ"]),
                rng.choice(ETHNIC),
                f"{grade}{rng.choice('ABC')}",
                f"{1000000000 + n:010d}",
                guardian,
                phone,
                f"Thôn {rng.choice(VILLAGES)}",
                commune,
                category,
                code,
                rng.choice(NEEDS),
                school.code,
                note,
            ]
        )
        if every and n % every == 0:
            # A chance duplicate: the same pupil again under another code (a row error).
            sheet.append(
                [
                    n,
                    name,
                    born,
                    "Nam",
                    "Mông",
                    f"{grade}A",
                    f"{2000000000 + n:010d}",
                    guardian,
                    phone,
                    "",
                    commune,
                    category,
                    code,
                    "",
                    school.code,
                    note,
                ]
            )
    workbook.save(path)


def floor(path: Path) -> float:
    """Read with python-calamine and COPY the raw rows into an equivalent temp table."""
    import python_calamine
    from django.db import connection

    start = time.perf_counter()
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    data = rows[6:]
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as cur:
            cur.execute(
                "CREATE TEMP TABLE floor_students (stt int, full_name text, dob text, gender text,"
                " ethnicity text, class_name text, pupil_code text, guardian text, phone text,"
                " village text, commune text, category text, household_code text, needs text,"
                " school_code text, notes text) ON COMMIT DROP"
            )
            with cur.copy("COPY floor_students FROM STDIN") as copy:
                for row in data:
                    copy.write_row([int(row[0]), *(str(v) for v in row[1:16])])
            cur.execute("SELECT count(*) FROM floor_students")
            count = cur.fetchone()[0]
    assert count == len(data), count
    return time.perf_counter() - start


PATHS = ("clean", "refused", "valid-only", "again", "changed")
ERROR_ROWS = 11


# size: the benchmark's options and phases in the order the README reports them
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1, help="repeat every path N times")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--phase", choices=["floor", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--user", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--skip-invalid", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args.phase, Path(args.file), args.database_url, args.user, args.skip_invalid)
        return
    if not args.database_url.startswith("postgres"):
        sys.exit("This benchmark needs PostgreSQL (DATABASE_URL=postgres://...).")
    ensure_database(args.database_url)
    setup_django(args.database_url)
    user, schools = prepare_units()
    results: dict[str, list[dict]] = {name: [] for name in PATHS}
    loads: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        files = {
            "clean": Path(tmp) / "danh-sach.xlsx",
            "errors": Path(tmp) / "danh-sach-loi.xlsx",
            "changed": Path(tmp) / "danh-sach-sua.xlsx",
        }
        started = time.perf_counter()
        generate(files["clean"], args.rows, schools)
        generate(files["errors"], args.rows, schools, errors=ERROR_ROWS)
        generate(files["changed"], args.rows, schools, note="Đã xác minh lại")
        print(
            f"generated 3 lists of {args.rows:,} rows in {time.perf_counter() - started:.1f}s "
            f"({files['clean'].stat().st_size / 1e6:.1f} MB each)",
            file=sys.stderr,
        )
        for run in range(1, args.runs + 1):
            loads.append(os.getloadavg()[0])
            for name, result in one_run(files, args.database_url, user.pk).items():
                results[name].append(result)
                print(f"run {run} {name:10s} {describe(result)}", file=sys.stderr)
            loads.append(os.getloadavg()[0])
    report(results, loads, args.runs)


def one_run(files: dict[str, Path], url: str, user_id: int) -> dict[str, dict]:
    """The five paths once, each import and each floor in a fresh process (own peak RSS)."""
    floors = {name: _child("floor", path, url) for name, path in files.items()}
    found: dict[str, dict] = {}

    def measure(name: str, file: str, skip_invalid: bool = False) -> None:
        result = _child("import", files[file], url, user_id, skip_invalid=skip_invalid)
        result["floor"] = floors[file]
        found[name] = result

    empty_registry()
    measure("clean", "clean")
    measure("again", "clean")
    measure("changed", "changed")
    empty_registry()
    measure("refused", "errors")
    empty_registry()
    measure("valid-only", "errors", skip_invalid=True)
    return {name: found[name] for name in PATHS}


def describe(result: dict) -> str:
    floor_result = result["floor"]
    return (
        f"{result['seconds']:6.2f} s ({result['cpu']:.2f} s CPU, reader "
        f"{result['child_cpu']:.2f} s, database {result['db_cpu']:.2f} s), floor "
        f"{floor_result['seconds']:.2f} s, ratio {result['seconds'] / floor_result['seconds']:.2f}, "
        f"peak RSS {result['rss_mb']:.0f} MB; rows {result['rows']:,}: created "
        f"{result['created']:,}, updated {result['updated']:,}, unchanged "
        f"{result['unchanged']:,}, errors {result['errors']}"
    )


def _spread(values: list[float], fmt: str = "{:.2f}") -> str:
    ordered = sorted(values)
    middle = statistics.median(ordered)
    return " / ".join(fmt.format(v) for v in (ordered[0], middle, ordered[-1]))


def report(results: dict[str, list[dict]], loads: list[float], runs: int) -> None:
    label = "min / median / max" if runs > 1 else "one run"
    print(
        f"{runs} run(s), {label}; load average {min(loads):.1f}–{max(loads):.1f} on "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"{'path':11s} {'import s':>22s} {'floor s':>20s} {'ratio':>20s} {'peak RSS MB':>16s}  rows"
    )
    for name in PATHS:
        each = results[name]
        ratios = [r["seconds"] / r["floor"]["seconds"] for r in each]
        last = each[-1]
        print(
            f"{name:11s} {_spread([r['seconds'] for r in each]):>22s} "
            f"{_spread([r['floor']['seconds'] for r in each]):>20s} {_spread(ratios):>20s} "
            f"{_spread([r['rss_mb'] for r in each], '{:.0f}'):>16s}  "
            f"created {last['created']:,}, updated {last['updated']:,}, "
            f"unchanged {last['unchanged']:,}, errors {last['errors']}"
        )
    print("goal: ratio <= 3 (median) on every path, peak RSS <= 300 MB")


def _child(
    phase: str, path: Path, url: str, user_id: int | None = None, *, skip_invalid: bool = False
) -> dict:
    import json
    import subprocess

    command = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--file",
        str(path),
        "--database-url",
        url,
    ]
    if user_id is not None:
        command += ["--user", str(user_id)]
    if skip_invalid:
        command.append("--skip-invalid")
    output = subprocess.run(command, check=True, capture_output=True, text=True)
    sys.stderr.write(output.stderr)
    return json.loads(output.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    """This process's own peak RSS.

    ``getrusage().ru_maxrss`` would not do: Linux carries the parent's peak over
    ``fork``/``exec`` into it, so each child reported the ~300 MB the parent had
    reached while generating the file.  ``VmHWM`` is the high-water mark of this
    process's own address space.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _db_cpu() -> float:
    """CPU seconds this process's PostgreSQL backend has used so far (from ``/proc``: the
    benchmark runs on the database's machine; NaN elsewhere)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_phase(
    phase: str, path: Path, url: str, user_id: int | None, skip_invalid: bool = False
) -> None:
    import json

    setup_django(url, migrate=False)
    result: dict = {}
    started, cpu = time.perf_counter(), time.process_time()
    db_cpu = _db_cpu()
    if phase == "floor":
        floor(path)
    else:
        from django.test.utils import override_settings

        from accounts.models import User
        from schools.models import ImportBatch
        from students.services import import_household_list

        user = User.objects.get(pk=user_id)
        # The import records a batch, as the upload page does (who, which file, counts).
        batch = ImportBatch.objects.create(
            kind=ImportBatch.Kind.STUDENTS,
            status=ImportBatch.Status.IMPORTING,
            uploaded_by=user,
            district=user.district,
            file_name=path.name,
            file_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        started, cpu, db_cpu = time.perf_counter(), time.process_time(), _db_cpu()
        with override_settings(IMPORT_MAX_UPLOAD_MB=200):
            report = import_household_list(
                actor=user,
                source=path,
                filename=path.name,
                batch=batch,
                skip_invalid=skip_invalid,
            )
        if report.errors and "loi" not in path.stem:
            print(f"unexpected errors: {[str(e) for e in report.errors[:5]]}", file=sys.stderr)
        result.update(
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            errors=len(report.errors),
        )
    result["seconds"] = time.perf_counter() - started
    result["cpu"] = time.process_time() - cpu
    # The reader's parsing child (``kernel.safe_read``) and the PostgreSQL backend work
    # on the other core meanwhile: their CPU is not in ``cpu``.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["child_cpu"] = children.ru_utime + children.ru_stime
    result["db_cpu"] = _db_cpu() - db_cpu
    result["rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
