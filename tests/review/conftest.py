import datetime as dt
from zoneinfo import ZoneInfo

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The named users are created per test; a fast hasher keeps the review suite quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock(monkeypatch):
    """Stop the clock the services read (timezone.now) at a New York wall-clock time, the app's time zone,
    so that dates such as an approval's end are written by hand."""
    from django.utils import timezone

    def set_to(*wall_clock: int) -> None:
        moment = dt.datetime(*wall_clock, tzinfo=ZoneInfo("America/New_York")).astimezone(dt.UTC)
        monkeypatch.setattr(timezone, "now", lambda: moment)  # in UTC, as timezone.now() gives it

    return set_to
