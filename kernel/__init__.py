"""The portal's shared machinery, owned by no domain app.

Spreadsheet reading (``spreadsheets``, ``safe_read``, ``xlsx_layout``, ``legacy``),
cell normalisation (``normalize``, ``cells``), row errors of an import (``importing``),
XLSX exports (``exporters``, ``resources``) and the registry of exportable lists
(``exports``), official-form PDFs (``documents``), bounded form fields (``formfields``),
request hygiene (``middleware``, ``http``), scoped querysets (``scoping``) and the port
through which audit and access records are written (``audit``).  It depends on Django
and third-party packages only: no portal app is imported from here (``lint-imports``).
"""
