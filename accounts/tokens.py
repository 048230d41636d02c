"""The secrets of account activation: link tokens derived from the row, printed codes hashed.

Nothing here is stored in clear.  A link's token is an HMAC of the activation row and the
user's current password hash, so it can be recomputed when the e-mail is (re)sent and stops
working as soon as a password is set; a printed code is random and only its keyed hash is kept.
"""

from __future__ import annotations

import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import Activation

# No 0/O, 1/I/L: the code is read off paper and typed by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def link_token(activation: Activation) -> str:
    value = f"{activation.pk}:{activation.created_at.timestamp()}:{activation.user.password}"
    return salted_hmac("accounts.activation.link", value, algorithm="sha256").hexdigest()[:40]


def link_token_matches(activation: Activation, token: str) -> bool:
    return constant_time_compare(token, link_token(activation))


def new_code() -> str:
    """A random code printed as two groups of five, e.g. ``"K7QMX-3RT9P"``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalize_code(code: str) -> str:
    """What the user typed, without spaces or dashes, upper case."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(user_id: int, code: str) -> str:
    value = f"{user_id}:{normalize_code(code)}"
    return salted_hmac("accounts.activation.code", value, algorithm="sha256").hexdigest()


def code_matches(activation: Activation, code: str) -> bool:
    return bool(activation.code_hash) and constant_time_compare(
        activation.code_hash, code_hash(activation.user_id, code)
    )
