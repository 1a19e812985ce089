"""Queries per page, in process: Django's test client under CaptureQueriesContext.

    .venv/bin/python bench/queries.py [--json FILE]

Uses the database DATABASE_URL names, after bench/seed.py --users 1 (bench_prescriber_0,
bench_reviewer_0 with their second factor). Each page is requested once to warm the
per-process caches, then measured: the figure is what a warm worker runs per request.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kineret_pa.settings")
os.environ.setdefault("MAX_OPEN_DRAFTS", "1000000")  # seed.py gives the bench prescriber ~10% of the requests as drafts

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from scenarios import API_REQUESTS, WALKS, step_post  # noqa: E402

from kineret_pa.accounts.models import ApiToken  # noqa: E402
from kineret_pa.pa_requests.models import PARequest  # noqa: E402

STEP_URL = re.compile(r"/requests/([0-9a-f-]{36})/edit/([a-z_]+)/$")
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https", "wsgi.url_scheme": "https"}


def measure(client_call) -> tuple[int, float, object]:
    client_call()  # warm
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client_call()
        elapsed = (time.perf_counter() - started) * 1000
    return len(captured.captured_queries), elapsed, response


def _signed_in(username: str, second_factor: bool = False) -> Client:
    client = Client(**HTTPS)
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    if second_factor:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=user, confirmed=True).first().persistent_id
        session.save()
    return client


def run() -> list[dict]:
    rows: list[dict] = []

    def add(page, queries, ms, response, expect=(200,)):
        status = response.status_code
        rows.append({"page": page, "queries": queries, "ms": round(ms, 1), "status": status, "ok": status in expect})

    anonymous = Client(**HTTPS)
    add("GET /healthz", *measure(lambda: anonymous.get("/healthz")))

    api = Client(**HTTPS)
    token = ApiToken.issue(user=get_user_model().objects.get(username="bench_prescriber_0"), name="bench-queries")[1]
    for data in API_REQUESTS[:: len(API_REQUESTS) // 3]:
        add(
            f"POST /api/v1/determinations ({data['policy']})",
            *measure(
                lambda data=data: api.post(
                    "/api/v1/determinations",
                    json.dumps(data),
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {token}",
                )
            ),
        )

    prescriber = _signed_in("bench_prescriber_0")
    add("GET /requests/ (my requests)", *measure(lambda: prescriber.get("/requests/")))
    # The whole form, twice (the first walk warms each step), counting the second.
    for walk_number in range(2):
        counted = walk_number == 1
        with CaptureQueriesContext(connection) as captured:
            response = prescriber.post("/requests/new/")
        if counted:
            add("POST /requests/new/", len(captured.captured_queries), 0.0, response, (302,))
        location = response["Location"]
        while True:
            step = STEP_URL.search(location).group(2)
            if step == "finished":
                with CaptureQueriesContext(connection) as captured:
                    response = prescriber.get(location)
                if counted:
                    add("GET step finished (submit)", len(captured.captured_queries), 0.0, response, (302,))
                detail = response["Location"]
                break
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = prescriber.get(location)
                ms = (time.perf_counter() - started) * 1000
            if counted:
                add(f"GET step {step}", len(captured.captured_queries), ms, response)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = prescriber.post(location, step_post(step, WALKS["fep"]))
                ms = (time.perf_counter() - started) * 1000
            if counted:
                add(f"POST step {step}", len(captured.captured_queries), ms, response, (302,))
            if response.status_code != 302:
                raise SystemExit(f"step {step} did not validate: {response.status_code}")
            location = response["Location"]
    add("GET /requests/<id>/ (determination)", *measure(lambda: prescriber.get(detail)))

    reviewer = _signed_in("bench_reviewer_0", second_factor=True)
    add("GET /review/ (queue)", *measure(lambda: reviewer.get("/review/")))
    add("GET /review/?page=5", *measure(lambda: reviewer.get("/review/?page=5")))
    queued = (
        PARequest.objects.filter(status=PARequest.Status.PENDED)
        .exclude(owner__username="bench_prescriber_0")
        .order_by("due_at")
        .values_list("pk", flat=True)
        .first()
    )
    add("GET /review/<id>/ (request)", *measure(lambda: reviewer.get(f"/review/{queued}/")))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args()
    rows = run()
    size = PARequest.objects.count()
    print(f"Queries per page (warm, in process) — {size:,} requests in the database, {connection.vendor}")
    print(f"{'page':<52}{'queries':>8}{'ms':>8}{'status':>8}")
    for row in rows:
        flag = "" if row["ok"] else "  unexpected status"
        print(f"{row['page']:<52}{row['queries']:>8}{row['ms']:>8.1f}{row['status']:>8}{flag}")
    if args.json:
        Path(args.json).write_text(json.dumps({"requests": size, "rows": rows}))


if __name__ == "__main__":
    main()
