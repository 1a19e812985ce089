"""A real PostgreSQL stopped mid-flow: signed-in pages, form steps and the API answer the documented 503, never
a 500, and what was saved before the outage is there when the database is back.

The app runs in a process of its own (production settings, DEBUG off) on a throwaway PostgreSQL cluster that
the fixture makes with initdb in a temporary directory and serves on a free port of its own, never the shared
server; the tests stop and start that cluster with pg_ctl. PostgreSQL refuses to run as root, so under root
(as in CI) the cluster runs as the `postgres` OS user.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from kineret_pa.middleware import MSG_UNAVAILABLE
from tests.conftest import FEP_RA

ROOT = Path(__file__).resolve().parents[2]
USERNAME, PASSWORD = "dr_outage", "outage-pass-9x!Q"
POLICY_STEP = {
    "policy-policy": "fep-5.70.050",
    "policy-plan": "standard",
    "policy-benefit": "pharmacy",
    "policy-request_type": "initial",
    "policy-urgency": "standard",
    "policy-date_of_service": "2026-06-15",
}
PATIENT_STEP = {"patient-patient_name": "Pat Outage", "patient-member_id": "MBR-503", "patient-age_years": "40"}
STEP_URL = re.compile(r"^/requests/([0-9a-f-]{36})/edit/([a-z_]+)/$")

# The app's settings as in production (DEBUG off), but over plain HTTP on loopback and with static files
# served without collectstatic: neither is what these tests look at.
APP_SETTINGS = """from kineret_pa.settings import *  # noqa: F403
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
"""

# Migrated, the policies loaded, and a prescriber with a profile and an API token (printed).
APP_SETUP = f"""import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from kineret_pa.accounts.models import ApiToken
from kineret_pa.accounts.roles import PRESCRIBER
from kineret_pa.pa_requests.models import PrescriberProfile
call_command("migrate", verbosity=0)
call_command("load_policies", verbosity=0)
user = get_user_model().objects.create_user(username={USERNAME!r}, password={PASSWORD!r})
user.groups.add(Group.objects.get(name=PRESCRIBER))
PrescriberProfile.objects.create(user=user, full_name="Dr Outage", specialty="Rheumatology", npi="1234567893",
                                 phone="555-0100", fax="555-0101")
print(ApiToken.issue(user=user, name="outage")[1])
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


class Cluster:
    """A PostgreSQL cluster in a temporary directory, on its own port."""

    def __init__(self, bindir: Path, directory: Path):
        self.bindir, self.directory, self.port = bindir, directory, _free_port()
        self.data = directory / "data"
        # PostgreSQL refuses root: as root (CI), run it as the postgres OS user, which owns the directory.
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(directory, user="postgres")

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [*self.as_owner, str(self.bindir / tool), *args],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=self.directory,
        )
        assert done.returncode == 0, f"{tool}: {done.stdout}{done.stderr}"

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.directory / "server.log"),
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test looks at each redirect itself


class Browser:
    """Cookies and the CSRF token, as a browser keeps them; every answer returned, whatever its status."""

    def __init__(self, base: str, *, cookies: bool = True):
        self.base, self.jar = base, CookieJar()
        handlers = [_NoRedirect()] + ([urllib.request.HTTPCookieProcessor(self.jar)] if cookies else [])
        self.opener = urllib.request.build_opener(*handlers)

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def request(
        self,
        method: str,
        path: str,
        data: dict | None = None,
        *,
        body: bytes | None = None,
        headers: dict | None = None,
    ) -> tuple[int, dict, str]:
        headers = dict(headers or {})
        if data is not None:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf(), **data}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
            return error.code, dict(error.headers), error.read().decode()


class App:
    def __init__(self, cluster: Cluster, base: str, token: str, draft_id: str, browser: Browser):
        self.cluster, self.base, self.token, self.draft_id, self.browser = cluster, base, token, draft_id, browser

    @contextlib.contextmanager
    def database_stopped(self):
        self.cluster.stop()
        try:
            yield
        finally:
            self.cluster.start()

    def draft_wizard(self) -> dict:
        import psycopg

        with psycopg.connect(self.cluster.url("kineret_pa_outage"), connect_timeout=10) as connection:
            query = "SELECT wizard FROM pa_requests_parequest WHERE id = %s"
            (wizard,) = connection.execute(query, [self.draft_id]).fetchone()
        return wizard  # psycopg reads a jsonb column as a dict


def _wait_until_serving(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the app did not start:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.2)
    pytest.fail(f"the app did not answer within 30 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def app():
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL's initdb is not installed: no throwaway cluster to stop")
    directory = Path(tempfile.mkdtemp(prefix="kpa-outage-"))
    cluster, server, app_dir = Cluster(bindir, directory), None, None
    try:
        cluster.init()
        cluster.start()
        import psycopg

        with psycopg.connect(cluster.url("postgres"), autocommit=True, connect_timeout=10) as connection:
            connection.execute("CREATE DATABASE kineret_pa_outage")
        app_dir = Path(tempfile.mkdtemp(prefix="kpa-outage-app-"))
        (app_dir / "outage_settings.py").write_text(APP_SETTINGS)
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL_FILE", "SECRET_KEY_FILE", "DJANGO_ALLOW_ASYNC_UNSAFE")
        }
        env.update(
            {
                "DATABASE_URL": cluster.url("kineret_pa_outage"),
                "DEBUG": "false",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "SECURE_SSL_REDIRECT": "false",
                "DJANGO_SETTINGS_MODULE": "outage_settings",
                "PYTHONPATH": f"{app_dir}{os.pathsep}{ROOT}",
            }
        )
        setup = subprocess.run(
            [sys.executable, "-c", APP_SETUP], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert setup.returncode == 0, setup.stderr[-3000:]
        token = setup.stdout.strip().splitlines()[-1]

        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log = app_dir / "server.log"
        with open(log, "w") as out:
            server = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait_until_serving(base, server, log)

        # Signed in, a draft started and its first step saved: all before the outage.
        browser = Browser(base)
        assert browser.request("GET", "/accounts/login/")[0] == 200
        status, headers, _ = browser.request("POST", "/accounts/login/", {"username": USERNAME, "password": PASSWORD})
        assert status == 302, "sign-in failed"
        status, headers, _ = browser.request("POST", "/requests/new/", {})
        match = STEP_URL.match(headers.get("Location", ""))
        assert status == 302 and match, (status, headers)
        draft_id = match.group(1)
        status, headers, _ = browser.request(
            "POST", f"/requests/{draft_id}/edit/policy/", {"wizard-current_step": "policy", **POLICY_STEP}
        )
        assert status == 302 and headers["Location"].endswith("/edit/patient/"), status
        yield App(cluster, base, token, draft_id, browser)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
        with contextlib.suppress(Exception):
            cluster.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)
        if app_dir is not None:
            shutil.rmtree(app_dir, ignore_errors=True)


def test_a_signed_in_page_is_the_503_page_while_the_database_is_stopped(app):
    with app.database_stopped():
        status, headers, page = app.browser.request("GET", "/requests/")

    assert status == 503
    assert MSG_UNAVAILABLE in page and "Traceback" not in page and "Server Error" not in page
    assert headers["Retry-After"] == "30"
    # Back again: the same session goes on where it was.
    assert app.browser.request("GET", "/requests/")[0] == 200


def test_a_form_step_posted_while_the_database_is_stopped_is_a_503_and_the_draft_is_intact_after(app):
    with app.database_stopped():
        status, _, page = app.browser.request(
            "POST", f"/requests/{app.draft_id}/edit/patient/", {"wizard-current_step": "patient", **PATIENT_STEP}
        )
        assert status == 503
        assert MSG_UNAVAILABLE in page

    # The answers saved before the outage are all there (what was posted during it could not be saved).
    step_data = app.draft_wizard()["step_data"]
    assert step_data["policy"] == {
        "policy-policy": ["fep-5.70.050"],
        "policy-plan": ["standard"],
        "policy-benefit": ["pharmacy"],
        "policy-request_type": ["initial"],
        "policy-urgency": ["standard"],
        "policy-date_of_service": ["2026-06-15"],
    }
    assert "patient" not in step_data
    status, _, page = app.browser.request("GET", f"/requests/{app.draft_id}/edit/policy/")
    assert status == 200 and 'value="2026-06-15"' in page


@pytest.mark.parametrize("signed_in", [True, False], ids=["from a signed-in browser", "token only"])
def test_the_api_answers_503_in_its_error_shape_while_the_database_is_stopped(app, signed_in):
    caller = app.browser if signed_in else Browser(app.base, cookies=False)
    with app.database_stopped():
        status, headers, body = caller.request(
            "POST",
            "/api/v1/determinations",
            body=json.dumps(FEP_RA).encode(),
            headers={"Authorization": f"Bearer {app.token}", "Content-Type": "application/json"},
        )

    assert status == 503
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"errors": {"service": [MSG_UNAVAILABLE]}}
    assert headers["Retry-After"] == "30"
