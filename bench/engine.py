"""Engine benchmark: determinations per second in process, and the cost of compiling snapshots.

    .venv/bin/python bench/engine.py [--requests 10000] [--runs 5]

Uses the database DATABASE_URL names (SQLite by default), loading the policies if empty.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kineret_pa.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from kineret_pa.engine import decide, parse_request  # noqa: E402
from kineret_pa.policies.models import Policy  # noqa: E402
from kineret_pa.policies.snapshots import cache_clear, policy_data_get  # noqa: E402

TODAY = dt.date(2026, 6, 15)
POLICIES = ["cigna-dqm008", "fep-5.70.050", "floridablue-09-J0000-45"]
DIAGNOSES = [
    "ra",
    "ra",
    "ra",
    "nomid",
    "fcas",
    "dira",
    "sjia",
    "aosd",
    "gout",
    "car_t",
    "castleman",
    "mis_c",
    "covid",
    "other",
]
DRUGS = [
    "methotrexate",
    "Humira",
    "Hadlima",
    "Enbrel",
    "Rinvoq",
    "Xeljanz",
    "Actemra",
    "hydroxychloroquine",
    "leflunomide",
]


def mixed_requests(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        out.append(
            {
                "policy": rng.choice(POLICIES),
                "plan": rng.choice(["standard", "basic", "blue_focus"]),
                "benefit": rng.choice(["pharmacy", "pharmacy", "medical"]),
                "request_type": rng.choice(["initial", "initial", "renewal"]),
                "patient": {"age_years": rng.randint(2, 85), "weight_kg": round(rng.uniform(8, 120), 1)},
                "diagnosis": rng.choice(DIAGNOSES),
                "severity": rng.choice(["mild", "moderate", "severe"]),
                "prescriber": {"is_specialist": rng.random() < 0.8, "consulted_specialist": rng.random() < 0.5},
                "prior_therapies": [
                    {
                        "drug": rng.choice(DRUGS),
                        "months": rng.randint(1, 12),
                        "outcome": rng.choice(["inadequate_response", "intolerance", "contraindication"]),
                    }
                    for _ in range(rng.randint(0, 4))
                ],
                "concomitant_drugs": rng.sample(
                    ["folic acid", "methotrexate", "Enbrel", "prednisone"], rng.randint(0, 2)
                ),
                "screening": {
                    "tb": rng.choice(["negative", "negative", "positive_treated", "not_tested"]),
                    "hbv": rng.choice(["not_at_risk", "ruled_out", "not_evaluated"]),
                    "active_infection": rng.random() < 0.1,
                    "live_vaccine": rng.random() < 0.05,
                    "anakinra_contraindication": rng.random() < 0.05,
                },
                "dose": {
                    "mg_per_day": rng.choice([100, 100, 100, 200, 300, 560]),
                    "quantity": rng.choice([28, 56, 84, 112, 168]),
                    "days_supply": rng.choice([28, 28, 84, 30]),
                    "channel": rng.choice(["retail", "home_delivery"]),
                    "max_dose_trial_months": rng.randint(0, 6),
                    "higher_dose_support_submitted": rng.random() < 0.3,
                },
                "site_of_care": rng.choice(["self", "self", "self", "provider"]),
                "anakinra_history": {
                    "within_90_days": rng.choice(["none", "claims", "prescriber_attested", "samples"]),
                    "at_risk_if_changed": rng.random() < 0.5,
                },
                "renewal": {"previously_approved": rng.random() < 0.7, "clinical_benefit": rng.random() < 0.8},
                "car_t_therapy": rng.random() < 0.1,
                "answers": {},
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if not Policy.objects.exists():
        call_command("load_policies", verbosity=0)

    # Snapshot compile cost: cold cache, queries and time per policy version.
    rows = []
    for code in POLICIES:
        cache_clear()
        _ = policy_data_get().catalog  # built apart: measured below
        version_id = policy_data_get().version_for(code, TODAY).version_id
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            policy_data_get().snapshot(version_id)  # the revision's read and the compile, as a request pays them
            elapsed = time.perf_counter() - started
        rows.append((code, len(queries.captured_queries), elapsed * 1000))
    cache_clear()
    with CaptureQueriesContext(connection) as catalog_queries:
        policy_data = policy_data_get()
        catalog = policy_data.catalog
    snapshots = {code: policy_data.snapshot(policy_data.version_for(code, TODAY).version_id) for code in POLICIES}

    requests = mixed_requests(args.requests)
    full, decide_only = [], []
    decisions: dict[str, int] = {}
    timed_queries = CaptureQueriesContext(connection)
    timed_queries.__enter__()
    # Parsed once, untimed, for the decide-only figure. The parse + decide loop keeps nothing, as a server keeps
    # nothing between requests: holding every parsed request made the garbage collector walk a growing heap
    # inside the timing, a cost of the benchmark rather than of a determination. The clock is this process's
    # CPU time, so other work on a shared machine does not count (on a quiet one it equals the wall clock).
    parsed = [parse_request(data, catalog, today=TODAY)[0] for data in requests]
    for _ in range(args.runs):
        started = time.process_time()
        for data in requests:
            request, errors = parse_request(data, catalog, today=TODAY)
            determination, errors = decide(snapshots[request.policy], request)
        full.append(len(requests) / (time.process_time() - started))
        started = time.process_time()
        for request in parsed:
            decide(snapshots[request.policy], request)
        decide_only.append(len(requests) / (time.process_time() - started))
    timed_queries.__exit__(None, None, None)
    for request in parsed:
        determination, errors = decide(snapshots[request.policy], request)
        key = determination.decision if determination else "input error"
        decisions[key] = decisions.get(key, 0) + 1

    print(
        f"Engine benchmark — {args.requests:,} mixed requests across {len(POLICIES)} policies, {args.runs} runs, "
        "one core"
    )
    print(f"database: {connection.vendor}")
    print()
    print(f"{'measure':<44}{'median':>12}{'min':>12}{'max':>12}")
    for label, figures in (
        ("determinations/s (parse + decide)", full),
        ("determinations/s (decide only)", decide_only),
    ):
        print(f"{label:<44}{statistics.median(figures):>12,.0f}{min(figures):>12,.0f}{max(figures):>12,.0f}")
    print()
    print(f"{'snapshot compile (cold)':<30}{'queries':>10}{'ms':>10}")
    print(f"{'catalog (drugs, codes…)':<30}{len(catalog_queries.captured_queries):>10}{'':>10}")
    for code, count, ms in rows:
        print(f"{code:<30}{count:>10}{ms:>10.1f}")
    print()
    total = sum(decisions.values())
    print("decision mix: " + ", ".join(f"{k} {v / total:.0%}" for k, v in sorted(decisions.items())))
    print(f"database queries during the timed runs: {len(timed_queries.captured_queries)}")


if __name__ == "__main__":
    main()
