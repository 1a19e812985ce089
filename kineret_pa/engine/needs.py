"""Which facts a policy version looks at, for a diagnosis and request type.

The prescriber's form asks only these: it walks the same criteria tree and limits the
engine evaluates, pruning branches whose diagnosis gate cannot apply, so a policy edited
in the admin changes the form too.
"""

from __future__ import annotations

from .snapshot import Node, QuantityLimitSnap, Snapshot
from .vocabulary import LEAF_KINDS


def _static(node: Node, snap: Snapshot, diagnosis: str | None) -> bool | None:
    """Whether a gate is met, when the diagnosis alone decides it; None when unknown."""
    if diagnosis is None:
        return None
    if node.kind == "diagnosis_in":
        ancestors = snap.catalog.diagnoses[diagnosis].ancestors if diagnosis in snap.catalog.diagnoses else ()
        return diagnosis in node.params["diagnoses"] or any(a in node.params["diagnoses"] for a in ancestors)
    if node.kind == "indication_status_in":
        pd = snap.diagnoses.get(diagnosis)
        return (pd.status if pd else "not_covered") in node.params["statuses"]
    if node.kind == "not" and node.children:
        inner = _static(node.children[0], snap, diagnosis)
        return None if inner is None else not inner
    if node.kind in ("any", "all") and node.children:
        values = [_static(child, snap, diagnosis) for child in node.children]
        if node.kind == "any" and True in values:
            return True
        if node.kind == "all" and False in values:
            return False
        return None if None in values else (node.kind == "all")
    return None


def _walk(node: Node, snap: Snapshot, diagnosis: str | None, facts: set[str], seen: set[str]) -> None:
    if node.key in seen:
        return
    seen.add(node.key)
    children = node.children
    if children and children[0].gate and _static(children[0], snap, diagnosis) is False:
        return  # this branch cannot apply to the diagnosis
    if node.kind == "ref":
        _walk(snap.nodes[node.params["node"]], snap, diagnosis, facts, seen)
        return
    leaf = LEAF_KINDS.get(node.kind)
    if leaf is not None:
        facts.update(leaf.reads(node.params, snap, diagnosis))  # declared once, beside the kind's evaluator
    for child in children:
        _walk(child, snap, diagnosis, facts, seen)


def limit_may_apply(snap: Snapshot, limit: QuantityLimitSnap, diagnosis: str | None) -> bool:
    """False when the limit is an exception whose condition is gated on a diagnosis this one cannot be."""
    if not limit.condition:
        return True
    condition = snap.nodes[limit.condition]
    gate = condition.children[0] if condition.children and condition.children[0].gate else condition
    return _static(gate, snap, diagnosis) is not False


def facts_needed(snap: Snapshot, *, diagnosis: str | None, request_type: str) -> frozenset[str]:
    """Dotted fact paths the criteria and limits may look at (all diagnoses when None)."""
    facts: set[str] = set()
    seen: set[str] = set()
    root = snap.roots.get(request_type)
    if root is not None:
        _walk(root, snap, diagnosis, facts, seen)
    for limit in snap.limits_for(request_type=request_type, diagnosis=diagnosis):
        if limit.condition:
            if not limit_may_apply(snap, limit, diagnosis):
                continue  # an exception that cannot apply to this diagnosis
            _walk(snap.nodes[limit.condition], snap, diagnosis, facts, seen)
        if limit.kind != "none":
            facts.update(("dose.quantity", "dose.days_supply"))
        if limit.channels or limit.kind == "weight_table":
            facts.add("dose.channel")
        if limit.kind in ("weight_table", "per_kg"):
            facts.add("patient.weight_kg")
        if limit.kind == "dose":
            facts.add("dose.mg_per_day")
    return frozenset(facts)
