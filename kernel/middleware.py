"""Query parameters with a NUL character never reach a view.

PostgreSQL text cannot hold U+0000, so ``?q=%00`` used to end in a 500 on every
list page that filters on GET parameters (pupils, households, proposals,
devices, donations, coverage, audit...).  Forms already refuse NUL in POST data
(Django's ``ProhibitNullCharactersValidator``); filters read straight from
``request.GET`` did not.  This middleware strips NUL from GET keys and values
with a message naming the parameter: a GET or HEAD is redirected to the cleaned
address, other methods go on with the cleaned ``request.GET``.

Posted forms are cleaned the same way. Validated form fields refused NUL, but
several views read a free-text value straight from ``request.POST`` (the reason
of a decision, a write-off, a closed round, a dismissed duplicate…) and a NUL
there reached PostgreSQL: a 500. NUL is stripped from every posted value before
any view sees it, with a message naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict

NUL = "\x00"


def _cleaned(query: QueryDict) -> tuple[QueryDict, list[str]]:
    cleaned = QueryDict(mutable=True)
    named: list[str] = []
    for key, values in query.lists():
        clean_key = key.replace(NUL, "")
        if NUL in key or any(NUL in value for value in values):
            named.append(clean_key)
        cleaned.setlist(clean_key, [value.replace(NUL, "") for value in values])
    return cleaned, named


class StripNulQueryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.GET
        if any(NUL in key or any(NUL in v for v in values) for key, values in query.lists()):
            cleaned, named = _cleaned(query)
            messages.error(
                request,
                _(
                    "Ô lọc/tìm kiếm %(fields)s có ký tự không hợp lệ (NUL) nên đã được bỏ; "
                    "kết quả dưới đây theo giá trị còn lại."
                )
                % {"fields": ", ".join(f"“{name}”" for name in named)},
            )
            if request.method in ("GET", "HEAD"):
                target = request.path
                if cleaned:
                    target += "?" + cleaned.urlencode()
                return HttpResponseRedirect(target)
            cleaned._mutable = False
            # Made immutable on the line above, which is what the stubs' type stands for.
            request.GET = cast("_ImmutableQueryDict", cleaned)
        if request.method == "POST" and _is_form(request):
            self._clean_post(request)
        return self.get_response(request)

    @staticmethod
    def _clean_post(request: HttpRequest) -> None:
        posted = request.POST
        if not any(NUL in key or any(NUL in v for v in values) for key, values in posted.lists()):
            return
        cleaned, named = _cleaned(posted)
        cleaned._mutable = False
        request.POST = cast("_ImmutableQueryDict", cleaned)
        messages.warning(
            request,
            _("Ô %(fields)s có ký tự không hợp lệ (NUL); ký tự này đã được bỏ trước khi xử lý.")
            % {"fields": ", ".join(f"“{name}”" for name in named if name != "csrfmiddlewaretoken")},
        )


def _is_form(request: HttpRequest) -> bool:
    kind = request.content_type or ""
    return kind in ("application/x-www-form-urlencoded", "multipart/form-data")
