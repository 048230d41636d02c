"""The child process that parses an untrusted workbook for ``kernel.safe_read``.

Run as ``python -I _parse_child.py MEMORY_BYTES CPU_SECONDS NROWS`` with the
file's bytes on stdin; writes a sequence of pickles on stdout: for the first
non-empty visible worksheet ``("start", sheet_name, merged, height)``, then
``("rows", [row, ...])`` chunks, then ``("end",)``; or at any point ``("error",
kind)`` with kind ``"password"``, ``"corrupt"``, ``"empty"`` or ``"memory"``.
The parent reads the chunks as it needs them, so it never holds them all.
With a fifth argument ``1`` (``ALL_SHEETS``, lists with one sheet per class) every
non-empty visible worksheet is sent that way, one after the other, then ``("done",)``.

It imports only the standard library and python-calamine (no Django, no project
code: ``-I`` keeps the project off ``sys.path``), limits its own address space
and CPU time before reading the file, so a parser bug that allocates without
bound (calamine's ``Range::from_sparse`` on a sheet whose only cell is
XFD1048576) ends this process, never the web worker that started it.
"""

from __future__ import annotations

import io
import math
import pickle
import re
import resource
import sys
from typing import Any

_WHITESPACE_RE = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")


def _blank_value(value: Any) -> bool:
    # The same test as ``kernel.normalize.clean_text(value) == ""``.
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    text = value if isinstance(value, str) else str(value)
    return _WHITESPACE_RE.sub("", text) == ""


_CHUNK_ROWS = 2000


def _emit(out: Any, item: tuple[Any, ...]) -> None:
    pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)


def _parse(data: bytes, nrows: int | None, out: Any, all_sheets: bool = False) -> None:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        return _emit(out, ("error", "password"))
    except MemoryError:
        raise
    except Exception:
        return _emit(out, ("error", "corrupt"))
    del data
    sent = False
    try:
        for meta in workbook.sheets_metadata:
            if meta.visible != python_calamine.SheetVisibleEnum.Visible:
                continue
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False, nrows=nrows)
            if any(not _blank_value(v) for row in rows for v in row):
                merged = list(getattr(sheet, "merged_cell_ranges", None) or [])
                height = getattr(sheet, "height", 0) or 0
                del sheet
                if not all_sheets:
                    workbook.close()
                _emit(out, ("start", meta.name, merged, height))
                for first in range(0, len(rows), _CHUNK_ROWS):
                    _emit(out, ("rows", rows[first : first + _CHUNK_ROWS]))
                _emit(out, ("end",))
                if not all_sheets:
                    return None
                sent = True
            del rows
    except python_calamine.PasswordError:
        return _emit(out, ("error", "password"))
    except MemoryError:
        raise
    except Exception:
        return _emit(out, ("error", "corrupt"))
    if sent:
        return _emit(out, ("done",))
    return _emit(out, ("error", "empty"))


def main(argv: list[str]) -> int:
    memory, cpu, nrows = (int(a) for a in argv[1:4])
    all_sheets = len(argv) > 4 and argv[4] == "1"
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if cpu > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    out = sys.stdout.buffer
    try:
        _parse(sys.stdin.buffer.read(), nrows if nrows >= 0 else None, out, all_sheets)
    except MemoryError:
        _emit(out, ("error", "memory"))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
