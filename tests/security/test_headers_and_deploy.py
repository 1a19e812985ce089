"""Security headers on every page, and production settings that pass `check --deploy`."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pages_send_a_content_security_policy_without_inline_scripts(client, db):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_templates_hold_no_inline_script():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert "<script>" not in text and "onclick=" not in text, template


def _manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set only for browser tests
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**base, "DATABASE_URL": "", **env},
    )


def test_production_settings_pass_check_deploy():
    done = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="pa.example.org",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_production_refuses_to_start_with_the_development_secret():
    done = _manage("check", DEBUG="false", SECRET_KEY="")
    assert done.returncode != 0
    assert "Set SECRET_KEY in the environment" in done.stderr


def test_production_static_files_collect_with_hashed_names(tmp_path):
    """whitenoise's manifest storage fails on a missing referenced file (e.g. a source map)."""
    done = _manage(
        "collectstatic",
        "--no-input",
        "-v0",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="pa.example.org",
        STATIC_ROOT=str(tmp_path),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "staticfiles.json").exists()
    assert list((tmp_path / "vendor" / "bootstrap").glob("bootstrap.min.*.css"))


def test_a_malformed_number_setting_names_the_variable():
    done = _manage("check", SESSION_IDLE_SECONDS="thirty minutes")
    assert done.returncode != 0
    assert "SESSION_IDLE_SECONDS must be a whole number, not 'thirty minutes'" in done.stderr


def test_the_secret_key_may_come_from_a_file(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text(secrets.token_urlsafe(50) + "\n")
    done = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY_FILE=str(secret),
        ALLOWED_HOSTS="pa.example.org",
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_secret_given_twice_is_refused(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text(secrets.token_urlsafe(50))
    done = _manage("check", DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), SECRET_KEY_FILE=str(secret))
    assert done.returncode != 0
    assert "Set SECRET_KEY or SECRET_KEY_FILE, not both." in done.stderr


def test_an_unreadable_secret_file_is_refused_in_words(tmp_path):
    done = _manage("check", DEBUG="false", SECRET_KEY_FILE=str(tmp_path / "missing"))
    assert done.returncode != 0
    assert "SECRET_KEY_FILE names a file that cannot be read: No such file or directory" in done.stderr
