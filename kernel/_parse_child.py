"""The child process that parses an untrusted workbook for ``kernel.safe_read``.

Run as ``python -I _parse_child.py MEMORY_BYTES CPU_SECONDS NROWS ALL_SHEETS`` with
the file's bytes on stdin; writes a sequence of pickles on stdout: for the first
non-empty visible worksheet ``("start", sheet_name, merged, height)``, then
``("cols", n, columns)`` chunks of ``n`` rows, then ``("end",)``; or at any point
``("error", kind)`` with kind ``"password"``, ``"corrupt"``, ``"empty"`` or
``"memory"``.  With ``ALL_SHEETS`` ``1`` (lists with one sheet per class) every
non-empty visible worksheet is sent that way, one after the other, then ``("done",)``.

A chunk goes column by column, because a list's columns are what repeat: a column
of text with few distinct values (gender, ethnicity, commune, category) is sent as
those values and an array of indexes into them (``"k"``), other text as one UTF-8
string joined by NUL (``"s"``), numbers as an array of doubles (``"d"``), anything
else (dates, a number column with blank cells) as a plain list (``"p"``).  The
parent rebuilds the rows with a few C-level calls per column instead of unpickling
every cell, and equal texts come back as one shared string.  Rows are converted
from calamine's cells as they are sent (``iter_rows``), so the parent starts on the
first rows while this process still converts the last ones.

It imports only the standard library and python-calamine (no Django, no project
code: ``-I`` keeps the project off ``sys.path``), limits its own address space
and CPU time before reading the file, so a parser bug that allocates without
bound (calamine's ``Range::from_sparse`` on a sheet whose only cell is
XFD1048576) ends this process, never the web worker that started it.
"""

from __future__ import annotations

import io
import itertools
import math
import pickle
import re
import resource
import sys
from array import array
from collections.abc import Iterator
from typing import Any

_WHITESPACE_RE = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")
_CHUNK_ROWS = 2000
# What a dense read of a cell costs at least: calamine's cell (32 bytes) and a list
# slot (8).  A sheet whose area from A1 needs more than the memory limit is refused
# before a row is built (calamine would abort densifying it; iterating it would
# build rows of blanks until the CPU limit).
_BYTES_PER_CELL = 40


def _blank_value(value: Any) -> bool:
    # The same test as ``kernel.normalize.clean_text(value) == ""``.
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    text = value if isinstance(value, str) else str(value)
    return _WHITESPACE_RE.sub("", text) == ""


def _emit(out: Any, item: tuple[Any, ...]) -> None:
    pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)


def encode_column(column: tuple[Any, ...]) -> tuple[Any, ...]:
    """One column of a chunk as ``("k", values, indexes)``, ``("s", text)``, ``("d", doubles)``
    or ``("p", values)`` (see the module docstring)."""
    types = set(map(type, column))
    if types == {str}:
        distinct = dict.fromkeys(column)
        if len(distinct) * 2 <= len(column):
            values = list(distinct)
            position = {value: index for index, value in enumerate(values)}
            return ("k", values, array("I", map(position.__getitem__, column)).tobytes())
        joined = "\x00".join(column)
        if joined.count("\x00") == len(column) - 1:  # no cell holds a NUL itself
            return ("s", joined.encode("utf-8", "surrogatepass"))
    elif types == {float}:
        return ("d", array("d", column).tobytes())
    return ("p", list(column))


def decode_column(item: tuple[Any, ...], count: int) -> list[Any]:
    """One column as ``encode_column`` sent it, back as a list (the parent's side)."""
    kind = item[0]
    if kind == "k":
        indexes = array("I")
        indexes.frombytes(item[2])
        values = list(map(item[1].__getitem__, indexes))
    elif kind == "s":
        values = item[1].decode("utf-8", "surrogatepass").split("\x00")
    elif kind == "d":
        doubles = array("d")
        doubles.frombytes(item[1])
        values = doubles.tolist()
    elif kind == "p":
        values = list(item[1])
    else:
        raise ValueError(kind)
    if len(values) != count:
        raise ValueError(count)
    return values


def decode_chunk(item: tuple[Any, ...]) -> list[list[Any]]:
    """A ``("cols", n, columns)`` chunk back as ``n`` rows (lists: readers edit them).

    Raises ``ValueError`` (or another exception) for a chunk that does not add up.
    """
    _kind, count, columns = item
    if not columns:
        return [[] for _row in range(count)]
    return list(map(list, zip(*(decode_column(c, count) for c in columns), strict=True)))


def _send_rows(out: Any, rows: list[list[Any]]) -> None:
    width = max(map(len, rows))
    if any(len(row) != width for row in rows):  # calamine's rows are even; be safe anyway
        rows = [row + [""] * (width - len(row)) for row in rows]
    _emit(out, ("cols", len(rows), [encode_column(col) for col in zip(*rows, strict=True)]))


def _rows_of(sheet: Any, nrows: int | None) -> Iterator[list[Any]]:
    """The sheet's rows from Excel row 1 and column A (``to_python(skip_empty_area=False)``).

    ``iter_rows`` starts at row 1 but at the first used column: pad the left.
    """
    start = getattr(sheet, "start", None)
    if start is None:
        return iter(())
    rows: Iterator[list[Any]] = iter(sheet.iter_rows())
    if nrows is not None:
        rows = itertools.islice(rows, nrows)
    pad = int(start[1])
    if pad:
        blank = [""] * pad
        return (blank + row for row in rows)
    return rows


def _too_big(sheet: Any, memory: int) -> bool:
    end = getattr(sheet, "end", None)
    if end is None or memory <= 0:
        return False
    return (int(end[0]) + 1) * (int(end[1]) + 1) * _BYTES_PER_CELL > memory


def _send_sheet(out: Any, meta_name: str, sheet: Any, nrows: int | None) -> bool:
    """Send one sheet if it has a non-blank cell; True when it was sent."""
    rows = _rows_of(sheet, nrows)
    head: list[list[Any]] = []
    for row in rows:
        head.append(row)
        if any(not _blank_value(v) for v in row):
            break
    else:
        return False
    merged = list(getattr(sheet, "merged_cell_ranges", None) or [])
    height = getattr(sheet, "height", 0) or 0
    _emit(out, ("start", meta_name, merged, height))
    chunk = head
    for row in rows:
        chunk.append(row)
        if len(chunk) >= _CHUNK_ROWS:
            _send_rows(out, chunk)
            chunk = []
    if chunk:
        _send_rows(out, chunk)
    _emit(out, ("end",))
    return True


def _parse(
    data: bytes, nrows: int | None, out: Any, all_sheets: bool = False, memory: int = 0
) -> None:
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
            if _too_big(sheet, memory):
                return _emit(out, ("error", "memory"))
            if _send_sheet(out, meta.name, sheet, nrows):
                if not all_sheets:
                    return None
                sent = True
            del sheet
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
        _parse(sys.stdin.buffer.read(), nrows if nrows >= 0 else None, out, all_sheets, memory)
    except MemoryError:
        _emit(out, ("error", "memory"))
    except BrokenPipeError:  # the parent stopped reading (it had what it needed)
        return 0
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
