"""Compile policy data from the database into the engine's immutable snapshots.

A `PolicyData` holds everything compiled from one policy-data revision (catalog, versions,
snapshots, the form's lists); each process keeps the one for the revision it last read. Any
save of policy data bumps the revision (see signals.py), so the next request in every process
gets a fresh `PolicyData` built from the edited data, with no restart. A determination costs
one query (the revision) once its snapshot is warm; building one costs a constant number of
queries whatever the data size.
"""

from __future__ import annotations

import datetime as dt
import enum
import threading
import uuid
from collections import defaultdict
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.utils.html import format_html_join

from kineret_pa.engine.facts import DATA_VALUED
from kineret_pa.engine.snapshot import (
    Catalog,
    DiagnosisSnap,
    DrugListSnap,
    DrugSnap,
    DurationSnap,
    Icd10Snap,
    Node,
    PolicyDiagnosisSnap,
    QuantityLimitSnap,
    Snapshot,
    WeightRowSnap,
    WeightTableSnap,
    frozen_map,
)

from . import models as m
from .revision import revision_current


def _num(value) -> float | None:
    return None if value is None else float(value)


def catalog_build() -> Catalog:
    drugs: dict[int, DrugSnap] = {}
    brands: dict[int, list[str]] = defaultdict(list)
    names: dict[str, int] = {}
    for name in m.DrugName.objects.order_by("id"):
        names[name.normalized] = name.drug_id
        if name.kind == m.DrugName.Kind.BRAND:
            brands[name.drug_id].append(name.name)
    for drug in m.Drug.objects.all():
        names.setdefault(m.normalize_name(drug.generic_name), drug.id)
        label = f"{drug.generic_name} ({brands[drug.id][0]})" if brands[drug.id] else drug.generic_name
        drugs[drug.id] = DrugSnap(drug.id, drug.generic_name, drug.biosimilar_of_id, label)

    rows = list(m.Diagnosis.objects.values("id", "slug", "name", "parent_id", "selectable"))
    by_id = {row["id"]: row for row in rows}
    diagnoses = {}
    for row in rows:
        ancestors, parent = [], row["parent_id"]
        while parent is not None and len(ancestors) < 10:
            ancestors.append(by_id[parent]["slug"])
            parent = by_id[parent]["parent_id"]
        diagnoses[row["slug"]] = DiagnosisSnap(row["slug"], row["name"], tuple(ancestors), row["selectable"])
    aliases = dict(m.DiagnosisAlias.objects.values_list("alias", "diagnosis__slug"))

    icd10 = tuple(
        Icd10Snap(
            code.code_from,
            code.code_to or code.code_from,
            tuple(d.slug for d in code.diagnoses.all()),
            code.description,
        )
        for code in m.Icd10Code.objects.prefetch_related("diagnoses")
    )
    return Catalog(
        drugs=frozen_map(drugs),
        drug_names=frozen_map(names),
        diagnoses=frozen_map(diagnoses),
        diagnosis_aliases=frozen_map(aliases),
        icd10=icd10,
        question_codes=frozenset(m.Question.objects.values_list("code", flat=True)),
        # A condition a request or trial names: the diagnoses a prescriber can choose.
        **_data_values(frozen_map({slug: d.name for slug, d in diagnoses.items() if d.selectable})),
    )


def _data_values(diagnosis_words: Mapping[str, str]) -> dict[str, Any]:
    """The values of the facts that are data (facts.DATA_FACTS) and what goes with them: two queries."""
    plan_words, policy_plans = _plans()
    specialty_words: dict[str, str] = {}
    specialty_diagnoses: dict[str, set[str]] = defaultdict(set)
    rows = m.Specialty.objects.order_by("order", "pk").values_list("code", "name", "diagnoses__slug")
    for code, name, diagnosis in rows:
        specialty_words[code] = name
        specialty_diagnoses[code] |= {diagnosis} if diagnosis else set()
    words = {"plans": plan_words, "specialties": frozen_map(specialty_words), "diagnoses": diagnosis_words}
    return {
        "fact_values": frozen_map({path: words[spec.source] for path, spec in DATA_VALUED.items()}),
        "policy_plans": policy_plans,
        "specialty_diagnoses": frozen_map({code: frozenset(slugs) for code, slugs in specialty_diagnoses.items()}),
    }


def _plans() -> tuple[Mapping[str, str], Mapping[str, tuple[str, ...]]]:
    """Every payer's plan options, code -> name, in the order they were added (a code two payers share keeps the
    first name), and each policy's own: one query."""
    words: dict[str, str] = {}
    by_policy: dict[str, list[str]] = defaultdict(list)
    for code, name, policy in m.Plan.objects.order_by("pk").values_list("code", "name", "policy__code"):
        words.setdefault(code, name)
        if policy is not None and code not in by_policy[policy]:
            by_policy[policy].append(code)
    return frozen_map(words), frozen_map({policy: tuple(codes) for policy, codes in by_policy.items()})


def _tree(rows: list[m.CriterionNode]) -> tuple[dict[str, Node], dict[str, Node]]:
    children: dict[int | None, list[m.CriterionNode]] = defaultdict(list)
    for row in rows:
        children[row.parent_id].append(row)
    nodes: dict[str, Node] = {}

    def build(row: m.CriterionNode, depth: int = 0) -> Node:
        if depth > 50:
            raise ValueError("criteria tree too deep")
        kids = tuple(build(child, depth + 1) for child in sorted(children[row.id], key=lambda r: (r.order, r.id)))
        node = Node(row.id, row.key, row.kind, row.clause, row.text, frozen_map(row.params or {}), kids, row.gate)
        nodes[row.key] = node
        return node

    roots: dict[str, Node] = {}
    for row in sorted(children[None], key=lambda r: (r.order, r.id)):
        node = build(row)
        if row.root_for in ("initial", "both"):
            roots["initial"] = node
        if row.root_for in ("renewal", "both"):
            roots["renewal"] = node
    return roots, nodes


def _root_key(key: str, nodes_by_key: dict[str, m.CriterionNode], by_id: dict[int, m.CriterionNode]) -> str:
    row = nodes_by_key[key]
    while row.parent_id is not None:
        row = by_id[row.parent_id]
    return row.key


def _class_members(lists: list[m.DrugList], catalog: Catalog) -> dict[int, list[int]]:
    """The drugs of each class the lists name (one query for every list)."""
    class_ids = {c.id for dl in lists for c in dl.classes.all()}
    members: dict[int, list[int]] = defaultdict(list)
    if not class_ids:
        return members
    through = m.Drug.classes.through.objects.filter(drugclass_id__in=class_ids)
    for class_id, drug_id in through.values_list("drugclass_id", "drug_id"):
        # A drug saved after this revision's catalog was read is not in it: no request can name it yet.
        if drug_id in catalog.drugs:
            members[class_id].append(drug_id)
    return members


def drug_list_entries(
    *, explicit: list[tuple[int, bool | frozenset[int]]], class_drugs: list[int], catalog: Catalog
) -> tuple[tuple[int, bool | frozenset[int]], ...]:
    """A list's entries for the engine: the drugs listed one by one, then every drug of the classes it names.

    Expanded when the snapshot is built, so the engine needs nothing new and a drug added to a class in the
    catalog joins the list at the next revision. A drug listed one by one keeps its own entry (and its
    biosimilars flag as written). A class member that is a biosimilar of a drug on the list with its
    biosimilars gets no entry of its own: it counts through its reference product, as one product, so
    "two products" is never met by Humira and a Humira biosimilar."""
    listed = {drug_id for drug_id, _ in explicit}
    from_classes = [drug_id for drug_id in dict.fromkeys(class_drugs) if drug_id not in listed]
    covering = {drug_id for drug_id, biosimilars in explicit if biosimilars} | set(from_classes)
    own = [drug_id for drug_id in from_classes if catalog.drugs[drug_id].biosimilar_of not in covering]
    return (*explicit, *((drug_id, True) for drug_id in own))


def _biosimilars(entry: m.DrugListEntry) -> bool | frozenset[int]:
    """What of an entry's biosimilars count: none (False), all (True), or only the preferred ones it names."""
    if not entry.include_biosimilars:
        return False
    preferred = frozenset(d.id for d in entry.preferred_biosimilars.all())
    return preferred or True


def snapshot_build(version: m.PolicyVersion, catalog: Catalog) -> Snapshot:
    rows = list(m.CriterionNode.objects.filter(version=version))
    roots, nodes = _tree(rows)

    drug_lists = {}
    lists = list(
        m.DrugList.objects.filter(version=version)
        .select_related("diagnosis")
        .prefetch_related("entries__preferred_biosimilars", "plans", "classes")
    )
    class_members = _class_members(lists, catalog)
    for dl in lists:
        explicit = [(e.drug_id, _biosimilars(e)) for e in sorted(dl.entries.all(), key=lambda e: (e.order, e.id))]
        in_classes = {drug_id for c in dl.classes.all() for drug_id in class_members[c.id]}
        class_drugs = sorted(in_classes, key=lambda drug_id: catalog.drugs[drug_id].generic_name)
        drug_lists[dl.code] = DrugListSnap(
            dl.code,
            dl.name,
            dl.clause,
            drug_list_entries(explicit=explicit, class_drugs=class_drugs, catalog=catalog),
            frozenset(p.code for p in dl.plans.all()),
            dl.diagnosis.slug if dl.diagnosis else None,
            dl.required_count,
            dl.kind,
            frozen_map({e.drug_id: e.route for e in dl.entries.all() if e.route}),
        )

    diagnoses = {
        pd.diagnosis.slug: PolicyDiagnosisSnap(
            pd.diagnosis.slug,
            pd.status,
            _num(pd.labeled_min_age),
            _num(pd.labeled_max_age),
            _num(pd.fda_max_mg_per_day),
            _num(pd.fda_max_mg_per_kg_day),
            _num(pd.compendia_max_mg_per_day),
            _num(pd.compendia_max_mg_per_kg_day),
        )
        for pd in m.PolicyDiagnosis.objects.filter(version=version).select_related("diagnosis")
    }

    tables = {}
    for table in m.WeightTable.objects.filter(version=version).prefetch_related("rows"):
        table_rows = tuple(
            WeightRowSnap(
                float(r.weight_kg),
                float(r.max_mg_per_day),
                r.syringes_per_day,
                r.retail_quantity,
                r.retail_days,
                r.home_delivery_quantity,
                r.home_delivery_days,
            )
            for r in sorted(table.rows.all(), key=lambda r: r.weight_kg)
        )
        tables[table.code] = WeightTableSnap(
            table.code,
            table.title,
            table.clause,
            float(table.base_sufficient_max_kg),
            float(table.refer_above_kg),
            table_rows,
        )

    by_id = {row.id: row for row in rows}
    by_key = {row.key: row for row in rows}
    limits = []
    for limit in (
        m.QuantityLimit.objects.filter(version=version)
        .select_related("weight_table", "condition")
        .prefetch_related("diagnoses")
    ):
        condition = limit.condition.key if limit.condition else None
        limits.append(
            QuantityLimitSnap(
                order=limit.order,
                clause=limit.clause,
                text=limit.text,
                kind=limit.kind,
                grant=limit.grant,
                request_types=frozenset([limit.request_type] if limit.request_type else []),
                diagnoses=frozenset(d.slug for d in limit.diagnoses.all()),
                channels=frozenset([limit.channel] if limit.channel else []),
                quantity=limit.quantity,
                period_days=limit.period_days,
                mg_per_kg_day=_num(limit.mg_per_kg_day),
                weight_table=limit.weight_table.code if limit.weight_table else None,
                one_time=limit.one_time,
                condition=condition,
                condition_root=_root_key(condition, by_key, by_id) if condition else None,
                duration_months=limit.duration_months,
                duration_days=limit.duration_days,
            )
        )
    limits.sort(key=lambda limit: limit.order)

    durations = tuple(
        sorted(
            (
                DurationSnap(
                    d.order,
                    d.clause,
                    d.months,
                    d.days,
                    frozenset([d.request_type] if d.request_type else []),
                    frozenset(x.slug for x in d.diagnoses.all()),
                )
                for d in m.ApprovalDuration.objects.filter(version=version).prefetch_related("diagnoses")
            ),
            key=lambda d: d.order,
        )
    )

    policy = version.policy
    strengths = tuple(sorted({float(p.strength_mg) for p in m.Product.objects.filter(drug_id=policy.drug_id)})) or (
        100.0,
    )
    return Snapshot(
        policy_code=policy.code,
        policy_title=policy.title,
        version_label=version.label,
        version_id=version.id,
        catalog=catalog,
        roots=frozen_map(roots),
        nodes=frozen_map(nodes),
        drug_lists=frozen_map(drug_lists),
        diagnoses=frozen_map(diagnoses),
        limits=tuple(limits),
        weight_tables=frozen_map(tables),
        durations=durations,
        plans=catalog.policy_plans.get(policy.code, ()),
        product_drug=policy.drug_id,
        product_strength_mg=strengths[0],
        product_strengths=strengths,
    )


# ---------------------------------------------------------------- the policy data of one revision

_suppressed = threading.local()


def revision_bump() -> None:
    if getattr(_suppressed, "active", False):
        return
    token = uuid.uuid4().hex
    if not m.PolicyDataRevision.objects.update(value=token):
        m.PolicyDataRevision.objects.create(value=token)


@contextmanager
def revision_bumped_once():
    """Bulk loads bump the revision once at the end instead of on every row."""
    _suppressed.active = True
    try:
        yield
    finally:
        _suppressed.active = False
    revision_bump()


class VersionProblem(enum.Enum):
    """Why a request names no version: the contract reports each under its own field."""

    UNKNOWN_POLICY = "unknown_policy"
    NO_VERSION_ON_DATE = "no_version_on_date"
    NO_SUCH_VERSION = "no_such_version"


class VersionLookup(NamedTuple):
    version_id: int | None
    problem: VersionProblem | None = None


@dataclass(frozen=True)
class PolicyChoice:
    code: str
    label: str
    plans: tuple[tuple[str, str], ...]  # (code, name)


class PolicyData:
    """The policy data of one revision: the catalog, the versions in force, the compiled snapshots and
    the form's lists. Fetched once per request (`policy_data_get`) and passed down, so one request never
    mixes two revisions; each part is built on first use and kept while the revision stays current.
    Building a part twice in two threads is harmless (same data, last one kept), so there is no lock."""

    __slots__ = ("_catalog", "_drug_options_html", "_labels", "_policies", "_snapshots", "_versions", "revision")

    def __init__(self, revision: str) -> None:
        self.revision = revision
        self._catalog: Catalog | None = None
        self._versions: tuple[frozenset[str], dict[str, list[tuple[dt.date, dt.date | None, int]]]] | None = None
        self._snapshots: dict[int, Snapshot] = {}
        self._labels: dict[tuple[str, str], int] | None = None
        self._policies: tuple[PolicyChoice, ...] | None = None
        self._drug_options_html: str | None = None

    def __repr__(self) -> str:
        return f"PolicyData(revision={self.revision!r})"

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = catalog_build()
        return self._catalog

    def version_for(self, policy_code: str, on: dt.date) -> VersionLookup:
        """The version of a policy in force on a date, or why there is none."""
        if self._versions is None:
            index: dict[str, list[tuple[dt.date, dt.date | None, int]]] = defaultdict(list)
            codes = frozenset(m.Policy.objects.values_list("code", flat=True))
            for row in m.PolicyVersion.objects.filter(status=m.PolicyVersion.Status.ACTIVE).values(
                "id", "policy__code", "effective_date", "end_date"
            ):
                index[row["policy__code"]].append((row["effective_date"], row["end_date"], row["id"]))
            self._versions = (codes, dict(index))
        codes, index = self._versions
        if policy_code not in codes:
            return VersionLookup(None, VersionProblem.UNKNOWN_POLICY)
        for start, end, version_id in index.get(policy_code, ()):
            if start <= on and (end is None or on <= end):
                return VersionLookup(version_id)
        return VersionLookup(None, VersionProblem.NO_VERSION_ON_DATE)

    def version_named(self, policy_code: str, label: str) -> VersionLookup:
        """A version named by its label (effective date), drafts included: how a draft is tried before publishing."""
        if self._labels is None:
            self._labels = {
                (code, effective.isoformat()): pk
                for pk, code, effective in m.PolicyVersion.objects.values_list("id", "policy__code", "effective_date")
            }
        version_id = self._labels.get((policy_code, label))
        if version_id is not None:
            return VersionLookup(version_id)
        if not any(code == policy_code for code, _ in self._labels):
            return VersionLookup(None, VersionProblem.UNKNOWN_POLICY)
        return VersionLookup(None, VersionProblem.NO_SUCH_VERSION)

    def version_labels(self, policy_code: str) -> list[str]:
        self.version_named(policy_code, "")
        return sorted(label for code, label in self._labels if code == policy_code)

    def snapshot(self, version_id: int) -> Snapshot:
        snap = self._snapshots.get(version_id)
        if snap is None:
            version = m.PolicyVersion.objects.select_related("policy").get(pk=version_id)
            snap = self._snapshots[version_id] = snapshot_build(version, self.catalog)
        return snap

    @property
    def policies(self) -> tuple[PolicyChoice, ...]:
        """The policies a request may name, for the form's first step."""
        if self._policies is None:
            self._policies = tuple(
                PolicyChoice(
                    p.code,
                    f"{p.payer.name} — {p.number}: {p.title}",
                    tuple((plan.code, plan.name) for plan in p.plans.all()),
                )
                for p in m.Policy.objects.select_related("payer")
                .prefetch_related("plans")
                .order_by("payer__name", "code")
            )
        return self._policies

    @property
    def drug_options_html(self) -> str:
        """The form's searchable drug list as <option> elements, rendered once per revision
        (thousands of names: rendering them on every page view was most of a step's time)."""
        if self._drug_options_html is None:
            names = sorted(set(self.catalog.drug_names) | {d.generic_name for d in self.catalog.drugs.values()})
            self._drug_options_html = format_html_join("", '<option value="{}">', ((name,) for name in names))
        return self._drug_options_html


_lock = threading.Lock()
_current: PolicyData | None = None  # this process's policy data, for the revision last read


def policy_data_get(*, revision: str | None = None) -> PolicyData:
    """The policy data in force: one read of the revision (none when the caller has just read it, as the
    API's token query does), then this process's object for that revision, made anew when it changed."""
    global _current
    revision = revision_current() if revision is None else revision
    with _lock:
        if _current is None or _current.revision != revision:
            _current = PolicyData(revision)
        return _current


def cache_clear() -> None:
    global _current
    with _lock:
        _current = None
