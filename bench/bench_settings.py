"""The app's settings, with static files collected to a temporary directory for the benchmarks.

Everything else (DEBUG off, SECRET_KEY, ALLOWED_HOSTS, BEHIND_TLS_PROXY, DATABASE_URL) comes
from the environment exactly as in production, static files included (whitenoise with the
compressed manifest storage); bench/http_load.py sets it.
"""

import os

from kineret_pa.settings import *  # noqa: F401,F403

STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", STATIC_ROOT)  # noqa: F405
