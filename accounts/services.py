"""Writes for accounts: the audit trail, notifications, user creation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import tokens
from accounts.models import Activation, AuditEvent, Notification, PersonalDataAccess, Role, User
from kernel.links import absolute_url, cut_at_word
from schools.models import GENERATION_2025, Commune, District, Province, School


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` as JSON-friendly data, for before/after diffs."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            data[name] = sorted(str(v) for v in getattr(obj, name).all()) if obj.pk else []
        elif field.is_relation:
            related = getattr(obj, name)
            data[name] = str(related) if related is not None else None
        else:
            data[name] = _jsonable(getattr(obj, name))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field that changed."""
    keys = before.keys() | after.keys()
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


class AuditRow(NamedTuple):
    """One audit row as it is stored (``AuditEvent`` attnames, in ``AUDIT_FIELDS`` order)."""

    at: dt.datetime
    actor_id: int | None
    action: str
    content_type_id: int
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    reason: str
    district_id_snapshot: int | None
    school_id_snapshot: int | None


AUDIT_FIELDS: tuple[str, ...] = AuditRow._fields

RowInserter = Callable[[type[models.Model], Sequence[str], Sequence[tuple[Any, ...]]], object]


def record_audit(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    school_id: int | None = None,
    district_id: int | None = None,
) -> AuditEvent:
    """Leave an audit record: who (``actor``), what (``action`` on ``obj``), before/after.

    Every audit row of the portal is written here or, in bulk, by ``record_audits``
    (code below ``accounts`` reaches this function through ``kernel.audit``)."""
    row = AuditRow(
        at=timezone.now(),
        actor_id=actor.pk if actor is not None and actor.pk else None,
        action=action,
        content_type_id=ContentType.objects.get_for_model(obj, for_concrete_model=False).pk,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        changes=_jsonable_dict(changes or {}),
        reason=reason,
        district_id_snapshot=district_id,
        school_id_snapshot=school_id,
    )
    return AuditEvent.objects.create(**row._asdict())


def record_audits(rows: Sequence[AuditRow], *, insert: RowInserter | None = None) -> int:
    """Write many audit rows at once (an import's per-pupil events); returns how many.

    ``insert(model, fields, rows)`` is the caller's bulk writer (``COPY`` on PostgreSQL
    for a province-scale import); without it the rows go through ``bulk_create``.
    """
    if not rows:
        return 0
    if insert is None:
        AuditEvent.objects.bulk_create(
            [AuditEvent(**row._asdict()) for row in rows], batch_size=1000
        )
    else:
        insert(AuditEvent, AUDIT_FIELDS, rows)
    return len(rows)


def _column(model: type[models.Model], name: str) -> str:
    """The database column of the concrete field ``name`` of ``model``."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} is not a concrete field")
    return field.column


def record_audits_selected(select_sql: str, params: Sequence[Any]) -> None:
    """Write the audit rows a ``SELECT`` returns (columns in ``AUDIT_FIELDS`` order).

    For rows built from data already in the database (the pupils an import just
    copied in): one ``INSERT … SELECT``, no round trip through Python."""
    quote = connection.ops.quote_name
    table = quote(AuditEvent._meta.db_table)
    columns = ", ".join(quote(_column(AuditEvent, name)) for name in AUDIT_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select_sql}", list(params))  # noqa: S608 - names from model metadata, values are parameters


def _jsonable_dict(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _jsonable(v) for k, v in data.items()}


def notify(
    *, recipients: Iterable[User], verb: str, message: str, url: str = "", email: bool = True
) -> list[Notification]:
    """Create in-portal notifications; e-mail them from a task once the transaction commits."""
    notes = Notification.objects.bulk_create(
        [
            Notification(recipient=user, verb=verb, message=message[:500], url=url)
            for user in recipients
            if user.is_active
        ]
    )
    if email and notes:
        from taskqueue.services import enqueue_durably

        # An outbox row in this transaction: a broker outage delays the e-mails, never loses them.
        enqueue_durably("accounts.services.email_notifications", [n.pk for n in notes])
    return notes


# Characters of the notification kept in an e-mail's subject (after the portal's tag).
SUBJECT_LIMIT = 80


def notification_body(note: Notification) -> str:
    """The e-mail text: the whole message, then the absolute link to act on it."""
    lines = [note.message]
    if note.url:
        lines += [
            "",
            _("Xem và xử lý trên cổng thông tin: %(url)s") % {"url": absolute_url(note.url)},
        ]
    lines += [
        "",
        "-- ",
        _(
            "Thư gửi tự động từ cổng “Sóng và máy tính cho em”; thông báo này cũng có trong "
            "mục Thông báo khi bạn đăng nhập."
        ),
    ]
    return "\n".join(lines)


def email_notifications(notification_ids: list[int]) -> int:
    """E-mail each notification once; safe to run twice (already e-mailed ones are skipped).

    A failed send does not stop the others; it raises at the end so that the outbox
    tries the rest again later, while the ones sent stay marked as sent.
    """
    from django.core.mail import send_mail

    sent, failed = 0, 0
    pending = Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ).select_related("recipient")
    for note in pending:
        if not note.recipient.email:
            continue
        try:
            send_mail(
                subject=_("[Sóng và máy tính cho em] %(message)s")
                % {"message": cut_at_word(note.message, SUBJECT_LIMIT)},
                message=notification_body(note),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[note.recipient.email],
            )
        except OSError:
            failed += 1
            continue
        Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        sent += 1
    if failed:
        raise OSError(f"{failed} notification e-mail(s) not sent")
    return sent


@transaction.atomic
def mark_notifications_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    role: Role,
    unit_code: str = "",
    full_name: str = "",
    email: str = "",
    password: str | None = None,
) -> User:
    """Create an account attached to the unit (school or district code) its role requires."""
    from django.core.exceptions import ValidationError

    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("Tên đăng nhập “%(u)s” đã tồn tại.") % {"u": username})
    user = User(username=username, role=role, full_name=full_name, email=email)
    if role.level == Role.Level.SCHOOL:
        user.school = School.objects.filter(code=unit_code).first()
        if user.school is None:
            raise ValidationError(_("Không tìm thấy trường có mã “%(c)s”.") % {"c": unit_code})
    elif role.level == Role.Level.DISTRICT:
        user.district = District.objects.filter(code=unit_code).first()
        if user.district is None:
            raise ValidationError(_("Không tìm thấy huyện có mã “%(c)s”.") % {"c": unit_code})
    elif role.level == Role.Level.COMMUNE:
        user.commune = Commune.objects.filter(generation_id=GENERATION_2025, code=unit_code).first()
        if user.commune is None:
            raise ValidationError(
                _("Không tìm thấy xã/phường (từ 1/7/2025) có mã “%(c)s”.") % {"c": unit_code}
            )
    elif role.level == Role.Level.PROVINCE:
        # A province code is unique per generation of units only (15 was Yên Bái until
        # 30/6/2025 and is the new Lào Cai since): the code names the newest province.
        user.province = (
            Province.objects.filter(code=unit_code).order_by("-generation_id").first()
            if unit_code
            else Province.objects.order_by("code").first()
        )
        if user.province is None:
            raise ValidationError(_("Không tìm thấy tỉnh có mã “%(c)s”.") % {"c": unit_code})
    else:
        user.is_staff = True
        user.is_superuser = True
    user.full_clean(exclude=["password"])
    if password:
        # The same rules as the password forms: 12 characters, not a common password.
        password_validation.validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record_audit(
        actor=actor, action="user.create", obj=user, changes={"role": role.code, "unit": unit_code}
    )
    if not password and email:
        # Without a password the account is activated by its owner (or from a printed code).
        issue_activation(actor=actor, user=user, channel=Activation.Channel.EMAIL)
    return user


@transaction.atomic
def deactivate_abolished_office_accounts(*, actor: User, users: Iterable[User]) -> list[User]:
    """Deactivate the accounts among ``users`` whose Phòng GD&ĐT is no longer in force
    (``User.office_is_abolished``); others are left alone. One audit entry each."""
    done: list[User] = []
    for user in users:
        if not (user.is_active and user.office_is_abolished):
            continue
        user.is_active = False
        user.save(update_fields=["is_active"])
        record_audit(
            actor=actor,
            action="user.deactivate_abolished_office",
            obj=user,
            changes={"is_active": [True, False]},
            district_id=user.district_id,
        )
        done.append(user)
    return done


def record_access(
    *,
    user: User,
    action: str,
    what: str,
    obj: models.Model | None = None,
    rows: int = 1,
    school_id: int | None = None,
    district_id: int | None = None,
) -> PersonalDataAccess:
    """Record that ``user`` viewed, revealed or exported pupil-level data (``rows`` of it).

    ``school_id``/``district_id`` name the unit the data belongs to (the user's own unit
    when not given), so that each unit's administrators see the accesses to its pupils.
    """
    if school_id is None and district_id is None:
        scope = user.scope
        school_id, district_id = scope.school_id, scope.district_id
    return PersonalDataAccess.objects.create(
        user=user if user.pk else None,
        action=action,
        what=str(what)[:200],
        content_type=(
            ContentType.objects.get_for_model(obj, for_concrete_model=False) if obj else None
        ),
        object_id=str(obj.pk) if obj else "",
        object_repr=str(obj)[:255] if obj else "",
        rows=max(int(rows), 0),
        school_id_snapshot=school_id,
        district_id_snapshot=district_id,
    )


def record_export(*, user: User, what: str, objects: Any) -> None:
    """An access record for an export of pupil-level data of ``objects`` (counted)."""
    rows = objects.count() if hasattr(objects, "count") and not isinstance(objects, list) else None
    record_access(
        user=user,
        action=PersonalDataAccess.Action.EXPORT,
        what=what,
        rows=rows if rows is not None else len(objects),
    )


# --------------------------------------------------------------------------- activation


class ActivationError(Exception):
    """An activation link or code that cannot be used; the message says why, in Vietnamese."""


def _close_activation(
    activation: Activation, *, status: str, audit_action: str, actor: User | None
) -> None:
    """End a pending activation (replaced, expired or locked) and audit it."""
    activation.status = status
    activation.closed_at = timezone.now()
    activation.save(update_fields=["status", "closed_at"])
    record_audit(
        actor=actor,
        action=audit_action,
        obj=activation.user,
        changes={"activation": activation.pk, "channel": activation.channel},
    )


@transaction.atomic
def issue_activation(*, actor: User | None, user: User, channel: str) -> tuple[Activation, str]:
    """Start (or start again) the activation of ``user``; returns the row and a printed code.

    Any earlier pending link or code stops working (audited as replaced, or expired when
    past its date).  An e-mailed link is sent after commit, through the outbox; a printed
    code is returned once and only its hash is kept (empty for e-mail).
    """
    now = timezone.now()
    for old in Activation.objects.select_for_update().filter(
        user=user, status=Activation.Status.PENDING
    ):
        if old.expires_at <= now:
            _close_activation(
                old,
                status=Activation.Status.EXPIRED,
                audit_action="activation.expired",
                actor=actor,
            )
        else:
            _close_activation(
                old,
                status=Activation.Status.REPLACED,
                audit_action="activation.replaced",
                actor=actor,
            )
    activation = Activation(
        user=user,
        channel=channel,
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.ACTIVATION_DAYS),
        issued_by=actor if actor is not None and actor.pk else None,
    )
    code = ""
    if channel == Activation.Channel.SHEET:
        code = tokens.new_code()
        activation.code_hash = tokens.code_hash(user.pk, code)
    activation.save()
    record_audit(
        actor=actor,
        action="activation.issued",
        obj=user,
        changes={
            "activation": activation.pk,
            "channel": channel,
            "expires_at": activation.expires_at,
        },
    )
    if channel == Activation.Channel.EMAIL:
        from taskqueue.services import enqueue_durably

        enqueue_durably("accounts.services.email_activation", activation.pk)
    return activation, code


def activation_link(activation: Activation) -> str:
    """The absolute one-time link of an e-mailed activation."""
    path = reverse("accounts:activate_link", args=[activation.pk, tokens.link_token(activation)])
    return absolute_url(path)


def email_activation(activation_id: int) -> bool:
    """Send the activation e-mail once; safe to run twice (a sent or closed one is skipped)."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation

    activation = (
        Activation.objects.select_related("user")
        .filter(pk=activation_id, status=Activation.Status.PENDING, sent_at__isnull=True)
        .first()
    )
    if activation is None or not activation.user.email:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "user": activation.user,
            "link": activation_link(activation),
            "expires_at": activation.expires_at,
        }
        send_mail(
            subject=_("[Sóng và máy tính cho em] Kích hoạt tài khoản %(u)s")
            % {"u": activation.user.username},
            message=render_to_string("accounts/activation_email.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[activation.user.email],
        )
    Activation.objects.filter(pk=activation.pk).update(sent_at=timezone.now())
    return True


def _check_open(activation: Activation) -> None:
    """Raise unless ``activation`` can still be used; an expired one is closed (audited)."""
    if activation.status == Activation.Status.USED:
        raise ActivationError(_("Tài khoản đã được kích hoạt. Hãy đăng nhập."))
    if activation.status != Activation.Status.PENDING:
        raise ActivationError(
            _("Mã kích hoạt này không còn dùng được. Hãy liên hệ quản trị viên để nhận mã mới.")
        )
    if activation.expires_at <= timezone.now():
        _close_activation(
            activation,
            status=Activation.Status.EXPIRED,
            audit_action="activation.expired",
            actor=None,
        )
        raise ActivationError(
            _("Mã kích hoạt đã hết hạn. Hãy liên hệ quản trị viên để nhận mã mới.")
        )


def activation_for_link(pk: int, token: str) -> Activation:
    """The e-mailed activation ``pk`` if ``token`` is its link's and it is still open."""
    activation = Activation.objects.select_related("user").filter(pk=pk).first()
    if activation is None or not tokens.link_token_matches(activation, token):
        raise ActivationError(
            _("Đường dẫn kích hoạt không hợp lệ hoặc đã được dùng. Hãy liên hệ quản trị viên.")
        )
    _check_open(activation)
    return activation


def activation_for_code(username: str, code: str) -> Activation:
    """The open printed-code activation of ``username`` if ``code`` is its code.

    A wrong code counts against the account; after ``ACTIVATION_MAX_ATTEMPTS`` the code is
    locked (audited) and a new sheet must be printed.  Unknown user and wrong code give the
    same answer, so the page does not tell which usernames exist.
    """
    wrong = ActivationError(_("Tên đăng nhập hoặc mã kích hoạt không đúng."))
    activation = (
        Activation.objects.select_related("user")
        .filter(
            user__username__iexact=username.strip(),
            channel=Activation.Channel.SHEET,
            status=Activation.Status.PENDING,
        )
        .first()
    )
    if activation is None:
        raise wrong
    if not tokens.code_matches(activation, code):
        activation.failed_attempts += 1
        activation.save(update_fields=["failed_attempts"])
        if activation.failed_attempts >= settings.ACTIVATION_MAX_ATTEMPTS:
            _close_activation(
                activation,
                status=Activation.Status.LOCKED,
                audit_action="activation.locked",
                actor=None,
            )
        raise wrong
    _check_open(activation)
    return activation


@transaction.atomic
def activate_account(*, activation: Activation, password: str) -> User:
    """Set the first password of the account (password rules apply) and spend the activation."""
    locked = Activation.objects.select_for_update().select_related("user").get(pk=activation.pk)
    _check_open(locked)
    user = locked.user
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    locked.status = Activation.Status.USED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    record_audit(
        actor=user,
        action="activation.used",
        obj=user,
        changes={"activation": locked.pk, "channel": locked.channel},
    )
    return user


def print_activation_codes(
    *, actor: User, users: Iterable[User]
) -> list[tuple[User, str, dt.datetime]]:
    """New printed codes for ``users`` (earlier links and codes stop working), in one transaction."""
    with transaction.atomic():
        issued = []
        for user in users:
            activation, code = issue_activation(
                actor=actor, user=user, channel=Activation.Channel.SHEET
            )
            issued.append((user, code, activation.expires_at))
    return issued
