"""Request-wide rules: the interface language, session lifetimes, two-factor login."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect, resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_otp.middleware import is_verified


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but a browser's Accept-Language is ignored.

    Staff in Lào Cai often use borrowed or English-language browsers; the portal speaks
    Vietnamese until someone picks English with the language switch (stored in a cookie).
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SessionLifetimeMiddleware:
    """Ends a session idle for ``SESSION_IDLE_TIMEOUT`` minutes or older than ``SESSION_MAX_AGE`` hours.

    Django's own cookie age is one sliding or one fixed limit; offices share computers, so
    the portal needs both: a short idle limit and a working day at most.
    """

    LOGIN_AT = "_portal_login_at"
    SEEN_AT = "_portal_seen_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            login_at = session.setdefault(self.LOGIN_AT, now)
            seen_at = session.get(self.SEEN_AT, now)
            idle = now - seen_at > settings.SESSION_IDLE_TIMEOUT * 60
            too_old = now - login_at > settings.SESSION_MAX_AGE * 3600
            if idle or too_old:
                logout(request)
                messages.info(
                    request,
                    _(
                        "Phiên làm việc đã hết hạn vì không hoạt động quá %(n)d phút. Hãy đăng nhập lại."
                    )
                    % {"n": settings.SESSION_IDLE_TIMEOUT}
                    if idle
                    else _("Phiên làm việc đã quá %(n)d giờ. Hãy đăng nhập lại.")
                    % {"n": settings.SESSION_MAX_AGE},
                )
                return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
            # Written at most once a minute, so that pages do not all save the session.
            if now - seen_at >= 60 or self.SEEN_AT not in session:
                session[self.SEEN_AT] = now
        return self.get_response(request)


class OTPRequiredMiddleware:
    """Sends users who must use two-factor login to enrolment or verification first.

    Runs after django-otp's ``OTPMiddleware``, which tells whether this session passed a
    second factor (``django_otp.middleware.is_verified(user)``).
    """

    EXEMPT_URL_NAMES = frozenset(
        {"accounts:otp_verify", "accounts:otp_enrol", "accounts:logout", "set_language"}
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not is_verified(user) and self._guarded(request):
            from accounts.twofactor import has_confirmed_device, otp_required

            if otp_required(user):
                target = (
                    "accounts:otp_verify" if has_confirmed_device(user) else "accounts:otp_enrol"
                )
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _guarded(self, request: HttpRequest) -> bool:
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return False
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True
        return match.view_name not in self.EXEMPT_URL_NAMES


def start_session_clock(sender, request: HttpRequest | None = None, **kwargs) -> None:
    """``user_logged_in`` receiver: the absolute session lifetime counts from the login."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SessionLifetimeMiddleware.LOGIN_AT] = now
        request.session[SessionLifetimeMiddleware.SEEN_AT] = now
