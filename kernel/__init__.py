"""The portal's shared machinery, owned by no domain app.

Spreadsheet reading (``spreadsheets``, ``safe_read``, ``xlsx_layout``, ``legacy``),
cell normalisation (``normalize``, ``cells``), row errors of an import (``importing``),
XLSX exports (``exporters``, ``resources``), official-form PDFs (``documents``), bounded
form fields (``formfields``) and request hygiene (``middleware``).  It depends on Django
and third-party packages only: no portal app is imported from here.
"""
