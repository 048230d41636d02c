"""What the spreadsheet reader tells importers about a cell beyond its value.

The reader (``kernel.spreadsheets``) and the importers agree on these few names,
so that an importer never needs to look at a file's styles itself:

- ``MonthFirstDate`` / ``MonthFirstDateTime``: a real date cell whose number format
  shows the month first (``m/d/yyyy``).  Excel on a US-locale machine turns a typed
  "05/07/2012" (5 July) into 7 May; the importer decides, with the evidence of the
  rest of the column, whether to swap day and month back or to flag the cell.
- ``SECTION_KEY``: the key under which a data row carries the text of the section
  heading it sits under ("Lớp 6A"), when the sheet has such headings.

Pure Python: no Django, no database.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["SECTION_KEY", "MonthFirstDate", "MonthFirstDateTime", "is_month_first"]

SECTION_KEY = "__section__"


class MonthFirstDate(dt.date):
    """A date cell displayed month first (``m/d/yyyy``); the value is what Excel stored."""

    __slots__ = ()


class MonthFirstDateTime(dt.datetime):
    """A date-time cell displayed month first (``m/d/yyyy h:mm``)."""

    __slots__ = ()


def is_month_first(value: object) -> bool:
    """True for a date cell the reader marked as displayed month first."""
    return isinstance(value, MonthFirstDate | MonthFirstDateTime)
