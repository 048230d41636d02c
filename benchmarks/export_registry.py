"""Registry export benchmark: the worker's province-wide pupil export at 470,000 pupils.

Usage (PostgreSQL; the database is created and migrated when missing)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/laocai_exports_bench \\
        .venv/bin/python benchmarks/export_registry.py [--pupils 470000] [--schools 1045] \\
        [--repeat 3] [--regenerate] [--writer rustpy|xlsxwriter|openpyxl] [--limit N]

The province (1,045 schools, 470,000 pupils, the new Lào Cai's size) is written with
``benchmarks/dashboard.py``'s generator (COPY) and kept between runs; ``--regenerate``
rebuilds it. Every pupil gets a personal ID and every household a guardian, a phone
and a code, so the masked columns do real work.

Each run is a child process that calls the Celery task itself (``schools.tasks.run_export``,
eagerly, as the worker does) for a province official: the whole job, from the
queryset to the stored file and the audit entry. The script prints min/median/max
seconds (and CPU seconds: on a busy machine the wall time mostly measures the
queue for a core) of the task, the peak RSS of each child (``VmHWM``, Django included: the
child's own peak since it started; ``ru_maxrss`` would also count the parent's pages copied by
the fork, 187 MB after a fresh ``--regenerate``), the file size and the load average.
``--writer xlsxwriter`` runs the same rows through XlsxWriter's constant-memory mode and
``--writer openpyxl`` through openpyxl's write-only mode (the two writers before
rustpy-xlsxwriter), for the comparison; ``--limit N`` exports only the first N pupils of the
same list (a quicker comparison of the writers).
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/laocai_exports_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laocai_portal.settings")

from benchmarks.dashboard import ensure_database, generate, setup_django  # noqa: E402

GOAL_SECONDS, GOAL_MB = 15, 250


def enrich() -> None:
    """IDs, guardians and codes the generator leaves empty: the export masks and writes them."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE students_student SET personal_id = '0102' || lpad(id::text, 8, '0'), "
            "class_name = (1 + id % 12)::text || 'A', notes = CASE WHEN id % 10 = 0 "
            "THEN 'Hộ ở xa điểm trường' ELSE '' END, "
            "ethnicity_id = (SELECT id FROM students_ethnicity ORDER BY id LIMIT 1 "
            "OFFSET (students_student.id % 5))"
        )
        cur.execute(
            "UPDATE students_household SET guardian_name = 'Giàng Seo Chứ', "
            "guardian_phone = '09' || lpad(id::text, 8, '0'), code = 'HN-' || id::text"
        )
        cur.execute("VACUUM ANALYZE students_student")
        cur.execute("VACUUM ANALYZE students_household")


def province_user():
    from django.db.models import Count

    from accounts.models import Role, User
    from schools.models import Province

    # The new province of 1 July 2025, whose officer sees both predecessors' pupils (all
    # 470,000, Scope.province_ids); without one, the province with the most schools.
    province = (
        Province.objects.filter(predecessors__isnull=False).order_by("pk").first()
        or Province.objects.annotate(n=Count("districts__schools")).order_by("-n", "pk").first()
    )
    user = User.objects.filter(username="bench_export").first() or User(username="bench_export")
    user.full_name = "Benchmark export"
    user.role = Role.objects.get(code="province_officer")
    user.province = province
    user.save()
    return user


def child(writer: str, limit: int) -> None:
    """One export, as the worker runs it; prints its numbers as JSON."""
    import dataclasses

    import django

    django.setup()
    from kernel import exports
    from schools.models import ExportJob
    from schools.tasks import run_export

    if writer == "openpyxl":
        use_openpyxl()
    elif writer == "xlsxwriter":
        use_xlsxwriter()
    if limit:  # the first ``limit`` pupils of the same list, for a quicker comparison
        entry = exports._REGISTRY["students.registry"]
        objects = entry.objects
        exports._REGISTRY[entry.key] = dataclasses.replace(
            entry, objects=lambda user, params: objects(user, params)[:limit]
        )
    user = province_user()
    job = ExportJob.objects.create(user=user, exporter="students.registry", params={})
    started, cpu = time.perf_counter(), time.process_time()
    rows = run_export(job.pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    job.refresh_from_db()
    size = job.file.size
    job.file.delete(save=False)
    job.delete()
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": rows, "bytes": size, "peak": peak()}))


def peak() -> float:
    """This process's peak resident set in MB since its exec (``VmHWM``)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def use_openpyxl() -> None:
    """The exporter's first writer (openpyxl write-only), for the comparison."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from kernel.exporters import XlsxExporter, _safe_sheet_name, neutralize

    def write(self, objects, path) -> int:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=_safe_sheet_name(self.sheet_name))
        for index in range(len(self.columns)):
            sheet.column_dimensions[get_column_letter(index + 1)].width = self.column_width
        block = [line for line in self.title_lines if line] + [self.title]
        for line in block:
            cell = WriteOnlyCell(sheet, value=neutralize(str(line)))
            cell.font = Font(bold=True, size=12)
            sheet.append([cell])
        sheet.append([])
        header = []
        for text in self.headers():
            cell = WriteOnlyCell(sheet, value=text)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        n = 0
        for row in self.rows(objects):
            sheet.append(row)
            n += 1
        workbook.save(path)
        return n

    XlsxExporter.write = write  # type: ignore[method-assign]


def use_xlsxwriter() -> None:
    """The exporter's writer before rustpy-xlsxwriter (XlsxWriter, constant-memory mode)."""
    import datetime as dt
    from decimal import Decimal

    import xlsxwriter

    from kernel.exporters import XlsxExporter, _safe_sheet_name, neutralize

    def write(self, objects, path) -> int:
        workbook = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        sheet = workbook.add_worksheet(_safe_sheet_name(self.sheet_name))
        sheet.set_column(0, len(self.columns) - 1, self.column_width)
        formats = {
            dt.datetime: workbook.add_format({"num_format": "yyyy-mm-dd h:mm:ss"}),
            dt.date: workbook.add_format({"num_format": "yyyy-mm-dd"}),
        }
        block = [line for line in self.title_lines if line] + [self.title]
        title_format = workbook.add_format({"bold": True, "font_size": 12})
        for index, line in enumerate(block):
            sheet.write_string(index, 0, neutralize(str(line)), title_format)
        row = len(block) + 1
        bold = workbook.add_format({"bold": True})
        for col, header in enumerate(self.headers()):
            sheet.write_string(row, col, neutralize(header), bold)
        first = row + 1
        write_string, write_number = sheet.write_string, sheet.write_number
        for row, values in enumerate(self.rows(objects), start=first):
            for col, value in enumerate(values):
                kind = value.__class__
                if kind is str:
                    if value:
                        write_string(row, col, value)
                elif value is None:
                    continue
                elif kind is int or kind is float or kind is Decimal:
                    write_number(row, col, value)
                elif kind in formats:
                    sheet.write_datetime(row, col, value, formats[kind])
                else:
                    sheet.write(row, col, value)
        workbook.close()
        return row + 1 - first if row >= first else 0

    XlsxExporter.write = write  # type: ignore[method-assign]


def run_child(writer: str, limit: int) -> tuple[dict, float]:
    """(the child's numbers, its peak RSS in MB, as the child measured it)."""
    proc = subprocess.run(
        [sys.executable, __file__, "--child", "--writer", writer, "--limit", str(limit)],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if proc.returncode:
        sys.exit(f"export child failed ({proc.returncode})")
    numbers = json.loads(proc.stdout.strip().splitlines()[-1])
    return numbers, numbers["peak"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, default=470_000)
    parser.add_argument("--schools", type=int, default=1045)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--writer", choices=["rustpy", "xlsxwriter", "openpyxl"], default="rustpy")
    parser.add_argument("--limit", type=int, default=0, help="export only the first N pupils")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.writer, args.limit)
        return
    ensure_database(os.environ["DATABASE_URL"])
    setup_django()
    from django.db import connection

    from schools.models import School
    from students.models import Student

    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL (set DATABASE_URL).")
    if args.regenerate or Student.objects.count() != args.pupils:
        generate(args.pupils, school_count=args.schools)
        enrich()
    province_user()
    connection.close()
    print(
        f"pupils: {Student.objects.count():,}; schools: {School.objects.count():,}; "
        f"writer: {args.writer}"
    )
    connection.close()
    seconds, cpu, rss = [], [], []
    for i in range(args.repeat):
        numbers, peak = run_child(args.writer, args.limit)
        seconds.append(numbers["seconds"])
        cpu.append(numbers["cpu"])
        rss.append(peak)
        print(
            f"run {i + 1}: {numbers['seconds']:.1f} s ({numbers['cpu']:.1f} s CPU), "
            f"{numbers['rows']:,} rows, "
            f"{numbers['bytes'] / 1e6:.1f} MB file, peak RSS {peak:.0f} MB, "
            f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
    print(
        f"export seconds: min {min(seconds):.1f} / median {statistics.median(seconds):.1f} / "
        f"max {max(seconds):.1f} (goal <= {GOAL_SECONDS}); CPU seconds of the export: "
        f"min {min(cpu):.1f} / median {statistics.median(cpu):.1f} / max {max(cpu):.1f}; "
        f"peak RSS: min {min(rss):.0f} / "
        f"median {statistics.median(rss):.0f} / max {max(rss):.0f} MB (goal <= {GOAL_MB})"
    )
    print(
        f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
