"""Reading uploaded spreadsheets and finding the table inside them.

Every import in the portal (pupil/household lists, device deliveries, coverage
surveys, carrier status files, school and account lists) goes through here:

1. ``read_rows()`` turns an upload (xlsx/xlsm/ods/xls/csv, detected by content)
   into a ``Sheet`` of raw cell values, refusing anything unsafe or unreadable with
   a ``SpreadsheetError`` whose ``message`` is one Vietnamese sentence.
2. ``locate_table()`` (or the non-raising ``guess_table()``) finds the header row
   below the official title block, maps columns to fields through ``ColumnSpec``
   synonyms, and ``Table.data_rows()`` yields data rows with their Excel row
   numbers, skipping totals and stopping at the signature block.
3. ``write_error_copy()`` returns the original rows with a "Lỗi" column so a school
   can fix its file and upload it again.

The package's modules, by what they do: ``sheet`` (a worksheet's raw cells, the
error, row numbers), ``reading`` (upload to ``Sheet``), ``headers`` (header
location), ``tables`` (tables, sections, notices), ``error_copy``.  Import from
``kernel.spreadsheets`` itself: this is the public face.

Pure Python: no models, no database.
"""

from kernel.spreadsheets.error_copy import write_error_copy
from kernel.spreadsheets.headers import (
    PLACE_DATE_RE,
    SECTION_RE,
    SIGNATURE_KEYS,
    SUBTOTAL_KEYS,
    TOTAL_KEYS,
    ColumnSpec,
)
from kernel.spreadsheets.reading import (
    MAX_COMPRESSION_RATIO,
    MAX_UNCOMPRESSED_BYTES,
    corrupt_error,
    detect_format,
    empty_error,
    encrypted_error,
    read_rows,
    read_source,
)
from kernel.spreadsheets.sheet import (
    DEFAULT_MAX_BYTES,
    HEADER_SCAN_ROWS,
    ROW_STRIDE,
    RowNumber,
    Sheet,
    SpreadsheetError,
    is_blank_row,
    row_ref,
    sheet_class,
)
from kernel.spreadsheets.tables import (
    RowReader,
    Table,
    guess_table,
    locate_list,
    locate_table,
    reading_notices,
    section_name,
    too_many_rows,
)

__all__ = [
    "MAX_COMPRESSION_RATIO",
    "MAX_UNCOMPRESSED_BYTES",
    "RowReader",
    "DEFAULT_MAX_BYTES",
    "HEADER_SCAN_ROWS",
    "PLACE_DATE_RE",
    "ROW_STRIDE",
    "SECTION_RE",
    "SIGNATURE_KEYS",
    "SUBTOTAL_KEYS",
    "TOTAL_KEYS",
    "ColumnSpec",
    "RowNumber",
    "Sheet",
    "SpreadsheetError",
    "Table",
    "corrupt_error",
    "detect_format",
    "empty_error",
    "encrypted_error",
    "guess_table",
    "is_blank_row",
    "locate_list",
    "locate_table",
    "read_rows",
    "read_source",
    "reading_notices",
    "row_ref",
    "section_name",
    "sheet_class",
    "too_many_rows",
    "write_error_copy",
]
