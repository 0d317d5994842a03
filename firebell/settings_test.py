"""Settings for the test suite: the real settings with a fixed key and eager-free Celery.

Services come from the same variables as in production (`DATABASE_URL`, `REDIS_URL`,
`CELERY_BROKER_URL`); unset, the suite runs on SQLite and skips what needs the real servers.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret-" + "x" * 40)

from firebell.settings import *  # noqa: F403
from firebell.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    DATABASES["default"]["TEST"] = {"NAME": ""}

# Administrators must use two-factor sign-in in production (the default). Tests sign admins in
# with force_login, so it is off here unless a test turns it on (tests/accounts/test_mfa.py does).
FIREBELL_MFA_REQUIRED_FOR_ADMINS = os.environ.get("FIREBELL_MFA_REQUIRED_FOR_ADMINS", "0") == "1"

# Tasks queued by code under test run in-process; tests that start a real worker switch this off.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "1") == "1"
