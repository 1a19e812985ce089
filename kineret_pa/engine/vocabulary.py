"""The fixed vocabulary of criteria: inner nodes that combine, leaves that test facts.

Each leaf kind declares its parameters (validated when policy staff save a node) and
an evaluator. Thresholds and lists are always parameters, never constants here.
An evaluator returns (status, detail, missing paths); it raises `FactRequired` when
the computation cannot proceed without a number the request left blank.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .facts import (
    DATA_FACTS,
    ENUM_FACTS,
    FACTS,
    MSG_WEIGHT_REQUIRED,
    NUMBER_FACTS,
    OUTCOMES,
    TRIAL_HIGHER_DOSE_NOT_TOLERATED,
    TRIAL_INDICATION,
    TRIAL_INTOLERANCE_TO,
    TRIAL_ROUTE,
    TRIAL_WEEKLY_DOSE,
    DataFact,
    fact_label,
    format_number,
    trial_detail_words,
)

MET, NOT_MET, REFER, NA = "met", "not_met", "refer", "na"

INNER_KINDS = {
    "all": "ALL of the children",
    "any": "ANY ONE of the children",
    "not": "NOT (the single child is not met)",
    "at_least": "AT LEAST N of the children",
}

COMPARATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}
COMPARATOR_WORDS = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than"}
STATUSES = ("fda_labeled", "compendia", "not_covered", "verify")
STATUS_WORDS = {
    "fda_labeled": "an FDA-labeled indication",
    "compendia": "a compendia-supported indication",
    "not_covered": "not a covered indication under this policy",
    "verify": "an indication a pharmacist must verify against the compendia",
}


class FactRequired(Exception):
    """A number the computation cannot proceed without was left blank."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


@dataclass(frozen=True)
class ValidationContext:
    drug_lists: frozenset[str]
    diagnoses: frozenset[str]
    questions: frozenset[str]
    node_keys: frozenset[str]
    # The values of the facts that are data (facts.DATA_FACTS): path -> codes.
    fact_values: Mapping[str, frozenset[str]] = field(default_factory=dict)


# ---------------------------------------------------------------- parameter checks


def _need(params: dict, name: str, errors: list[str]) -> Any:
    if name not in params:
        errors.append(f"Parameter “{name}” is required.")
    return params.get(name)


def _check_number(params: dict, name: str, errors: list[str], *, optional: bool = False) -> None:
    if optional and name not in params:
        return
    value = _need(params, name, errors)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
        errors.append(f"Parameter “{name}” must be a number of 0 or more.")


def _check_members(params: dict, name: str, allowed: Iterable, what: str, errors: list[str]) -> None:
    values = _need(params, name, errors)
    if values is None:
        return
    if not isinstance(values, list) or not values:
        errors.append(f"Parameter “{name}” must be a non-empty list of {what}.")
        return
    allowed = set(allowed)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        errors.append(f"Unknown {what} in “{name}”: {', '.join(map(str, unknown))}.")


def _v_diagnosis_in(p, ctx, errors):
    _check_members(p, "diagnoses", ctx.diagnoses, "diagnosis slugs", errors)


def _v_status_in(p, ctx, errors):
    _check_members(p, "statuses", STATUSES, "indication statuses", errors)


def _v_fact_in(p, ctx, errors):
    fact = _need(p, "fact", errors)
    if fact is None:
        return
    if fact in DATA_FACTS:  # its values are data: the catalog's
        _check_members(p, "values", tuple(ctx.fact_values.get(fact, ())), f"values of {fact}", errors)
        return
    if fact not in ENUM_FACTS:
        errors.append(f"Unknown fact “{fact}”. Choose one of: {', '.join((*ENUM_FACTS, *DATA_FACTS))}.")
        return
    _check_members(p, "values", ENUM_FACTS[fact].values, f"values of {fact}", errors)


def _v_number_compare(p, ctx, errors):
    fact = _need(p, "fact", errors)
    if fact is not None and fact not in NUMBER_FACTS:
        errors.append(f"Unknown number “{fact}”. Choose one of: {', '.join(NUMBER_FACTS)}.")
    if _need(p, "op", errors) not in COMPARATORS and "op" in p:
        errors.append(f"Comparison must be one of {', '.join(COMPARATORS)}.")
    _check_number(p, "value", errors)


def _v_answer_is(p, ctx, errors):
    question = _need(p, "question", errors)
    if question is not None and question not in ctx.questions:
        errors.append(f"Unknown question “{question}”.")
    if not isinstance(p.get("value", True), bool):
        errors.append("Parameter “value” must be true or false.")


MSG_INTOLERANCE_TO = "Parameter “intolerance_to” must be one of: " + ", ".join(TRIAL_INTOLERANCE_TO.values) + "."


def _v_trials(p, ctx, errors):
    _check_members(p, "lists", ctx.drug_lists, "drug list codes", errors)
    _check_members(p, "outcomes", OUTCOMES, "outcomes", errors)
    count = _need(p, "min_count", errors)
    if count is not None and count != "all" and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        errors.append('Parameter “min_count” must be a whole number of 1 or more, or "all".')
    _check_number(p, "min_months", errors, optional=True)
    if "months_exempt_outcomes" in p:
        _check_members(p, "months_exempt_outcomes", OUTCOMES, "outcomes", errors)
    _check_number(p, "min_weekly_dose_mg", errors, optional=True)
    if "intolerance_to" in p and p["intolerance_to"] not in TRIAL_INTOLERANCE_TO.values:
        errors.append(MSG_INTOLERANCE_TO)
    if not isinstance(p.get("for_this_condition", False), bool):
        errors.append("Parameter “for_this_condition” must be true or false.")


def _v_distinct_trials(p, ctx, errors):
    _check_members(p, "lists", ctx.drug_lists, "drug list codes", errors)
    parts = _need(p, "parts", errors)
    if parts is None:
        return
    if not isinstance(parts, list) or not parts or not all(isinstance(part, dict) for part in parts):
        errors.append("Parameter “parts” must be a non-empty list of {outcomes, count, min_months}.")
        return
    for part in parts:
        _check_members(part, "outcomes", OUTCOMES, "outcomes", errors)
        count = part.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            errors.append("Each part's “count” must be a whole number of 1 or more.")
        _check_number(part, "min_months", errors, optional=True)


def _v_preferred(p, ctx, errors):
    _check_members(p, "outcomes", OUTCOMES, "outcomes", errors)
    _check_number(p, "min_months", errors, optional=True)


def _v_no_concomitant(p, ctx, errors):
    _check_members(p, "lists", ctx.drug_lists, "drug list codes", errors)


def _v_mg_per_kg(p, ctx, errors):
    _check_number(p, "mg_per_kg", errors)


def _v_indication_max(p, ctx, errors):
    if p.get("source") not in ("fda", "compendia"):
        errors.append('Parameter “source” must be "fda" or "compendia".')
    if p.get("relation") not in ("within", "exceeds"):
        errors.append('Parameter “relation” must be "within" or "exceeds".')


def _v_ref(p, ctx, errors):
    key = _need(p, "node", errors)
    if key is not None and key not in ctx.node_keys:
        errors.append(f"No criterion with key “{key}” in this policy version.")


MAX_REFER_REASON_CHARS = 300  # about two sentences: what the pharmacist is to judge, not the policy text again
MSG_REFER_REASON_BLANK = "Parameter “reason” must say, in words, what the pharmacist is to judge."
MSG_REFER_REASON_TOO_LONG = "Parameter “reason” must be at most {limit} characters (it has {count})."


def _v_refer(p, ctx, errors):
    reason = _need(p, "reason", errors)
    if "reason" not in p:
        return
    if not isinstance(reason, str) or not reason.strip():
        errors.append(MSG_REFER_REASON_BLANK)
    elif len(reason) > MAX_REFER_REASON_CHARS:
        errors.append(MSG_REFER_REASON_TOO_LONG.format(limit=MAX_REFER_REASON_CHARS, count=len(reason)))


def _v_none(p, ctx, errors):
    pass


# ---------------------------------------------------------------- evaluators
# `c` is the evaluation context (see evaluate.Evaluation): c.req, c.snap. An evaluator reads the request only
# through c.req and never catches exceptions broadly: evaluate.static_results relies on both to find the results
# that depend on the diagnosis alone.


def _e_diagnosis_in(node, c):
    wanted = node.params["diagnoses"]
    diagnosis = c.snap.catalog.diagnoses[c.req.diagnosis]
    # map() over the ancestors rather than a generator: this is the commonest leaf.
    met = c.req.diagnosis in wanted or any(map(wanted.__contains__, diagnosis.ancestors))
    return (MET if met else NOT_MET), f"diagnosis: {diagnosis.name}", ()


def _e_status_in(node, c):
    pd = c.snap.diagnoses.get(c.req.diagnosis)
    status = pd.status if pd else "not_covered"
    name = c.snap.catalog.diagnoses[c.req.diagnosis].name
    detail = f"{name} is {STATUS_WORDS[status]}"
    if status in node.params["statuses"]:
        return MET, detail, ()
    return (REFER if status == "verify" else NOT_MET), detail, ()


# (path, type, value) -> "label: words", what _e_fact_in shows for each answer (the commonest leaf), made once.
_FACT_IN_DETAILS: dict[tuple[str, type, object], str] = {
    (spec.path, type(value), value): f"{spec.label}: {spec.words(value)}"
    for spec in ENUM_FACTS.values()
    for value in spec.values
}


def _e_fact_in(node, c):
    path = node.params["fact"]
    value = c.req.facts.get(path)
    if value is None:
        data = DATA_FACTS.get(path)
        if data is not None and data.blank:  # blank is an answer ("no specialist consulted")
            return NOT_MET, f"{data.label}: {data.blank}", ()
        return NOT_MET, f"{FACTS[path].label}: not answered", (path,)
    met = value in node.params["values"]
    detail = _FACT_IN_DETAILS.get((path, value.__class__, value))
    if detail is None:  # a fact whose values are data (its words are the catalog's)
        spec = FACTS[path]
        detail = f"{spec.label}: {_data_words(spec, value, c.snap.catalog)}"
    return (MET if met else NOT_MET), detail, ()


def _data_words(spec, value, catalog) -> str:
    if isinstance(spec, DataFact):
        return spec.words(value, catalog.fact_values.get(spec.path))
    return spec.words(value)


def _e_number_compare(node, c):
    path, op, limit = node.params["fact"], node.params["op"], node.params["value"]
    spec = NUMBER_FACTS[path]
    value = c.req.facts.get(path)
    if value is None:
        return NOT_MET, f"{spec.label}: not answered", (path,)
    met = COMPARATORS[op](value, limit)
    detail = f"{spec.label} {format_number(value)} {spec.unit} (must be {COMPARATOR_WORDS[op]} {format_number(limit)})"
    return (MET if met else NOT_MET), detail, ()


def _e_age_within_label(node, c):
    age = c.req.facts.get("patient.age_years")
    if age is None:
        return NOT_MET, "age: not answered", ("patient.age_years",)
    pd = c.snap.diagnoses.get(c.req.diagnosis)
    low = pd.labeled_min_age if pd else None
    high = pd.labeled_max_age if pd else None
    if low is None and high is None:
        return MET, f"age {format_number(age)} years; labeling sets no age limit", ()
    met = (low is None or age >= low) and (high is None or age <= high)
    bounds = " to ".join(
        filter(
            None,
            [f"{format_number(low)}" if low is not None else "", f"{format_number(high)}" if high is not None else ""],
        )
    )
    return (MET if met else NOT_MET), f"age {format_number(age)} years; labeled ages {bounds or 'any'}", ()


def _e_answer_is(node, c):
    code = node.params["question"]
    wanted = node.params.get("value", True)
    answer = c.req.answers.get(code)
    if answer is None:
        return NOT_MET, "not answered", (f"answers.{code}",)
    return (MET if answer is wanted else NOT_MET), ("yes" if answer else "no"), ()


def _entries(c, codes) -> list[tuple[int, bool]]:
    entries: list[tuple[int, bool]] = []
    for code in codes:
        entries.extend(c.snap.drug_lists[code].entries)
    return entries


_UNSET = object()


def _matching(drug_id: int, entries, drugs) -> list[int]:
    """Indexes of the list entries a drug counts for: the entry's own drug, or a
    biosimilar of it where the entry admits biosimilars (all, or the preferred ones it names)."""
    # A plain loop rather than a call per entry: this runs for every trial and every
    # concomitant drug against lists of a dozen or more entries. The drug's record is
    # looked up only once an entry admitting biosimilars needs it.
    found = []
    reference = _UNSET
    for i, (entry_drug, with_biosimilars) in enumerate(entries):
        if drug_id == entry_drug:
            found.append(i)
        elif with_biosimilars:
            if reference is _UNSET:
                reference = drugs[drug_id].biosimilar_of
            if reference == entry_drug and (with_biosimilars is True or drug_id in with_biosimilars):
                found.append(i)
    return found


def _trial_words(trial, drugs, fact_values=None) -> str:
    months = "" if trial.months is None else f" {format_number(trial.months)} months,"
    details = ""
    if (
        trial.weekly_dose_mg is not None
        or trial.higher_dose_not_tolerated
        or trial.intolerance_to is not None
        or trial.indication is not None
        or trial.route is not None
    ):
        details = trial_detail_words(trial._asdict(), fact_values)
    return f"{drugs[trial.drug].label}{months} {OUTCOMES[trial.outcome]}{details}"


def _dose_shortfall(trial, min_weekly_dose) -> str | None:
    """Whether an inadequate response was at the dose a criterion asks. None: it was (the threshold reached, or a
    higher dose not tolerated, so the dose reached was the maximally tolerated one, whatever it is). Else the
    trial's field left blank that would settle it, or "" when the answers show it was not."""
    if trial.higher_dose_not_tolerated:
        return None
    if trial.weekly_dose_mg is None:
        return "weekly_dose_mg"
    if trial.weekly_dose_mg >= min_weekly_dose:
        return None
    return "higher_dose_not_tolerated" if trial.higher_dose_not_tolerated is None else ""


def _count_trials(
    c,
    entries,
    outcomes,
    min_months,
    exempt,
    *,
    min_weekly_dose=None,
    intolerance_to=None,
    for_this_condition=False,
    routes=None,
):
    """Distinct list entries covered by qualifying trials, what was missing, and the trials of the lists that a
    dose, intolerance or condition rule left out (in words)."""
    drugs = c.snap.catalog.drugs
    words = c.snap.catalog.fact_values
    condition = c.snap.diagnosis_scope(c.req.diagnosis) or frozenset() if for_this_condition else None
    covered: set[int] = set()
    used: list[str] = []
    missing: list[str] = []
    left_out: list[str] = []
    for trial in c.req.prior_therapies or ():
        if trial.outcome not in outcomes:
            continue
        matching = _matching(trial.drug, entries, drugs)
        if not matching:
            continue
        if trial.outcome not in exempt and min_months:
            if trial.months is None:
                missing.append(f"prior_therapies[{trial.index}].months")
                continue
            if trial.months < min_months:
                continue
        if min_weekly_dose is not None and trial.outcome == "inadequate_response":
            blank = _dose_shortfall(trial, min_weekly_dose)
            if blank is not None:
                if blank:
                    missing.append(f"prior_therapies[{trial.index}].{blank}")
                else:
                    left_out.append(_trial_words(trial, drugs, words))
                continue
        if intolerance_to is not None and trial.outcome == "intolerance" and trial.intolerance_to != intolerance_to:
            if trial.intolerance_to is None:
                missing.append(f"prior_therapies[{trial.index}].intolerance_to")
            else:
                left_out.append(_trial_words(trial, drugs, words))
            continue
        route = _route_needed(trial, matching, entries, routes)
        if route is not None and trial.route != route:
            if trial.route is None:
                missing.append(f"prior_therapies[{trial.index}].route")
            else:
                left_out.append(_trial_words(trial, drugs, words))
            continue
        if condition is not None and trial.indication not in condition:
            if trial.indication is None:
                missing.append(f"prior_therapies[{trial.index}].indication")
            else:
                left_out.append(_trial_words(trial, drugs, words))
            continue
        new = [i for i in matching if i not in covered]
        if new:
            covered.update(new)
            used.append(_trial_words(trial, drugs, words))
    return covered, used, missing, left_out


def _route_needed(trial, matching, entries, routes) -> str | None:
    """The route a trial must have been given by to count ("Actemra (SC)"): where every entry the trial matches
    names one. A contraindication is to the drug, whatever the route."""
    if not routes or trial.outcome == "contraindication":
        return None
    needed = {routes.get(entries[i][0]) for i in matching}
    return next(iter(needed)) if len(needed) == 1 and None not in needed else None


def _routes(c, codes) -> dict[int, str]:
    routes: dict[int, str] = {}
    for code in codes:
        routes.update(c.snap.drug_lists[code].routes)
    return routes


def _rule_words(min_weekly_dose, intolerance_to, for_this_condition=False) -> str:
    """The dose, intolerance and condition rules of a trials criterion, as its detail states them ("" when it has
    none)."""
    words = ", for the condition requested" if for_this_condition else ""
    if min_weekly_dose is not None:
        dose = f"{format_number(min_weekly_dose)} {TRIAL_WEEKLY_DOSE.unit}"
        words += f", at {dose} or more or at the highest dose tolerated"
    if intolerance_to is not None:
        words += f", an intolerance to {TRIAL_INTOLERANCE_TO.words(intolerance_to)} only"
    return words


def _trials_result(
    c,
    entries,
    outcomes,
    min_count,
    min_months,
    exempt,
    what,
    *,
    min_weekly_dose=None,
    intolerance_to=None,
    for_this_condition=False,
    routes=None,
):
    if c.req.prior_therapies is None:
        return NOT_MET, "prior therapies: not answered", ("prior_therapies",)
    covered, used, missing, left_out = _count_trials(
        c,
        entries,
        outcomes,
        min_months,
        exempt,
        min_weekly_dose=min_weekly_dose,
        intolerance_to=intolerance_to,
        for_this_condition=for_this_condition,
        routes=routes,
    )
    needed = len(entries) if min_count == "all" else min_count
    if min_count == "all":
        # "ALL of the list": every entry must be covered, whatever the entry count.
        met = len(covered) >= len(entries) and bool(entries)
        need_words = f"all {len(entries)} of {what}"
    else:
        met = len(covered) >= needed
        need_words = f"{needed} of {what}"
    condition = f" ({' / '.join(OUTCOMES[o] for o in outcomes)}"
    condition += f", at least {format_number(min_months)} months" if min_months else ""
    condition += _rule_words(min_weekly_dose, intolerance_to, for_this_condition) + ")"
    detail = "; ".join(used) if used else "no qualifying trial"
    detail += f" — needs {need_words}{condition}"
    if left_out:
        detail += "; not counted: " + "; ".join(left_out)
    return (MET if met else NOT_MET), detail, tuple(missing)


def _e_trials(node, c):
    p = node.params
    lists = p["lists"]
    entries = _entries(c, lists)
    what = " / ".join(c.snap.drug_lists[code].name for code in lists)
    return _trials_result(
        c,
        entries,
        tuple(p["outcomes"]),
        p["min_count"],
        p.get("min_months", 0),
        tuple(p.get("months_exempt_outcomes", ())),
        what,
        min_weekly_dose=p.get("min_weekly_dose_mg"),
        intolerance_to=p.get("intolerance_to"),
        for_this_condition=p.get("for_this_condition", False),
        routes=_routes(c, lists),
    )


def _assign(candidates: list[set[int]], counts: list[int], taken: frozenset[int] = frozenset()) -> bool:
    """Whether each part can have its own `count` entries, no entry serving two parts."""
    if not candidates:
        return True
    free = sorted(candidates[0] - taken)
    return any(
        _assign(candidates[1:], counts[1:], taken | set(chosen)) for chosen in itertools.combinations(free, counts[0])
    )


def _e_distinct_trials(node, c):
    """E.g. inadequate response to TWO products (3 months each) AND intolerance to ONE more: three different
    products."""
    if c.req.prior_therapies is None:
        return NOT_MET, "prior therapies: not answered", ("prior_therapies",)
    lists = node.params["lists"]
    entries = _entries(c, lists)
    covered, used, missing = [], [], []
    for part in node.params["parts"]:
        months = part.get("min_months", 0)
        exempt = () if months else tuple(part["outcomes"])
        found, words, blank, _ = _count_trials(
            c, entries, tuple(part["outcomes"]), months, exempt, routes=_routes(c, lists)
        )
        covered.append(found)
        used += [w for w in words if w not in used]
        missing += blank
    met = _assign(covered, [part["count"] for part in node.params["parts"]])
    needs = " + ".join(
        f"{part['count']} ({' / '.join(OUTCOMES[o] for o in part['outcomes'])}"
        + (f", at least {format_number(part['min_months'])} months" if part.get("min_months") else "")
        + ")"
        for part in node.params["parts"]
    )
    what = " / ".join(c.snap.drug_lists[code].name for code in lists)
    detail = ("; ".join(used) if used else "no qualifying trial") + f" — needs {needs} different products of {what}"
    return (MET if met else NOT_MET), detail, tuple(missing)


def _e_preferred(node, c):
    plan = c.req.facts.get("plan")
    candidates = [
        dl for dl in c.snap.drug_lists.values() if dl.kind == "preferred" and dl.diagnosis in (None, c.req.diagnosis)
    ]
    if not candidates:
        return MET, "no preferred products are listed for this diagnosis", ()
    if any(dl.plans for dl in candidates) and plan is None:
        return NOT_MET, "plan option: not answered", ("plan",)
    chosen = [dl for dl in candidates if not dl.plans or plan in dl.plans]
    if not chosen:
        return MET, "no preferred products are listed for this plan", ()
    dl = chosen[0]
    p = node.params
    return _trials_result(
        c,
        list(dl.entries),
        tuple(p["outcomes"]),
        dl.required_count or 1,
        p.get("min_months", 0),
        tuple(p.get("months_exempt_outcomes", ())),
        dl.name,
        routes=dl.routes,
    )


def _e_no_concomitant(node, c):
    drugs = c.snap.catalog.drugs
    own = c.snap.product_drug
    own_molecule = drugs[own].molecule if own in drugs else None
    found = []
    for code in node.params["lists"]:
        dl = c.snap.drug_lists[code]
        for drug_id in c.req.concomitant_drugs:
            if drug_id == own or drugs[drug_id].molecule == own_molecule:
                continue  # the requested drug itself is not "another" agent
            if _matching(drug_id, dl.entries, drugs):
                found.append(f"{drugs[drug_id].label} ({dl.name})")
    if found:
        return NOT_MET, "to be used with " + ", ".join(dict.fromkeys(found)), ()
    listed = ", ".join(drugs[d].label for d in c.req.concomitant_drugs) or "none"
    return MET, f"concomitant drugs: {listed}", ()


def _weight(c) -> float:
    weight = c.req.facts.get("patient.weight_kg")
    if weight is None:
        raise FactRequired("patient.weight_kg", MSG_WEIGHT_REQUIRED)
    return weight


def _e_mg_per_kg(node, c):
    weight = _weight(c)
    dose = c.req.facts.get("dose.mg_per_day")
    if dose is None:
        return NOT_MET, "dose: not answered", ("dose.mg_per_day",)
    limit = node.params["mg_per_kg"]
    per_kg = dose / weight
    met = per_kg <= limit + 1e-9
    detail = (
        f"{format_number(dose)} mg/day for {format_number(weight)} kg = {per_kg:.2f} mg/kg/day "
        f"(at most {format_number(limit)})"
    )
    return (MET if met else NOT_MET), detail, ()


def indication_max_mg(c, source: str) -> tuple[float | None, str]:
    pd = c.snap.diagnoses.get(c.req.diagnosis)
    if pd is None:
        return None, "no maximum dose recorded"
    per_day = getattr(pd, f"{source}_max_mg_per_day")
    per_kg = getattr(pd, f"{source}_max_mg_per_kg_day")
    if per_kg is not None:
        weight = _weight(c)
        return per_kg * weight, f"{format_number(per_kg)} mg/kg/day × {format_number(weight)} kg"
    if per_day is not None:
        return per_day, f"{format_number(per_day)} mg/day"
    return None, "no maximum dose recorded"


def _e_indication_max(node, c):
    source, relation = node.params["source"], node.params["relation"]
    dose = c.req.facts.get("dose.mg_per_day")
    if dose is None:
        return NOT_MET, "dose: not answered", ("dose.mg_per_day",)
    maximum, words = indication_max_mg(c, source)
    label = "FDA-labeled" if source == "fda" else "compendia-supported"
    if maximum is None:
        return NOT_MET, f"{label} maximum: {words}", ()
    within = dose <= maximum + 1e-9
    met = within if relation == "within" else not within
    return (
        (MET if met else NOT_MET),
        f"{format_number(dose)} mg/day; {label} maximum {format_number(maximum)} mg/day ({words})",
        (),
    )


def _e_single_strength(node, c):
    strengths = c.snap.product_strengths
    if len(strengths) <= 1:
        return MET, f"only one strength is available ({format_number(c.snap.product_strength_mg)} mg)", ()
    return NOT_MET, "a higher strength exists: " + ", ".join(f"{format_number(s)} mg" for s in strengths), ()


def _e_refer(node, c):
    # A clause that needs clinical judgement: no answer on the request can settle it, so nothing is read and the
    # pharmacist sees why the request came to them.
    return REFER, node.params["reason"], ()


def _reads(*facts: str) -> Callable:
    """The facts a kind always reads, whatever its parameters."""
    return lambda params, snap, diagnosis: facts


def _reads_trials(params, snap, diagnosis):
    # A trial's optional details only where the criterion has a rule that looks at them.
    reads = ("prior_therapies",)
    if params.get("min_weekly_dose_mg") is not None:
        reads += (TRIAL_WEEKLY_DOSE.path, TRIAL_HIGHER_DOSE_NOT_TOLERATED.path)
    if params.get("intolerance_to") is not None:
        reads += (TRIAL_INTOLERANCE_TO.path,)
    if params.get("for_this_condition"):
        reads += (TRIAL_INDICATION.path,)
    if any(snap.drug_lists[code].routes for code in params.get("lists", ()) if code in snap.drug_lists):
        reads += (TRIAL_ROUTE.path,)
    return reads


def _reads_preferred(params, snap, diagnosis):
    # The route of a trial only where a preferred list that may apply names one ("Actemra (SC)").
    reads = ("prior_therapies", "plan")
    lists = [dl for dl in snap.drug_lists.values() if dl.kind == "preferred" and dl.diagnosis in (None, diagnosis)]
    return reads + (TRIAL_ROUTE.path,) if any(dl.routes for dl in lists) else reads


def _reads_param_fact(params, snap, diagnosis):
    return (params["fact"],)


def _reads_answer(params, snap, diagnosis):
    return (f"answers.{params['question']}",)


def _reads_indication_max(params, snap, diagnosis):
    # The weight only where a per-kg maximum applies; with the diagnosis unknown, any of the policy's.
    pds = [snap.diagnoses.get(diagnosis)] if diagnosis else list(snap.diagnoses.values())
    per_kg = any(pd and getattr(pd, f"{params['source']}_max_mg_per_kg_day") is not None for pd in pds)
    return ("dose.mg_per_day", "patient.weight_kg") if per_kg else ("dose.mg_per_day",)


# ---------------------------------------------------------------- parameters as policy staff enter them


class ParamType:
    """What a parameter holds; the criteria editor (policies/editor_forms.py) makes one typed field of each."""

    NUMBER = "number"  # a number of 0 or more (months, mg/kg, a threshold)
    WHOLE = "whole"  # a whole number of 1 or more
    COUNT_OR_ALL = "count_or_all"  # a whole number of 1 or more, or "all"
    DRUG_LISTS = "drug_lists"  # codes of this version's drug lists
    OUTCOME_LIST = "outcomes"  # keys of facts.OUTCOMES
    DIAGNOSES = "diagnoses"  # diagnosis slugs
    STATUS_LIST = "statuses"  # STATUSES
    ENUM_FACT = "enum_fact"  # a path of facts.ENUM_FACTS
    FACT_VALUES = "fact_values"  # values of the ENUM_FACT parameter named "fact"
    NUMBER_FACT = "number_fact"  # a path of facts.NUMBER_FACTS
    COMPARATOR = "comparator"  # a key of COMPARATORS
    QUESTION = "question"  # a question code
    YES_NO = "yes_no"  # true or false
    CHOICE = "choice"  # one of Param.choices
    NODE_KEY = "node"  # a criterion key of this version
    TEXT = "text"  # words, at most Param.max_length characters
    PARTS = "parts"  # up to Param.rows rows, each a dict of Param.parts


@dataclass(frozen=True)
class Param:
    """One parameter of a kind: its name in `params`, its label and what it holds (a ParamType)."""

    name: str
    label: str
    type: str
    required: bool = True
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # ParamType.CHOICE: (value, words)
    rows: int = 0  # ParamType.PARTS: how many rows the form offers
    parts: tuple[Param, ...] = ()  # ParamType.PARTS: the parameters of one row
    max_length: int = 0  # ParamType.TEXT: at most this many characters
    default: Any = None  # what the engine takes when the parameter is absent (the editor preselects it)


_MIN_MONTHS = Param("min_months", "At least this many months of each trial", ParamType.NUMBER, required=False)
_EXEMPT = Param(
    "months_exempt_outcomes",
    "Outcomes the months do not apply to",
    ParamType.OUTCOME_LIST,
    required=False,
    help="E.g. an intolerance counts however short the trial was.",
)
_LISTS = Param("lists", "Drug lists", ParamType.DRUG_LISTS)
_OUTCOMES = Param("outcomes", "Outcomes that count", ParamType.OUTCOME_LIST)

INNER_FIELDS: dict[str, tuple[Param, ...]] = {
    "at_least": (Param("n", "How many of the criteria under it must be met", ParamType.WHOLE),),
}


@dataclass(frozen=True)
class LeafKind:
    """One leaf kind, declared once: its label, checks, evaluation and the facts it reads.

    `reads(params, snap, diagnosis)` names the dotted fact paths the evaluator may look at, so the
    form (engine/needs.py) asks exactly those; tests check it against what the evaluator reports missing."""

    label: str
    validate: Callable
    evaluate: Callable | None  # None: handled by the evaluator itself (ref)
    example: dict
    reads: Callable = _reads()
    fields: tuple[Param, ...] = ()  # the parameters as policy staff enter them (policies/editor_forms.py)


LEAF_KINDS: dict[str, LeafKind] = {
    "diagnosis_in": LeafKind(
        "Diagnosis is one of",
        _v_diagnosis_in,
        _e_diagnosis_in,
        {"diagnoses": ["ra"]},
        _reads("diagnosis"),
        (Param("diagnoses", "Diagnoses", ParamType.DIAGNOSES),),
    ),
    "indication_status_in": LeafKind(
        "Indication status under this policy is one of",
        _v_status_in,
        _e_status_in,
        {"statuses": ["fda_labeled", "compendia"]},
        _reads("diagnosis"),
        (Param("statuses", "Indication statuses", ParamType.STATUS_LIST),),
    ),
    "fact_in": LeafKind(
        "Answer is one of",
        _v_fact_in,
        _e_fact_in,
        {"fact": "screening.tb", "values": ["negative"]},
        _reads_param_fact,
        (
            Param("fact", "Question on the request", ParamType.ENUM_FACT),
            Param("values", "Answers that meet it", ParamType.FACT_VALUES),
        ),
    ),
    "number_compare": LeafKind(
        "Number compares to a threshold",
        _v_number_compare,
        _e_number_compare,
        {"fact": "patient.age_years", "op": ">=", "value": 18},
        _reads_param_fact,
        (
            Param("fact", "Number on the request", ParamType.NUMBER_FACT),
            Param("op", "Must be", ParamType.COMPARATOR),
            Param("value", "Threshold", ParamType.NUMBER),
        ),
    ),
    "age_within_label": LeafKind(
        "Age is within FDA labeling for the diagnosis", _v_none, _e_age_within_label, {}, _reads("patient.age_years")
    ),
    "answer_is": LeafKind(
        "Answer to an indication question is",
        _v_answer_is,
        _e_answer_is,
        {"question": "mis_c_hospitalized", "value": True},
        _reads_answer,
        (
            Param("question", "Question", ParamType.QUESTION),
            Param("value", "Answer that meets it", ParamType.YES_NO, default=True),
        ),
    ),
    "trials": LeafKind(
        "At least N trials from drug lists",
        _v_trials,
        _e_trials,
        {
            "lists": ["fep-app2-conventional"],
            "outcomes": ["inadequate_response"],
            "min_count": 1,
            "min_months": 3,
            "months_exempt_outcomes": ["intolerance", "contraindication"],
        },
        _reads_trials,
        (
            _LISTS,
            _OUTCOMES,
            Param(
                "min_count",
                "How many products",
                ParamType.COUNT_OR_ALL,
                help="A number, or all the products of the lists.",
            ),
            _MIN_MONTHS,
            _EXEMPT,
            Param(
                "min_weekly_dose_mg",
                "An inadequate response counts at this weekly dose (mg) or more",
                ParamType.NUMBER,
                required=False,
                help="Or at a lower dose when a higher dose was not tolerated (“maximally tolerated”). "
                "Blank: any dose.",
            ),
            Param(
                "intolerance_to",
                "An intolerance counts only when it was to",
                ParamType.CHOICE,
                required=False,
                help="Blank: any intolerance counts.",
                choices=tuple((value, words) for value, words in TRIAL_INTOLERANCE_TO.choices if value == "drug"),
            ),
            Param(
                "for_this_condition",
                "A trial counts only when it was for the condition requested",
                ParamType.YES_NO,
                required=False,
                default=False,
                help="“A 3-month trial … for this condition”. Blank or no: a trial for any condition counts.",
            ),
        ),
    ),
    "distinct_trials": LeafKind(
        "Trials of different products from drug lists, in parts",
        _v_distinct_trials,
        _e_distinct_trials,
        {
            "lists": ["fb-ra-preferred"],
            "parts": [
                {"outcomes": ["inadequate_response"], "count": 2, "min_months": 3},
                {"outcomes": ["intolerance"], "count": 1},
            ],
        },
        _reads("prior_therapies"),
        (
            _LISTS,
            Param(
                "parts",
                "Parts, each of different products",
                ParamType.PARTS,
                help="Fill one row per part; leave unused rows empty.",
                rows=3,
                parts=(
                    _OUTCOMES,
                    Param("count", "How many products", ParamType.WHOLE),
                    Param("min_months", "At least this many months each", ParamType.NUMBER, required=False),
                ),
            ),
        ),
    ),
    "preferred_trials": LeafKind(
        "Preferred products tried (the plan's list and required number)",
        _v_preferred,
        _e_preferred,
        {"outcomes": ["inadequate_response", "intolerance", "contraindication"]},
        _reads_preferred,
        (_OUTCOMES, _MIN_MONTHS, _EXEMPT),
    ),
    "no_concomitant_from": LeafKind(
        "No concomitant drug from lists",
        _v_no_concomitant,
        _e_no_concomitant,
        {"lists": ["fep-app2-biologic"]},
        _reads("concomitant_drugs"),
        (_LISTS,),
    ),
    "dose_mg_per_kg_at_most": LeafKind(
        "Dose at most N mg/kg/day",
        _v_mg_per_kg,
        _e_mg_per_kg,
        {"mg_per_kg": 8},
        _reads("dose.mg_per_day", "patient.weight_kg"),
        (Param("mg_per_kg", "At most (mg/kg/day)", ParamType.NUMBER),),
    ),
    "dose_vs_indication_max": LeafKind(
        "Dose versus the indication's maximum",
        _v_indication_max,
        _e_indication_max,
        {"source": "fda", "relation": "within"},
        _reads_indication_max,
        (
            Param(
                "source",
                "Maximum",
                ParamType.CHOICE,
                choices=(("fda", "FDA-labeled"), ("compendia", "compendia-supported")),
            ),
            Param(
                "relation",
                "The dose must be",
                ParamType.CHOICE,
                choices=(("within", "within the maximum"), ("exceeds", "above the maximum")),
            ),
        ),
    ),
    "single_strength": LeafKind(
        "Dose cannot be achieved with fewer units of a higher strength", _v_none, _e_single_strength, {}
    ),
    "refer_to_pharmacist": LeafKind(
        "Refer to a pharmacist (a clause that needs clinical judgement)",
        _v_refer,
        _e_refer,
        {"reason": "Whether every preferred product is clinically inappropriate for the member needs clinical review."},
        fields=(
            Param(
                "reason",
                "What the pharmacist is to judge",
                ParamType.TEXT,
                help="Shown to the pharmacist as the reason the request came to them.",
                max_length=MAX_REFER_REASON_CHARS,
            ),
        ),
    ),
    "ref": LeafKind(
        "Same as another criterion",
        _v_ref,
        None,
        {"node": "init"},
        fields=(Param("node", "The criterion it is the same as", ParamType.NODE_KEY),),
    ),
}

ALL_KINDS = {**INNER_KINDS, **{k: v.label for k, v in LEAF_KINDS.items()}}


def kind_fields(kind: str) -> tuple[Param, ...]:
    """The parameters of a kind, as policy staff enter them; none for an unknown kind."""
    if kind in LEAF_KINDS:
        return LEAF_KINDS[kind].fields
    return INNER_FIELDS.get(kind, ())


def validate_node(kind: str, params: Any, ctx: ValidationContext, *, n_children: int | None = None) -> list[str]:
    """Messages, in words, for a criterion that cannot be saved as it is."""
    if kind not in ALL_KINDS:
        return [f"Unknown kind “{kind}”."]
    if not isinstance(params, dict):
        return ["Parameters must be a JSON object, for example {}."]
    errors: list[str] = []
    if kind in INNER_KINDS:
        if kind == "at_least":
            n = params.get("n")
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                errors.append("Parameter “n” must be a whole number of 1 or more.")
        return errors
    LEAF_KINDS[kind].validate(params, ctx, errors)
    return errors


def syringes_per_day(mg_per_day: float, strength_mg: float) -> int:
    # A new syringe is used for each dose; partial doses are discarded.
    return max(1, math.ceil(mg_per_day / strength_mg - 1e-9))


__all__ = [
    "MET",
    "NOT_MET",
    "REFER",
    "NA",
    "LEAF_KINDS",
    "INNER_KINDS",
    "ALL_KINDS",
    "INNER_FIELDS",
    "Param",
    "ParamType",
    "kind_fields",
    "FactRequired",
    "MSG_INTOLERANCE_TO",
    "MAX_REFER_REASON_CHARS",
    "MSG_REFER_REASON_BLANK",
    "MSG_REFER_REASON_TOO_LONG",
    "ValidationContext",
    "validate_node",
    "syringes_per_day",
    "fact_label",
    "indication_max_mg",
]
