"""Small helpers shared by the devices views."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.http import HttpRequest

from accounts import access
from accounts.http import AuthedRequest
from kernel.paging import BoundedPaginator
from kernel.sorting import Sorting

PER_PAGE = 50


def paginate(
    request: HttpRequest,
    items: Any,
    per_page: int = PER_PAGE,
    *,
    sorts: Mapping[str, Sequence[str]] | None = None,
    default: Sequence[str] = (),
) -> dict[str, Any]:
    """``page`` and the ``querystring`` (filters without ``page``) for includes/pagination.

    With ``sorts`` (the list's sortable columns) the rows are ordered by the column the
    user chose (``?sap_xep=``) and ``sorting`` goes to the template's headers."""
    sorting = Sorting.from_params(request.GET, sorts, default=default) if sorts else None
    if sorting is not None:
        items = sorting.apply(items)
    # Counted and paged within bounds: these lists grow with the registry (kernel.paging).
    page: Page = BoundedPaginator(items, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    return {"page": page, "querystring": params.urlencode(), "sorting": sorting}


def wants_export(request: HttpRequest, name: str = "xlsx") -> bool:
    return request.GET.get("export") == name


def choice(request: HttpRequest, name: str, choices: Any) -> str:
    """A GET filter value if it is one of ``choices`` (TextChoices), else ""."""
    value = request.GET.get(name, "")
    return value if value in choices.values else ""


def own_school_id(request: AuthedRequest) -> int:
    """The school of a school user; other users get 404 (school-only pages)."""
    return access.own_school_id(request.user)


def report_errors(request: HttpRequest, error: ValidationError, form: Any = None) -> None:
    """Show a service's refusal: on the form's fields when it has them, else as a message."""
    if form is not None and hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            if field in form.fields:
                for message in errors:
                    form.add_error(field, message)
            else:
                for message in errors:
                    messages.error(request, message)
        return
    for message in error.messages:
        messages.error(request, message)
