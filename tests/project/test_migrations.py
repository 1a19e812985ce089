"""Every model change has its migration: a missing one fails the suite (and bin/test before it)."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_its_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:  # makemigrations --check exits 1 when a migration would be written
        pytest.fail(f"A model change has no migration (run manage.py makemigrations):\n{out.getvalue()}")
    assert "Migrations for" not in out.getvalue()
