"""The port through which code below ``accounts`` writes audit rows and access records.

Audit rows (``AuditEvent``) and personal-data access records (``PersonalDataAccess``)
are ``accounts`` models, and ``accounts`` sits above the registry of units
(``schools``) and the kernel. So that ``schools`` and the kernel's own workflows can
leave a record without importing ``accounts``, they call these two functions, and
``AccountsConfig.ready`` installs ``accounts.services.record_audit`` and
``record_access`` behind them (``install``). Apps above ``accounts`` call
``accounts.services`` directly: either way the row is written by the same function.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model


class AuditWriter(Protocol):
    def __call__(
        self,
        *,
        actor: Any,
        action: str,
        obj: Model,
        changes: dict[str, Any] | None = None,
        reason: str = "",
        school_id: int | None = None,
        district_id: int | None = None,
    ) -> Any: ...


class AccessWriter(Protocol):
    def __call__(
        self,
        *,
        user: Any,
        action: str,
        what: str,
        obj: Model | None = None,
        rows: int = 1,
        school_id: int | None = None,
        district_id: int | None = None,
    ) -> Any: ...


_writers: dict[str, Any] = {}


def install(*, audit: AuditWriter, access: AccessWriter) -> None:
    """Called once at start by the app that stores the rows (``accounts``)."""
    _writers["audit"] = audit
    _writers["access"] = access


def _writer(kind: str) -> Any:
    try:
        return _writers[kind]
    except KeyError:
        # Writing nothing would lose a record silently: refuse instead.
        raise ImproperlyConfigured(
            "No audit writer installed: is 'accounts' in INSTALLED_APPS?"
        ) from None


def record_audit(
    *,
    actor: Any,
    action: str,
    obj: Model,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    school_id: int | None = None,
    district_id: int | None = None,
) -> Any:
    """Leave an audit record (``accounts.services.record_audit``): who, what, before/after."""
    return _writer("audit")(
        actor=actor,
        action=action,
        obj=obj,
        changes=changes,
        reason=reason,
        school_id=school_id,
        district_id=district_id,
    )


def record_access(
    *,
    user: Any,
    action: str,
    what: str,
    obj: Model | None = None,
    rows: int = 1,
    school_id: int | None = None,
    district_id: int | None = None,
) -> Any:
    """Record an access to pupil-level data (``accounts.services.record_access``).

    ``action`` is a ``PersonalDataAccess.Action`` value: ``"view"``, ``"reveal"``,
    ``"export"``."""
    return _writer("access")(
        user=user,
        action=action,
        what=what,
        obj=obj,
        rows=rows,
        school_id=school_id,
        district_id=district_id,
    )
