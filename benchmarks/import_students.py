"""Benchmark: a 100,000-row household list imported district-wide on PostgreSQL.

Not part of the test suite.  Run::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/laocai_bench .venv/bin/python benchmarks/import_students.py

It generates the list (same layout as the official sample plus a "Mã trường"
column, written with openpyxl write-only), then prints

- the import time through ``students.services.import_household_list`` as a
  district officer, recorded as an import batch like an upload (full validation,
  duplicate detection, bulk writes, audit);
- the floor: reading the same file with python-calamine and ``COPY``-ing the raw
  rows into an equivalent temporary table;
- their ratio and the peak RSS of the process;
- for information (not part of the goal), the same list imported a second time:
  every pupil is found in the registry and nothing changes;
- with ``--errors N``, the error paths on an empty registry: the same list with N rows
  repeated (each a duplicate of the row before, under another pupil code), refused
  as a whole (nothing written) and imported with "only the valid rows".

Goal: ratio <= 4, peak RSS <= 300 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import random
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FAULTY_NAME = "danh-sach-loi.xlsx"  # the list with errors (--errors)
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
def generate(path: Path, rows: int, schools, errors: int = 0) -> None:
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
                "",
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
                    "",
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


# size: the benchmark's options and phases in the order the README reports them
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--phase", choices=["floor", "import"], help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-reimport", action="store_true", help="skip importing the same list a second time"
    )
    parser.add_argument(
        "--errors",
        type=int,
        default=0,
        help="also time a list with this many duplicate rows, refused and with only valid rows",
    )
    parser.add_argument("--skip-invalid", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--user", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args.phase, Path(args.file), args.database_url, args.user, args.skip_invalid)
        return
    if not args.database_url.startswith("postgres"):
        sys.exit("This benchmark needs PostgreSQL (DATABASE_URL=postgres://...).")
    ensure_database(args.database_url)
    setup_django(args.database_url)
    user, schools = prepare_units()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "danh-sach-100k.xlsx"
        started = time.perf_counter()
        generate(path, args.rows, schools)
        print(
            f"generated {args.rows:,} rows in {time.perf_counter() - started:.1f}s "
            f"({path.stat().st_size / 1e6:.1f} MB)",
            file=sys.stderr,
        )
        # Each measurement runs in a fresh process, so its peak RSS is its own.
        floor_result = _child("floor", path, args.database_url)
        import_result = _child("import", path, args.database_url, user_id=user.pk)
        # Not part of the goal: the same list again (every pupil registered, nothing changes).
        again = None if args.no_reimport else _child("import", path, args.database_url, user.pk)
        if args.errors:
            faulty = Path(tmp) / FAULTY_NAME
            generate(faulty, args.rows, schools, errors=args.errors)
            empty_registry()
            refused = _child("import", faulty, args.database_url, user.pk)
            empty_registry()
            valid_only = _child("import", faulty, args.database_url, user.pk, skip_invalid=True)
    ratio = import_result["seconds"] / floor_result["seconds"]
    print(
        f"rows:            {import_result['rows']:,} (created {import_result['created']:,}, "
        f"errors {import_result['errors']})"
    )
    print(
        f"import:          {import_result['seconds']:.2f} s wall, {import_result['cpu']:.2f} s CPU"
    )
    print(
        f"floor (calamine + COPY): {floor_result['seconds']:.2f} s wall, "
        f"{floor_result['cpu']:.2f} s CPU"
    )
    print(f"ratio:           {ratio:.2f} (goal <= 4)")
    print(
        f"peak RSS import: {import_result['rss_mb']:.0f} MB (goal <= 300); "
        f"floor: {floor_result['rss_mb']:.0f} MB"
    )
    if again is not None:
        print(
            f"same list again: {again['seconds']:.2f} s wall, unchanged {again['unchanged']:,}, "
            f"created {again['created']:,}, updated {again['updated']:,}; "
            f"peak RSS {again['rss_mb']:.0f} MB"
        )
    if args.errors:
        for label, result in (("refused", refused), ("only valid rows", valid_only)):
            print(
                f"{label + ':':16} {result['seconds']:.2f} s wall "
                f"(ratio {result['seconds'] / floor_result['seconds']:.2f}), "
                f"errors {result['errors']:,}, created {result['created']:,}; "
                f"peak RSS {result['rss_mb']:.0f} MB"
            )
    print(f"load average:    {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


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


def run_phase(phase: str, path: Path, url: str, user_id: int | None, skip_invalid: bool) -> None:
    import json

    setup_django(url, migrate=False)
    result: dict = {}
    started, cpu = time.perf_counter(), time.process_time()
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
        started, cpu = time.perf_counter(), time.process_time()
        with override_settings(IMPORT_MAX_UPLOAD_MB=200):
            report = import_household_list(
                actor=user,
                source=path,
                filename=path.name,
                batch=batch,
                skip_invalid=skip_invalid,
            )
        if report.errors and path.name != FAULTY_NAME:
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
    result["rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
