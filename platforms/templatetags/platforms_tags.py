"""Template helpers for learning platforms."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("platforms/_student_accounts.html", takes_context=True)
def student_platform_accounts(context, student) -> dict:
    """The pupil's platform accounts with the add and deactivate actions, for the pupil's
    page: ``{% load platforms_tags %}{% student_platform_accounts student %}``."""
    from platforms.forms import DeactivateAccountForm
    from platforms.rules import may_manage_accounts_of
    from platforms.selectors import accounts_of

    user = context.get("user")
    can_manage = bool(
        user is not None and user.is_authenticated and may_manage_accounts_of(user, student)
    )
    return {
        "student": student,
        "accounts": list(accounts_of(student)),
        "can_manage": can_manage,
        "deactivate_form": DeactivateAccountForm(auto_id=False),
        "csrf_token": context.get("csrf_token"),
    }
