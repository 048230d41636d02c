"""The base of every django-import-export resource: exports escape formulas.

The admin's CSV/XLSX export of reference data wrote a name such as
``=HYPERLINK("http://…","Bấm vào đây")`` as it was, and a spreadsheet program
runs it.  ``SafeExportResource`` passes each exported value (and header)
through ``kernel.exporters.neutralize``, the same escaping as the portal's own
exports.
"""

from __future__ import annotations

from typing import Any

from import_export import resources

from kernel.exporters import neutralize

__all__ = ["SafeExportResource"]


class SafeExportResource(resources.ModelResource):
    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return neutralize(super().export_field(field, instance, **kwargs))

    def get_export_headers(self, selected_fields: Any = None) -> list[str]:
        return [neutralize(h) for h in super().get_export_headers(selected_fields)]
