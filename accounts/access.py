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
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control

from accounts.http import AuthedRequest
from accounts.models import CAPABILITY_NAMES, User
from accounts.scoping import ScopedQuerySet

M = TypeVar("M", bound=Model)
ViewFunc = Callable[..., HttpResponseBase]


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
        def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            _check(request.user, capabilities)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


class CapabilityRequiredMixin(LoginRequiredMixin):
    """Class-based twin of ``capability_required``: set ``required_capabilities``."""

    required_capabilities: tuple[str, ...] = ()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        _check(request.user, self.required_capabilities)
        return super().dispatch(request, *args, **kwargs)


def get_for_user(queryset: ScopedQuerySet[M], user: User, **lookup: Any) -> M:
    """Fetch one object through a ``visible_to`` queryset, 404 when out of scope."""
    visible = queryset.visible_to(user)
    return get_object_or_404(visible, **lookup)


def no_store(view: ViewFunc) -> ViewFunc:
    """Mark the response ``Cache-Control: private, no-store``: it carries personal data."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response

    return wrapped


def pupil_data_required(view: ViewFunc) -> ViewFunc:
    """Pupil-level pages, exports, PDFs and scans: need ``can_view_beneficiaries``.

    Checked before any object is looked up, so a role without it (coverage officers,
    donation managers, whose reports are aggregates) gets 403 on every such URL
    without learning whether the object exists; a user with no capability at all
    still gets 404 like everywhere else. The response is never cached.
    """

    @wraps(view)
    def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.can("can_view_beneficiaries"):
            if not user.capabilities:
                raise Http404
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(no_store(wrapped))
