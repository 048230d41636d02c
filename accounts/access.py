"""The one place where access is decided.

Views never test roles themselves: they declare the capability they need with
``capability_required`` / ``CapabilityRequiredMixin`` and fetch objects through
``visible_to(user)`` querysets. Anything outside a user's scope, or a page their
role cannot use, answers 404 so that existence does not leak.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import CAPABILITY_NAMES, User
from kernel.http import no_store
from kernel.scoping import get_for_user

__all__ = [
    "CapabilityRequiredMixin",
    "capability_required",
    "get_for_user",
    "no_store",
    "pupil_data_required",
]

ViewFunc = Callable[..., HttpResponse]


def _check(user: User, capabilities: tuple[str, ...]) -> None:
    for capability in capabilities:
        if capability not in CAPABILITY_NAMES:
            raise ValueError(f"Unknown capability {capability!r}")
    if capabilities and not any(user.can(c) for c in capabilities):
        raise Http404


def capability_required(*capabilities: str) -> Callable[[ViewFunc], ViewFunc]:
    """Require login and at least one of ``capabilities`` (none: any logged-in user)."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            _check(request.user, capabilities)  # type: ignore[arg-type]
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


class CapabilityRequiredMixin(LoginRequiredMixin):
    """Class-based twin of ``capability_required``: set ``required_capabilities``."""

    required_capabilities: tuple[str, ...] = ()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        _check(request.user, self.required_capabilities)  # type: ignore[arg-type]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def pupil_data_required(view: ViewFunc) -> ViewFunc:
    """Pupil-level pages, exports, PDFs and scans: need ``can_view_beneficiaries``.

    Checked before any object is looked up, so a role without it (coverage officers,
    donation managers, whose reports are aggregates) gets 403 on every such URL
    without learning whether the object exists; a user with no capability at all
    still gets 404 like everywhere else. The response is never cached.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.can("can_view_beneficiaries"):  # type: ignore[union-attr]
            if not user.capabilities:  # type: ignore[union-attr]
                raise Http404
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(no_store(wrapped))
