"""Benchmark settings for the bare view with no middleware at all (bench/nomiddleware.py):
Django itself with nothing installed, so the report can say what the app's middleware stack
(and the apps that need it) cost per request. It touches no database."""

SECRET_KEY = "bench-" + "x" * 60
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.nomiddleware"
DATABASES: dict = {}
USE_TZ = True
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "root": {"handlers": [], "level": "WARNING"}}
