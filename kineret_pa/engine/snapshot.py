"""Immutable, compiled views of policy data: what the engine evaluates against.

The engine never reads the database. `kineret_pa.policies.snapshots` builds these
from the models; tests build them from the fixtures or by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


def frozen_map(data: Mapping | None = None) -> Mapping:
    return MappingProxyType(dict(data or {}))


@dataclass(frozen=True, slots=True)
class DrugSnap:
    id: int
    generic_name: str
    # The reference product this is a biosimilar of (e.g. adalimumab-bwwd -> adalimumab).
    biosimilar_of: int | None = None
    display_name: str = ""

    @property
    def molecule(self) -> int:
        return self.biosimilar_of or self.id

    @property
    def label(self) -> str:
        return self.display_name or self.generic_name


@dataclass(frozen=True, slots=True)
class DiagnosisSnap:
    slug: str
    name: str
    ancestors: tuple[str, ...] = ()  # e.g. nomid -> ("caps",)
    selectable: bool = True  # a group such as CAPS is not a diagnosis one can request


@dataclass(frozen=True, slots=True)
class Icd10Snap:
    code_from: str
    code_to: str
    diagnoses: tuple[str, ...]
    description: str = ""

    def matches(self, code: str) -> bool:
        # A listed code covers its subcodes (M05.00-M05.09 covers M05.011), and ranges
        # such as M05.70-M05.7A compare character by character: digits sort before
        # letters, so the 7A-style extensions fall inside the range.
        head = code[: len(self.code_from)]
        return len(code) >= len(self.code_from) and self.code_from <= head <= self.code_to


@dataclass(frozen=True, slots=True)
class Catalog:
    """Global vocabularies: drug names, diagnoses and their aliases, ICD-10 codes, questions."""

    drugs: Mapping[int, DrugSnap]
    drug_names: Mapping[str, int]  # lower-cased name, brand or alias -> drug id
    diagnoses: Mapping[str, DiagnosisSnap]
    diagnosis_aliases: Mapping[str, str]  # alias slug -> canonical slug
    icd10: tuple[Icd10Snap, ...] = ()
    question_codes: frozenset[str] = frozenset()
    # The values of the facts that are data (facts.DATA_FACTS), in the data's order: path -> code -> words.
    # {"plan": {"standard": "Standard Option", ...}}: every payer's plans (the snapshot has the policy's own).
    fact_values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    policy_plans: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # policy code -> its plans' codes
    # Specialty code -> the diagnoses (or groups) its prescribers are "a specialist in the area of".
    specialty_diagnoses: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def specialist_in(self, specialty: str, diagnosis: str) -> bool:
        """Whether a prescriber of this specialty is a specialist in the area of the diagnosis (or its group)."""
        known = self.diagnoses.get(diagnosis)
        scope = {diagnosis, *(known.ancestors if known else ())}
        return not self.specialty_diagnoses.get(specialty, frozenset()).isdisjoint(scope)

    def drug_id(self, name: str) -> int | None:
        return self.drug_names.get(" ".join(name.lower().split()))

    def diagnosis_slug(self, value: str) -> str | None:
        slug = value.strip().lower()
        slug = self.diagnosis_aliases.get(slug, slug)
        return slug if slug in self.diagnoses else None

    def icd10_diagnoses(self, code: str) -> tuple[str, ...]:
        found: list[str] = []
        for entry in self.icd10:
            if entry.matches(code):
                found.extend(d for d in entry.diagnoses if d not in found)
        return tuple(found)


@dataclass(frozen=True, slots=True)
class Node:
    """One criterion: an inner node (all/any/not/at_least) or a typed leaf."""

    id: int
    key: str
    kind: str
    clause: str
    text: str
    params: Mapping[str, Any] = field(default_factory=frozen_map)
    children: tuple[Node, ...] = ()
    gate: bool = False  # "applies only when met": the parent branch is skipped otherwise


@dataclass(frozen=True, slots=True)
class DrugListSnap:
    code: str
    name: str
    clause: str
    # (drug id, which of its biosimilars count too: False none, True all, or a frozenset of the preferred ones)
    entries: tuple[tuple[int, bool | frozenset[int]], ...]
    plans: frozenset[str] = frozenset()
    diagnosis: str | None = None
    required_count: int | None = None
    kind: str = "general"
    # Drug id -> the one route a trial of it counts by ("Actemra (SC)"); a drug not here: any route.
    routes: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PolicyDiagnosisSnap:
    slug: str
    status: str  # fda_labeled | compendia | not_covered | verify
    labeled_min_age: float | None = None
    labeled_max_age: float | None = None
    fda_max_mg_per_day: float | None = None
    fda_max_mg_per_kg_day: float | None = None
    compendia_max_mg_per_day: float | None = None
    compendia_max_mg_per_kg_day: float | None = None


@dataclass(frozen=True, slots=True)
class WeightRowSnap:
    weight_kg: float
    max_mg_per_day: float
    syringes_per_day: int
    retail_quantity: int
    retail_days: int
    home_delivery_quantity: int
    home_delivery_days: int


@dataclass(frozen=True, slots=True)
class WeightTableSnap:
    code: str
    title: str
    clause: str
    base_sufficient_max_kg: float
    refer_above_kg: float
    rows: tuple[WeightRowSnap, ...]


@dataclass(frozen=True, slots=True)
class QuantityLimitSnap:
    order: int
    clause: str
    text: str
    kind: str  # fixed | per_kg | weight_table | dose | none
    grant: str  # limit: the limit is authorized | requested: the request, up to the limit
    request_types: frozenset[str] = frozenset()  # empty: every request type
    diagnoses: frozenset[str] = frozenset()  # empty: every diagnosis
    channels: frozenset[str] = frozenset()  # empty: every channel
    quantity: int | None = None
    period_days: int | None = None
    mg_per_kg_day: float | None = None
    weight_table: str | None = None
    one_time: bool = False
    condition: str | None = None  # key of the criterion that must be met for this limit
    condition_root: str | None = None  # key of the tree that criterion belongs to
    duration_months: int | None = None
    duration_days: int | None = None


@dataclass(frozen=True, slots=True)
class DurationSnap:
    order: int
    clause: str
    months: int | None
    days: int | None
    request_types: frozenset[str] = frozenset()
    diagnoses: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One policy version, compiled."""

    policy_code: str
    policy_title: str
    version_label: str
    version_id: int
    catalog: Catalog
    roots: Mapping[str, Node]  # request type ("initial"/"renewal") -> coverage criteria
    nodes: Mapping[str, Node]  # every node by key
    drug_lists: Mapping[str, DrugListSnap]
    diagnoses: Mapping[str, PolicyDiagnosisSnap]
    limits: tuple[QuantityLimitSnap, ...]
    weight_tables: Mapping[str, WeightTableSnap]
    durations: tuple[DurationSnap, ...]
    plans: tuple[str, ...] = ()  # the plan options the policy distinguishes (codes); none: any plan is ignored
    product_drug: int | None = None  # the drug this policy governs (anakinra)
    product_strength_mg: float = 100.0
    product_strengths: tuple[float, ...] = (100.0,)
    # What is worked out from the snapshot alone, on first use, for every later request: the limits and the
    # duration in scope (below), the criteria results that depend only on the diagnosis (evaluate.py). Not part
    # of the value, and never stale: the snapshot does not change. Keys are validated values, so few.
    memo: dict[tuple, Any] = field(default_factory=dict, compare=False, repr=False)

    def diagnosis_scope(self, diagnosis: str | None) -> frozenset[str] | None:
        """The diagnosis and the groups it belongs to (NOMID: also CAPS); None when unknown (any diagnosis)."""
        known = self.catalog.diagnoses.get(diagnosis) if diagnosis else None
        return None if known is None else frozenset((diagnosis, *known.ancestors))

    def limits_for(
        self, *, request_type: str, diagnosis: str | None, channel: str | None = None
    ) -> list[QuantityLimitSnap]:
        """The quantity limits that apply, in order (the one rule for the engine, the form and its help)."""
        key = ("limits", request_type, diagnosis, channel)
        found = self.memo.get(key)
        if found is None:
            scope = self.diagnosis_scope(diagnosis)
            found = tuple(
                limit
                for limit in self.limits
                if _applies(limit, request_type, scope)
                and (channel is None or not limit.channels or channel in limit.channels)
            )
            self._remember(key, found)
        return list(found)

    def duration_for(self, *, request_type: str, diagnosis: str | None) -> DurationSnap | None:
        key = ("duration", request_type, diagnosis)
        found = self.memo.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            scope = self.diagnosis_scope(diagnosis)
            found = next((d for d in self.durations if _applies(d, request_type, scope)), None)
            self._remember(key, found)
        return found

    def _remember(self, key: tuple, value: Any) -> None:
        if len(self.memo) < MEMO_MAX:  # a bound, should a caller ever pass unvalidated values
            self.memo[key] = value


MEMO_MAX = 4096
_UNKNOWN = object()


def _applies(item: QuantityLimitSnap | DurationSnap, request_type: str, scope: frozenset[str] | None) -> bool:
    """Empty request types or diagnoses mean every one; a scope of None (diagnosis not known yet) matches any."""
    return (not item.request_types or request_type in item.request_types) and (
        scope is None or not item.diagnoses or not item.diagnoses.isdisjoint(scope)
    )
