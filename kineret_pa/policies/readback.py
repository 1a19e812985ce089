"""A policy version read back as indented policy text, each criterion with its parameters in words.

Policy staff type a criterion's wording and its parameters separately, so the two can drift apart: the
wording says THREE preferred products while the parameters count 2. The read-back puts them side by side
and flags a number the one states and the other does not (see `wording_mismatch`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch

from kineret_pa.engine.facts import (
    ENUM_FACTS,
    NUMBER_FACTS,
    OUTCOMES,
    TRIAL_INTOLERANCE_TO,
    TRIAL_ROUTE,
    TRIAL_WEEKLY_DOSE,
    YES_NO_WORDS,
    fact_label,
    format_number,
)
from kineret_pa.engine.snapshot import Catalog
from kineret_pa.engine.vocabulary import ALL_KINDS, COMPARATOR_WORDS, STATUS_WORDS

from . import models as m
from .snapshots import policy_data_get

MSG_WORDING_SAYS = "The wording says {wording} but the parameters say {parameters}."
MSG_WORDING_SILENT = "The parameters say {parameters} but the wording does not say it."
MSG_UNKNOWN_LIST = "no drug list “{code}” in this version"
MSG_UNKNOWN_NODE = "no criterion “{key}” in this version"
# A list naming a class: its members are whatever the catalog puts in the class when a request is decided.
CLASS_WORDS = "every {name} drug (and biosimilars)"

ROLE_GATE = "gate: the branch applies only when this is met"
ROLE_LIMIT_CONDITION = "condition for the quantity limit {clause}"

NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"), start=1
    )
}
_COUNT_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r"|all)\b", re.IGNORECASE)
# Digits not inside a word or a decimal ("2a" still reads as 2), with the word written right after them.
_DIGITS = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?:[-\s]+([A-Za-z/]+))?")
_INDICATION_MAX_WORDS = {"fda": "FDA-labeled", "compendia": "compendia-supported"}


@dataclass(frozen=True)
class ReadbackLine:
    depth: int
    key: str
    clause: str
    kind_label: str
    text: str
    params_words: str
    mismatch: str | None
    # What the node is for where the tree alone does not say: a request type's root, a gate, a limit's condition.
    role: str = ""


@dataclass(frozen=True)
class _Data:
    """What parameters name, read once for the whole version."""

    catalog: Catalog
    drug_lists: dict[str, m.DrugList]
    questions: dict[str, str]
    nodes_by_key: dict[str, m.CriterionNode]


# ---------------------------------------------------------------- parameters in words


def _or(words: list[str]) -> str:
    return " or ".join(words)


def _products(count: Any) -> str:
    if count == "all":
        return "all products"
    return f"{count} product" if count == 1 else f"{count} products"


def _outcomes(codes: Any) -> str:
    return " / ".join(OUTCOMES.get(code, str(code)) for code in codes or ())


def _entry_words(entry: m.DrugListEntry, catalog: Catalog) -> str:
    drug = catalog.drugs.get(entry.drug_id)
    label = drug.label if drug else str(entry.drug_id)
    preferred = [catalog.drugs[d.id].label for d in entry.preferred_biosimilars.all() if d.id in catalog.drugs]
    if entry.include_biosimilars and preferred:
        words = f"{label} or its preferred biosimilars ({', '.join(preferred)})"
    else:
        words = f"{label} or a biosimilar of it" if entry.include_biosimilars else label
    return f"{words} ({TRIAL_ROUTE.words(entry.route)} only)" if entry.route else words


def _list_words(code: str, data: _Data) -> str:
    dl = data.drug_lists.get(code)
    if dl is None:
        return MSG_UNKNOWN_LIST.format(code=code)
    members = [_entry_words(e, data.catalog) for e in dl.entries.all()]
    members += [CLASS_WORDS.format(name=c.name) for c in dl.classes.all()]
    return f"{dl.name} ({dl.clause}): {', '.join(members)}"


def _lists_words(codes: Any, data: _Data) -> str:
    return "; ".join(_list_words(code, data) for code in codes or ())


def _exempt_words(p: dict) -> str:
    exempt = [o for o in p.get("months_exempt_outcomes", ()) if o in p.get("outcomes", ())]
    return f"; the months do not apply to {_outcomes(exempt)}" if exempt and p.get("min_months") else ""


def _trials_words(p: dict, data: _Data) -> str:
    count, months = p.get("min_count"), p.get("min_months")
    if months and count != 1:
        head = f"at least {format_number(months)} months of each of {_products(count)}"
    elif months:
        head = f"at least {format_number(months)} months of {_products(count)}"
    else:
        head = _products(count)
    return f"{head} from {_lists_words(p.get('lists'), data)}; outcome: {_outcomes(p.get('outcomes'))}" + (
        _exempt_words(p) + _trial_rule_words(p)
    )


def _trial_rule_words(p: dict) -> str:
    """A trials leaf's dose and intolerance rules, where it has them."""
    words = ""
    if _is_number(p.get("min_weekly_dose_mg")):
        dose = f"{format_number(p['min_weekly_dose_mg'])} {TRIAL_WEEKLY_DOSE.unit}"
        words += f"; an inadequate response counts at {dose} or more"
        words += ", or at a lower dose when a higher one was not tolerated"
    if p.get("intolerance_to") in TRIAL_INTOLERANCE_TO.values:
        words += f"; an intolerance counts only when it was to {TRIAL_INTOLERANCE_TO.words(p['intolerance_to'])}"
    return words


def trial_part_words(part: dict) -> str:
    """One part of a distinct_trials leaf in words: "2 products with inadequate response (at least 3 months each)"."""
    months = part.get("min_months")
    each = f" (at least {format_number(months)} months each)" if months else ""
    return f"{_products(part.get('count'))} with {_outcomes(part.get('outcomes'))}{each}"


def _distinct_trials_words(p: dict, data: _Data) -> str:
    parts = " and ".join(trial_part_words(part) for part in p.get("parts") or () if isinstance(part, dict))
    return f"{parts}, each a different product, from {_lists_words(p.get('lists'), data)}"


def _preferred_list_words(dl: m.DrugList, data: _Data) -> str:
    scope = [plan.name for plan in dl.plans.all()]
    if dl.diagnosis_id:
        scope.append(dl.diagnosis.name)
    where = f"for {', '.join(scope)}, " if scope else ""
    return f"{where}{dl.required_count or 1} of {_list_words(dl.code, data)}"


def _preferred_trials_words(p: dict, data: _Data) -> str:
    lists = [dl for dl in data.drug_lists.values() if dl.kind == m.DrugList.Kind.PREFERRED]
    listed = "; ".join(_preferred_list_words(dl, data) for dl in lists) or "none listed in this version"
    months = p.get("min_months")
    each = f", at least {format_number(months)} months each" if months else ""
    return f"the preferred products for the member's plan and diagnosis ({listed}); outcome: " + (
        f"{_outcomes(p.get('outcomes'))}{each}{_exempt_words(p)}"
    )


def _fact_in_words(p: dict, data: _Data) -> str:
    spec = ENUM_FACTS.get(p.get("fact"))
    values = p.get("values") or ()
    known = data.catalog.fact_values.get(p.get("fact"))  # a fact whose values are data: the catalog's words
    if known is not None:
        words = [known.get(v, str(v)) for v in values]
    else:
        words = [spec.words(v) for v in values] if spec else [str(v) for v in values]
    return f"{fact_label(p.get('fact'))}: {_or(words)}"


def _number_compare_words(p: dict, data: _Data) -> str:
    spec = NUMBER_FACTS.get(p.get("fact"))
    unit = f" {spec.unit}" if spec else ""
    value = p.get("value")
    number = format_number(value) if isinstance(value, (int, float)) else str(value)
    return f"{fact_label(p.get('fact'))} {COMPARATOR_WORDS.get(p.get('op'), p.get('op'))} {number}{unit}"


def _answer_is_words(p: dict, data: _Data) -> str:
    question = data.questions.get(p.get("question"), str(p.get("question")))
    return f"{question}: {YES_NO_WORDS.get(p.get('value', True), str(p.get('value')))}"


def _diagnosis_words(slug: str, catalog: Catalog) -> str:
    diagnosis = catalog.diagnoses.get(slug)
    if diagnosis is None:
        return slug
    members = [d.name for d in catalog.diagnoses.values() if slug in d.ancestors]
    return f"{diagnosis.name} (including {', '.join(members)})" if members else diagnosis.name


def _diagnosis_in_words(p: dict, data: _Data) -> str:
    return "diagnosis: " + _or([_diagnosis_words(slug, data.catalog) for slug in p.get("diagnoses") or ()])


def _status_in_words(p: dict, data: _Data) -> str:
    return "the diagnosis is " + _or([STATUS_WORDS.get(s, str(s)) for s in p.get("statuses") or ()])


def _no_concomitant_words(p: dict, data: _Data) -> str:
    return f"none of {_lists_words(p.get('lists'), data)}"


def _mg_per_kg_words(p: dict, data: _Data) -> str:
    return f"dose at most {format_number(p.get('mg_per_kg', 0))} mg/kg/day"


def _indication_max_words(p: dict, data: _Data) -> str:
    relation = "within" if p.get("relation") == "within" else "above"
    return (
        f"dose {relation} the {_INDICATION_MAX_WORDS.get(p.get('source'), p.get('source'))} maximum for the diagnosis"
    )


def _ref_words(p: dict, data: _Data) -> str:
    node = data.nodes_by_key.get(p.get("node"))
    return f"same as {node.clause} ({node.key})" if node else MSG_UNKNOWN_NODE.format(key=p.get("node"))


def _refer_words(p: dict, data: _Data) -> str:
    return f"referred to a pharmacist: {p.get('reason', '')}"


def _at_least_words(p: dict, data: _Data) -> str:
    return f"at least {p.get('n')} of the children"


_WORDS: dict[str, Callable[[dict, _Data], str]] = {
    "at_least": _at_least_words,
    "trials": _trials_words,
    "distinct_trials": _distinct_trials_words,
    "preferred_trials": _preferred_trials_words,
    "fact_in": _fact_in_words,
    "number_compare": _number_compare_words,
    "answer_is": _answer_is_words,
    "diagnosis_in": _diagnosis_in_words,
    "indication_status_in": _status_in_words,
    "no_concomitant_from": _no_concomitant_words,
    "dose_mg_per_kg_at_most": _mg_per_kg_words,
    "dose_vs_indication_max": _indication_max_words,
    "ref": _ref_words,
    "refer_to_pharmacist": _refer_words,
}


def params_words(*, kind: str, params: Any, data: _Data) -> str:
    """A node's parameters in words; blank for a kind without parameters (all, any, not, …)."""
    words = _WORDS.get(kind)
    if words is None or not isinstance(params, dict):
        return ""
    return words(params, data)


# ---------------------------------------------------------------- wording against parameters


@dataclass(frozen=True)
class _Measure:
    value: float
    words: str  # as the message says it: "6 months"
    stem: str  # the unit the wording writes after the number: "month"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _counts(kind: str, p: dict) -> list[Any]:
    if kind == "at_least":
        return [p.get("n")]
    if kind == "trials":
        return [p.get("min_count")]
    if kind == "distinct_trials":
        return [part.get("count") for part in p.get("parts") or () if isinstance(part, dict)]
    return []


def _measures(kind: str, p: dict) -> list[_Measure]:
    months: list[Any] = []
    if kind == "trials":
        months = [p.get("min_months")]
    elif kind == "distinct_trials":
        months = [part.get("min_months") for part in p.get("parts") or () if isinstance(part, dict)]
    found = [_Measure(v, f"{format_number(v)} months", "month") for v in months if _is_number(v) and v]
    if kind == "trials" and _is_number(p.get("min_weekly_dose_mg")):
        dose = p["min_weekly_dose_mg"]
        found.append(_Measure(dose, f"{format_number(dose)} {TRIAL_WEEKLY_DOSE.unit}", "mg"))
    if kind == "number_compare" and _is_number(p.get("value")):
        spec = NUMBER_FACTS.get(p.get("fact"))
        unit = spec.unit if spec else ""
        found.append(
            _Measure(p["value"], f"{format_number(p['value'])} {unit}".strip(), unit.split("/")[0].rstrip("s"))
        )
    if kind == "dose_mg_per_kg_at_most" and _is_number(p.get("mg_per_kg")):
        found.append(_Measure(p["mg_per_kg"], f"{format_number(p['mg_per_kg'])} mg/kg/day", "mg"))
    return found


def _count_value(word: str) -> Any:
    return "all" if word.lower() == "all" else NUMBER_WORDS[word.lower()]


def _count_problem(counts: list[Any], text: str, numbers: set) -> str | None:
    counts = [c for c in counts if c == "all" or _is_number(c)]
    if not counts:
        return None
    words = list(dict.fromkeys(_COUNT_WORD.findall(text)))
    wrong = [w for w in words if _count_value(w) not in counts]
    # A count of one is what a singular already says ("to maximally tolerated methotrexate").
    missing = [c for c in counts if c != 1 and c not in numbers]
    if not wrong and not missing:
        return None
    # Name the counts the wording gets wrong: those it never says, else those no count word says.
    unsaid = [c for c in counts if c not in {_count_value(w) for w in words}]
    named = dict.fromkeys(missing or unsaid or counts)
    parameters = " and ".join("ALL" if c == "all" else format_number(c) for c in named)
    if wrong:
        return MSG_WORDING_SAYS.format(wording=" and ".join(wrong), parameters=parameters)
    return MSG_WORDING_SILENT.format(parameters=parameters)


def _measure_problem(measure: _Measure, measures: list[_Measure], text: str) -> str:
    others = {m_.value for m_ in measures}
    written = [match for match in _DIGITS.finditer(text) if float(match.group(1)) not in others]
    near_unit = [match for match in written if (match.group(2) or "").lower().startswith(measure.stem.lower())]
    said = [match.group(0).strip() if match in near_unit else match.group(1) for match in (near_unit or written)]
    if not said:
        return MSG_WORDING_SILENT.format(parameters=measure.words)
    return MSG_WORDING_SAYS.format(wording=" and ".join(dict.fromkeys(said)), parameters=measure.words)


def _plain_count_problem(measures: list[_Measure], text: str) -> str | None:
    """For a node with numbers but no counts, a count word must still be one of its numbers."""
    values = {m_.value for m_ in measures}
    wrong = [
        w for w in dict.fromkeys(_COUNT_WORD.findall(text)) if w.lower() != "all" and _count_value(w) not in values
    ]
    if not wrong:
        return None
    return MSG_WORDING_SAYS.format(wording=" and ".join(wrong), parameters=" and ".join(x.words for x in measures))


def wording_mismatch(*, kind: str, params: Any, text: str) -> str | None:
    """Where the wording and the parameters disagree about a number; None where they agree.

    The rule:

    1. The numbers a node's parameters state are its counts (a trials leaf's min_count, each part's count in
       distinct_trials, at_least's n) and its measures (min_months, each part's min_months, a trials leaf's
       min_weekly_dose_mg, number_compare's value, mg_per_kg). Lists, outcomes, facts and other parameters carry
       no number to check.
    2. Each of them must appear in the wording, as digits ("3-month", "3 months", "100 mg") or as a number
       word ONE to TWELVE in any case ("THREE", "three"); a min_count of "all" as the word ALL. A count of 1
       need not be written: the singular says it ("to maximally tolerated methotrexate").
    3. A count word in the wording (ONE to TWELVE, or ALL, a whole word in any case) must be one of the node's
       counts; on a node with measures but no counts, one of its measures (ALL is then not a count). A node
       with no numbers is never flagged, so "ONE of the following" on an ANY node is not checked here.
       Digits are not checked this way: the wording cites doses and evidence levels ("100 mg syringe",
       "DrugDex 1 or 2a") that are not parameters.

    The message names what the wording says and what the parameters say, e.g. "The wording says THREE but the
    parameters say 2."
    """
    if not isinstance(params, dict):
        return None
    counts, measures = _counts(kind, params), _measures(kind, params)
    numbers: set = {float(match.group(1)) for match in _DIGITS.finditer(text)}
    numbers |= {_count_value(word) for word in _COUNT_WORD.findall(text)}
    problems = [_count_problem(counts, text, numbers)]
    problems += [_measure_problem(x, measures, text) for x in measures if x.value not in numbers]
    if measures and not [c for c in counts if c is not None]:
        problems.append(_plain_count_problem(measures, text))
    found = [p for p in dict.fromkeys(problems) if p]
    return " ".join(found) or None


# ---------------------------------------------------------------- the tree


_ROOT_ORDER = {m.CriterionNode.RootFor.INITIAL: 0, m.CriterionNode.RootFor.BOTH: 1, m.CriterionNode.RootFor.RENEWAL: 2}


def _data_read(version: m.PolicyVersion, nodes: list[m.CriterionNode]) -> _Data:
    drug_lists = (
        m.DrugList.objects.filter(version=version)
        .select_related("diagnosis")
        .prefetch_related(
            "plans",
            "classes",
            Prefetch(
                "entries", m.DrugListEntry.objects.order_by("order", "id").prefetch_related("preferred_biosimilars")
            ),
        )
        .order_by("order", "id")
    )
    return _Data(
        catalog=policy_data_get().catalog,
        drug_lists={dl.code: dl for dl in drug_lists},
        questions=dict(m.Question.objects.values_list("code", "wording")),
        nodes_by_key={node.key: node for node in nodes},
    )


def _top_level_order(roots: list[m.CriterionNode], children: dict, conditions: dict[int, str]) -> list[m.CriterionNode]:
    """Request types' roots first, then trees holding a quantity limit's condition, then anything else."""

    def holds_condition(node: m.CriterionNode, depth: int = 0) -> bool:
        return node.id in conditions or (
            depth < 50 and any(holds_condition(kid, depth + 1) for kid in children[node.id])
        )

    def rank(node: m.CriterionNode) -> tuple:
        group = _ROOT_ORDER.get(node.root_for, 3 if holds_condition(node) else 4)
        return (group, node.order, node.id)

    return sorted(roots, key=rank)


def _role(node: m.CriterionNode, conditions: dict[int, str]) -> str:
    roles = [m.CriterionNode.RootFor(node.root_for).label] if node.root_for in _ROOT_ORDER else []
    if node.gate:
        roles.append(ROLE_GATE)
    if node.id in conditions:
        roles.append(ROLE_LIMIT_CONDITION.format(clause=conditions[node.id]))
    return "; ".join(roles)


def version_readback(*, version: m.PolicyVersion) -> list[ReadbackLine]:
    """The version's whole criteria tree, depth-first in child order, with each node's parameters in words
    and any disagreement between its wording and its parameters. A constant number of queries."""
    nodes = list(m.CriterionNode.objects.filter(version=version).order_by("order", "id"))
    children: dict[int | None, list[m.CriterionNode]] = defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)
    conditions: dict[int, list[str]] = defaultdict(list)
    for condition_id, clause in m.QuantityLimit.objects.filter(version=version, condition__isnull=False).values_list(
        "condition_id", "clause"
    ):
        conditions[condition_id].append(clause)
    condition_clauses = {node_id: ", ".join(dict.fromkeys(clauses)) for node_id, clauses in conditions.items()}
    data = _data_read(version, nodes)
    lines: list[ReadbackLine] = []

    def visit(node: m.CriterionNode, depth: int) -> None:
        if depth > 50:  # a cycle cannot be read as a tree; the model's checks report it
            return
        lines.append(
            ReadbackLine(
                depth=depth,
                key=node.key,
                clause=node.clause,
                kind_label=ALL_KINDS.get(node.kind, node.kind),
                text=node.text,
                params_words=params_words(kind=node.kind, params=node.params, data=data),
                mismatch=wording_mismatch(kind=node.kind, params=node.params, text=node.text),
                role=_role(node, condition_clauses),
            )
        )
        for kid in children[node.id]:
            visit(kid, depth + 1)

    for root in _top_level_order(children[None], children, condition_clauses):
        visit(root, 0)
    return lines


def readback_text(lines: list[ReadbackLine]) -> str:
    """The read-back as indented plain text, two spaces per depth: the clause and wording, then the kind and
    parameters in words and any mismatch, indented past the children's lines, for a CLI, an export or a test."""
    out: list[str] = []
    for line in lines:
        indent = "  " * line.depth
        role = f"[{line.role}] " if line.role else ""
        out.append(f"{indent}{role}{line.clause}: {line.text}")
        out.append(f"{indent}    = {line.kind_label}" + (f": {line.params_words}" if line.params_words else ""))
        if line.mismatch:
            out.append(f"{indent}    MISMATCH: {line.mismatch}")
    return "\n".join(out) + "\n" if out else ""
