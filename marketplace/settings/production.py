"""Production settings: HTTPS only, secure cookies, HSTS; secrets must come from the environment."""

import os

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
if SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 50:  # noqa: F405
    raise ImproperlyConfigured("Set SECRET_KEY (at least 50 random characters) in production.")
# Staff TOTP secrets are encrypted with these keys: never derived from SECRET_KEY here, so a
# leaked SECRET_KEY alone does not open them, and rotating SECRET_KEY does not lock staff out.
if not os.environ.get("MFA_ENCRYPTION_KEYS", "").strip():
    raise ImproperlyConfigured(
        "Set MFA_ENCRYPTION_KEYS in production: one or more Fernet keys, comma-separated "
        "(make one with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())').")
for _key in MFA_ENCRYPTION_KEYS:  # noqa: F405
    try:
        Fernet(_key.encode())
    except ValueError as exc:
        raise ImproperlyConfigured("MFA_ENCRYPTION_KEYS holds a key that is not a Fernet key "
                                   "(32 url-safe base64-encoded bytes).") from exc

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)  # noqa: F405
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# Each app-server worker keeps its database connection between requests, checked before it
# is reused: opening one per request cost more than most pages' own work (bench/RESULTS.md).
# CONN_MAX_AGE=0 returns to one connection per request (e.g. behind PgBouncer).
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
# Static files (Bootstrap included) are served by WhiteNoise from collectstatic's output.
MIDDLEWARE = [
    MIDDLEWARE[0],  # noqa: F405  (SecurityMiddleware stays first)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],  # noqa: F405
]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
