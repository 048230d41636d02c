"""The one place where access is decided.

**One refusal: 404.** An object outside the user's scope, a capability the role lacks
(on an object URL or on a list or page the role may never use), a predicate that says
no: every one answers ``Http404``, from views and services alike. A URL therefore never
tells whether an object exists, nor whether a page exists for another role. 403 is left
to Django's admin (a staff user without a model permission), which is not the portal.

**Where the answers come from.**

- *Scope*: objects are fetched through ``visible_to(user)`` querysets
  (``kernel.scoping``) or ``get_for_user``; every scoped queryset declares its school,
  district and province lookups.
- *Capabilities*: a view declares what it needs with ``capability_required`` /
  ``CapabilityRequiredMixin`` (any one of the listed capabilities), pupil-level data with
  ``pupil_data_required``.
- *Predicates*: every "may this user do X to this object" is a named function in its
  app's ``rules.py``, registered with ``@predicate`` as ``"<app>.<name>"``. Views and
  services call the function; templates ask ``{% allowed "devices.may_confirm_transfer"
  transfer as can_confirm %}`` (``{% load access %}``). ``require(...)`` turns a "no"
  into the one refusal.
- *The user's own unit*: ``is_school_user``, ``is_district_user``, ``is_commune_user``,
  ``is_provincial_user``, ``own_school_id``, ``own_district_id``, ``own_commune_id``,
  ``own_province_id`` below. A commune officer (``Role.Level.COMMUNE``, since 1 July 2025)
  sees what hangs off the schools of their commune today (``Scope.school_ids``); a
  provincial user of a province of 2025 sees its predecessors' records too
  (``Scope.province_ids``). Views never read
  ``user.scope`` or ``role.level`` themselves (``tests/accounts/test_access_rules.py``
  keeps it so).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponseBase

from accounts.http import AuthedRequest
from accounts.models import CAPABILITY_NAMES, User

# Defined in the kernel (the registry of units, below accounts, uses them too); every
# app's views take them from here with the rest of the access rules.
from kernel.http import no_store as no_store
from kernel.scoping import get_for_user as get_for_user

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

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


def pupil_data_required(view: ViewFunc) -> ViewFunc:
    """Pupil-level pages, exports, PDFs and scans: need ``can_view_beneficiaries``.

    Checked before any object is looked up, so a role without it (coverage officers,
    donation managers, whose reports are aggregates) learns nothing about the object:
    404 like every other refusal. The response is never cached.
    """

    @wraps(view)
    def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.can("can_view_beneficiaries"):
            refuse()
        return view(request, *args, **kwargs)

    return login_required(no_store(wrapped))


# --- the one refusal ------------------------------------------------------------------


def refuse() -> NoReturn:
    """Refuse the request the one way the portal refuses: 404."""
    raise Http404


def require(allowed: bool) -> None:
    """``require(rules.may_x(user, obj))``: go on, or refuse with 404."""
    if not allowed:
        refuse()


# --- named predicates -----------------------------------------------------------------

Predicate = Callable[..., bool]
PREDICATES: dict[str, Predicate] = {}


def predicate[P: Predicate](func: P) -> P:
    """Register ``func`` of ``<app>/rules.py`` as ``"<app>.<name>"`` for templates."""
    app = func.__module__.split(".")[0]
    name = f"{app}.{func.__name__}"
    if PREDICATES.get(name, func) is not func:
        raise ValueError(f"Predicate {name!r} is declared twice")
    PREDICATES[name] = func
    return func


def allowed(user: User | AnonymousUser, name: str, obj: object = None) -> bool:
    """Ask the predicate ``name`` (``"devices.may_confirm_transfer"``) about ``obj``."""
    if name not in PREDICATES:
        raise ValueError(f"Unknown predicate {name!r}")
    if not user.is_authenticated:
        return False
    func = PREDICATES[name]
    return bool(func(user) if obj is None else func(user, obj))


# --- the user's own unit ----------------------------------------------------------------
# The only functions outside the models that read a user's scope; views ask these.


@predicate
def is_school_user(user: User) -> bool:
    return user.scope.is_school


@predicate
def is_district_user(user: User) -> bool:
    return user.scope.is_district


@predicate
def is_commune_user(user: User) -> bool:
    """An officer of a commune People's Committee (since 1 July 2025)."""
    return user.scope.is_commune


@predicate
def is_provincial_user(user: User) -> bool:
    """The province's own officers and administrators."""
    return user.scope.is_provincial


def own_school_id(user: User) -> int:
    """The school of a school user; anyone else is refused (school-only pages)."""
    scope = user.scope
    if not scope.is_school or scope.school_id is None:
        refuse()
    return scope.school_id


def own_district_id(user: User) -> int:
    """The district of a district officer; anyone else is refused (district-only pages)."""
    scope = user.scope
    if not scope.is_district or scope.district_id is None:
        refuse()
    return scope.district_id


def own_commune_id(user: User) -> int:
    """The commune of a commune officer; anyone else is refused (commune-only pages)."""
    scope = user.scope
    if not scope.is_commune or scope.commune_id is None:
        refuse()
    return scope.commune_id


def own_province_ids(user: User) -> frozenset[int]:
    """A provincial user's province with the provinces that went into it (a 2025 province's
    predecessors); anyone else is refused."""
    own = own_province_id(user)
    return user.scope.province_ids or frozenset({own})


def own_province_id(user: User) -> int:
    """The province of a provincial user; anyone else is refused (provincial pages)."""
    scope = user.scope
    if not scope.is_provincial or scope.province_id is None:
        refuse()
    return scope.province_id
