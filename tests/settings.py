"""Settings for the test suite: the real settings, with test-only speed-ups and isolated files."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "comptoir-tests")
os.environ.setdefault("TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("SECURE_COOKIES", "0")

from comptoir.settings import *  # noqa: F403
from comptoir.settings import DATABASES

# A file, not memory, for SQLite: concurrency tests open several connections that must share the data.
# pytest-django adds the xdist worker's suffix, so parallel workers do not share a file.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The process id keeps concurrent runs (several terminals, CI jobs) apart too; the temporary folder keeps
    # the repository clean (SQLite leaves -wal and -shm files beside a database; conftest removes them).
    TEST_DB_DIR = os.path.join(tempfile.gettempdir(), "comptoir-tests")
    os.makedirs(TEST_DB_DIR, exist_ok=True)
    DATABASES["default"]["TEST"]["NAME"] = os.path.join(TEST_DB_DIR, f"test_{os.getpid()}.sqlite3")

MEDIA_ROOT = tempfile.mkdtemp(prefix="comptoir-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="comptoir-static-")  # WhiteNoise wants it to exist; tests use finders
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost", "shop.example.fr", "shop.example.com"]
