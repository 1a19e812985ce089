"""The rule engine: pure Python, no Django import.

It takes an immutable compiled snapshot of one policy version and a parsed request
and returns a determination. `kineret_pa.policies.snapshots` compiles snapshots from
the database; nothing here knows where they came from.
"""

from .evaluate import Determination, Reason, determine
from .request import Request, Trial, must_be_one_of, parse_request
from .snapshot import Catalog, Snapshot
from .vocabulary import FactRequired


def decide(snapshot: Snapshot, request: Request) -> tuple[Determination | None, dict[str, list[str]]]:
    """A determination, or input errors keyed by field path (never an exception for input)."""
    plan = request.facts.get("plan")
    if plan is not None and snapshot.plans and plan not in snapshot.plans:
        # Another payer's plan: the parser knows every payer's, the policy offers its own.
        return None, {"plan": [must_be_one_of(snapshot.plans)]}
    try:
        return determine(snapshot, request), {}
    except FactRequired as missing:
        return None, {missing.path: [missing.message]}


__all__ = [
    "Catalog",
    "Determination",
    "FactRequired",
    "Reason",
    "Request",
    "Snapshot",
    "Trial",
    "decide",
    "determine",
    "parse_request",
]
