"""Impact replay benchmark: N stored Florida Blue requests replayed against a draft, on one core and on two.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kineret_bench_impact .venv/bin/python bench/impact.py [--n 100000]
    .venv/bin/python bench/impact.py --n 20000          # SQLite: a temporary file, removed at the end

Creates the requests (bulk, in batches) from a few templates with varied trials, months, weights and doses,
each with the determination the engine gives under the version in force, so most replay unchanged; copies that
version as a draft where Table 1 RA 2.a needs TWO preferred products instead of THREE; then times
`impact_replay` with one worker and with two, beside the engine's own ceiling in the same run (decide() alone
on the parsed requests, one core). A second run on the same database reuses the requests and the draft.

Uses the database DATABASE_URL names (migrated and loaded here); without it, a temporary SQLite file, never
the development database. Never run it against a database you care about.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import gc
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kineret_pa.settings")
_TEMP_DIR = None
if not os.environ.get("DATABASE_URL"):
    _TEMP_DIR = tempfile.mkdtemp(prefix="kineret-impact-")
    os.environ["DATABASE_URL"] = f"sqlite:///{_TEMP_DIR}/impact.sqlite3"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from kineret_pa.engine import decide, parse_request  # noqa: E402
from kineret_pa.pa_requests.impact import impact_replay  # noqa: E402
from kineret_pa.pa_requests.models import PARequest  # noqa: E402
from kineret_pa.pa_requests.services import STATUS_FOR_DECISION  # noqa: E402
from kineret_pa.policies.models import CriterionNode, Policy, PolicyVersion  # noqa: E402
from kineret_pa.policies.snapshots import cache_clear, policy_data_get  # noqa: E402

FB = "floridablue-09-J0000-45"
IN_FORCE_ON = dt.date(2026, 6, 15)
DRAFT_DATE = dt.date(2027, 1, 1)
FIRST_DAY = dt.date(2026, 1, 1)  # submissions spread over the version's first half year
OWNER = "impact_bench_prescriber"
BATCH = 2000
PREFERRED = ["adalimumab-aaty", "adalimumab-adaz", "Enbrel", "Hadlima", "Humira", "Rinvoq", "Simlandi", "Xeljanz"]
CONVENTIONAL = ["methotrexate", "hydroxychloroquine", "leflunomide", "sulfasalazine"]
OTHER_DIAGNOSES = ["aosd", "castleman", "sjia", "car_t", "gout", "fcas", "schnitzler"]

BASE = {
    "policy": FB,
    "benefit": "pharmacy",
    "request_type": "initial",
    "patient": {"age_years": 52, "weight_kg": 80.0},
    "diagnosis": "ra",
    "severity": "severe",
    "prescriber": {"is_specialist": True, "consulted_specialist": False},
    "prior_therapies": [],
    "concomitant_drugs": ["methotrexate"],
    "screening": {
        "tb": "negative",
        "hbv": "not_at_risk",
        "active_infection": False,
        "live_vaccine": False,
        "anakinra_contraindication": False,
    },
    "dose": {
        "mg_per_day": 100,
        "quantity": 28,
        "days_supply": 28,
        "channel": "retail",
        "max_dose_trial_months": 0,
        "higher_dose_support_submitted": False,
    },
    "site_of_care": "self",
    "anakinra_history": {"within_90_days": "none", "at_risk_if_changed": False},
    "renewal": {"previously_approved": False, "clinical_benefit": None},
    "age_support_provided": False,
    "preferred_not_appropriate_with_list": False,
}


# ---------------------------------------------------------------- requests


def _trial(drug: str, months: int, outcome: str = "inadequate_response") -> dict:
    return {"drug": drug, "months": months, "outcome": outcome}


def _ra(rng: random.Random, preferred: int, severity: str) -> dict:
    data = copy.deepcopy(BASE)
    data["severity"] = severity
    data["prior_therapies"] = [_trial(rng.choice(CONVENTIONAL), rng.randint(3, 12))] + [
        _trial(drug, rng.randint(3, 12)) for drug in rng.sample(PREFERRED, preferred)
    ]
    data["patient"] = {"age_years": rng.randint(18, 85), "weight_kg": float(rng.randint(45, 130))}
    if rng.random() < 0.25:
        data["dose"].update(quantity=84, days_supply=84, channel="home_delivery")
    elif rng.random() < 0.1:
        data["dose"]["quantity"] = 56  # twice the quantity limit: partial
    return data


def _renewal(rng: random.Random) -> dict:
    data = _ra(rng, 3, "severe")
    data.update(request_type="renewal", severity=None, prior_therapies=[])
    data["renewal"] = {"previously_approved": rng.random() < 0.95, "clinical_benefit": rng.random() < 0.9}
    return data


def _nomid(rng: random.Random) -> dict:
    weight = rng.randint(10, 60)
    data = copy.deepcopy(BASE)
    data.update(diagnosis="nomid", severity=None, prior_therapies=[], concomitant_drugs=[])
    data["patient"] = {"age_years": rng.randint(1, 17), "weight_kg": float(weight)}
    mg = min(100 * ((weight * rng.choice([1, 2, 3, 4, 5, 8]) + 99) // 100), 800)
    data["dose"].update(mg_per_day=mg, quantity=28 * (mg // 100), max_dose_trial_months=rng.randint(0, 6))
    return data


def _other(rng: random.Random) -> dict:
    data = copy.deepcopy(BASE)
    data.update(diagnosis=rng.choice(OTHER_DIAGNOSES), severity=None, prior_therapies=[], concomitant_drugs=[])
    data["patient"] = {"age_years": rng.randint(12, 80), "weight_kg": float(rng.randint(40, 120))}
    return data


def contract_requests(n: int, seed: int = 14) -> list[dict]:
    """RA after three preferred products (most), after two (what the draft changes), mild RA, renewals, NOMID
    by weight and other indications."""
    rng = random.Random(seed)
    kinds = [
        (lambda: _ra(rng, 3, rng.choice(["moderate", "severe"])), 45),
        (lambda: _ra(rng, 2, rng.choice(["moderate", "severe"])), 10),
        (lambda: _ra(rng, rng.randint(1, 3), "mild"), 5),
        (lambda: _renewal(rng), 20),
        (lambda: _nomid(rng), 10),
        (lambda: _other(rng), 10),
    ]
    makers, weights = [k for k, _ in kinds], [w for _, w in kinds]
    out = []
    for _ in range(n):
        data = rng.choices(makers, weights)[0]()
        data["date_of_service"] = (FIRST_DAY + dt.timedelta(days=rng.randint(0, 180))).isoformat()
        out.append(data)
    return out


def requests_ensure(n: int, version: PolicyVersion) -> int:
    """Bulk-create the bench owner's requests until there are `n`; returns how many were made."""
    User = get_user_model()
    owner, _ = User.objects.get_or_create(username=OWNER, defaults={"password": make_password(None)})
    have = PARequest.objects.filter(owner=owner).count()
    if have >= n:
        return 0
    policy_data = policy_data_get()
    snap, catalog = policy_data.snapshot(version.pk), policy_data.catalog
    made = 0
    for start in range(have, n, BATCH):
        rows = []
        for data in contract_requests(min(BATCH, n - start), seed=start):
            request, errors = parse_request(data, catalog, today=dt.date.fromisoformat(data["date_of_service"]))
            result, errors = decide(snap, request) if request else (None, errors)
            if result is None:
                raise SystemExit(f"bench request does not validate: {errors}")
            determination = result.as_dict()
            submitted = dt.datetime.combine(
                dt.date.fromisoformat(data["date_of_service"]), dt.time(9), tzinfo=timezone.get_current_timezone()
            )
            rows.append(
                PARequest(
                    id=uuid.uuid4(),
                    owner=owner,
                    status=STATUS_FOR_DECISION[determination["decision"]],
                    contract_request=data,
                    determination=determination,
                    decision=determination["decision"],
                    policy_version=version,
                    summary=f"{FB} · {data['diagnosis']}",
                    submitted_at=submitted,
                    approved_quantity=determination["approved_quantity"],
                    approved_per_days=determination["per_days"],
                )
            )
        with transaction.atomic():
            PARequest.objects.bulk_create(rows, batch_size=BATCH)
        made += len(rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would have, long since
    return made


def draft_ensure(version: PolicyVersion) -> PolicyVersion:
    """The version copied as a draft effective 2027-01-01, RA 2.a needing TWO preferred products."""
    draft = PolicyVersion.objects.filter(policy=version.policy, effective_date=DRAFT_DATE).first()
    if draft is None:
        try:
            from kineret_pa.policies.versions import version_copy_as_draft
        except ImportError:  # before the copy service: the fixture loaded again as a draft
            from kineret_pa.policies.loading import FIXTURES, version_load

            with (FIXTURES / "policies" / f"{FB}.json").open(encoding="utf-8") as handle:
                data = json.load(handle)["versions"][0]
            draft = version_load(version.policy, data | {"effective_date": DRAFT_DATE.isoformat(), "status": "draft"})
        else:
            draft = version_copy_as_draft(version=version, effective_date=DRAFT_DATE, user=None)
    node = CriterionNode.objects.get(version=draft, clause="Table 1 RA 2.a")
    if node.params.get("min_count") != 2:
        node.params = {**node.params, "min_count": 2}
        node.save()
    return draft


# ---------------------------------------------------------------- timing


class Timing(NamedTuple):
    label: str
    requests: int
    seconds: float  # wall clock: what the person running the command waits
    cpu: float  # this process's and its children's CPU: what the work costs, whatever else runs on the machine
    result: object


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(label: str, n: int, run) -> Timing:
    gc.collect()
    started, cpu = time.perf_counter(), _cpu()
    result = run()
    return Timing(label, n, time.perf_counter() - started, _cpu() - cpu, result)


def engine_ceiling(version: PolicyVersion) -> list[Timing]:
    """decide() alone on the stored requests, parsed beforehand, one core; and parse + decide."""
    policy_data = policy_data_get()
    snap, catalog = policy_data.snapshot(version.pk), policy_data.catalog
    rows = list(
        PARequest.objects.filter(owner__username=OWNER)
        .order_by()
        .values_list("contract_request", "submitted_at__date")
        .iterator(chunk_size=BATCH)
    )
    parsed = [parse_request(data, catalog, today=on)[0] for data, on in rows]
    gc.freeze()  # the 100,000 parsed requests are kept: no collector walks over them inside the timing

    def decide_all():
        for request in parsed:
            decide(snap, request)

    def parse_and_decide():
        for data, on in rows:
            decide(snap, parse_request(data, catalog, today=on)[0])

    try:
        return [
            _timed("engine: decide() only, 1 core", len(parsed), decide_all),
            _timed("engine: parse + decide, 1 core", len(rows), parse_and_decide),
        ]
    finally:
        gc.unfreeze()


def replay(draft: PolicyVersion, workers: int) -> Timing:
    cache_clear()  # a cold start, as the command has: the snapshot's compile is inside the timing
    timing = _timed(f"impact_replay, workers={workers}", 0, lambda: impact_replay(version=draft, workers=workers))
    return timing._replace(requests=timing.result.total)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000, help="stored requests (default 100,000)")
    args = parser.parse_args()
    try:
        call_command("migrate", verbosity=0)
        if not Policy.objects.exists():
            call_command("load_policies", verbosity=0)
        version = PolicyVersion.objects.in_force(IN_FORCE_ON).get(policy__code=FB)

        started = time.perf_counter()
        made = requests_ensure(args.n, version)
        seeded = time.perf_counter() - started
        draft = draft_ensure(version)

        load = os.getloadavg()[0]
        rows = [replay(draft, 1), replay(draft, 2)]
        one, two = rows[0].result, rows[1].result
        if one != two:
            raise SystemExit("workers=1 and workers=2 gave different reports")
        rows += engine_ceiling(draft)

        print(f"Impact replay benchmark — {FB}, draft {draft.label} (RA 2.a: two preferred products)")
        print(f"database: {connection.vendor}; {os.cpu_count()} cores; {made:,} requests created in {seeded:.1f} s")
        print()
        print(f"{'measure':<36}{'requests':>10}{'seconds':>10}{'requests/s':>12}{'CPU s':>10}")
        for row in rows:
            rate = row.requests / row.seconds
            print(f"{row.label:<36}{row.requests:>10,}{row.seconds:>10.2f}{rate:>12,.0f}{row.cpu:>10.2f}")
        print(f"(load average before the timings: {load:.2f}; other work on the machine slows the wall clock)")
        print()
        print(f"replayed {one.total:,}: unchanged {one.unchanged:,}, changed {one.changed:,}, ", end="")
        print(f"could not replay {one.could_not_replay:,}")
        for clause, flips in one.by_clause.items():
            for flip, count in flips.items():
                print(f"  {clause:<32}{flip:<32}{count:>8,}")
    finally:
        if _TEMP_DIR:
            connection.close()
            shutil.rmtree(_TEMP_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
