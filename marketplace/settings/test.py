"""Test settings: fast hashing, in-memory mail, media in a temporary folder."""

import os
import tempfile

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="marketplace-test-media-")
# Checkpoints go to a folder of their own per run, signed by a key known only to the tests.
CHECKPOINT_DIR = Path(tempfile.mkdtemp(prefix="marketplace-test-checkpoints-"))  # noqa: F405
CHECKPOINT_SIGNING_KEY = "mY2jFYxU5z7Yt7HOoIm/bqmOuJAyam7sbpk0bhwb4bc="
CHECKPOINT_PUBLIC_KEYS = ["gjIQJUj2PifBxXuLy6fl2TpPxUSiw9vCpsNHoOVmejo="]
ALLOWED_HOSTS = ["*"]
SITE_URL = "http://testserver"
# Rate limits and throttles are tested on their own (marketplace/tests/test_throttle.py);
# elsewhere they only add noise.
ACCOUNT_RATE_LIMITS = False
THROTTLES = {}
LOGGING = {"version": 1, "disable_existing_loggers": False}
if os.environ.get("TEST_SQL_LOG"):
    LOGGING = {
        "version": 1,
        "handlers": {"console": {"class": "logging.StreamHandler"}},
        "loggers": {"django.db.backends": {"level": "DEBUG", "handlers": ["console"]}},
    }

# The suite runs as the owner: it creates and migrates the test database (which grants the
# app role its privileges) and empties it between tests with TRUNCATE. The privilege tests
# connect as the app role (APP_DATABASE), as do the app servers and sweepers that the cluster
# and fault tests start.
APP_DATABASE = DATABASES["default"]  # noqa: F405
DATABASES = {"default": DATABASE_OWNER}  # noqa: F405
# Each run gets its own PostgreSQL test database, so runs side by side never collide.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["TEST"] = {
        "NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"
    }

# Tasks: the production database backend (each task row is written in the caller's
# transaction and vanishes with a rollback), plus: a task due now runs as soon as that
# transaction commits, as an idle worker would. So `django_capture_on_commit_callbacks(
# execute=True)` and `mailoutbox` see a service's mail only after its commit, through the
# real task. Tests of the queue itself (retries, the worker, races) use the plain backend.
TASKS = {"default": {"BACKEND": "marketplace.tests.tasks.RunAfterCommitBackend",
                     "QUEUES": TASK_QUEUES}}  # noqa: F405

# Rendered rows are keyed by ids, which each test database (one per xdist worker, reused
# after a rollback) hands out again: each test process keeps its own, emptied per test.
CACHES = {**CACHES,  # noqa: F405
          "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": "pages-test"}}
