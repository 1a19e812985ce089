"""Fill the database for the benchmarks: users, tokens and profiles for the load, and bulk
PARequest / Drug / DrugName rows so pages can be measured at realistic sizes.

    .venv/bin/python bench/seed.py --users 32 --requests 100000 --drugs 2000 [--credentials FILE]

Idempotent and additive: --requests and --drugs are totals to reach, not counts to add.
Seeded requests belong to other prescribers (seed_prescriber_*), with the status mix of a
working system, a real determination computed by the engine and the answers kept as JSON.
Uses the database DATABASE_URL names. Never run it against a database you care about.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kineret_pa.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from scenarios import API_REQUESTS, BENCH_PASSWORD  # noqa: E402

from kineret_pa.accounts.models import ApiToken  # noqa: E402
from kineret_pa.accounts.roles import PRESCRIBER, REVIEWER, roles_ensure  # noqa: E402
from kineret_pa.pa_requests.models import PARequest, PrescriberProfile, RequestEvent  # noqa: E402
from kineret_pa.policies.models import Drug, DrugName, PolicyVersion  # noqa: E402
from kineret_pa.policies.services import determination_compute  # noqa: E402
from kineret_pa.policies.snapshots import revision_bump  # noqa: E402

User = get_user_model()
OTP_KEY_HEX = "3132333435363738393031323334353637383930"  # RFC 6238's test key: bench reviewers only
SEED_OWNERS = 50
STATUS_MIX = [  # (status, weight): what a live system holds
    (PARequest.Status.APPROVED, 40),
    (PARequest.Status.PARTIAL, 8),
    (PARequest.Status.PENDED, 12),
    (PARequest.Status.REFERRED, 5),
    (PARequest.Status.INFO_REQUESTED, 3),
    (PARequest.Status.DENIED, 6),
    (PARequest.Status.APPEALED, 2),
    (PARequest.Status.UPHELD, 1),
    (PARequest.Status.OVERTURNED, 1),
    (PARequest.Status.EXPIRED, 10),
    (PARequest.Status.WITHDRAWN, 2),
    (PARequest.Status.DRAFT, 10),
]
PROFILE = {
    "full_name": "Dr Bench Marker",
    "specialty": "Rheumatology",
    "npi": "1234567893",
    "phone": "555-0100",
    "fax": "555-0101",
}


def users_ensure(count: int) -> dict:
    """bench_prescriber_i and bench_reviewer_i (i < count), one API token; their credentials."""
    roles_ensure()
    prescribers, reviewers = Group.objects.get(name=PRESCRIBER), Group.objects.get(name=REVIEWER)
    password = make_password(BENCH_PASSWORD)  # hashed once, shared: creating 64 users stays fast
    out = {"password": BENCH_PASSWORD, "prescribers": [], "reviewers": [], "otp_key_hex": OTP_KEY_HEX}
    for i in range(count):
        for kind, group in (("prescriber", prescribers), ("reviewer", reviewers)):
            user, created = User.objects.get_or_create(username=f"bench_{kind}_{i}", defaults={"password": password})
            if created:
                user.groups.add(group)
            out[f"{kind}s"].append(user.username)
            if kind == "prescriber":
                PrescriberProfile.objects.get_or_create(user=user, defaults=PROFILE)
            else:
                _otp_device(user)
    api_user = User.objects.get(username="bench_prescriber_0")
    ApiToken.objects.filter(user=api_user, name="bench").delete()
    _, out["api_token"] = ApiToken.issue(user=api_user, name="bench")
    return out


def _otp_device(user) -> None:
    try:
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:  # no second factor in this version of the app
        return
    TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"key": OTP_KEY_HEX, "confirmed": True})


def drugs_ensure(total: int) -> int:
    """Bulk-create synthetic drugs (each with a brand and an alias name) until `total` exist."""
    have = Drug.objects.count()
    if have >= total:
        return 0
    rng = random.Random(11)
    new = [Drug(generic_name=f"benchmab-{i:05d}") for i in range(have, total)]
    with transaction.atomic():
        Drug.objects.bulk_create(new, batch_size=1000)
        created = Drug.objects.filter(generic_name__in=[d.generic_name for d in new]).values_list("id", "generic_name")
        names = []
        for drug_id, generic in created:
            suffix = generic.rsplit("-", 1)[1]
            brand = "".join(rng.choice("BCDFGKLMNPRSTVZ") + rng.choice("aeiou") for _ in range(3)).capitalize() + suffix
            names.append(DrugName(drug_id=drug_id, name=brand, normalized=brand.lower(), kind=DrugName.Kind.BRAND))
            names.append(
                DrugName(drug_id=drug_id, name=f"BM-{suffix}", normalized=f"bm-{suffix}", kind=DrugName.Kind.ALIAS)
            )
        DrugName.objects.bulk_create(names, batch_size=2000)
    revision_bump()  # bulk_create sends no signals: tell every process the catalog changed
    return len(new)


def _templates() -> list[dict]:
    """One template per API request: contract request, determination, version, summary."""
    versions = {
        (v.policy.code, v.effective_date.isoformat()): v.pk for v in PolicyVersion.objects.select_related("policy")
    }
    out = []
    for data in API_REQUESTS:
        determination, _, errors = determination_compute(data=data)
        if errors:
            raise SystemExit(f"seed request does not validate: {errors}")
        d = determination.as_dict()
        out.append(
            {
                "contract_request": data,
                "determination": d,
                "decision": determination.decision,
                "policy_version_id": versions[(d["policy"]["code"], d["policy"]["version"])],
                "summary": f"{data['policy']} · {data.get('diagnosis', '')}",
                "approved_quantity": determination.approved_quantity,
                "per_days": determination.per_days,
            }
        )
    return out


def requests_ensure(total: int, batch: int = 5000) -> int:
    """Bulk-create requests owned by seed prescribers until `total` PARequest rows exist."""
    have = PARequest.objects.count()
    if have >= total:
        return 0
    roles_ensure()
    group = Group.objects.get(name=PRESCRIBER)
    password = make_password(None)  # unusable: nobody signs in as a seed owner
    owners = []
    for i in range(SEED_OWNERS):
        user, created = User.objects.get_or_create(username=f"seed_prescriber_{i}", defaults={"password": password})
        if created:
            user.groups.add(group)
        owners.append(user.pk)
    reviewer = User.objects.filter(username__startswith="bench_reviewer_").order_by("id").first()
    templates = _templates()
    statuses = [s for s, _ in STATUS_MIX]
    weights = [w for _, w in STATUS_MIX]
    rng = random.Random(total)
    now = timezone.now()
    made = 0
    # Seeded rows carry their own history: switch auto_now off in this process only.
    stamps = [PARequest._meta.get_field(name) for name in ("created_at", "updated_at")]
    saved = [(f.auto_now, f.auto_now_add) for f in stamps]
    for f in stamps:
        f.auto_now = f.auto_now_add = False
    try:
        made = _requests_bulk(total - have, rng, owners, reviewer, templates, statuses, weights, now, batch)
    finally:
        for f, (auto_now, auto_now_add) in zip(stamps, saved):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would have, long since
    return made


def _requests_bulk(count, rng, owners, reviewer, templates, statuses, weights, now, batch) -> int:
    snapshot = dict(PROFILE)
    made = 0
    while made < count:
        rows, events = [], []
        for _ in range(min(batch, count - made)):
            t = rng.choice(templates)
            status = rng.choices(statuses, weights)[0]
            submitted = now - dt.timedelta(minutes=rng.randint(5, 60 * 24 * 365))
            pa = PARequest(
                id=uuid.uuid4(),
                owner_id=rng.choice(owners),
                status=status,
                urgency=rng.choice(["standard"] * 9 + ["expedited"]),
                patient_name=f"Patient {rng.randint(1, 10**6)}",
                member_id=f"MBR-{rng.randint(1, 10**7)}",
                created_at=submitted,
                updated_at=submitted,
            )
            if status == PARequest.Status.DRAFT:
                pa.wizard = {
                    "step": "patient",
                    "step_data": {"policy": {"policy-policy": [t["contract_request"]["policy"]]}},
                    "step_files": {},
                    "extra_data": {},
                }
            else:
                pa.contract_request, pa.determination, pa.decision = (
                    t["contract_request"],
                    t["determination"],
                    t["decision"],
                )
                pa.policy_version_id, pa.summary, pa.prescriber_snapshot = (
                    t["policy_version_id"],
                    t["summary"],
                    snapshot,
                )
                pa.submitted_at = submitted
                pa.answers = {"policy": {"policy-policy": [t["contract_request"]["policy"]]}}
                if status in (
                    PARequest.Status.PENDED,
                    PARequest.Status.REFERRED,
                    PARequest.Status.APPEALED,
                    PARequest.Status.INFO_REQUESTED,
                ):
                    pa.due_at = submitted + dt.timedelta(hours=72 if pa.urgency == "standard" else 24)
                else:
                    pa.decided_at = pa.updated_at = submitted + dt.timedelta(minutes=rng.randint(0, 3000))
                    pa.auto_decided = status in (PARequest.Status.APPROVED, PARequest.Status.PARTIAL)
                    if status in (PARequest.Status.APPROVED, PARequest.Status.PARTIAL, PARequest.Status.OVERTURNED):
                        pa.approved_quantity, pa.approved_per_days = t["approved_quantity"] or 28, t["per_days"] or 28
                        pa.expires_on = (submitted + dt.timedelta(days=365)).date()
                    if status in (PARequest.Status.DENIED, PARequest.Status.UPHELD) and reviewer is not None:
                        pa.decided_by_id = pa.denied_by_id = reviewer.pk
                events.append(
                    RequestEvent(
                        pa_request_id=pa.id,
                        actor_id=pa.owner_id,
                        kind="submitted",
                        from_status="draft",
                        to_status=status,
                        data={"decision": t["decision"]},
                    )
                )
            rows.append(pa)
        with transaction.atomic():
            PARequest.objects.bulk_create(rows, batch_size=1000)
            RequestEvent.objects.bulk_create(events, batch_size=2000)
        made += len(rows)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=0, help="bench prescribers and reviewers to ensure")
    parser.add_argument("--requests", type=int, default=0, help="total PARequest rows to reach")
    parser.add_argument("--drugs", type=int, default=0, help="total Drug rows to reach")
    parser.add_argument("--credentials", help="write the bench users' credentials and API token here (JSON)")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.users:
        credentials = users_ensure(args.users)
        if args.credentials:
            Path(args.credentials).write_text(json.dumps(credentials))
    added_drugs = drugs_ensure(args.drugs) if args.drugs else 0
    added_requests = requests_ensure(args.requests) if args.requests else 0
    print(
        f"seed: +{added_requests:,} requests (total {PARequest.objects.count():,}), +{added_drugs:,} drugs "
        f"(total {Drug.objects.count():,}) in {time.perf_counter() - started:.1f}s"
    )


if __name__ == "__main__":
    main()
