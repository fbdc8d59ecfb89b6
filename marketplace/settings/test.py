"""Test settings: fast hashing, in-memory mail, media in a temporary folder."""

import os
import tempfile

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="marketplace-test-media-")
ALLOWED_HOSTS = ["*"]
SITE_URL = "http://testserver"
# Rate limits are tested on their own, with their own cache; elsewhere they only add noise.
ACCOUNT_RATE_LIMITS = False
LOGGING = {"version": 1, "disable_existing_loggers": False}
if os.environ.get("TEST_SQL_LOG"):
    LOGGING = {
        "version": 1,
        "handlers": {"console": {"class": "logging.StreamHandler"}},
        "loggers": {"django.db.backends": {"level": "DEBUG", "handlers": ["console"]}},
    }

# Each run gets its own PostgreSQL test database, so runs side by side never collide.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"  # noqa: F405
    }

# Tasks: the production database backend (each task row is written in the caller's
# transaction and vanishes with a rollback), plus: a task due now runs as soon as that
# transaction commits, as an idle worker would. So `django_capture_on_commit_callbacks(
# execute=True)` and `mailoutbox` see a service's mail only after its commit, through the
# real task. Tests of the queue itself (retries, the worker, races) use the plain backend.
TASKS = {"default": {"BACKEND": "marketplace.tests.tasks.RunAfterCommitBackend",
                     "QUEUES": TASK_QUEUES}}  # noqa: F405
