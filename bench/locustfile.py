"""Locust scenarios for bench/http_load.py (run headless by it; not meant to be run by hand).

BENCH_SCENARIO picks one: healthz (the stack's ceiling), api, form (a prescriber walks the
whole form and submits) or review (a reviewer opens the queue, then a request). Sessions
come from BENCH_SESSIONS, made by bench/http_load.py through the real sign-in (and second factor).

The app runs with DEBUG off behind an imagined TLS proxy (BEHIND_TLS_PROXY=true): requests
carry X-Forwarded-Proto: https, and the Secure cookies are sent by hand, as the proxy would
pass them on.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, constant, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scenarios import API_REQUESTS, WALKS, step_post  # noqa: E402

SCENARIO = os.environ.get("BENCH_SCENARIO", "healthz")
SESSIONS = json.loads(Path(os.environ["BENCH_SESSIONS"]).read_text()) if os.environ.get("BENCH_SESSIONS") else {}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STEP_URL = re.compile(r"/requests/([0-9a-f-]{36})/edit/([a-z_]+)/$")
REVIEW_LINK = re.compile(r'href="(/review/[0-9a-f-]{36}/)"')
API_BODIES = [json.dumps(r) for r in API_REQUESTS]
_numbers = itertools.count()


class BenchUser(FastHttpUser):
    wait_time = constant(0)  # closed loop: each simulated user sends its next request as soon as it can

    def on_start(self):
        self.n = next(_numbers)
        self.base = {"X-Forwarded-Proto": "https"}
        if SCENARIO in ("form", "review"):
            session = SESSIONS["prescribers" if SCENARIO == "form" else "reviewers"][
                self.n % len(SESSIONS["prescribers"])
            ]
            self.base["Cookie"] = f"sessionid={session['sessionid']}; csrftoken={session['csrftoken']}"
            self.origin = SESSIONS["origin"]
        self.rng = random.Random(self.n)

    def _get(self, path, name):
        with self.client.get(path, headers=self.base, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
            return r

    def _post_form(self, path, data, name, expect=302):
        headers = dict(self.base, Origin=self.origin, **{"Content-Type": "application/x-www-form-urlencoded"})
        with self.client.post(
            path, data=urlencode(data), headers=headers, name=name, allow_redirects=False, catch_response=True
        ) as r:
            if r.status_code != expect:
                r.failure(f"status {r.status_code}")
            return r

    @task
    def iteration(self):
        getattr(self, f"scenario_{SCENARIO}")()

    # ------------------------------------------------------------------ scenarios

    def scenario_healthz(self):
        self._get("/healthz", "GET /healthz")

    def scenario_api(self):
        headers = dict(
            self.base, Authorization=f"Bearer {SESSIONS['api_token']}", **{"Content-Type": "application/json"}
        )
        body = API_BODIES[self.rng.randrange(len(API_BODIES))]
        with self.client.post(
            "/api/v1/determinations",
            data=body,
            headers=headers,
            name="POST /api/v1/determinations",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}: {r.text[:200]}")

    def scenario_form(self):
        walk = WALKS[self.rng.choice(sorted(WALKS))]
        page = self._get("/requests/", "GET /requests/ (my requests)")
        token = _csrf(page)
        r = self._post_form("/requests/new/", {"csrfmiddlewaretoken": token}, "POST /requests/new/")
        location = r.headers.get("Location", "") if r.status_code == 302 else ""
        for _ in range(12):  # at most every step once, and the review
            match = STEP_URL.search(location)
            if not match:
                break
            step = match.group(2)
            if step == "finished":
                r = self.client.get(location, headers=self.base, name="GET step finished", allow_redirects=False)
                location = r.headers.get("Location", "")
                self._get(location, "GET /requests/<id>/ (determination)")
                return
            page = self._get(location, f"GET step {step}")
            data = step_post(step, walk)
            data["csrfmiddlewaretoken"] = _csrf(page)
            r = self._post_form(location, data, f"POST step {step}")
            location = r.headers.get("Location", "") if r.status_code == 302 else ""

    def scenario_review(self):
        page = self._get("/review/", "GET /review/ (queue)")
        links = REVIEW_LINK.findall(page.text or "")
        if links:
            self._get(self.rng.choice(links), "GET /review/<id>/ (request)")


def _csrf(response) -> str:
    match = CSRF_INPUT.search(response.text or "")
    return match.group(1) if match else ""
