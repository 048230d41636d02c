"""``{% allowed "devices.may_confirm_transfer" transfer as can_confirm %}`` in templates.

Templates ask the same named predicates as views and services (``accounts.access``).
"""

from __future__ import annotations

from typing import Any

from django import template

from accounts import access

register = template.Library()


@register.simple_tag(takes_context=True)
def allowed(context: dict[str, Any], name: str, obj: object = None) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None:
        return False
    return access.allowed(user, name, obj)
