"""The request type of views behind login.

Django types ``request.user`` as ``User | AnonymousUser`` because middleware cannot know
whether a view requires login. Views decorated with ``login_required``,
``capability_required`` or ``pupil_data_required`` (or using ``CapabilityRequiredMixin``)
only ever run for a signed-in portal user, so they annotate ``request: AuthedRequest``
and read ``request.user`` as a ``User`` without narrowing it each time (the pattern
django-stubs documents for custom user models).
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthedRequest(HttpRequest):
    """An ``HttpRequest`` whose user is known to be an authenticated portal ``User``."""

    user: User
