"""What changed between two versions of a policy, in words policy staff and pharmacists read.

Both versions are compared as dumps (`dump.version_dump`, the fixture format), so the diff sees exactly what an
export or a copy holds, and one representation of a version serves all three. Each part is matched by what
names it in the policy: criteria by key, drug and clinical lists by code, quantity limits by clause, kind,
channel and request type, durations by clause and request type, weight tables by code and their rows by
weight, diagnoses by diagnosis, ICD-10-CM codes by code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kineret_pa.engine.facts import DATA_FACTS, ENUM_FACTS, OUTCOMES, TRIAL_ROUTE, fact_label, format_number
from kineret_pa.engine.vocabulary import ALL_KINDS, COMPARATOR_WORDS, STATUS_WORDS

from . import models as m
from .dump import version_dump
from .readback import CLASS_WORDS, trial_part_words
from .snapshots import policy_data_get

ADDED, REMOVED, CHANGED = "added", "removed", "changed"

SECTION_VERSION = "Version"
SECTION_CRITERIA = "Criteria"
SECTION_DRUG_LISTS = "Drug lists"
SECTION_CLINICAL_LISTS = "Clinical lists"
SECTION_LIMITS = "Quantity limits"
SECTION_DURATIONS = "Approval durations"
SECTION_WEIGHT_TABLES = "Weight tables"
SECTION_DIAGNOSES = "Diagnoses"
SECTION_ICD10 = "ICD-10-CM codes"

BLANK = "none"
MSG_MOVED = "moved from {old} to {new}"
MSG_TOP_LEVEL = "the top level"
MSG_UNDER = "under {node}"
MSG_GATE_ON = "now a gate (the branch applies only when it is met)"
MSG_GATE_OFF = "no longer a gate"

# The parameters of criteria, as the diff names them: words first, then the name the JSON uses.
PARAM_WORDS = {
    "min_count": "products required",
    "min_months": "minimum months per product",
    "months_exempt_outcomes": "outcomes without a minimum duration",
    "lists": "drug lists",
    "outcomes": "outcomes",
    "parts": "parts",
    "fact": "fact",
    "values": "answers",
    "op": "comparison",
    "value": "threshold",
    "question": "question",
    "diagnoses": "diagnoses",
    "statuses": "indication statuses",
    "mg_per_kg": "maximum mg/kg/day",
    "source": "maximum from",
    "relation": "dose relation",
    "node": "same as criterion",
    "n": "children required",
}
NODE_FIELDS = {"clause": "clause", "text": "wording"}
LIST_FIELDS = {
    "name": "name",
    "clause": "clause",
    "kind": "kind",
    "diagnosis": "diagnosis",
    "required_count": "required count",
}
LIMIT_FIELDS = {
    "text": "wording",
    "quantity": "quantity (syringes)",
    "period_days": "per days",
    "mg_per_kg_day": "mg/kg/day",
    "weight_table": "weight table",
    "one_time": "one time",
    "grant": "grant",
    "condition": "condition",
    "duration_months": "approval months",
    "duration_days": "approval days",
    "diagnoses": "diagnoses",
}
DURATION_FIELDS = {"months": "months", "days": "days", "diagnoses": "diagnoses"}
TABLE_FIELDS = {
    "title": "title",
    "clause": "clause",
    "base_sufficient_max_kg": "base limits suffice up to (kg)",
    "refer_above_kg": "pharmacist calculates above (kg)",
}
ROW_COLUMNS = (
    "weight (kg)",
    "maximum dose per day (mg)",
    "syringes per day",
    "retail syringes",
    "per days (retail)",
    "home delivery syringes",
    "per days (home delivery)",
)
DIAGNOSIS_FIELDS = {
    "status": "status",
    "labeled_min_age": "youngest labeled age",
    "labeled_max_age": "oldest labeled age",
    "fda_max_mg_per_day": "FDA max mg/day",
    "fda_max_mg_per_kg_day": "FDA max mg/kg/day",
    "compendia_max_mg_per_day": "compendia max mg/day",
    "compendia_max_mg_per_kg_day": "compendia max mg/kg/day",
    "source": "source",
}
ICD10_FIELDS = {"through": "through", "description": "description", "diagnoses": "diagnoses"}
VERSION_FIELDS = {"source_title": "source title", "source_file": "source file", "notes": "notes"}


@dataclass(frozen=True)
class DiffLine:
    section: str
    kind: str  # added, removed or changed
    subject: str
    words: str


# Coded values a dump holds, by field name, in the admin's words.
_CHOICE_WORDS = {"kind": dict(m.DrugList.Kind.choices), "grant": dict(m.QuantityLimit.Grant.choices)}


@dataclass(frozen=True)
class _Names:
    """Names for the codes a dump holds: diagnoses, drugs, drug classes, plans, statuses."""

    diagnoses: dict[str, str]
    drugs: dict[str, str]
    plans: dict[str, str]
    classes: dict[str, str]
    fact_values: Mapping[str, Mapping[str, str]]  # the catalog's words for the facts whose values are data

    def value(self, name: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return BLANK
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(self.value(name, v) for v in value)
        if name in ("diagnoses", "diagnosis"):
            return self.diagnoses.get(value, value)
        if name == "status":
            return STATUS_WORDS.get(value, value)
        if name in _CHOICE_WORDS:
            return _CHOICE_WORDS[name].get(value, value)
        if isinstance(value, (int, float)):
            return format_number(value)
        return str(value)


def _names_read(policy: m.Policy) -> _Names:
    catalog = policy_data_get().catalog
    return _Names(
        diagnoses={slug: d.name for slug, d in catalog.diagnoses.items()},
        drugs={d.generic_name: d.label for d in catalog.drugs.values()},
        plans=dict(m.Plan.objects.filter(payer_id=policy.payer_id).values_list("code", "name")),
        classes=dict(m.DrugClass.objects.values_list("code", "name")),
        fact_values=catalog.fact_values,
    )


# ---------------------------------------------------------------- matching parts


def _fields_changed(old: dict, new: dict, fields: dict[str, str], names: _Names) -> list[str]:
    return [
        f"{label}: {names.value(name, old.get(name))} → {names.value(name, new.get(name))}"
        for name, label in fields.items()
        if old.get(name) != new.get(name)
    ]


def _members_changed(label: str, old: Iterable, new: Iterable, words: Callable[[Any], str]) -> list[str]:
    old, new = list(old), list(new)
    added = [words(x) for x in new if x not in old]
    removed = [words(x) for x in old if x not in new]
    out = [f"{label} added: {', '.join(added)}"] if added else []
    return out + ([f"{label} removed: {', '.join(removed)}"] if removed else [])


def _matched(
    section: str,
    old: list[dict],
    new: list[dict],
    *,
    key: Callable[[dict], Any],
    subject: Callable[[dict], str],
    describe: Callable[[dict], str],
    changes: Callable[[dict, dict], list[str]],
) -> list[DiffLine]:
    """Lines for parts matched by `key`: the new version's order, then what it no longer has. Parts sharing
    a key are paired in their order (two limits of one clause for two channels are two keys already)."""

    def keyed(items: list[dict]) -> dict:
        seen: dict[Any, int] = {}
        out = {}
        for item in items:
            k = key(item)
            out[(k, seen.get(k, 0))] = item
            seen[k] = seen.get(k, 0) + 1
        return out

    before, after = keyed(old), keyed(new)
    lines = []
    for k, item in after.items():
        if k not in before:
            lines.append(DiffLine(section, ADDED, subject(item), describe(item)))
        elif found := changes(before[k], item):
            lines.append(DiffLine(section, CHANGED, subject(item), "; ".join(found)))
    lines += [DiffLine(section, REMOVED, subject(item), describe(item)) for k, item in before.items() if k not in after]
    return lines


# ---------------------------------------------------------------- criteria


def _flatten(items: list[dict], parent: str | None = None) -> list[dict]:
    out = []
    for item in items:
        out.append({**item, "parent": parent})
        out += _flatten(item.get("children", []), item["key"])
    return out


def _param_words(name: str, value: Any, params: dict, names: _Names) -> str:
    if value is None:
        return BLANK
    if name in ("outcomes", "months_exempt_outcomes"):
        return " / ".join(OUTCOMES.get(o, str(o)) for o in value)
    if name == "values" and params.get("fact") in DATA_FACTS:
        words = names.fact_values.get(params["fact"], {})
        return " or ".join(words.get(v, str(v)) for v in value)
    if name == "values" and params.get("fact") in ENUM_FACTS:
        return " or ".join(ENUM_FACTS[params["fact"]].words(v) for v in value)
    if name == "statuses":
        return " or ".join(STATUS_WORDS.get(s, str(s)) for s in value)
    if name == "parts" and isinstance(value, list):
        return " and ".join(trial_part_words(part) for part in value if isinstance(part, dict))
    if name == "fact":
        return fact_label(value)
    if name == "op":
        return COMPARATOR_WORDS.get(value, str(value))
    return names.value(name, value)


def _params_changed(old: dict, new: dict, names: _Names) -> list[str]:
    out = []
    for name in dict.fromkeys([*old, *new]):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        label = f"{PARAM_WORDS.get(name, name)} ({name})"
        scalars = isinstance(before, list) and isinstance(after, list) and name != "parts"
        if scalars and all(not isinstance(x, (dict, list)) for x in [*before, *after]):
            out += _members_changed(label, before, after, lambda v, n=name: _param_words(n, [v], new, names))
        else:
            out.append(f"{label}: {_param_words(name, before, old, names)} → {_param_words(name, after, new, names)}")
    return out


def _root_words(value: str) -> str:
    return m.CriterionNode.RootFor(value).label if value else BLANK


def _node_changed(old: dict, new: dict, nodes: dict[str, dict], names: _Names) -> list[str]:
    out = _fields_changed(old, new, NODE_FIELDS, names)
    if old["kind"] != new["kind"]:
        out.append(f"kind: {ALL_KINDS.get(old['kind'], old['kind'])} → {ALL_KINDS.get(new['kind'], new['kind'])}")
    out += _params_changed(old.get("params", {}), new.get("params", {}), names)
    if old["parent"] != new["parent"]:
        out.append(MSG_MOVED.format(old=_place(old["parent"], nodes), new=_place(new["parent"], nodes)))
    if old.get("gate", False) != new.get("gate", False):
        out.append(MSG_GATE_ON if new.get("gate") else MSG_GATE_OFF)
    if old.get("root_for", "") != new.get("root_for", ""):
        out.append(f"root for: {_root_words(old.get('root_for', ''))} → {_root_words(new.get('root_for', ''))}")
    return out


def _place(parent: str | None, nodes: dict[str, dict]) -> str:
    if parent is None:
        return MSG_TOP_LEVEL
    node = nodes.get(parent)
    return MSG_UNDER.format(node=f"{node['clause']} ({parent})" if node else parent)


def _criteria_diff(old: dict, new: dict, names: _Names) -> list[DiffLine]:
    before, after = _flatten(old["criteria"]), _flatten(new["criteria"])
    nodes = {n["key"]: n for n in before} | {n["key"]: n for n in after}
    return _matched(
        SECTION_CRITERIA,
        before,
        after,
        key=lambda n: n["key"],
        subject=lambda n: f"{n['clause']} ({n['key']})",
        describe=lambda n: f"{ALL_KINDS.get(n['kind'], n['kind'])}: {n['text']}",
        changes=lambda a, b: _node_changed(a, b, nodes, names),
    )


# ---------------------------------------------------------------- drug and clinical lists


def _entries(item: dict) -> dict[str, dict]:
    entries = ({"drug": e} if isinstance(e, str) else e for e in item["entries"])
    return {e["drug"]: e for e in entries}


def _entry_changed(drug: str, old: dict, new: dict, names: _Names) -> list[str]:
    label = names.drugs.get(drug, drug)
    out = []
    if old.get("include_biosimilars", False) != new.get("include_biosimilars", False):
        out.append(f"{label}: biosimilars {'now count' if new.get('include_biosimilars') else 'no longer count'}")
    if old.get("note", "") != new.get("note", ""):
        out.append(f"{label}: note “{old.get('note', '')}” → “{new.get('note', '')}”")
    if sorted(old.get("preferred_biosimilars", [])) != sorted(new.get("preferred_biosimilars", [])):
        before, after = (
            ", ".join(names.drugs.get(d, d) for d in side.get("preferred_biosimilars", [])) or "every biosimilar"
            for side in (old, new)
        )
        out.append(f"{label}: preferred biosimilars {before} → {after}")
    if old.get("route", "") != new.get("route", ""):
        before, after = (TRIAL_ROUTE.words(r) if r else "any route" for r in (old.get("route"), new.get("route")))
        out.append(f"{label}: route {before} → {after}")
    return out


def _class_words(code: str, names: _Names) -> str:
    return CLASS_WORDS.format(name=names.classes.get(code, code))


def _drug_list_changed(old: dict, new: dict, names: _Names) -> list[str]:
    out = _fields_changed(old, new, LIST_FIELDS, names)
    before, after = _entries(old), _entries(new)
    out += _members_changed("drugs", before, after, lambda d: names.drugs.get(d, d))
    for drug in after.keys() & before.keys():
        out += _entry_changed(drug, before[drug], after[drug], names)
    out += _members_changed(
        "drug classes", old.get("classes", []), new.get("classes", []), lambda c: _class_words(c, names)
    )
    return out + _members_changed("plans", old.get("plans", []), new.get("plans", []), lambda p: names.plans.get(p, p))


def _drug_list_words(dl: dict, names: _Names) -> str:
    members = [names.drugs.get(d, d) for d in _entries(dl)]
    return ", ".join(members + [_class_words(c, names) for c in dl.get("classes", [])])


def _drug_lists_diff(old: dict, new: dict, names: _Names) -> list[DiffLine]:
    return _matched(
        SECTION_DRUG_LISTS,
        old["drug_lists"],
        new["drug_lists"],
        key=lambda dl: dl["code"],
        subject=lambda dl: f"{dl['name']} ({dl['code']})",
        describe=lambda dl: _drug_list_words(dl, names),
        changes=lambda a, b: _drug_list_changed(a, b, names),
    )


def _clinical_lists_diff(old: dict, new: dict, names: _Names) -> list[DiffLine]:
    return _matched(
        SECTION_CLINICAL_LISTS,
        old.get("clinical_lists", []),
        new.get("clinical_lists", []),
        key=lambda cl: cl["code"],
        subject=lambda cl: f"{cl['title']} ({cl['code']})",
        describe=lambda cl: "; ".join(cl["items"]),
        changes=lambda a, b: (
            _fields_changed(a, b, {"title": "title", "clause": "clause"}, names)
            + _members_changed("items", a["items"], b["items"], str)
        ),
    )


# ---------------------------------------------------------------- limits, durations, weight tables


def _limit_subject(limit: dict) -> str:
    kind = m.QuantityLimit.Kind(limit["kind"]).label if limit["kind"] in m.QuantityLimit.Kind.values else limit["kind"]
    channel = dict(m.CHANNEL_CHOICES).get(limit.get("channel", ""), limit.get("channel"))
    request = dict(m.REQUEST_TYPE_CHOICES).get(limit.get("request_type", ""), limit.get("request_type"))
    return f"{limit['clause']}: {kind}, {channel.lower()}, {request.lower()}"


def _limits_diff(old: dict, new: dict, names: _Names) -> list[DiffLine]:
    return _matched(
        SECTION_LIMITS,
        old["limits"],
        new["limits"],
        key=lambda x: (x["clause"], x["kind"], x.get("channel", ""), x.get("request_type", "")),
        subject=_limit_subject,
        describe=lambda x: x["text"],
        changes=lambda a, b: _fields_changed(a, b, LIMIT_FIELDS, names),
    )


def _duration_words(d: dict) -> str:
    return f"{d['months']} months" if d.get("months") else f"{d.get('days')} days"


def _durations_diff(old: dict, new: dict, names: _Names) -> list[DiffLine]:
    return _matched(
        SECTION_DURATIONS,
        old["durations"],
        new["durations"],
        key=lambda d: (d["clause"], d.get("request_type", "")),
        subject=lambda d: f"{d['clause']}: {dict(m.REQUEST_TYPE_CHOICES)[d.get('request_type', '')].lower()}",
        describe=_duration_words,
        changes=lambda a, b: _fields_changed(a, b, DURATION_FIELDS, names),
    )


def _row_words(row: list) -> str:
    return ", ".join(f"{label} {format_number(value)}" for label, value in zip(ROW_COLUMNS, row, strict=False))


def _rows_changed(old: list[list], new: list[list]) -> list[str]:
    before, after = {row[0]: row for row in old}, {row[0]: row for row in new}
    out = [f"row added: {_row_words(row)}" for weight, row in after.items() if weight not in before]
    out += [f"row removed: {_row_words(row)}" for weight, row in before.items() if weight not in after]
    for weight, row in after.items():
        if weight in before and before[weight] != row:
            cells = [
                f"{label} {format_number(a)} → {format_number(b)}"
                for label, a, b in zip(ROW_COLUMNS, before[weight], row, strict=False)
                if a != b
            ]
            out.append(f"row {format_number(weight)} kg: {', '.join(cells)}")
    return out


def _weight_tables_diff(old: dict, new: dict, names: _Names) -> list[DiffLine]:
    return _matched(
        SECTION_WEIGHT_TABLES,
        old.get("weight_tables", []),
        new.get("weight_tables", []),
        key=lambda t: t["code"],
        subject=lambda t: f"{t['title']} ({t['code']})",
        describe=lambda t: f"{len(t['rows'])} rows",
        changes=lambda a, b: _fields_changed(a, b, TABLE_FIELDS, names) + _rows_changed(a["rows"], b["rows"]),
    )


# ---------------------------------------------------------------- diagnoses, ICD-10 codes, the version itself


def _diagnoses_diff(old: dict, new: dict, names: _Names) -> list[DiffLine]:
    return _matched(
        SECTION_DIAGNOSES,
        old["diagnoses"],
        new["diagnoses"],
        key=lambda d: d["diagnosis"],
        subject=lambda d: names.value("diagnosis", d["diagnosis"]),
        describe=lambda d: names.value("status", d["status"]),
        changes=lambda a, b: _fields_changed(a, b, DIAGNOSIS_FIELDS, names),
    )


def _icd10_diff(old: dict, new: dict, names: _Names) -> list[DiffLine]:
    return _matched(
        SECTION_ICD10,
        old.get("icd10", []),
        new.get("icd10", []),
        key=lambda c: c["code"],
        subject=lambda c: f"{c['code']}–{c['through']}" if c.get("through") else c["code"],
        describe=lambda c: f"{c['description']} ({names.value('diagnoses', c['diagnoses'])})",
        changes=lambda a, b: _fields_changed(a, b, ICD10_FIELDS, names),
    )


def _version_diff(old: dict, new: dict, names: _Names) -> list[DiffLine]:
    # The effective date, status and end date say which version each is, not what it says: not compared.
    found = _fields_changed(old, new, VERSION_FIELDS, names)
    return [DiffLine(SECTION_VERSION, CHANGED, SECTION_VERSION.lower(), "; ".join(found))] if found else []


_SECTIONS = (
    _version_diff,
    _criteria_diff,
    _drug_lists_diff,
    _clinical_lists_diff,
    _limits_diff,
    _durations_diff,
    _weight_tables_diff,
    _diagnoses_diff,
    _icd10_diff,
)


def versions_diff(*, old: m.PolicyVersion, new: m.PolicyVersion) -> list[DiffLine]:
    """What `new` says differently from `old`, section by section, in words."""
    before, after = version_dump(old), version_dump(new)
    names = _names_read(new.policy)
    return [line for section in _SECTIONS for line in section(before, after, names)]
