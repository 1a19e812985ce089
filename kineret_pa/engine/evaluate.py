"""Evaluate a request against a compiled policy version and decide.

1. Coverage: the version's criteria tree for the request type (none for a pure
   quantity-management policy). Three-valued: met, not met, or refer (the policy sends
   the case to a person); a branch whose gate is not met does not apply.
2. Quantity: the base limit applies when the request fits it; above it, the first
   exception limit whose condition criterion is met sets the cap; with none, the base
   limit is what stays approved.
3. Duration: the chosen limit's own duration, else the version's first matching one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from .facts import MSG_WEIGHT_REQUIRED, format_number
from .request import Request
from .snapshot import MEMO_MAX, Node, QuantityLimitSnap, Snapshot
from .vocabulary import LEAF_KINDS, MET, NA, NOT_MET, REFER, FactRequired, syringes_per_day

EPS = 1e-9


def rate_within(quantity: float, days: float, limit_quantity: float, limit_days: float) -> bool:
    """Whether `quantity` per `days` stays within a limit of `limit_quantity` per `limit_days`: the one rate
    comparison, for the engine's limits and a reviewer's approval alike (EPS absorbs float division)."""
    return quantity / days <= limit_quantity / limit_days + EPS


_NEGATED = {MET: NOT_MET, NOT_MET: MET}  # NOT keeps refer and na as they are
# Leaf kind -> evaluator, so Evaluation.node needs one lookup per leaf ("ref" is not a leaf here).
_LEAF_EVALUATORS = {kind: leaf.evaluate for kind, leaf in LEAF_KINDS.items() if leaf.evaluate is not None}


def _fact_value(node: Node, req: Request) -> tuple[type, Any]:
    value = req.facts.get(node.params["fact"])
    return value.__class__, value  # the class too: True and 1 are equal keys, but show differently


def _answer_value(node: Node, req: Request) -> tuple[type, Any]:
    value = req.answers.get(node.params["question"])
    return value.__class__, value


def _concomitant_value(node: Node, req: Request) -> tuple[int, ...]:
    return req.concomitant_drugs


# The leaf kinds whose result depends on nothing but their node, the snapshot and one value of the request (what
# the function returns): the result is made once per snapshot, node and value and shared by later requests, as
# an answer such as "TB test negative" recurs from request to request. Read the evaluator before adding a kind.
_LEAF_VALUES = {
    "fact_in": _fact_value,
    "number_compare": _fact_value,
    "answer_is": _answer_value,
    "no_concomitant_from": _concomitant_value,
}


@dataclass(slots=True)
class Result:
    node: Node
    status: str
    detail: str = ""
    children: tuple[Result, ...] = ()
    missing: tuple[str, ...] = ()  # blank facts this leaf looked at
    # What show() makes of this result, made on first use: a result shared between requests (static_results,
    # _LEAF_VALUES) then makes its Reason once. It depends on nothing but the result itself.
    reason: Reason | None = None


class Reason(NamedTuple):
    # A named tuple rather than a frozen dataclass: as immutable, and a determination makes a dozen of them,
    # where a frozen dataclass's __init__ (object.__setattr__ per field) costs twice as much.
    clause: str
    met: bool
    text: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"clause": self.clause, "met": self.met, "text": self.text, "detail": self.detail}


class Determination(NamedTuple):
    # A named tuple rather than a frozen dataclass, like Reason: one per request, and a frozen dataclass's
    # __init__ sets its eight fields one object.__setattr__ call at a time.
    decision: str
    approved_quantity: int | None
    per_days: int | None
    one_time: bool
    duration: dict[str, int] | None
    policy: dict[str, str]
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "approved_quantity": self.approved_quantity,
            "per_days": self.per_days,
            "one_time": self.one_time,
            "duration": self.duration,
            "policy": dict(self.policy),
            "reasons": [r.as_dict() for r in self.reasons],
            "missing": list(self.missing),
        }


@dataclass(slots=True)
class Cap:
    quantity: int | None  # None: no limit
    period_days: int | None
    limit: QuantityLimitSnap | None
    words: str
    refer: bool = False
    base_suffices: bool = False


_LEAF_RESULTS = ("leaf results",)  # the key, in Snapshot.memo, of the _LEAF_VALUES leaves' shared results


class _NotStatic(Exception):
    """A pre-evaluation looked at more of the request than its diagnosis."""


class _DiagnosisOnly:
    """A request that shows its diagnosis and raises _NotStatic on anything else it is asked."""

    __slots__ = ("diagnosis",)

    def __init__(self, diagnosis: str | None):
        self.diagnosis = diagnosis

    def __getattr__(self, name: str) -> Any:
        raise _NotStatic(name)


def static_results(snap: Snapshot, diagnosis: str | None) -> Mapping[str, Result]:
    """The results of the criteria that depend on nothing but the diagnosis, by key, once per snapshot and diagnosis.

    Most of a policy's tree is such: the diagnosis gates and the branches they close (FEP's RA request skips
    six of seven diagnosis branches), the indication status, the product's strengths. Which nodes qualify is
    not declared anywhere: each node is evaluated on a request that shows only the diagnosis, and a node
    whose evaluation looked at anything else (or failed) is left to be evaluated with each request.
    """
    found = snap.memo.get(("static", diagnosis))
    if found is None:
        ev = Evaluation(snap, _DiagnosisOnly(diagnosis), static={})  # type: ignore[arg-type]
        for node in snap.nodes.values():
            try:
                ev.node(node)
            except Exception:  # noqa: BLE001 - _NotStatic, or an error each request will meet in its turn
                pass
        found = ev.cache
        if len(snap.memo) < MEMO_MAX:
            found = snap.memo.setdefault(("static", diagnosis), found)
    return found


class Evaluation:
    def __init__(self, snap: Snapshot, req: Request, *, static: Mapping[str, Result] | None = None):
        self.snap = snap
        self.req = req
        self.cache: dict[str, Result] = {}
        # Shared by every evaluation of this snapshot and diagnosis; looked up after this request's own results.
        self.static = static_results(snap, req.diagnosis) if static is None else static
        # The _LEAF_VALUES leaves' results by (key, value), shared by every evaluation of this snapshot.
        leaves = snap.memo.get(_LEAF_RESULTS)
        self.leaves: dict[tuple, Result] = snap.memo.setdefault(_LEAF_RESULTS, {}) if leaves is None else leaves
        self.missing: dict[str, None] = {}
        self.reasons: list[Reason] = []
        self.shown: set[str] = set()

    # ------------------------------------------------------------ the tree

    def node(self, node: Node) -> Result:
        cache = self.cache
        key = node.key
        cached = cache.get(key) or self.static.get(key)
        if cached is not None:
            return cached
        kind = node.kind
        # Leaves are most of the calls: one dict lookup instead of the chain of kind tests.
        evaluate = _LEAF_EVALUATORS.get(kind)
        if evaluate is not None:
            value_of = _LEAF_VALUES.get(kind)
            if value_of is None:
                status, detail, missing = evaluate(node, self)
                result = Result(node, status, detail, (), missing)
            else:
                result = self._leaf_by_value(node, evaluate, value_of)
        elif kind == "all":
            result = self._all(node)
        elif kind == "any":
            result = self._any(node)
        elif kind == "not":
            child = self.node(node.children[0])
            status = _NEGATED.get(child.status, child.status)
            result = Result(node, status, child.detail, (child,))
        elif kind == "at_least":
            result = self._at_least(node)
        elif kind == "ref":
            target = self.node(self.snap.nodes[node.params["node"]])
            result = Result(node, target.status, target.detail, (target,))
        else:
            # A kind added to LEAF_KINDS after import (or an unknown one: KeyError).
            status, detail, missing = LEAF_KINDS[kind].evaluate(node, self)
            result = Result(node, status, detail, (), missing)
        cache[key] = result
        return result

    def _leaf_by_value(self, node: Node, evaluate, value_of) -> Result:
        """A _LEAF_VALUES leaf's result, from the snapshot's memo of them when this value was seen before."""
        results = self.leaves
        memo_key = (node.key, value_of(node, self.req))
        try:
            result = results.get(memo_key)
        except TypeError:  # an unhashable value (a hand-made request's list): evaluated, not remembered
            status, detail, missing = evaluate(node, self)
            return Result(node, status, detail, (), missing)
        if result is None:
            status, detail, missing = evaluate(node, self)
            result = Result(node, status, detail, (), missing)
            if len(results) < MEMO_MAX:  # bounded, like the snapshot's other memos
                results[memo_key] = result
        return result

    def _all(self, node: Node) -> Result:
        children = node.children
        gate = self.node(children[0]) if children and children[0].gate else None  # a leading gate child
        if gate is not None and gate.status != MET:
            return Result(node, NA, gate.detail, (gate,))
        # map() rather than a generator: no extra Python frame per child.
        if gate is None:
            results = tuple(map(self.node, children))
        else:  # the gate is the first child and already evaluated
            results = (gate, *map(self.node, children[1:]))
        # One pass for the status and the unmet children's names (gates and NA children
        # count for neither). Unmet children are named by their clause, or by their words
        # where they share the parent's clause.
        not_met = referred = False
        unmet = []
        clause = node.clause
        for r in results:
            child = r.node
            if child.gate:
                continue
            status = r.status
            if status == NOT_MET:
                not_met = True
            elif status == REFER:
                referred = True
            else:
                continue
            unmet.append(child.clause if child.clause != clause else child.text)
        status = NOT_MET if not_met else (REFER if referred else MET)
        if gate is not None:
            detail = gate.detail if status == MET else f"{gate.detail}; not met: " + ", ".join(dict.fromkeys(unmet))
        elif unmet:
            detail = "not met: " + ", ".join(dict.fromkeys(unmet))
        else:
            detail = "all met"
        return Result(node, status, detail, results)

    def _any(self, node: Node) -> Result:
        children = node.children
        gate = self.node(children[0]) if children and children[0].gate else None  # a leading gate child
        if gate is not None and gate.status != MET:
            return Result(node, NA, gate.detail, (gate,))
        results = []
        status = NOT_MET
        referred = False
        for child in children:
            if child.gate:
                continue
            result = self.node(child)
            results.append(result)
            if result.status == MET:
                status = MET
                break  # alternatives after the one that is met are not evaluated
            referred = referred or result.status == REFER
        if status == MET:
            detail = f"met by {results[-1].node.clause}"
        else:
            if referred:
                status = REFER
            if all(r.status == NA for r in results):
                diagnosis = self.snap.catalog.diagnoses[self.req.diagnosis].name
                detail = f"none of these applies to {diagnosis}"
            else:
                detail = "none of these is met"
        if gate is not None:
            results.insert(0, gate)
        return Result(node, status, detail, tuple(results))

    def _at_least(self, node: Node) -> Result:
        results = tuple(self.node(child) for child in node.children)
        n = node.params["n"]
        met = sum(r.status == MET for r in results)
        refer = sum(r.status == REFER for r in results)
        status = MET if met >= n else (REFER if met + refer >= n else NOT_MET)
        return Result(node, status, f"{met} of {len(results)} met, {n} needed", results)

    def show(self, result: Result) -> None:
        """Append a result and its subtree to the reasons, in policy order.

        Under an ANY that is met only the alternative that met it is shown: the
        others did not decide anything, and neither did the blank facts they saw.
        """
        # A pre-order walk with an explicit stack (children pushed in reverse, so they
        # come off in policy order) rather than one recursive call per result: most
        # results are NA or gates and are skipped at once.
        shown, missing = self.shown, self.missing
        add, append = shown.add, self.reasons.append
        stack = [result]
        pop, push, extend = stack.pop, stack.append, stack.extend
        while stack:
            result = pop()
            status = result.status
            if status == NA:
                continue
            node = result.node
            key = node.key
            if node.gate or key in shown:
                continue
            add(key)
            reason = result.reason
            if reason is None:
                reason = result.reason = Reason(node.clause, status == MET, node.text, result.detail)
            append(reason)
            if result.missing:
                for path in result.missing:
                    missing[path] = None
            children = result.children
            if children:
                if status == MET and node.kind == "any":
                    # _any stops at the alternative that is met, so it is the last result (a gate is never shown).
                    push(children[-1])
                else:
                    extend(reversed(children))

    # ------------------------------------------------------------ quantity

    def _limits(self) -> list[QuantityLimitSnap]:
        req = self.req
        return self.snap.limits_for(request_type=req.request_type, diagnosis=req.diagnosis, channel=req.channel)

    def cap(self, limit: QuantityLimitSnap) -> Cap:
        req, snap = self.req, self.snap
        days = req.facts.get("dose.days_supply")
        if limit.kind == "none":
            return Cap(None, None, limit, "no quantity limit")
        if limit.kind == "fixed":
            return Cap(limit.quantity, limit.period_days, limit, f"{limit.quantity} per {limit.period_days} days")
        if limit.kind == "per_kg":
            weight = req.facts.get("patient.weight_kg")
            if weight is None:
                raise FactRequired("patient.weight_kg", MSG_WEIGHT_REQUIRED)
            per_day = syringes_per_day(limit.mg_per_kg_day * weight, snap.product_strength_mg)
            period = days or limit.period_days
            return Cap(
                per_day * period,
                period,
                limit,
                f"{format_number(limit.mg_per_kg_day)} mg/kg/day × {format_number(weight)} kg = {per_day} syringes/day",
            )
        if limit.kind == "dose":
            mg = req.facts.get("dose.mg_per_day")
            if mg is None:
                self.missing["dose.mg_per_day"] = None
                return Cap(None, None, limit, "dose not answered", base_suffices=True)
            per_day = syringes_per_day(mg, snap.product_strength_mg)
            period = days or limit.period_days
            return Cap(per_day * period, period, limit, f"{format_number(mg)} mg/day = {per_day} syringes/day")
        if limit.kind == "weight_table":
            return self._weight_cap(limit)
        raise ValueError(f"unknown limit kind {limit.kind}")

    def _weight_cap(self, limit: QuantityLimitSnap) -> Cap:
        table = self.snap.weight_tables[limit.weight_table]
        weight = self.req.facts.get("patient.weight_kg")
        if weight is None:
            raise FactRequired("patient.weight_kg", MSG_WEIGHT_REQUIRED)
        w = format_number(weight)
        if weight <= table.base_sufficient_max_kg:
            return Cap(None, None, limit, f"{w} kg: base limits provide a quantity sufficient", base_suffices=True)
        # Between two weights, the higher weight's row, so an adequate quantity is approved.
        row = next((r for r in table.rows if r.weight_kg >= weight - EPS), None)
        if weight > table.refer_above_kg or row is None:
            return Cap(
                None, None, limit, f"{w} kg: the utilization management pharmacist calculates the quantity", refer=True
            )
        if self.req.channel == "home_delivery":
            quantity, period = row.home_delivery_quantity, row.home_delivery_days
        else:
            quantity, period = row.retail_quantity, row.retail_days
        return Cap(
            quantity, period, limit, f"{w} kg: {format_number(row.weight_kg)} kg row, {quantity} per {period} days"
        )

    def within(self, cap: Cap) -> bool:
        if cap.quantity is None:
            return True
        quantity = self.req.facts.get("dose.quantity")
        if quantity is None:
            return True  # no quantity asked: the cap itself is what is approved
        if cap.limit is not None and cap.limit.one_time:
            return quantity <= cap.quantity  # a one-time override caps the total, not a rate
        days = self.req.facts.get("dose.days_supply") or cap.period_days
        return rate_within(quantity, days, cap.quantity, cap.period_days)

    def granted(self, cap: Cap) -> tuple[int | None, int | None]:
        if cap.quantity is None:
            return None, None
        quantity = self.req.facts.get("dose.quantity")
        if cap.limit is None or cap.limit.grant == "limit" or quantity is None:
            return cap.quantity, cap.period_days
        if cap.limit.one_time:
            return min(quantity, cap.quantity), cap.period_days
        days = self.req.facts.get("dose.days_supply") or cap.period_days
        return min(cap.quantity, math.ceil(quantity * cap.period_days / days - EPS)), cap.period_days

    def requested_words(self) -> str:
        quantity = self.req.facts.get("dose.quantity")
        if quantity is None:
            return "no quantity stated"
        days = self.req.facts.get("dose.days_supply")
        return f"requested {quantity}" + (f" per {days} days" if days else "")

    def limit_reason(self, limit: QuantityLimitSnap, cap: Cap, met: bool, extra: str = "") -> None:
        detail = f"{self.requested_words()}; limit {cap.words}"
        self.reasons.append(Reason(limit.clause, met, limit.text, detail + extra))


def _duration(snap: Snapshot, req: Request, limit: QuantityLimitSnap | None) -> dict[str, int] | None:
    if limit is not None and (limit.duration_months or limit.duration_days):
        return {"months": limit.duration_months} if limit.duration_months else {"days": limit.duration_days}
    duration = snap.duration_for(request_type=req.request_type, diagnosis=req.diagnosis)
    if duration is None:
        return None
    return {"months": duration.months} if duration.months else {"days": duration.days}


def determine(snap: Snapshot, req: Request) -> Determination:
    """Raises FactRequired when a number the rules need was left blank."""
    ev = Evaluation(snap, req)
    coverage = MET
    root = snap.roots.get(req.request_type)
    if root is not None:
        result = ev.node(root)
        ev.show(result)
        coverage = NOT_MET if result.status == NA else result.status

    decision, quantity, per_days, one_time, chosen = "deny", None, None, False, None
    if coverage == REFER:
        decision = "refer"
    elif coverage == MET:
        decision, quantity, per_days, one_time, chosen = _quantity(ev)

    duration = _duration(snap, req, chosen) if decision in ("approve", "partial") else None
    policy = {"code": snap.policy_code, "version": snap.version_label, "title": snap.policy_title}
    # Positional, in the fields' order (decision, approved_quantity, per_days, one_time, duration, policy, reasons,
    # missing): a named tuple's __new__ takes keywords at a cost.
    return Determination(decision, quantity, per_days, one_time, duration, policy, tuple(ev.reasons), tuple(ev.missing))


def _quantity(ev: Evaluation):
    limits = ev._limits()
    if not limits:
        return "approve", None, None, False, None
    base_limits = [limit for limit in limits if limit.condition is None]
    exceptions = [limit for limit in limits if limit.condition is not None]
    base = ev.cap(base_limits[0]) if base_limits else Cap(None, None, None, "no quantity limit")

    if ev.within(base):
        if base.limit is not None:
            ev.limit_reason(base.limit, base, True)
        quantity, per_days = ev.granted(base)
        return "approve", quantity, per_days, bool(base.limit and base.limit.one_time), base.limit

    # Above the base limit: the exceptions, in policy order, with their criteria shown.
    for key in dict.fromkeys(limit.condition_root for limit in exceptions):
        ev.show(ev.node(ev.snap.nodes[key]))
    referred = False
    for limit in exceptions:
        condition = ev.node(ev.snap.nodes[limit.condition])
        if condition.status == REFER:
            referred = True
        if condition.status != MET:
            continue
        cap = ev.cap(limit)
        if cap.refer:
            ev.limit_reason(limit, cap, False)
            return "refer", None, None, False, None
        if cap.base_suffices:
            cap = Cap(base.quantity, base.period_days, base.limit, f"{cap.words}: {base.words}")
            limit_for_grant = base.limit
        else:
            limit_for_grant = limit
        if ev.within(cap):
            ev.limit_reason(limit, cap, True)
            quantity, per_days = ev.granted(cap)
            return (
                "approve",
                quantity,
                per_days,
                limit_for_grant.one_time if limit_for_grant else False,
                limit_for_grant,
            )
        ev.limit_reason(limit, cap, False, f"; {cap.quantity} per {cap.period_days} days approved")
        return (
            "partial",
            cap.quantity,
            cap.period_days,
            bool(limit_for_grant and limit_for_grant.one_time),
            limit_for_grant,
        )
    if referred:
        return "refer", None, None, False, None
    if base.limit is None:
        return "approve", None, None, False, None
    ev.limit_reason(base.limit, base, False, f"; {base.quantity} per {base.period_days} days approved")
    return "partial", base.quantity, base.period_days, base.limit.one_time, base.limit


def quantity_if_covered(snap: Snapshot, req: Request) -> dict[str, Any] | None:
    """What the limits would grant were the criteria met: a reviewer's ceiling and pre-fill."""
    try:
        ev = Evaluation(snap, req)
        decision, quantity, per_days, one_time, chosen = _quantity(ev)
    except FactRequired:
        return None
    if decision == "refer":
        return None
    return {
        "approved_quantity": quantity,
        "per_days": per_days,
        "one_time": one_time,
        "duration": _duration(snap, req, chosen),
        "decision": decision,
    }
