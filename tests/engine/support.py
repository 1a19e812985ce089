"""Small hand-built catalogs and snapshots: the engine is tested without a database."""

from __future__ import annotations

import datetime as dt

from kineret_pa.engine import parse_request
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

TODAY = dt.date(2026, 6, 15)

DRUGS = {
    1: DrugSnap(1, "anakinra"),
    2: DrugSnap(2, "methotrexate"),
    3: DrugSnap(3, "adalimumab", None, "adalimumab (Humira)"),
    4: DrugSnap(4, "adalimumab-bwwd", 3, "adalimumab-bwwd (Hadlima)"),
    5: DrugSnap(5, "etanercept", None, "etanercept (Enbrel)"),
    6: DrugSnap(6, "folic acid"),
    7: DrugSnap(7, "leflunomide"),
}
NAMES = {
    "anakinra": 1,
    "kineret": 1,
    "methotrexate": 2,
    "mtx": 2,
    "adalimumab": 3,
    "humira": 3,
    "adalimumab-bwwd": 4,
    "hadlima": 4,
    "etanercept": 5,
    "enbrel": 5,
    "folic acid": 6,
    "leflunomide": 7,
}
SPECIALTIES = frozen_map({"rheumatology": "Rheumatologist", "genetics": "Geneticist", "dermatology": "Dermatologist"})
CATALOG = Catalog(
    drugs=frozen_map(DRUGS),
    drug_names=frozen_map(NAMES),
    diagnoses=frozen_map(
        {
            "ra": DiagnosisSnap("ra", "Rheumatoid arthritis"),
            "caps": DiagnosisSnap("caps", "CAPS", (), False),
            "nomid": DiagnosisSnap("nomid", "NOMID", ("caps",)),
            "fcas": DiagnosisSnap("fcas", "FCAS", ("caps",)),
            "gout": DiagnosisSnap("gout", "Gout"),
            "other": DiagnosisSnap("other", "Other indication"),
        }
    ),
    diagnosis_aliases=frozen_map({"cinca": "nomid"}),
    icd10=(Icd10Snap("M05.70", "M05.7A", ("ra",)), Icd10Snap("L50.8", "L50.8", ("nomid", "gout"))),
    question_codes=frozenset({"q_yes"}),
    fact_values=frozen_map(
        {
            "plan": frozen_map({"standard": "Standard Option", "basic": "Basic Option"}),
            "prescriber.specialty": SPECIALTIES,
            "prescriber.consulted_specialty": SPECIALTIES,
            "prior_therapies[].indication": frozen_map(
                {"ra": "Rheumatoid arthritis", "nomid": "NOMID", "fcas": "FCAS", "gout": "Gout", "other": "Other"}
            ),
        }
    ),
    specialty_diagnoses=frozen_map({"rheumatology": frozenset({"ra", "caps"}), "genetics": frozenset({"caps"})}),
)


def leaf(key, kind, clause="C", gate=False, **params):
    return Node(abs(hash(key)) % 10**9, key, kind, clause, f"text of {key}", frozen_map(params), (), gate)


def inner(key, kind, *children, clause="C", gate=False, **params):
    return Node(abs(hash(key)) % 10**9, key, kind, clause, f"text of {key}", frozen_map(params), tuple(children), gate)


def index(*roots):
    nodes = {}

    def walk(node):
        nodes[node.key] = node
        for child in node.children:
            walk(child)

    for root in roots:
        walk(root)
    return frozen_map(nodes)


def snapshot(root=None, *, limits=(), tables=None, lists=None, diagnoses=None, extra_roots=(), durations=None):
    return Snapshot(
        policy_code="test-policy",
        policy_title="Test",
        version_label="2026-01-01",
        version_id=1,
        catalog=CATALOG,
        roots=frozen_map({"initial": root} if root else {}),
        nodes=index(*([root] if root else []), *extra_roots),
        drug_lists=frozen_map(lists or {}),
        diagnoses=frozen_map(diagnoses or {"ra": PolicyDiagnosisSnap("ra", "fda_labeled", 18, None, 100)}),
        limits=tuple(limits),
        weight_tables=frozen_map(tables or {}),
        durations=durations if durations is not None else (DurationSnap(1, "Duration", 12, None),),
        product_drug=1,
    )


def request(**data):
    data.setdefault("policy", "test-policy")
    data.setdefault("diagnosis", "ra")
    req, errors = parse_request(data, CATALOG, today=TODAY)
    assert not errors, errors
    return req


def fixed(quantity, days, *, condition=None, condition_root=None, grant="limit", one_time=False, channel=None, **kw):
    return QuantityLimitSnap(
        order=1,
        clause=kw.pop("clause", "QL"),
        text="limit",
        kind="fixed",
        grant=grant,
        channels=frozenset([channel] if channel else []),
        quantity=quantity,
        period_days=days,
        one_time=one_time,
        condition=condition,
        condition_root=condition_root,
        **kw,
    )


TABLE = WeightTableSnap(
    "t1",
    "Table 1",
    "Table 1",
    10,
    100,
    (
        WeightRowSnap(15, 120, 2, 56, 28, 168, 84),
        WeightRowSnap(20, 160, 2, 56, 28, 168, 84),
        WeightRowSnap(30, 240, 3, 84, 28, 252, 84),
        WeightRowSnap(100, 800, 8, 224, 28, 672, 84),
    ),
)
LIST = DrugListSnap("biologics", "Biologics", "App 2", ((3, True), (5, False)))
