"""Small HTTP helpers every app's views share."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

ViewFunc = Callable[..., HttpResponse]


def no_store(view: ViewFunc) -> ViewFunc:
    """Mark the response ``Cache-Control: private, no-store``: it carries personal data."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response

    return wrapped
