"""The one place where access is decided.

Views never test roles themselves: they declare the capability they need with
``capability_required`` / ``CapabilityRequiredMixin`` and fetch objects through
``visible_to(user)`` querysets. Anything outside a user's scope, or a page their
role cannot use, answers 404 so that existence does not leak.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from accounts.models import CAPABILITY_NAMES, User

M = TypeVar("M", bound=Model)
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


def get_for_user(queryset: QuerySet[M], user: User, **lookup: Any) -> M:
    """Fetch one object through a ``visible_to`` queryset, 404 when out of scope."""
    visible = queryset.visible_to(user)  # type: ignore[attr-defined]
    return get_object_or_404(visible, **lookup)
