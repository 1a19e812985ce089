"""The app's settings, with static files collected to a temporary directory for the benchmarks.

Everything else (DEBUG off, SECRET_KEY, ALLOWED_HOSTS, BEHIND_TLS_PROXY, DATABASE_URL) comes
from the environment exactly as in production; bench/http_load.py sets it.
"""
import os

from kineret_pa.settings import *  # noqa: F401,F403

STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", STATIC_ROOT)  # noqa: F405

# collectstatic with the production storage (CompressedManifestStaticFilesStorage) currently fails:
# static/vendor/bootstrap/bootstrap.bundle.min.js names a source map that is not vendored. Until that
# is fixed in the app, the benchmark serves the same files through whitenoise without the manifest.
if os.environ.get("BENCH_STATIC_MANIFEST", "") != "true":
    STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}}  # noqa: F405
