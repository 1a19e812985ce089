"""Each leaf kind declares the facts it reads (`reads=`), and the form asks exactly those (engine/needs.py).

A kind that looks at a fact it does not declare would silently drop that question from the form, so each
kind is evaluated on a request that leaves every optional fact blank: whatever it reports missing must be
among the facts it declares."""

import pytest

from kineret_pa.engine.evaluate import Evaluation
from kineret_pa.engine.snapshot import DrugListSnap, PolicyDiagnosisSnap, frozen_map
from kineret_pa.engine.vocabulary import LEAF_KINDS, FactRequired

from .support import leaf, request, snapshot

LISTS = {
    "fep-app2-conventional": DrugListSnap("fep-app2-conventional", "Conventional", "App. 2", ((2, False),)),
    "fep-app2-biologic": DrugListSnap("fep-app2-biologic", "Biologics", "App. 2", ((3, True),)),
    "fb-ra-preferred": DrugListSnap("fb-ra-preferred", "Preferred", "Table 2", ((3, True), (5, False))),
    "plan-preferred": DrugListSnap(
        "plan-preferred",
        "Preferred RA products",
        "App. 3",
        ((3, True), (5, False)),
        frozenset({"standard"}),
        "ra",
        2,
        "preferred",
    ),
}
# RA with a per-kg maximum too, so the indication-maximum kind may need the weight.
DIAGNOSES = {"ra": PolicyDiagnosisSnap("ra", "fda_labeled", 18, None, 100, 2.0)}
KINDS = sorted(kind for kind, declared in LEAF_KINDS.items() if declared.evaluate is not None)


@pytest.mark.parametrize("kind", KINDS)
def test_a_leaf_kind_reports_missing_only_facts_it_declares(kind):
    declared = LEAF_KINDS[kind]
    node = leaf("n", kind, **declared.example)
    snap = snapshot(node, lists=LISTS, diagnoses=DIAGNOSES)
    try:
        missing = set(Evaluation(snap, request(policy="test-policy")).node(node).missing)
    except FactRequired as required:  # a fact without which the kind cannot decide at all
        missing = {required.path}
    reads = set(declared.reads(node.params, snap, "ra"))
    assert missing <= reads, f"{kind} looked at {missing - reads} without declaring it"


def test_the_kinds_that_read_facts_declare_them_in_words_a_form_uses():
    snap = snapshot(lists=LISTS, diagnoses=DIAGNOSES)
    reads = {kind: set(LEAF_KINDS[kind].reads(frozen_map(LEAF_KINDS[kind].example), snap, "ra")) for kind in KINDS}
    assert reads == {
        "age_within_label": {"patient.age_years"},
        "answer_is": {"answers.mis_c_hospitalized"},
        "diagnosis_in": {"diagnosis"},
        "distinct_trials": {"prior_therapies"},
        "dose_mg_per_kg_at_most": {"dose.mg_per_day", "patient.weight_kg"},
        "dose_vs_indication_max": {"dose.mg_per_day", "patient.weight_kg"},
        "fact_in": {"screening.tb"},
        "indication_status_in": {"diagnosis"},
        "no_concomitant_from": {"concomitant_drugs"},
        "number_compare": {"patient.age_years"},
        "preferred_trials": {"prior_therapies", "plan"},
        "refer_to_pharmacist": set(),  # a clause needing clinical judgement: no answer settles it
        "single_strength": set(),
        "trials": {"prior_therapies"},
    }
