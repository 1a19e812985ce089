import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The named users are created per test; a fast hasher keeps the review suite quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
