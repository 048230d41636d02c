"""List exports: a registry of every exportable list, and the list page's two answers.

Any app registers its list once::

    register_export(
        "reports.outreach",
        label="Hoạt động tuyên truyền",
        filename="hoat-dong-tuyen-truyen.xlsx",
        exporter=OutreachExporter,
        objects=lambda user, params: outreach_list(user, params),
    )

``objects(user, params)`` must scope the rows to ``user`` (``visible_to``): the
export runs as the requesting user, and only that user can download the file.
A list of pupil-level data registers with ``personal_data=True``: each export is
then recorded as an access (who, what, how many rows; through ``kernel.audit``),
and ``per_user=True`` builds the exporter with ``exporter(user)`` so its columns can
depend on the user's capabilities (masked IDs for roles that may not see them).
A list view calls ``export_response()`` for ``?export=xlsx``.  Every list that grows
with the registry (pupils, households, devices, allocations, proposals, coverage
points, donations, …) is built by a background job (``schools.background_exports``,
which keeps the jobs next to their model), whatever its length today: the request
never writes it.  Only a document of fixed size, registered ``fixed_size=True`` (a
catalogue, one row per district or school), downloads at once, and only while under
``EXPORT_BACKGROUND_ROWS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from kernel import audit
from kernel.exporters import XlsxExporter
from kernel.scoping import SignedInUser

# What an export needs of the user (``accounts.models.User``).
ExportingUser = SignedInUser


@dataclass(frozen=True)
class RegisteredExport:
    key: str
    label: str
    filename: str
    exporter: Callable[..., XlsxExporter]
    objects: Callable[[Any, dict[str, Any]], Iterable[Any]]  # (user, params): scoped rows
    personal_data: bool = False
    per_user: bool = False
    capabilities: tuple[str, ...] = ()
    per_params: bool = False
    name_for: Callable[[Any, dict[str, Any]], str] | None = None  # (user, params): a name
    fixed_size: bool = False  # may be written inside the request (under the threshold)

    def in_background(self, rows: int) -> bool:
        """Whether a list of ``rows`` rows is left to the worker (see the module's docstring)."""
        return not self.fixed_size or rows > background_threshold()

    def filename_for(self, user: ExportingUser, params: dict[str, Any] | None = None) -> str:
        """The download's name: ``name_for(user, params)`` when the list names its subject
        (a donor, a school), else the registered ``filename``."""
        if self.name_for is not None:
            try:
                return self.name_for(user, params or {})
            except Http404:  # the subject is gone or out of scope since: the generic name
                pass
        return self.filename

    def check_access(self, user: ExportingUser) -> None:
        """The list page's own rule: pupil-level data needs ``can_view_beneficiaries``
        (as ``pupil_data_required``), then any of ``capabilities``; refused with 404."""
        if self.personal_data and not user.can("can_view_beneficiaries"):
            raise Http404
        if self.capabilities and not any(user.can(c) for c in self.capabilities):
            raise Http404

    def build_exporter(
        self, user: ExportingUser, params: dict[str, Any] | None = None
    ) -> XlsxExporter:
        """``per_params``: ``exporter(user, params)`` (a title naming the list's subject)."""
        if self.per_params:
            return self.exporter(user, params or {})
        return self.exporter(user) if self.per_user else self.exporter()

    def record(self, user: ExportingUser, rows: int) -> None:
        """An access record for a pupil-level export (nothing for other lists)."""
        if self.personal_data:
            audit.record_access(
                user=user,
                action="export",  # PersonalDataAccess.Action.EXPORT
                what=f"{self.label} (Excel)",
                rows=rows,
            )


_REGISTRY: dict[str, RegisteredExport] = {}


def register_export(
    key: str,
    *,
    label: str,
    filename: str,
    exporter: Callable[..., XlsxExporter],
    objects: Callable[[Any, dict[str, Any]], Iterable[Any]],  # (user, params): scoped rows
    personal_data: bool = False,
    per_user: bool = False,
    capabilities: tuple[str, ...] = (),
    per_params: bool = False,
    name_for: Callable[[Any, dict[str, Any]], str] | None = None,
    fixed_size: bool = False,
) -> None:
    _REGISTRY[key] = RegisteredExport(
        key,
        label,
        filename,
        exporter,
        objects,
        personal_data,
        per_user,
        capabilities,
        per_params,
        name_for,
        fixed_size,
    )


def get_export(key: str) -> RegisteredExport:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise Http404 from None


def background_threshold() -> int:
    return int(getattr(settings, "EXPORT_BACKGROUND_ROWS", 5000))


def clean_params(params: Any) -> dict[str, str]:
    """The list's filters from a QueryDict, without paging or the export switch."""
    return {
        k: str(v)[:200]
        for k, v in params.items()
        if k not in {"page", "export", "format", "csrfmiddlewaretoken", "exporter"}
    }


def export_response(
    request: HttpRequest,
    *,
    key: str,
    objects: Any,
    count: int | None = None,
    back_to: str | None = None,
    params: dict[str, str] | None = None,
) -> HttpResponse:
    """``?export=xlsx`` on a list page: download a small fixed-size document now.

    Any other list is not built inside the request: the user is sent back to the list,
    whose "Xuất Excel (chạy nền)" button POSTs to ``schools:export_start``
    (``back_to`` names the list when the export has an address of its own;
    ``params`` are the list's parameters when they are not the query string).
    """
    entry = get_export(key)
    total = count if count is not None else objects.count()
    if not entry.in_background(total):
        user = cast(ExportingUser, request.user)  # list pages are behind login
        entry.record(user, total)
        list_params = params if params is not None else clean_params(request.GET)
        exporter = entry.build_exporter(user, list_params)
        response = exporter.as_http_response(objects, entry.filename_for(user, list_params))
        if entry.personal_data:
            patch_cache_control(response, private=True, no_store=True)
        return response
    messages.warning(
        request,
        _(
            "Danh sách có %(n)s dòng: hãy bấm “Xuất Excel (chạy nền)” để hệ thống "
            "lập tệp và đưa đường dẫn tải về."
        )
        % {"n": total},
    )
    query = clean_params(request.GET)
    return redirect((back_to or request.path) + ("?" + urlencode(query) if query else ""))


def export_button(
    request: HttpRequest,
    *,
    key: str,
    count: int,
    name: str = "xlsx",
    params: dict[str, str] | None = None,
    url: str = "",
) -> dict:
    """What ``includes/export_button.html`` needs: a direct link, or the background form.

    ``params`` are added to the list's filters (the job's parameters); ``url`` is the
    export's own address when it has one (else the list page with ``?export=``)."""
    params = {**clean_params(request.GET), **(params or {})}
    query = urlencode({**params, "export": name})
    return {
        "key": key,
        "params": params,
        "background": get_export(key).in_background(count),
        "url": url or f"?{query}",
    }
