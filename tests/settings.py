"""Settings for the test suite: the real settings, made fast and deterministic."""

import os
import tempfile

# Long enough for the production check on SECRET_KEY (the suite runs with DEBUG off).
os.environ.setdefault(
    "SECRET_KEY", "test-suite-key-7Qv9pL2kR8mN4wT6zB1yH3cF5-not-used-in-any-deployment"
)
os.environ.setdefault("DEBUG", "False")
os.environ.pop("REDIS_URL", None)

from laocai_portal.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="laocai-test-media-"))  # noqa: F405
STATIC_ROOT = MEDIA_ROOT / "static"
STATIC_ROOT.mkdir()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["*"]
LANGUAGE_CODE = "vi"
# Static instances of the PDF font take seconds to build: keep them between runs.
FONT_CACHE_DIR = Path(tempfile.gettempdir()) / "laocai-test-fonts"  # noqa: F405
# Two-factor login is on in production for administrators and the province; tests that
# are about it turn it on with override_settings, the others log in with one factor.
OTP_REQUIRED_FOR: list[str] = []
