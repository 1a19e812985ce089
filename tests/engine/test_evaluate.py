"""The engine's mechanics on small hand-built snapshots, with no database."""

import subprocess
import sys

import pytest

from kineret_pa.engine import decide, determine
from kineret_pa.engine.snapshot import PolicyDiagnosisSnap, QuantityLimitSnap
from kineret_pa.engine.vocabulary import (
    MSG_REFER_REASON_BLANK,
    MSG_REFER_REASON_TOO_LONG,
    ValidationContext,
    validate_node,
)

from .support import LIST, TABLE, fixed, inner, leaf, request, snapshot

AGE_18 = dict(fact="patient.age_years", op=">=", value=18)


def test_engine_package_imports_no_django():
    code = "import sys, kineret_pa.engine; sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_all_met_approves_and_every_reason_is_met():
    root = inner(
        "root",
        "all",
        leaf("age", "number_compare", "1.a", **AGE_18),
        leaf("sev", "fact_in", "1.b", fact="severity", values=["moderate", "severe"]),
    )
    result = determine(snapshot(root), request(patient={"age_years": 30}, severity="severe"))
    assert result.decision == "approve"
    assert all(r.met for r in result.reasons)
    assert result.duration == {"months": 12}


def test_one_unmet_child_denies_and_names_its_clause():
    root = inner(
        "root",
        "all",
        leaf("age", "number_compare", "1.a", **AGE_18),
        leaf("sev", "fact_in", "1.b", fact="severity", values=["moderate", "severe"]),
    )
    result = determine(snapshot(root), request(patient={"age_years": 17}, severity="severe"))
    assert result.decision == "deny"
    assert [r.clause for r in result.reasons if not r.met] == ["C", "1.a"]
    assert result.duration is None and result.approved_quantity is None


def test_blank_fact_is_not_met_and_listed_missing():
    root = inner("root", "all", leaf("tb", "fact_in", "AND ALL 1", fact="screening.tb", values=["negative"]))
    result = determine(snapshot(root), request())
    assert result.decision == "deny"
    assert result.missing == ("screening.tb",)


def test_any_met_shows_only_the_alternative_that_met_it():
    root = inner(
        "root",
        "any",
        leaf("medical", "fact_in", "1.e", fact="benefit", values=["medical"]),
        leaf("age", "number_compare", "1.e", **AGE_18),
    )
    result = determine(snapshot(root), request(patient={"age_years": 40}))
    assert result.decision == "approve"
    assert [r.text for r in result.reasons] == ["text of root", "text of age"]
    assert result.missing == ()  # the blank benefit did not decide anything


def test_branch_whose_gate_fails_is_hidden():
    ra = inner(
        "ra",
        "all",
        leaf("ra-gate", "diagnosis_in", gate=True, diagnoses=["ra"]),
        leaf("age", "number_compare", **AGE_18),
    )
    caps = inner(
        "caps",
        "all",
        leaf("caps-gate", "diagnosis_in", gate=True, diagnoses=["caps"]),
        leaf("nomid", "diagnosis_in", "2.a", diagnoses=["nomid"]),
    )
    root = inner("root", "any", ra, caps)
    result = determine(snapshot(root), request(diagnosis="fcas"))
    assert result.decision == "deny"
    assert [r.text for r in result.reasons] == ["text of root", "text of caps", "text of nomid"]


def test_group_diagnosis_matches_its_members():
    root = inner("root", "all", leaf("caps", "diagnosis_in", diagnoses=["caps"]))
    assert determine(snapshot(root), request(diagnosis="cinca")).decision == "approve"


def test_refer_leaf_refers_unless_something_else_fails():
    status = leaf("status", "indication_status_in", statuses=["fda_labeled", "compendia"])
    snap = snapshot(
        inner("root", "all", status, leaf("age", "number_compare", **AGE_18)),
        diagnoses={"other": PolicyDiagnosisSnap("other", "verify")},
    )
    assert determine(snap, request(diagnosis="other", patient={"age_years": 40})).decision == "refer"
    assert determine(snap, request(diagnosis="other", patient={"age_years": 10})).decision == "deny"


REASON = "Whether every preferred product is clinically inappropriate for the member needs clinical review."


def test_refer_to_pharmacist_refers_with_its_reason_unless_something_else_fails():
    root = inner(
        "root",
        "all",
        leaf("judge", "refer_to_pharmacist", "2.f", reason=REASON),
        leaf("age", "number_compare", "1.a", **AGE_18),
    )
    result = determine(snapshot(root), request(patient={"age_years": 40}))
    assert (result.decision, result.approved_quantity, result.duration) == ("refer", None, None)
    assert [(r.met, r.detail) for r in result.reasons if r.clause == "2.f"] == [(False, REASON)]
    assert result.missing == ()
    assert determine(snapshot(root), request(patient={"age_years": 10})).decision == "deny"


def test_refer_to_pharmacist_gives_way_to_an_alternative_that_is_met():
    root = inner(
        "root",
        "any",
        leaf("judge", "refer_to_pharmacist", "2.f", reason=REASON),
        leaf("age", "number_compare", "2.g", **AGE_18),
    )
    assert determine(snapshot(root), request(patient={"age_years": 40})).decision == "approve"
    assert determine(snapshot(root), request(patient={"age_years": 10})).decision == "refer"


@pytest.mark.parametrize(
    "params, errors",
    [
        ({"reason": REASON}, []),
        ({"reason": "x" * 300}, []),
        ({}, ["Parameter “reason” is required."]),
        ({"reason": ""}, [MSG_REFER_REASON_BLANK]),
        ({"reason": "   "}, [MSG_REFER_REASON_BLANK]),
        ({"reason": None}, [MSG_REFER_REASON_BLANK]),
        ({"reason": 7}, [MSG_REFER_REASON_BLANK]),
        ({"reason": "x" * 301}, [MSG_REFER_REASON_TOO_LONG.format(limit=300, count=301)]),
    ],
    ids=["words", "300-characters", "missing", "empty", "spaces", "null", "a-number", "301-characters"],
)
def test_refer_to_pharmacist_needs_a_reason_in_words_of_at_most_300_characters(params, errors):
    nothing = frozenset()
    assert validate_node("refer_to_pharmacist", params, ValidationContext(nothing, nothing, nothing, nothing)) == errors


def test_not_and_at_least_combine_children():
    root = inner(
        "root",
        "at_least",
        leaf("a", "number_compare", **AGE_18),
        inner("not-gout", "not", leaf("gout", "diagnosis_in", diagnoses=["gout"])),
        leaf("sev", "fact_in", fact="severity", values=["severe"]),
        n=2,
    )
    assert determine(snapshot(root), request(patient={"age_years": 40}, severity="mild")).decision == "approve"
    assert (
        determine(snapshot(root), request(diagnosis="gout", patient={"age_years": 40}, severity="mild")).decision
        == "deny"
    )


@pytest.mark.parametrize(
    "trials, met",
    [
        (
            [
                {"drug": "Humira", "months": 4, "outcome": "inadequate_response"},
                {"drug": "Enbrel", "months": 3, "outcome": "inadequate_response"},
            ],
            True,
        ),
        (
            [
                {"drug": "Humira", "months": 4, "outcome": "inadequate_response"},
                {"drug": "Hadlima", "months": 5, "outcome": "inadequate_response"},
            ],
            False,
        ),
        (
            [
                {"drug": "Hadlima", "months": 4, "outcome": "inadequate_response"},
                {"drug": "Enbrel", "months": 1, "outcome": "intolerance"},
            ],
            True,
        ),
        (
            [
                {"drug": "Humira", "months": 2, "outcome": "inadequate_response"},
                {"drug": "Enbrel", "months": 6, "outcome": "inadequate_response"},
            ],
            False,
        ),
        (
            [
                {"drug": "Humira", "months": 4, "outcome": "inadequate_response"},
                {"drug": "methotrexate", "months": 9, "outcome": "inadequate_response"},
            ],
            False,
        ),
    ],
)
def test_trials_count_distinct_list_entries_with_biosimilars_and_month_rules(trials, met):
    root = inner(
        "root",
        "all",
        leaf(
            "t",
            "trials",
            lists=["biologics"],
            outcomes=["inadequate_response", "intolerance"],
            min_count=2,
            min_months=3,
            months_exempt_outcomes=["intolerance"],
        ),
    )
    result = determine(snapshot(root, lists={"biologics": LIST}), request(prior_therapies=trials))
    assert (result.decision == "approve") is met


def test_trials_all_needs_every_entry():
    root = inner(
        "root", "all", leaf("t", "trials", lists=["biologics"], outcomes=["contraindication"], min_count="all")
    )
    snap = snapshot(root, lists={"biologics": LIST})
    one = [{"drug": "Humira", "outcome": "contraindication"}]
    assert determine(snap, request(prior_therapies=one)).decision == "deny"
    both = one + [{"drug": "etanercept", "outcome": "contraindication"}]
    assert determine(snap, request(prior_therapies=both)).decision == "approve"


def test_concomitant_biosimilar_is_caught_and_the_requested_drug_is_not_another_agent():
    root = inner("root", "all", leaf("combo", "no_concomitant_from", lists=["biologics"]))
    snap = snapshot(root, lists={"biologics": LIST})
    assert determine(snap, request(concomitant_drugs=["Hadlima"])).decision == "deny"
    assert determine(snap, request(concomitant_drugs=["Kineret", "folic acid"])).decision == "approve"


def test_mg_per_kg_rule_without_weight_is_an_input_error_naming_weight():
    root = inner("root", "all", leaf("dose", "dose_mg_per_kg_at_most", mg_per_kg=8))
    determination, errors = decide(snapshot(root), request(diagnosis="nomid", dose={"mg_per_day": 100}))
    assert determination is None and list(errors) == ["patient.weight_kg"]


def test_within_base_limit_approves_the_requested_quantity():
    snap = snapshot(limits=[fixed(28, 28, grant="requested")])
    result = determine(snap, request(dose={"quantity": 14, "days_supply": 28}))
    assert (result.decision, result.approved_quantity, result.per_days) == ("approve", 14, 28)


@pytest.mark.parametrize(
    "quantity, days, approved",
    [
        (14, 14, 28),  # one a day: 28 per 28 days
        (10, 14, 20),  # 10 over 14 days is 20 over 28
        (10, 12, 24),  # 23 1/3 over 28 days, rounded up to whole syringes
        (5, 28, 5),  # the limit's own period: as requested
    ],
)
def test_requested_quantity_is_rescaled_to_the_limits_period(quantity, days, approved):
    snap = snapshot(limits=[fixed(28, 28, grant="requested")])
    result = determine(snap, request(dose={"quantity": quantity, "days_supply": days}))
    assert (result.decision, result.approved_quantity, result.per_days) == ("approve", approved, 28)


def test_limit_grant_authorizes_the_limit_and_compares_rates():
    snap = snapshot(limits=[fixed(84, 84)])
    result = determine(snap, request(dose={"quantity": 28, "days_supply": 28}))
    assert (result.decision, result.approved_quantity, result.per_days) == ("approve", 84, 84)
    result = determine(snap, request(dose={"quantity": 112, "days_supply": 84}))
    assert (result.decision, result.approved_quantity, result.per_days) == ("partial", 84, 84)


def _weight_snapshot():
    exception = inner("exc", "any", inner("c1", "all", leaf("c1-gate", "diagnosis_in", gate=True, diagnoses=["caps"])))
    table_limit = QuantityLimitSnap(
        order=2,
        clause="Table 1",
        text="table",
        kind="weight_table",
        grant="requested",
        weight_table="t1",
        condition="c1",
        condition_root="exc",
    )
    return snapshot(
        limits=[fixed(28, 28, grant="requested"), table_limit], tables={"t1": TABLE}, extra_roots=[exception]
    )


@pytest.mark.parametrize(
    "weight, quantity, decision, approved",
    [
        (12, 56, "approve", 56),  # between 10 and 15 kg: the 15 kg row
        (21, 90, "partial", 84),  # between 20 and 30: the higher (30 kg) row
        (30, 60, "approve", 60),  # the requested quantity, not the cap
        (9, 56, "partial", 28),  # <= 10 kg: base limits suffice
        (101, 56, "refer", None),  # > 100 kg: the UM pharmacist calculates
    ],
)
def test_weight_table_uses_the_higher_row_and_its_bounds(weight, quantity, decision, approved):
    result = determine(
        _weight_snapshot(),
        request(diagnosis="nomid", patient={"weight_kg": weight}, dose={"quantity": quantity, "days_supply": 28}),
    )
    assert (result.decision, result.approved_quantity) == (decision, approved)


def test_above_base_without_an_exception_keeps_the_base_limit():
    result = determine(_weight_snapshot(), request(diagnosis="ra", dose={"quantity": 56, "days_supply": 28}))
    assert (result.decision, result.approved_quantity, result.per_days) == ("partial", 28, 28)
    assert any(not r.met and r.clause == "C" for r in result.reasons)


def test_one_time_override_caps_the_total_and_sets_its_duration():
    exception = inner("exc", "any", leaf("car-t", "fact_in", fact="car_t_therapy", values=[True]))
    one_time = fixed(
        112, 30, condition="car-t", condition_root="exc", grant="requested", one_time=True, duration_days=30
    )
    snap = snapshot(limits=[fixed(28, 28, grant="requested"), one_time], extra_roots=[exception])
    result = determine(snap, request(car_t_therapy=True, dose={"quantity": 100, "days_supply": 28}))
    assert (result.decision, result.approved_quantity, result.per_days, result.one_time, result.duration) == (
        "approve",
        100,
        30,
        True,
        {"days": 30},
    )
    result = determine(snap, request(car_t_therapy=True, dose={"quantity": 150}))
    assert (result.decision, result.approved_quantity) == ("partial", 112)


@pytest.mark.parametrize(
    "trials, met",
    [
        ([("Humira", 4, "inadequate_response"), ("Enbrel", 1, "intolerance")], True),
        ([("Humira", 4, "inadequate_response"), ("Humira", 1, "intolerance")], False),  # one product cannot count twice
        (
            [("Hadlima", 4, "inadequate_response"), ("Humira", 1, "intolerance")],
            False,
        ),  # Hadlima counts as the Humira entry
        ([("Humira", 2, "inadequate_response"), ("Enbrel", 1, "intolerance")], False),  # under 3 months
    ],
)
def test_distinct_trials_need_different_products_across_parts(trials, met):
    root = inner(
        "root",
        "all",
        leaf(
            "t",
            "distinct_trials",
            lists=["biologics"],
            parts=[
                {"outcomes": ["inadequate_response"], "count": 1, "min_months": 3},
                {"outcomes": ["intolerance"], "count": 1},
            ],
        ),
    )
    data = [{"drug": d, "months": m, "outcome": o} for d, m, o in trials]
    assert (
        determine(snapshot(root, lists={"biologics": LIST}), request(prior_therapies=data)).decision == "approve"
    ) is met
