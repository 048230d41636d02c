"""Password rules in the portal's own words."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with a Vietnamese message.

    Django 5.2 changed the wording of its "too short" message and its Vietnamese catalog
    has not caught up, so the error would reach users in English.
    """

    def get_error_message(self) -> str:
        return _("Mật khẩu quá ngắn: cần ít nhất %(n)d ký tự.") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("Mật khẩu cần ít nhất %(n)d ký tự.") % {"n": self.min_length}
