"""Benchmark settings: production's middleware and static files, on loopback HTTP, with
mail discarded (the benchmarks measure the application, not a mail server)."""

import os

os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# A fixed Fernet key: benchmark data is thrown away, nobody's second factor is at stake.
os.environ.setdefault("MFA_ENCRYPTION_KEYS", "YmVuY2gtb25seS1tZmEta2V5LW5vdC1hLXNlY3JldC0=")

from .production import *  # noqa: F403

ALLOWED_HOSTS = ["*"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
ROOT_URLCONF = "bench.urls"
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "root": {"handlers": [], "level": "WARNING"}}
