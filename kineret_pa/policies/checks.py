"""Whole-tree checks of a policy version's criteria, beyond what one criterion's own form can see.

The rules, as the engine uses the trees (engine/evaluate.py, policies/snapshots.py):

1. Roots. A criterion marked "root for" initial, renewal or both is where that request type starts ("both" counts
   for each). Each request type has at most one: with two, the engine silently uses the last and ignores the other.
   A version with any root needs one for each request type, since a request type without one is decided on quantity
   alone; so does every version of a prior-approval or coverage policy. Only a drug quantity management policy
   (Cigna DQM008) may have no root at all: its criteria are only the conditions of its quantity limits.
2. Reachable. A criterion is checked when it is a root or inside one, inside the tree that holds a quantity limit's
   condition (the engine evaluates and shows that whole tree: Cigna's "Criteria" ANY that groups Criteria 1 to 3),
   or inside a criterion that a reachable "Same as" names. Only the top of an unreachable branch is reported
   (a branch whose parents go round in a circle is reported by 3).
3. No cycles: a criterion is never inside itself, and a "Same as" never leads back to itself.
4. A "Same as" names a key of this version.
5. ALL and ANY need at least one criterion under them (one is enough: "ALL of: diagnosis is DIRA" reads fine, and
   Florida Blue's Table 1 DIRA is just that); NOT exactly one; AT LEAST n at most as many as it has. Single tests
   (leaves) have nothing under them.
6. Every indication the version covers can be approved: a criterion reachable from a request type's root, not
   under a NOT, names the diagnosis or its group, or tests the indication status it has (Florida Blue's "Other
   indications"; a "pharmacist verifies" status always reaches a pharmacist there). A version whose request-type
   trees never test the diagnosis passes; a quantity limit's condition chooses a quantity, not coverage, so Cigna's
   diagnosis criteria do not count. A status test counts wherever it is: in Florida Blue the dosing clauses'
   (Initiation 5.b, 5.c) reach every FDA-labeled and compendia indication, so there a deleted Table 1 row goes
   unnoticed by this check.
7. Every list, question and diagnosis a criterion names exists (engine.vocabulary.validate_node).

All rows are read in a constant number of queries, whatever the size of the trees.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from kineret_pa.engine.vocabulary import LEAF_KINDS, ValidationContext, validate_node

from .models import (
    ROOT_REQUEST_TYPES,
    CriterionNode,
    Diagnosis,
    DrugList,
    Policy,
    PolicyDiagnosis,
    PolicyVersion,
    QuantityLimit,
    Question,
    data_fact_codes,
)

REQUEST_TYPES = ("initial", "renewal")

MSG_ROOT_DUPLICATE = (
    "“{clause}” ({key}) is marked as where {request_type} requests start, but so is {others}. Only one of them is "
    "used, so a request could be decided on the wrong criteria: keep one and clear “root for” on the others."
)
MSG_ROOT_MISSING = (
    "No criterion is marked as where {request_type} requests start, so {request_type} requests would be approved "
    "without any criteria. Mark the top criterion for {request_type} requests with “root for”."
)
MSG_UNREACHABLE = (
    "“{clause}” ({key}) is never checked: it is not where a request type starts, not the condition of a quantity "
    "limit, and no “Same as” criterion names it. Move it under the criteria it belongs to, or delete it."
)
MSG_PARENT_CYCLE = (
    "“{clause}” ({key}) is inside itself: following the criteria it sits under leads back to it, so it is never "
    "checked. Move it under a criterion outside its own branch."
)
MSG_REF_CYCLE = (
    "“{clause}” ({key}) is “Same as” “{target}”, which leads back to this criterion, so it can never be decided. "
    "Point it at a criterion outside its own branch."
)
MSG_REF_UNKNOWN = (
    "“{clause}” ({key}) is “Same as” “{target}”, but no criterion of this version has that key. Correct the key or "
    "delete this criterion."
)
MSG_INNER_EMPTY = (
    "“{clause}” ({key}) asks for {kind} the criteria under it, but has none under it. Add the criteria or delete it."
)
MSG_NOT_CHILDREN = (
    "“{clause}” ({key}) is a NOT, which takes exactly one criterion under it; it has {count}. Put the criteria under "
    "an ALL or ANY first, and that under the NOT."
)
MSG_AT_LEAST_TOO_MANY = (
    "“{clause}” ({key}) asks for at least {n} of the criteria under it, but has only {count} under it. Lower the "
    "number or add the missing criteria."
)
MSG_LEAF_CHILDREN = (
    "“{clause}” ({key}) is a single test ({label}) and cannot have criteria under it, but has {count}. Move them "
    "under an ALL, ANY or AT LEAST criterion."
)
MSG_INDICATION_UNREACHABLE = (
    "{diagnosis} is covered by this version ({status}), but no criterion for a request type names it, its group or "
    "its indication status, so a request for it can never be approved. Add it to the criteria of its clause, or "
    "mark it not covered."
)
MSG_NODE_PARAMS = "“{clause}” ({key}): {problem}"

_COMBINE_WORDS = {"all": "ALL of", "any": "ANY ONE of"}


@dataclass(frozen=True)
class TreeProblem:
    node_key: str | None  # None: the version as a whole
    clause: str
    message: str


@dataclass(frozen=True)
class _Rows:
    """Everything the checks read, fetched once."""

    policy_kind: str
    nodes: dict[int, CriterionNode]
    children: dict[int, list[CriterionNode]]
    by_key: dict[str, CriterionNode]
    condition_ids: frozenset[int]
    covered: list[tuple[int, str, str]]  # (diagnosis id, status, source) of each covered indication
    diagnoses: dict[int, tuple[str, str, int | None]]  # id -> (slug, name, parent id)
    context: ValidationContext


def version_problems(*, version: PolicyVersion) -> list[TreeProblem]:
    """What is wrong with the version's criteria as a whole, each problem on the criterion to change."""
    rows = _rows_read(version=version)
    problems = _root_problems(rows=rows)
    problems += _unreachable(rows=rows)
    problems += _parent_cycles(rows=rows)
    problems += _ref_problems(rows=rows)
    problems += _shape_problems(rows=rows)
    problems += _indication_problems(rows=rows)
    problems += _param_problems(rows=rows)
    return problems


def _rows_read(*, version: PolicyVersion) -> _Rows:
    nodes = {node.id: node for node in CriterionNode.objects.filter(version=version).order_by("order", "id")}
    children: dict[int, list[CriterionNode]] = defaultdict(list)
    for node in nodes.values():
        if node.parent_id is not None:
            children[node.parent_id].append(node)
    diagnoses = {
        pk: (slug, name, parent)
        for pk, slug, name, parent in Diagnosis.objects.values_list("id", "slug", "name", "parent_id")
    }
    return _Rows(
        policy_kind=Policy.objects.values_list("kind", flat=True).get(pk=version.policy_id),
        nodes=nodes,
        children=children,
        by_key={node.key: node for node in nodes.values()},
        condition_ids=frozenset(
            QuantityLimit.objects.filter(version=version, condition__isnull=False).values_list(
                "condition_id", flat=True
            )
        ),
        covered=list(
            PolicyDiagnosis.objects.filter(version=version)
            .exclude(status=PolicyDiagnosis.Status.NOT_COVERED)
            .order_by("diagnosis__order", "id")
            .values_list("diagnosis_id", "status", "source")
        ),
        diagnoses=diagnoses,
        # One context for every criterion (CriterionNode.validation_context reads it per criterion).
        context=ValidationContext(
            drug_lists=frozenset(DrugList.objects.filter(version=version).values_list("code", flat=True)),
            diagnoses=frozenset(slug for slug, _, _ in diagnoses.values()),
            questions=frozenset(Question.objects.values_list("code", flat=True)),
            node_keys=frozenset(node.key for node in nodes.values()),
            fact_values=data_fact_codes(nodes.values()),
        ),
    )


def _problem(node: CriterionNode, message: str, **words) -> TreeProblem:
    return TreeProblem(node.key, node.clause, message.format(clause=node.clause, key=node.key, **words))


# ---------------------------------------------------------------- 1. roots


def _root_problems(*, rows: _Rows) -> list[TreeProblem]:
    roots = [node for node in rows.nodes.values() if node.root_for and node.parent_id is None]
    problems = []
    for request_type in REQUEST_TYPES:
        starting = [node for node in roots if request_type in ROOT_REQUEST_TYPES.get(node.root_for, ())]
        for node in starting if len(starting) > 1 else ():
            others = " and ".join(f"“{other.clause}” ({other.key})" for other in starting if other is not node)
            problems.append(_problem(node, MSG_ROOT_DUPLICATE, request_type=request_type, others=others))
        if not starting and (roots or rows.policy_kind != Policy.Kind.QUANTITY):
            problems.append(TreeProblem(None, "", MSG_ROOT_MISSING.format(request_type=request_type)))
    return problems


# ---------------------------------------------------------------- 2. reachable


def _top(node: CriterionNode, nodes: dict[int, CriterionNode]) -> CriterionNode | None:
    """The top of the node's tree; None when its parents go round in a circle."""
    seen = set()
    while node.parent_id is not None and node.id not in seen:
        seen.add(node.id)
        node = nodes.get(node.parent_id)
        if node is None:  # a parent in another version: the criterion's own form refuses it
            return None
    return None if node.parent_id is not None else node


def _next(node: CriterionNode, rows: _Rows) -> list[CriterionNode]:
    """What checking a criterion checks next: the criteria under it, or the one a "Same as" names."""
    if node.kind == "ref" and isinstance(node.params, dict):
        target = rows.by_key.get(node.params.get("node"))
        return [target] if target is not None else []
    return rows.children.get(node.id, [])


def _reached(starts: list[CriterionNode], rows: _Rows) -> set[int]:
    seen: set[int] = set()
    stack = list(starts)
    while stack:
        node = stack.pop()
        if node.id not in seen:
            seen.add(node.id)
            stack.extend(_next(node, rows))
    return seen


def _unreachable(*, rows: _Rows) -> list[TreeProblem]:
    starts = [node for node in rows.nodes.values() if node.root_for and node.parent_id is None]
    for condition_id in rows.condition_ids:
        condition = rows.nodes.get(condition_id)
        if condition is not None:
            starts += [condition, _top(condition, rows.nodes) or condition]
    reached = _reached(starts, rows)
    # Only the top of a branch: what is under it is reached once it is.
    return [
        _problem(node, MSG_UNREACHABLE)
        for node in rows.nodes.values()
        if node.id not in reached and node.parent_id is None
    ]


# ---------------------------------------------------------------- 3. cycles, 4. "Same as"


def _parent_cycles(*, rows: _Rows) -> list[TreeProblem]:
    """Criteria whose parents lead back to them. What hangs under such a circle is not reported again: it has a
    parent, and mending the circle mends it."""
    settled: set[int] = set()
    problems = []
    for start in rows.nodes.values():
        path: list[int] = []
        node = start
        while node is not None and node.id not in settled and node.id not in path:
            path.append(node.id)
            node = rows.nodes.get(node.parent_id) if node.parent_id is not None else None
        if node is not None and node.id in path:  # round in a circle: from node back to node
            problems += [_problem(rows.nodes[pk], MSG_PARENT_CYCLE) for pk in path[path.index(node.id) :]]
        settled.update(path)
    return problems


def _ref_problems(*, rows: _Rows) -> list[TreeProblem]:
    problems = []
    for node in rows.nodes.values():
        if node.kind != "ref" or not isinstance(node.params, dict) or "node" not in node.params:
            continue  # without a target the parameter check (7) says what is missing
        target_key = node.params["node"]
        target = rows.by_key.get(target_key)
        if target is None:
            problems.append(_problem(node, MSG_REF_UNKNOWN, target=target_key))
        elif node.id in _reached([target], rows):
            problems.append(_problem(node, MSG_REF_CYCLE, target=target_key))
    return problems


# ---------------------------------------------------------------- 5. shape


def _shape_problems(*, rows: _Rows) -> list[TreeProblem]:
    problems = []
    for node in rows.nodes.values():
        count = len(rows.children.get(node.id, []))
        if node.kind in _COMBINE_WORDS and count == 0:
            problems.append(_problem(node, MSG_INNER_EMPTY, kind=_COMBINE_WORDS[node.kind]))
        elif node.kind == "not" and count != 1:
            problems.append(_problem(node, MSG_NOT_CHILDREN, count=count))
        elif node.kind == "at_least":
            n = node.params.get("n") if isinstance(node.params, dict) else None
            # A missing or non-numeric n is the parameter check's (7) to report.
            if isinstance(n, int) and not isinstance(n, bool) and n >= 1 and n > count:
                problems.append(_problem(node, MSG_AT_LEAST_TOO_MANY, n=n, count=count))
        elif node.kind in LEAF_KINDS and count:
            problems.append(_problem(node, MSG_LEAF_CHILDREN, label=LEAF_KINDS[node.kind].label, count=count))
    return problems


# ---------------------------------------------------------------- 6. indications


def _approving_leaves(*, rows: _Rows) -> tuple[set[str], set[str], bool]:
    """Diagnosis slugs and indication statuses that request-type trees test, not under a NOT, and whether any
    request-type tree tests the diagnosis at all."""
    slugs: set[str] = set()
    statuses: set[str] = set()
    tests_diagnosis = False
    seen: set[tuple[int, bool]] = set()
    stack = [(node, False) for node in rows.nodes.values() if node.root_for and node.parent_id is None]
    while stack:
        node, negated = stack.pop()
        if (node.id, negated) in seen:
            continue
        seen.add((node.id, negated))
        params = node.params if isinstance(node.params, dict) else {}
        if node.kind == "diagnosis_in":
            tests_diagnosis = True
            slugs.update(params.get("diagnoses", []) if not negated else [])
        elif node.kind == "indication_status_in" and not negated:
            statuses.update(params.get("statuses", []))
        flip = negated != (node.kind == "not")
        stack.extend((child, flip) for child in _next(node, rows))
    return slugs, statuses, tests_diagnosis


def _indication_problems(*, rows: _Rows) -> list[TreeProblem]:
    slugs, statuses, tests_diagnosis = _approving_leaves(rows=rows)
    if not tests_diagnosis:
        return []
    status_words = dict(PolicyDiagnosis.Status.choices)
    problems = []
    for diagnosis_id, status, source in rows.covered:
        # A status test refers a "pharmacist verifies" indication to a pharmacist whatever statuses it names.
        if status in statuses or (status == PolicyDiagnosis.Status.VERIFY and statuses):
            continue
        names, pk = set(), diagnosis_id
        while pk is not None and rows.diagnoses[pk][0] not in names:
            names.add(rows.diagnoses[pk][0])
            pk = rows.diagnoses[pk][2]
        if names & slugs:
            continue
        message = MSG_INDICATION_UNREACHABLE.format(
            diagnosis=rows.diagnoses[diagnosis_id][1], status=status_words[status]
        )
        problems.append(TreeProblem(None, source, message))
    return problems


# ---------------------------------------------------------------- 7. parameters


def _param_problems(*, rows: _Rows) -> list[TreeProblem]:
    problems = []
    for node in rows.nodes.values():
        if node.kind == "ref" and isinstance(node.params, dict) and "node" in node.params:
            continue  # its target is checked above (4), in its own words
        for message in validate_node(node.kind, node.params, rows.context):
            problems.append(_problem(node, MSG_NODE_PARAMS, problem=message))
    return problems
