"""Reads for accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Model, Q, QuerySet

from accounts.models import AuditEvent, Notification, PersonalDataAccess, Role, User
from kernel.normalize import fold


def data_version() -> int:
    """The newest audit event's id: it changes whenever the state of anything changes
    (every service leaves an audit event), so cached figures keyed by it stay right."""
    return AuditEvent.objects.aggregate(newest=Max("pk"))["newest"] or 0


def history_for(obj: Model) -> QuerySet[AuditEvent]:
    """The audit trail of one object, newest first, with the actors loaded."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return AuditEvent.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


@dataclass(frozen=True)
class AccessFilters:
    """The filters of the personal-data access log: user, pupil, dates."""

    user: str = ""
    student: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> AccessFilters:
        student = str(params.get("hoc_sinh", "")).strip()
        return cls(
            user=str(params.get("nguoi_dung", "")).strip()[:150],
            student=int(student) if student.isdigit() else None,
            date_from=_date(params.get("tu_ngay", "")),
            date_to=_date(params.get("den_ngay", "")),
        )


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def data_accesses(user: User, filters: AccessFilters) -> QuerySet[PersonalDataAccess]:
    """Accesses to pupil-level data in ``user``'s unit, newest first, filtered."""
    scope = user.scope
    qs = PersonalDataAccess.objects.select_related("user", "content_type")
    if scope.is_school:
        qs = qs.filter(school_id_snapshot=scope.school_id)
    elif scope.is_district:
        qs = qs.filter(district_id_snapshot=scope.district_id)
    elif not scope.is_provincial:
        return qs.none()
    if filters.user:
        qs = qs.filter(
            Q(user__username__iexact=filters.user) | Q(user__full_name__icontains=filters.user)
        )
    if filters.student is not None:
        qs = qs.filter(
            content_type__app_label="students",
            content_type__model="student",
            object_id=str(filters.student),
        )
    if filters.date_from:
        qs = qs.filter(at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(at__date__lte=filters.date_to)
    return qs


# Short words for the roles the portal starts with, as the README's commands use them.
ROLE_ALIASES = {
    "school": "school_staff",
    "district": "district_officer",
    "province": "province_officer",
}


def find_role(value: str) -> Role | None:
    """The role named by ``value``: its code, a short alias, or its name.

    Names match case- and accent-insensitively ("can bo nha truong" finds "Cán bộ nhà
    trường"), so an operator can type what the admin shows.
    """
    key = fold(value)
    if not key:
        return None
    key = ROLE_ALIASES.get(key, key)
    for role in Role.objects.order_by("pk"):
        if key in (fold(role.code), fold(role.name)):
            return role
    return None


def role_list_text() -> str:
    """Every role as "code – name", one per line, for error messages."""
    return "\n".join(f"  {r.code} – {r.name}" for r in Role.objects.order_by("level", "code"))


def _awaiting_activation() -> QuerySet[User]:
    """Active accounts that never had a password: created without one, not yet activated."""
    return User.objects.filter(
        is_active=True, password__startswith=UNUSABLE_PASSWORD_PREFIX, last_login__isnull=True
    )


def awaiting_activation_by_email(email: str) -> QuerySet[User]:
    return _awaiting_activation().filter(email__iexact=email.strip())


def awaiting_activation_in_scope(
    user: User, *, district_id: int | None = None, school_code: str = ""
) -> QuerySet[User]:
    """Accounts of ``user``'s province awaiting activation, by district and school.

    Administrators and provincial officers print activation sheets for the schools and
    offices of their province; nobody else sees this list.
    """
    scope = user.scope
    if not scope.is_provincial or scope.province_id is None:
        return User.objects.none()
    pid = scope.province_id
    qs = _awaiting_activation().filter(
        Q(school__district__province_id=pid) | Q(district__province_id=pid) | Q(province_id=pid)
    )
    if district_id is not None:
        qs = qs.filter(Q(school__district_id=district_id) | Q(district_id=district_id))
    if school_code:
        qs = qs.filter(school__code=school_code)
    return qs.select_related("school__district", "district", "province", "role").order_by(
        "school__district__name", "district__name", "school__name", "username"
    )
