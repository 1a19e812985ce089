"""Impact replay: what a policy version would have decided on the requests already submitted under its policy.

Before a draft is published, policy staff see how many past requests it would decide otherwise and which
clause makes the difference (issue 14 §4). Every submitted request of the policy is decided again, from its
contract request as submitted, against the version, and compared with the determination it was given:
decision, approved quantity and per-days, and duration.

Rows are read a chunk at a time as values, never as model instances, so 100,000 requests cost the memory of
one chunk: each request's JSON as text and the stored outcome, not the stored reasons (most of a
determination's size), which are read only for the requests that changed. With `workers` > 1 the chunks are
decided in forked processes that inherit the compiled snapshot and catalog; they never touch the database.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from django.db import connections
from django.db.models import F, Func, TextField
from django.db.models.functions import Cast, TruncDate

from kineret_pa.engine import Determination, Request, decide, parse_request
from kineret_pa.engine.snapshot import Catalog, Node, Snapshot
from kineret_pa.policies import models as m
from kineret_pa.policies.snapshots import PolicyData, policy_data_get

from .models import PARequest

CHUNK_SIZE = 2000
# The clause named when no reason tells: only the quantity or the duration changed and no limit or duration
# clause applies, or the decision changed while every clause kept its result and its finding.
CLAUSE_QUANTITY = "quantity limit"
CLAUSE_DURATION = "approval duration"
CLAUSE_UNKNOWN = "no clause changed its result"
MSG_WORKERS = "Workers must be 1 or more."
GRANTING = frozenset({"approve", "partial"})  # the decisions that approve a quantity

# Request id, submission date, contract request as JSON text, stored determination without its reasons as JSON text.
Row = tuple[UUID, dt.date, str, str]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a determination decided, as compared: decision, approved quantity per days, duration."""

    decision: str
    quantity: int | None = None
    per_days: int | None = None
    duration_months: int | None = None
    duration_days: int | None = None

    @classmethod
    def from_determination(cls, determination: Determination) -> Outcome:
        duration = determination.duration or {}
        return cls(
            determination.decision,
            determination.approved_quantity,
            determination.per_days,
            duration.get("months"),
            duration.get("days"),
        )

    @property
    def quantity_words(self) -> str:
        if self.quantity is None:
            return "no quantity"
        return f"{self.quantity} per {self.per_days} days" if self.per_days else f"{self.quantity}"

    @property
    def duration_words(self) -> str:
        if self.duration_months:
            return f"{self.duration_months} month" + ("s" if self.duration_months != 1 else "")
        if self.duration_days:
            return f"{self.duration_days} day" + ("s" if self.duration_days != 1 else "")
        return "no duration"


@dataclass(frozen=True, slots=True)
class ImpactChange:
    """A request the version decides otherwise, and the clause that made the difference."""

    request_id: UUID
    old: Outcome
    new: Outcome
    clause: str

    @property
    def decision_words(self) -> str:
        return f"{self.old.decision} → {self.new.decision}"

    @property
    def quantity_words(self) -> str:
        return f"{self.old.quantity_words} → {self.new.quantity_words}"

    @property
    def duration_words(self) -> str:
        return f"{self.old.duration_words} → {self.new.duration_words}"

    @property
    def flip(self) -> str:
        """The change as the by-clause table counts it: "deny → approve", or "approve: quantity changed"."""
        if self.old.decision != self.new.decision:
            return self.decision_words
        changed = []
        if (self.old.quantity, self.old.per_days) != (self.new.quantity, self.new.per_days):
            changed.append("quantity")
        if (self.old.duration_months, self.old.duration_days) != (self.new.duration_months, self.new.duration_days):
            changed.append("duration")
        return f"{self.new.decision}: {' and '.join(changed)} changed"


@dataclass(frozen=True, slots=True)
class ImpactFailure:
    """A request whose stored contract request no longer validates under the version (a fact it no longer
    knows, a drug removed…): it could not be replayed, and the messages say why."""

    request_id: UUID
    messages: tuple[str, ...]


@dataclass(frozen=True)
class ImpactReport:
    version_id: int
    total: int  # every request considered: unchanged + changed + could not replay
    unchanged: int
    changes: tuple[ImpactChange, ...]
    failures: tuple[ImpactFailure, ...]
    by_clause: dict[str, dict[str, int]] = field(default_factory=dict)  # clause -> {flip words: requests}

    @property
    def changed(self) -> int:
        return len(self.changes)

    @property
    def could_not_replay(self) -> int:
        return len(self.failures)


def impact_replay(
    *,
    version: m.PolicyVersion,
    since: dt.date | None = None,
    until: dt.date | None = None,
    policy_data: PolicyData | None = None,
    workers: int = 1,
) -> ImpactReport:
    """Decide every submitted request of the version's policy again against `version` (a draft or any
    version, whatever its dates) and compare with the stored determination. `since` and `until` bound the
    submission date (local, both days included). A request that no longer validates counts as could not
    replay, with its messages; nothing here raises for a request's content.

    The clause a change is put down to, for a changed decision: pair the stored reasons with the new ones by
    clause (the n-th reason labelled with a clause with the n-th one labelled so in the other), and take the
    clause whose met status changed that sits deepest in the version's criteria tree — the most specific
    criterion, "Table 1 RA 2.a" rather than the "Table 1 RA 2" and "Initiation" above it that changed with it;
    a clause of no criterion (a quantity limit's) ranks below every criterion, and equal depths go to the
    first in policy order. When no met status changed (a referral that became a denial: neither is met), the
    deepest unmet clause whose finding changed. For the same decision with a different quantity, or approve and
    partial swapped with no clause changed: the quantity limit's clause in the new reasons (else the stored
    ones), else "quantity limit"; for a different duration only: the clause of the duration that applies, else
    "approval duration". Nothing found: "no clause changed its result".

    Queries: the snapshot's compile (unless `policy_data` has it), one for the requests, and one for the stored
    reasons of each chunk of up to 2,000 requests that has a change (none when nothing changes).
    """
    if workers < 1:
        raise ValueError(MSG_WORKERS)
    policy_data = policy_data if policy_data is not None else policy_data_get()
    replayer = _Replayer(policy_data.snapshot(version.pk), policy_data.catalog)
    chunks = _chunks(_stored_rows(version=version, since=since, until=until), CHUNK_SIZE)
    results = _replay_forked(replayer, chunks, workers) if workers > 1 else map(replayer.chunk, chunks)
    return _report(version.pk, (_causes_named(replayer, result) for result in results))


# ---------------------------------------------------------------- reading the stored requests


def _requests():
    return PARequest


class _JSONWithout(Func):
    """A JSON column's object without some of its keys, as text, from one read of the stored value (PostgreSQL
    decompresses a stored value once for each expression that reads it)."""

    output_field = TextField()

    def __init__(self, field: str, *keys: str) -> None:
        super().__init__(F(field))
        self.keys = keys

    def as_sql(self, compiler, connection, **extra_context):  # SQLite (and MySQL): JSON_REMOVE
        sql, params = compiler.compile(self.source_expressions[0])
        paths = ", ".join(["%s"] * len(self.keys))
        return f"JSON_REMOVE({sql}, {paths})", (*params, *(f"$.{key}" for key in self.keys))

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) - %s::text[])::text", (*params, list(self.keys))


def _stored_rows(*, version: m.PolicyVersion, since: dt.date | None, until: dt.date | None) -> Iterator[Row]:
    """The requests as text and the stored outcome, not the stored reasons: they are most of a determination's
    size (each criterion's wording) and only a changed request needs them (_causes_named reads those)."""
    rows = (
        _requests()
        .objects.filter(
            policy_version__policy_id=version.policy_id,
            submitted_at__isnull=False,
            contract_request__isnull=False,
            determination__isnull=False,
        )
        # The request as text: decoded in the workers, in parallel, rather than here by the ORM.
        .annotate(
            submitted_on=TruncDate("submitted_at"),
            request_json=Cast(F("contract_request"), TextField()),
            outcome_json=_JSONWithout("determination", "reasons", "policy", "missing"),
        )
    )
    if since is not None:
        rows = rows.filter(submitted_on__gte=since)
    if until is not None:
        rows = rows.filter(submitted_on__lte=until)
    return (
        rows.order_by("submitted_at", "id")
        .values_list("id", "submitted_on", "request_json", "outcome_json")
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _stored_reasons(request_ids: list[UUID]) -> dict[UUID, list[dict]]:
    rows = _requests().objects.filter(pk__in=request_ids).values_list("id", "determination__reasons")
    return {request_id: reasons or [] for request_id, reasons in rows}


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---------------------------------------------------------------- deciding again and comparing


@dataclass(frozen=True, slots=True)
class _Replayed:
    """A changed request as a worker returns it: the clause is named where the stored reasons are read."""

    request_id: UUID
    old: Outcome
    new: Outcome
    reasons: tuple[tuple[str, bool, str], ...]  # the new determination's (clause, met, detail)
    limit_clause: str | None  # the quantity limit's clause in the new reasons
    duration_clause: str | None


@dataclass(frozen=True, slots=True)
class _ChunkResult:
    unchanged: int
    changes: tuple[_Replayed, ...] | tuple[ImpactChange, ...]  # from a worker; once _causes_named has named them
    failures: tuple[ImpactFailure, ...]


def _clause_depths(snap: Snapshot) -> dict[str, int]:
    """Each clause's depth in the criteria tree (a root is 0); a clause on several nodes takes the deepest."""
    children = {child.key for node in snap.nodes.values() for child in node.children}
    depths: dict[str, int] = {}
    stack: list[tuple[Node, int]] = [(node, 0) for node in snap.nodes.values() if node.key not in children]
    while stack:
        node, depth = stack.pop()
        if depths.get(node.clause, -1) < depth:
            depths[node.clause] = depth
        stack.extend((child, depth + 1) for child in node.children)
    return depths


def _paired(reasons: Iterable[tuple[str, bool, str]]) -> dict[tuple[str, int], tuple[bool, str]]:
    """Reasons by (clause, occurrence): clauses repeat ("Table 1 RA" is the branch and its severity leaf)."""
    seen: dict[str, int] = {}
    out = {}
    for clause, met, detail in reasons:
        n = seen[clause] = seen.get(clause, -1) + 1
        out[(clause, n)] = (met, detail)
    return out


def _messages(errors: dict[str, list[str]]) -> tuple[str, ...]:
    return tuple(f"{path}: {message}" for path, messages in errors.items() for message in messages)


def _stored_outcome(outcome_json: str) -> Outcome:
    stored = json.loads(outcome_json) or {}
    duration = stored.get("duration") or {}
    return Outcome(
        stored.get("decision") or "",
        stored.get("approved_quantity"),
        stored.get("per_days"),
        duration.get("months"),
        duration.get("days"),
    )


class _Replayer:
    """The version's snapshot and the catalog, and what is worked out from them once for every request."""

    def __init__(self, snap: Snapshot, catalog: Catalog) -> None:
        self.snap = snap
        self.catalog = catalog
        self.depths = _clause_depths(snap)
        self.limit_keys = frozenset((limit.clause, limit.text) for limit in snap.limits)

    def chunk(self, rows: Sequence[Row]) -> _ChunkResult:
        unchanged, changes, failures = 0, [], []
        for row in rows:
            result = self.row(*row)
            if result is None:
                unchanged += 1
            elif isinstance(result, _Replayed):
                changes.append(result)
            else:
                failures.append(result)
        return _ChunkResult(unchanged, tuple(changes), tuple(failures))

    def row(
        self,
        request_id: UUID,
        submitted_on: dt.date,
        request_json: str,
        outcome_json: str,
    ) -> _Replayed | ImpactFailure | None:
        # Parsed as of the day it was submitted: a blank date of service meant that day.
        request, errors = parse_request(json.loads(request_json), self.catalog, today=submitted_on)
        if request is None:
            return ImpactFailure(request_id, _messages(errors))
        determination, errors = decide(self.snap, request)
        if determination is None:
            return ImpactFailure(request_id, _messages(errors))
        old, new = _stored_outcome(outcome_json), Outcome.from_determination(determination)
        if old == new:
            return None
        reasons = determination.reasons
        return _Replayed(
            request_id,
            old,
            new,
            tuple((r.clause, r.met, r.detail) for r in reasons),
            self._limit_clause((r.clause, r.text) for r in reasons),
            self._duration_clause(determination, request),
        )

    def cause(self, *, stored_reasons: list[dict], replayed: _Replayed) -> str:
        """The clause a change is put down to: the rule is impact_replay's docstring."""
        old, new = replayed.old, replayed.new
        if old.decision != new.decision:
            flipped = self._flipped(stored_reasons, replayed.reasons)
            # Between approve and partial the quantity limit decides, with every criterion as it was.
            if flipped or not {old.decision, new.decision} <= GRANTING:
                return flipped or CLAUSE_UNKNOWN
        if (old.quantity, old.per_days) != (new.quantity, new.per_days):
            before = self._limit_clause((r.get("clause"), r.get("text")) for r in stored_reasons)
            return replayed.limit_clause or before or CLAUSE_QUANTITY
        if (old.duration_months, old.duration_days) != (new.duration_months, new.duration_days):
            return replayed.duration_clause or CLAUSE_DURATION
        return CLAUSE_UNKNOWN

    def _flipped(self, stored_reasons: list[dict], reasons: Sequence[tuple[str, bool, str]]) -> str | None:
        before = _paired((r.get("clause"), r.get("met"), r.get("detail")) for r in stored_reasons)
        after = _paired(reasons)  # in policy order
        both = [key for key in after if key in before]
        met_changed = [key for key in both if before[key][0] != after[key][0]]
        # Refer and deny are both "not met": then the finding (the detail) is what changed.
        candidates = met_changed or [key for key in both if not after[key][0] and before[key][1] != after[key][1]]
        if not candidates:
            return None
        # max() keeps the first of equal depths: the first in policy order.
        return max(candidates, key=lambda key: self.depths.get(key[0], -1))[0]

    def _limit_clause(self, reasons: Iterable[tuple[str, str]]) -> str | None:
        """The clause of the last reason (clause, text) that is a quantity limit's: they come after the criteria,
        and the last one names the limit that set the quantity."""
        limits = [clause for clause, text in reasons if (clause, text) in self.limit_keys]
        return limits[-1] if limits else None

    def _duration_clause(self, determination: Determination, request: Request) -> str | None:
        # A limit with a duration of its own sets it (evaluate._duration); else the version's duration in scope.
        for limit in self.snap.limits:
            if (limit.duration_months or limit.duration_days) and any(
                (r.clause, r.text) == (limit.clause, limit.text) for r in determination.reasons
            ):
                return limit.clause
        duration = self.snap.duration_for(request_type=request.request_type, diagnosis=request.diagnosis)
        return duration.clause if duration else None


def _causes_named(replayer: _Replayer, result: _ChunkResult) -> _ChunkResult:
    """The chunk's changes with their clause, from the stored reasons read for them alone (one query)."""
    if not result.changes:
        return result
    stored = _stored_reasons([replayed.request_id for replayed in result.changes])
    changes = tuple(
        ImpactChange(
            replayed.request_id,
            replayed.old,
            replayed.new,
            replayer.cause(stored_reasons=stored.get(replayed.request_id, []), replayed=replayed),
        )
        for replayed in result.changes
    )
    return _ChunkResult(result.unchanged, changes, result.failures)


# ---------------------------------------------------------------- both cores

_forked_replayer: _Replayer | None = None  # what a forked worker inherits


def _forked_chunk(rows: list[Row]) -> _ChunkResult:
    return _forked_replayer.chunk(rows)


def _connections_close() -> None:
    """Close the database connections before forking, so no child holds a copy of a live one. A connection
    inside a transaction (the caller's, or a test's) is left open: closing it would end the transaction, and
    the workers never use it."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def _replay_forked(replayer: _Replayer, chunks: Iterator[list[Row]], workers: int) -> Iterator[_ChunkResult]:
    """Chunks decided in `workers` forked processes, the results in the rows' order. The rows are read here,
    in this thread (a connection belongs to its thread), with at most two chunks a worker in flight."""
    global _forked_replayer
    _forked_replayer = replayer
    _connections_close()
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            # The pool is made before the first row is read: the children fork with no open connection.
            pending: deque = deque()
            for chunk in chunks:
                pending.append(pool.apply_async(_forked_chunk, (chunk,)))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _forked_replayer = None


def _report(version_id: int, results: Iterable[_ChunkResult]) -> ImpactReport:
    unchanged, changes, failures = 0, [], []
    for result in results:
        unchanged += result.unchanged
        changes.extend(result.changes)
        failures.extend(result.failures)
    counts = Counter((change.clause, change.flip) for change in changes)
    totals = Counter(change.clause for change in changes)
    by_clause: dict[str, dict[str, int]] = {}
    # The clause that changed most requests first; within a clause, the commonest change first.
    order = sorted(counts.items(), key=lambda item: (-totals[item[0][0]], item[0][0], -item[1], item[0][1]))
    for (clause, flip), n in order:
        by_clause.setdefault(clause, {})[flip] = n
    return ImpactReport(
        version_id=version_id,
        total=unchanged + len(changes) + len(failures),
        unchanged=unchanged,
        changes=tuple(changes),
        failures=tuple(failures),
        by_clause=by_clause,
    )
