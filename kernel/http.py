"""Small HTTP helpers every app's views share."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

from kernel.scoping import SignedInUser

ViewFunc = Callable[..., HttpResponseBase]


class SignedInRequest(HttpRequest):
    """A request behind login whose user is a portal user, for views below ``accounts``
    (the registry of units); the apps above use ``accounts.http.AuthedRequest``."""

    user: SignedInUser  # type: ignore[assignment]  # narrower than HttpRequest's: behind login


def no_store(view: ViewFunc) -> ViewFunc:
    """Mark the response ``Cache-Control: private, no-store``: it carries personal data."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response

    return wrapped
