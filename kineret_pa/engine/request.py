"""Parse and validate a determination request (the contract's JSON) into facts.

Every problem is collected under the field's dotted path, so the CLI, the API and the
form can all show a message on the field that is wrong. Nothing here raises on bad
input: `parse_request` returns the errors.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from types import MappingProxyType
from typing import Any, NamedTuple

from .facts import (
    DATA_FACTS,
    DEFAULTS,
    ENUM_FACTS,
    GROUPS,
    NUMBER_FACTS,
    OUTCOMES,
    TOP_LEVEL,
    TOP_LEVEL_FACTS,
    TRIAL_FIELDS,
    TRIAL_MONTHS,
    DataFact,
    NumberFact,
)
from .snapshot import Catalog

# Messages are constants so tests and the form assert the same words.
MSG_REQUIRED = "This field is required."
MSG_NOT_OBJECT = "Must be a JSON object."
MSG_NOT_LIST = "Must be a list."
MSG_UNKNOWN_FIELD = "Unknown field."
MSG_NOT_BOOL = "Must be true or false."
MSG_NOT_NUMBER = "Must be a number."
MSG_NOT_INTEGER = "Must be a whole number."
MSG_NOT_STRING = "Must be a text value."
MSG_BAD_DATE = "Must be a date as YYYY-MM-DD."
MSG_DATE_TOO_FAR = "Must be no later than {latest}: a date of service at most a year ahead."
MSG_UNKNOWN_DRUG = "Unknown drug: {name!r}. Use a generic or brand name."
MSG_UNKNOWN_DIAGNOSIS = "Unknown diagnosis: {value!r}."
MSG_GROUP_DIAGNOSIS = "{name} is a group: choose one of {choices}."
MSG_UNKNOWN_ICD10 = "Unknown ICD-10-CM code {code!r}: give the diagnosis instead."
MSG_AMBIGUOUS_ICD10 = "ICD-10-CM code {code} applies to more than one diagnosis ({choices}): give the diagnosis too."
MSG_ICD10_MISMATCH = "ICD-10-CM code {code} does not describe {diagnosis}."
MSG_DIAGNOSIS_REQUIRED = "Give the diagnosis or its ICD-10-CM code."
MSG_UNKNOWN_QUESTION = "Unknown question code."
MSG_TOO_MANY = "At most {n} items."
MSG_TOO_LONG = "At most {n} characters."

MAX_ITEMS = 50
MAX_TEXT = 200
ICD10_RE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
# ISO 8601 extended calendar date only: fromisoformat alone also takes 20260115 and 2026-W03-4.
_ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# The contract's keys (TOP_LEVEL) and groups of facts (GROUPS) are derived from the vocabulary in facts.py.


class Trial(NamedTuple):
    # A named tuple rather than a frozen dataclass: as immutable, at half the cost of making one.
    drug: int
    months: float | None
    outcome: str
    index: int
    # Optional details (facts.TRIAL_FIELDS), blank unless the request states them.
    weekly_dose_mg: float | None = None
    higher_dose_not_tolerated: bool | None = None
    intolerance_to: str | None = None
    indication: str | None = None  # the condition treated (a diagnosis slug)
    route: str | None = None  # subcutaneous or intravenous


class Request(NamedTuple):
    # A named tuple rather than a frozen dataclass, like Trial: as immutable, and cheaper to make.
    policy: str
    date_of_service: dt.date
    diagnosis: str
    facts: Mapping[str, Any]  # dotted path -> value; absent means left blank
    icd10: str | None = None
    prior_therapies: tuple[Trial, ...] | None = None  # None: the list was left blank
    concomitant_drugs: tuple[int, ...] = ()
    answers: Mapping[str, bool] = MappingProxyType({})

    def fact(self, path: str) -> Any:
        return self.facts.get(path)

    @property
    def request_type(self) -> str:
        return self.facts["request_type"]

    @property
    def channel(self) -> str:
        return self.facts["dose.channel"]


def writable(text: str) -> str:
    """Text that UTF-8 can encode: a lone surrogate from the input (valid in JSON, not in UTF-8)
    is shown as its escape, so the error that names it can still be written."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class _Errors(dict):
    def add(self, path: str, message: str) -> None:
        self.setdefault(writable(path), []).append(writable(message))


def normalize_icd10(code: str) -> str:
    code = code.strip().upper().replace(" ", "")
    if len(code) > 3 and "." not in code:
        code = f"{code[:3]}.{code[3:]}"
    return code


def _number(value: Any, spec, path: str, errors: _Errors) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        errors.add(path, MSG_NOT_NUMBER)
        return None
    # Only floats can be infinite; math.isfinite on an int of hundreds of digits overflows.
    if isinstance(value, float) and not math.isfinite(value):
        errors.add(path, MSG_NOT_NUMBER)
        return None
    if spec.integer and value != int(value):
        errors.add(path, MSG_NOT_INTEGER)
        return None
    too_low = value <= spec.minimum if spec.minimum_exclusive else value < spec.minimum
    if too_low or value > spec.maximum:
        low = f"more than {spec.minimum:g}" if spec.minimum_exclusive else f"at least {spec.minimum:g}"
        errors.add(path, f"Must be {low} and at most {spec.maximum:g} {spec.unit}.")
        return None
    return int(value) if spec.integer else value


_TOP_FACTS = TOP_LEVEL_FACTS
_NUMBER = object()  # the kind of a number fact in _FACT_CHECKS
_DATA = object()  # the kind of a fact whose values are data (facts.DATA_FACTS)


def _bounds(spec: NumberFact) -> tuple[float, float, bool, bool]:
    return spec.minimum, spec.maximum, spec.minimum_exclusive, spec.integer


def _in_bounds(value: Any, bounds: tuple[float, float, bool, bool]) -> bool:
    """Whether _number takes this value as it is (True for no value that it refuses or converts)."""
    cls = value.__class__
    low, high, exclusive, integer = bounds
    return (
        (cls is int or (cls is float and not integer))
        and (low < value if exclusive else low <= value)
        and value <= high
    )


def _fact_check(name: str, path: str) -> tuple[str, str, object, Any]:
    """(name, path, kind, accepted) for one scalar fact, from its declaration in facts.py.

    A value whose class is `kind` and that is among `accepted` (a number: within `accepted`'s bounds) is what
    _value would return unchanged, so parse_request takes it inline; any other value goes through _value,
    which words the error. Most requests are valid: this keeps the common case to a type test and a lookup.
    """
    number = NUMBER_FACTS.get(path)
    if number is not None:
        return name, path, _NUMBER, _bounds(number)
    if path in DATA_FACTS:
        return name, path, _DATA, ()  # its values are the catalog's: checked in the loop
    enum = ENUM_FACTS[path]
    if enum.yes_no:
        return name, path, bool, frozenset(enum.values)
    if all(type(value) is str for value in enum.values):
        return name, path, str, frozenset(enum.values)
    return name, path, None, ()  # no inline check: _value decides


# (group or None for the top level, allowed names, checks): derived once from facts.py, not per request.
_FACT_CHECKS = (
    (None, TOP_LEVEL, tuple(_fact_check(path, path) for path in _TOP_FACTS)),
    *(
        (group, frozenset(names), tuple(_fact_check(name, f"{group}.{name}") for name in names))
        for group, names in GROUPS.items()
    ),
)
_TRIAL_BASIC_KEYS = frozenset({"drug", "months", "outcome"})  # what most trials state: parsed inline
_TRIAL_KEYS = frozenset({"drug", "outcome", *TRIAL_FIELDS})
_TRIAL_DETAILS = tuple(name for name in TRIAL_FIELDS if name != "months")  # Trial's optional fields, in order
_TRIAL_MONTHS_BOUNDS = _bounds(TRIAL_MONTHS)


def _value(path: str, value: Any, errors: _Errors, spec: Any = None) -> Any:
    """Validate one scalar fact (a fact of FACTS by its path, or the `spec` given, checked under `path`);
    returns None (blank) when absent or invalid."""
    if value is None:
        return None
    if spec is None:
        spec = NUMBER_FACTS.get(path) or ENUM_FACTS[path]
    if isinstance(spec, NumberFact):
        return _number(value, spec, path, errors)
    enum = spec
    if enum.yes_no:
        if not isinstance(value, bool):
            errors.add(path, MSG_NOT_BOOL)
            return None
        return value
    if not isinstance(value, str) or value not in enum.values:
        errors.add(path, must_be_one_of(enum.values))
        return None
    return value


def _detail(path: str, name: str, value: Any, catalog: Catalog, errors: _Errors) -> Any:
    """One optional detail of the trial at `path` (facts.TRIAL_FIELDS[name])."""
    spec = TRIAL_FIELDS[name]
    if isinstance(spec, DataFact):
        return None if value is None else _data_value(f"{path}.{name}", value, catalog, errors, spec.path)
    return _value(f"{path}.{name}", value, errors, spec)


def _data_value(path: str, value: Any, catalog: Catalog, errors: _Errors, values_path: str = "") -> str | None:
    """A fact whose values are data (a plan, a specialty): one of the catalog's codes for it (those of
    `values_path` where the error's path differs: a trial's condition)."""
    known = catalog.fact_values.get(values_path or path, {})
    if isinstance(value, str) and value in known:
        return value
    errors.add(path, must_be_one_of(known))
    return None


def _specialist_readings(facts: dict[str, Any], diagnosis: str, catalog: Catalog) -> None:
    """The yes/no readings the seed policies ask ("a specialist in the area of the member's diagnosis"; "has
    consulted with a specialist"), derived from the specialties a request states instead. A yes/no answer the
    request states stands; a request that names the prescriber's specialty and no consulted specialist
    consulted none."""
    if "prescriber.is_specialist" not in facts:
        facts["prescriber.is_specialist"] = catalog.specialist_in(facts["prescriber.specialty"], diagnosis)
    if "prescriber.consulted_specialist" not in facts:
        consulted = facts.get("prescriber.consulted_specialty")
        facts["prescriber.consulted_specialist"] = consulted is not None and catalog.specialist_in(consulted, diagnosis)


def must_be_one_of(values: Any) -> str:
    return "Must be one of: " + ", ".join(str(v) for v in values) + "."


def _key(key: Any) -> str:
    """An unknown key as its error path shows it: the path echoes input, so it is bounded."""
    key = str(key)
    return key if len(key) <= MAX_TEXT else key[:MAX_TEXT] + "…"


def _object(data: Any, path: str, allowed: AbstractSet[str], errors: _Errors) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        errors.add(path, MSG_NOT_OBJECT)
        return {}
    if not allowed.issuperset(data):  # one test in C for the usual case, the loop only to name the strangers
        for key in data:
            if key not in allowed:
                errors.add(f"{path}.{_key(key)}" if path else _key(key), MSG_UNKNOWN_FIELD)
    return data


def _text(value: Any, path: str, errors: _Errors) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.add(path, MSG_NOT_STRING)
        return None
    if len(value) > MAX_TEXT:
        errors.add(path, MSG_TOO_LONG.format(n=MAX_TEXT))
        return None
    return value.strip() or None


def _drug(value: Any, path: str, catalog: Catalog, errors: _Errors) -> int | None:
    name = _text(value, path, errors)
    if name is None:
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.add(path, MSG_REQUIRED)
        return None
    drug_id = catalog.drug_id(name)
    if drug_id is None:
        errors.add(path, MSG_UNKNOWN_DRUG.format(name=name))
    return drug_id


def _diagnosis(data: dict, catalog: Catalog, errors: _Errors) -> tuple[str | None, str | None]:
    raw = _text(data.get("diagnosis"), "diagnosis", errors)
    slug = None
    if raw is not None:
        slug = catalog.diagnosis_slug(raw)
        if slug is None:
            errors.add("diagnosis", MSG_UNKNOWN_DIAGNOSIS.format(value=raw))
        elif not catalog.diagnoses[slug].selectable:
            group = catalog.diagnoses[slug]
            members = sorted(d.slug for d in catalog.diagnoses.values() if slug in d.ancestors and d.selectable)
            errors.add("diagnosis", MSG_GROUP_DIAGNOSIS.format(name=group.name, choices=", ".join(members)))
            slug = None

    code = _text(data.get("icd10"), "icd10", errors)
    if code is not None:
        code = normalize_icd10(code)
        if not ICD10_RE.match(code):
            errors.add("icd10", "Must be an ICD-10-CM code such as M05.79.")
            return slug, None
        found = catalog.icd10_diagnoses(code)
        if raw is None:
            if not found:
                errors.add("icd10", MSG_UNKNOWN_ICD10.format(code=code))
            elif len(found) > 1:
                errors.add("icd10", MSG_AMBIGUOUS_ICD10.format(code=code, choices=", ".join(found)))
            else:
                slug = found[0]
        elif slug is not None and found and slug not in found:
            # A code outside the payer's list is only recorded; a listed code that
            # names another diagnosis is a contradiction the prescriber must resolve.
            errors.add("icd10", MSG_ICD10_MISMATCH.format(code=code, diagnosis=catalog.diagnoses[slug].name))
    if raw is None and code is None:
        errors.add("diagnosis", MSG_DIAGNOSIS_REQUIRED)
    return slug, code


def _trials(value: Any, catalog: Catalog, errors: _Errors) -> tuple[Trial, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        errors.add("prior_therapies", MSG_NOT_LIST)
        return None
    if len(value) > MAX_ITEMS:
        errors.add("prior_therapies", MSG_TOO_MANY.format(n=MAX_ITEMS))
        return None
    trials = []
    for i, item in enumerate(value):
        # Inline, a well-formed trial of a known drug: what the checks below would accept, unchanged.
        if item.__class__ is dict and _TRIAL_BASIC_KEYS.issuperset(item):
            name, months, outcome = item.get("drug"), item.get("months"), item.get("outcome")
            if (
                name.__class__ is str
                and len(name) <= MAX_TEXT
                and outcome.__class__ is str
                and outcome in OUTCOMES
                and (months is None or _in_bounds(months, _TRIAL_MONTHS_BOUNDS))
            ):
                drug = catalog.drug_id(name.strip()) if name.strip() else None
                if drug is not None:
                    trials.append(Trial(drug, months, outcome, i))
                    continue
        path = f"prior_therapies[{i}]"
        item = _object(item, path, _TRIAL_KEYS, errors)
        if not item:
            if not errors.get(path):
                errors.add(f"{path}.drug", MSG_REQUIRED)
            continue
        drug = _drug(item.get("drug"), f"{path}.drug", catalog, errors)
        months = item.get("months")
        if months is not None:
            months = _number(months, TRIAL_MONTHS, f"{path}.months", errors)
        outcome = item.get("outcome")
        if outcome is None:
            errors.add(f"{path}.outcome", MSG_REQUIRED)
        elif not isinstance(outcome, str) or outcome not in OUTCOMES:  # a dict or list is not hashable
            errors.add(f"{path}.outcome", "Must be one of: " + ", ".join(OUTCOMES) + ".")
            outcome = None
        details = {name: _detail(path, name, item.get(name), catalog, errors) for name in _TRIAL_DETAILS}
        if drug is not None and outcome is not None:
            trials.append(Trial(drug, months, outcome, i, **details))
    return tuple(trials)


def _concomitant(value: Any, catalog: Catalog, errors: _Errors) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        errors.add("concomitant_drugs", MSG_NOT_LIST)
        return ()
    if len(value) > MAX_ITEMS:
        errors.add("concomitant_drugs", MSG_TOO_MANY.format(n=MAX_ITEMS))
        return ()
    drugs = []
    for i, name in enumerate(value):
        # Inline, a known drug's name: what _drug would accept; anything else goes through it for the error.
        if name.__class__ is str and len(name) <= MAX_TEXT:
            drug = catalog.drug_id(name.strip()) if name.strip() else None
            if drug is not None:
                drugs.append(drug)
                continue
        drug = _drug(name, f"concomitant_drugs[{i}]", catalog, errors)
        if drug is not None:
            drugs.append(drug)
    return tuple(drugs)


def _answers(value: Any, catalog: Catalog, errors: _Errors) -> dict[str, bool]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add("answers", MSG_NOT_OBJECT)
        return {}
    answers = {}
    for code, answer in value.items():
        path = f"answers.{_key(code)}"
        if code not in catalog.question_codes:
            errors.add(path, MSG_UNKNOWN_QUESTION)
        elif answer is None:
            continue
        elif not isinstance(answer, bool):
            errors.add(path, MSG_NOT_BOOL)
        else:
            answers[code] = answer
    return answers


def latest_date_of_service(today: dt.date) -> dt.date:
    """A year after today (28 February when today is 29 February)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def parse_date(value: Any, errors: _Errors, today: dt.date) -> dt.date:
    if value is None:
        return today
    if not isinstance(value, str) or not _ISO_DATE_RE.fullmatch(value):
        errors.add("date_of_service", MSG_BAD_DATE)
        return today
    try:
        on = dt.date.fromisoformat(value)
    except ValueError:
        errors.add("date_of_service", MSG_BAD_DATE)
        return today
    latest = latest_date_of_service(today)
    if on > latest:
        errors.add("date_of_service", MSG_DATE_TOO_FAR.format(latest=latest.isoformat()))
        return today
    return on


def date_of_service(data: Any, today: dt.date) -> dt.date:
    """The date a request names (today when blank or malformed: that error is parse_request's to report)."""
    return parse_date(data.get("date_of_service"), _Errors(), today) if isinstance(data, dict) else today


def parse_request(data: Any, catalog: Catalog, *, today: dt.date) -> tuple[Request | None, dict[str, list[str]]]:
    """Validate the contract's request. Returns (request, {}) or (None, errors)."""
    errors = _Errors()
    if not isinstance(data, dict):
        errors.add("request", MSG_NOT_OBJECT)
        return None, dict(errors)
    _object(data, "", TOP_LEVEL, errors)

    policy = data.get("policy")
    if policy is None or (isinstance(policy, str) and not policy.strip()):
        errors.add("policy", MSG_REQUIRED)
    elif not isinstance(policy, str):
        errors.add("policy", MSG_NOT_STRING)
    date_of_service = parse_date(data.get("date_of_service"), errors, today)

    facts: dict[str, Any] = {}
    for group, allowed, checks in _FACT_CHECKS:
        if group is None:
            section = data
        else:
            section = data.get(group)
            if section is None:  # a group left blank: each of its facts is
                continue
            if section.__class__ is not dict or not allowed.issuperset(section):
                section = _object(section, group, allowed, errors)
        for name, path, kind, accepted in checks:
            value = section.get(name)
            if value is None:  # blank: most optional facts are
                continue
            cls = value.__class__
            if cls is kind:
                if value in accepted:
                    facts[path] = value
                    continue
            elif kind is _DATA:
                value = _data_value(path, value, catalog, errors)
                if value is not None:
                    facts[path] = value
                continue
            elif kind is _NUMBER and (cls is int or cls is float):  # _in_bounds, inline: six numbers a request
                low, high, exclusive, integer = accepted
                if (low < value if exclusive else low <= value) and value <= high and (cls is int or not integer):
                    facts[path] = value
                    continue
            value = _value(path, value, errors)
            if value is not None:
                facts[path] = value
    for path, default in DEFAULTS.items():
        facts.setdefault(path, default)

    diagnosis, icd10 = _diagnosis(data, catalog, errors)
    trials = _trials(data.get("prior_therapies"), catalog, errors)
    concomitant = _concomitant(data.get("concomitant_drugs"), catalog, errors)
    answers = _answers(data.get("answers"), catalog, errors)

    if errors:
        return None, dict(errors)
    if diagnosis is not None and "prescriber.specialty" in facts:
        _specialist_readings(facts, diagnosis, catalog)
    # Positional, in the fields' order: a named tuple's __new__ takes keywords at a cost.
    return Request(policy.strip(), date_of_service, diagnosis, facts, icd10, trials, concomitant, answers), {}
