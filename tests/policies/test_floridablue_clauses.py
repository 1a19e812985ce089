"""Florida Blue MCG 09-J0000-45 (anakinra), clause by clause, through the real service.

For every clause of the position statement: a request that meets it and one that fails
only it, asserting the decision and the policy's clause label of what failed (and the
quantity, period and duration where the policy sets them). Policy text:
/work/shared/policies/floridablue-09-J0000-45-anakinra.txt.
"""

import datetime as dt

import pytest

from tests.conftest import DELETE, FB_RA, build, unmet

TWELVE_MONTHS = {"months": 12}
ONE_MONTH = {"months": 1}

# Unmet clauses that come with a failure at each depth of the initiation tree.
INIT = {"Position Statement", "Initiation"}
INIT_1 = INIT | {"Initiation 1", "Initiation 1.a", "Initiation 1.b", "Initiation 1.c"}
TABLE_1 = INIT_1 | {"Initiation 1.c.i"}
RA = TABLE_1 | {"Table 1 RA"}
RA_STEP_1 = RA | {"Table 1 RA 1"} | {f"Table 1 RA 1.{x}" for x in "abcde"}
RA_STEP_2 = RA | {"Table 1 RA 2"} | {f"Table 1 RA 2.{x}" for x in "abcdef"}
CONT = {"Position Statement", "Continuation"}

PREFERRED = ["adalimumab-aaty", "adalimumab-adaz", "Enbrel", "Hadlima", "Humira", "Rinvoq", "Simlandi", "Xeljanz"]
CONVENTIONAL = ["methotrexate", "hydroxychloroquine", "leflunomide", "sulfasalazine"]


def met(result: dict) -> list[str]:
    return [r["clause"] for r in result["reasons"] if r["met"]]


def trial(drug, months, outcome="inadequate_response"):
    return {"drug": drug, "months": months, "outcome": outcome}


def ir(drug, months=3):
    return trial(drug, months)


def intol(drug):
    return trial(drug, 0, "intolerance")


def ci(drug):
    return trial(drug, 0, "contraindication")


def mtx(months, weekly_dose_mg, **details):
    """A methotrexate trial with an inadequate response at the weekly dose reached (Table 1 RA 1.a)."""
    return {**ir("methotrexate", months), "weekly_dose_mg": weekly_dose_mg, **details}


def intol_to(drug, to):
    """An intolerance to a drug, stating what it was to: "drug" (the drug or its excipients) or "route"."""
    return {**intol(drug), "intolerance_to": to}


def approved(result, quantity=28, per_days=28, duration=TWELVE_MONTHS):
    assert "errors" not in result, result
    assert result["decision"] == "approve", (unmet(result), result["reasons"])
    assert unmet(result) == []
    assert (result["approved_quantity"], result["per_days"]) == (quantity, per_days)
    assert result["duration"] == duration


def denied(result, clauses):
    assert "errors" not in result, result
    assert result["decision"] == "deny", result["decision"]
    assert set(unmet(result)) == set(clauses)
    assert result["approved_quantity"] is None and result["duration"] is None


# Step 1 met only through methotrexate, step 2 only through the preferred-product history.
def ra_step_2(*prior):
    return build(FB_RA, prior_therapies=[mtx(4, 25), *prior])


# Step 2 met only through 2.e (a contraindication to all eight preferred products, which is no "use" for 1.e), step 1
# only through `prior`.
def ra_step_1(*prior):
    return build(FB_RA, prior_therapies=[*prior, *(ci(drug) for drug in PREFERRED)])


def other(diagnosis, **changes):
    return build(FB_RA, diagnosis=diagnosis, severity=None, prior_therapies=[], concomitant_drugs=[], **changes)


MIS_C_ANSWERS = {
    "mis_c_prior_sars_cov_2": True,
    "mis_c_hospitalized": True,
    "mis_c_refractory_ivig_steroids": True,
    "mis_c_steroid_contraindication": False,
    "mis_c_mas_features": False,
}
MIS_C = other(
    "mis_c", answers=MIS_C_ANSWERS, **{"patient.age_years": 9, "patient.weight_kg": 30.0, "dose.mg_per_day": 60}
)

COVID_ANSWERS = {
    "covid_hospitalized": True,
    "covid_positive_viral_test": True,
    "covid_pneumonia_oxygen": True,
    "covid_risk_respiratory_failure": True,
    "covid_elevated_supar": True,
}
COVID = other(
    "covid",
    answers=COVID_ANSWERS,
    **{"patient.age_years": 64, "dose.mg_per_day": 100, "dose.quantity": 10, "dose.days_supply": 10},
)

RENEWAL = build(
    FB_RA,
    request_type="renewal",
    severity=None,
    prior_therapies=[],
    renewal={"previously_approved": True, "clinical_benefit": True},
)

NOMID_32KG = other("nomid", **{"patient.age_years": 9, "patient.weight_kg": 32.0})


# ------------------------------------------------------------ Comparative Effectiveness


def test_self_administered_ra_request_is_approved_for_12_months(determine):
    result = determine(FB_RA)
    approved(result)
    assert "Position Statement, Comparative Effectiveness" in met(result)


def test_provider_administered_is_not_medically_necessary(determine):
    denied(
        determine(build(FB_RA, site_of_care="provider")),
        {"Position Statement", "Position Statement, Comparative Effectiveness"},
    )


def test_provider_administered_renewal_is_not_medically_necessary(determine):
    denied(determine(build(RENEWAL, site_of_care="provider")), CONT | {"Position Statement, Comparative Effectiveness"})


# ------------------------------------------------------------ Initiation 1.a / 1.b / samples

# An RA patient with no step history: 1.c cannot be met, so 1.a or 1.b decides.
NO_STEPS = build(FB_RA, prior_therapies=[])
NO_STEPS_FAILS = RA_STEP_1 | RA_STEP_2


def test_anakinra_claims_within_90_days_meets_1a(determine):
    result = determine(build(NO_STEPS, **{"anakinra_history.within_90_days": "claims"}))
    approved(result)
    assert "Initiation 1.a" in met(result)
    assert "Table 1 RA" not in met(result)  # under a met ANY only the branch that met it is shown


def test_no_anakinra_history_and_no_table_1_criteria_fails_1(determine):
    denied(determine(NO_STEPS), NO_STEPS_FAILS)


def test_prescriber_attested_recent_treatment_with_risk_if_changed_meets_1b(determine):
    result = determine(
        build(NO_STEPS, anakinra_history={"within_90_days": "prescriber_attested", "at_risk_if_changed": True})
    )
    approved(result)
    assert "Initiation 1.b" in met(result)


def test_prescriber_attested_treatment_without_risk_if_changed_fails_1b(determine):
    result = determine(
        build(NO_STEPS, anakinra_history={"within_90_days": "prescriber_attested", "at_risk_if_changed": False})
    )
    denied(result, NO_STEPS_FAILS)
    b = [r for r in result["reasons"] if r["clause"] == "Initiation 1.b"]
    assert [r["met"] for r in b] == [False, True, False]  # attested, but not at risk


@pytest.mark.parametrize("at_risk", [True, False])
def test_starting_on_samples_is_not_approvable_through_1a_or_1b(determine, at_risk):
    result = determine(build(NO_STEPS, anakinra_history={"within_90_days": "samples", "at_risk_if_changed": at_risk}))
    denied(result, NO_STEPS_FAILS)


def test_member_started_on_samples_must_meet_1c(determine):
    result = determine(build(FB_RA, anakinra_history={"within_90_days": "samples", "at_risk_if_changed": True}))
    approved(result)
    assert "Initiation 1.c" in met(result) and "Initiation 1.a" not in met(result)


# ------------------------------------------------------------ Table 1 RA


@pytest.mark.parametrize("severity", ["moderate", "severe"])
def test_moderately_to_severely_active_ra_meets_table_1(determine, severity):
    result = determine(build(FB_RA, severity=severity))
    approved(result)
    assert "Table 1 RA" in met(result)


def test_mild_ra_fails_table_1(determine):
    denied(determine(build(FB_RA, severity="mild")), RA)


def test_blank_severity_fails_table_1_and_is_listed_missing(determine):
    result = determine(build(FB_RA, severity=None))
    denied(result, RA)
    assert result["missing"] == ["severity"]


@pytest.mark.parametrize(
    "prior, clause",
    [
        ([mtx(3, 25)], "Table 1 RA 1.a"),
        ([{**ir("MTX", 12), "weekly_dose_mg": 25}], "Table 1 RA 1.a"),
        ([ir("hydroxychloroquine", 3)], "Table 1 RA 1.b"),
        ([ir("Arava", 3)], "Table 1 RA 1.b"),
        ([ir("Azulfidine", 5)], "Table 1 RA 1.b"),
        ([intol("methotrexate")], "Table 1 RA 1.c"),
        ([intol("leflunomide")], "Table 1 RA 1.c"),
        ([ci(drug) for drug in CONVENTIONAL], "Table 1 RA 1.d"),
        ([ir("Orencia", 1)], "Table 1 RA 1.e"),
        ([intol("Actemra")], "Table 1 RA 1.e"),
    ],
    ids=[
        "mtx-3mo",
        "mtx-alias",
        "hcq",
        "leflunomide",
        "ssz",
        "mtx-intolerance",
        "lef-intolerance",
        "contraindication-all-4",
        "orencia-history",
        "actemra-history",
    ],
)
def test_ra_step_1_alternative_is_met(determine, prior, clause):
    result = determine(ra_step_1(*prior))
    approved(result)
    assert clause in met(result)
    assert "Table 1 RA 2.e" in met(result)


# Table 1 RA 1.e: the RA biologics the Description names (TNF inhibitors etanercept, adalimumab, infliximab, golimumab,
# certolizumab pegol; abatacept; tocilizumab, sarilumab; rituximab), each by brand: any one of them is "use of another
# biologic immunomodulator agent ... for the treatment of RA".
@pytest.mark.parametrize(
    "brand", ["Orencia", "Humira", "Cimzia", "Enbrel", "Simponi", "Remicade", "Rituxan", "Kevzara", "Actemra"]
)
def test_ra_history_of_any_ra_biologic_meets_1e(determine, brand):
    result = determine(ra_step_1(ir(brand, 1)))
    approved(result)
    assert "Table 1 RA 1.e" in met(result)


@pytest.mark.parametrize(
    "prior",
    [
        [ir("methotrexate", 2)],  # 1.a needs at least 3 months
        [ir("hydroxychloroquine", 2.5)],  # 1.b needs at least 3 months
        [intol("azathioprine")],  # 1.c: Table 2 drug, but not one of the four named conventional agents
        [ci(drug) for drug in CONVENTIONAL[:3]],  # 1.d needs ALL four
        [ir("Cosentyx", 6)],  # 1.e: a biologic not labeled for RA
        [ci("Orencia")],  # 1.e: medication history means use, not a contraindication
        [],
    ],
    ids=[
        "mtx-2mo",
        "hcq-2.5mo",
        "azathioprine-intolerance",
        "contraindication-3-of-4",
        "cosentyx",
        "orencia-ci",
        "none",
    ],
)
def test_ra_step_1_fails_without_a_qualifying_conventional_or_biologic_history(determine, prior):
    denied(determine(ra_step_1(*prior)), RA_STEP_1)


@pytest.mark.parametrize(
    "prior, clause",
    [
        ([ir("Humira"), ir("Enbrel"), ir("Xeljanz")], "Table 1 RA 2.a"),
        ([ir("adalimumab-aaty"), ir("adalimumab-adaz"), ir("Simlandi", 8)], "Table 1 RA 2.a"),
        ([ir("Hadlima"), ir("Rinvoq"), intol("Enbrel")], "Table 1 RA 2.b"),
        ([ir("Xeljanz"), intol("Hadlima"), intol("Simlandi")], "Table 1 RA 2.c"),
        (
            [intol_to("adalimumab-aaty", "drug"), intol_to("adalimumab-adaz", "drug"), intol_to("Rinvoq", "drug")],
            "Table 1 RA 2.d",
        ),
        ([ci(drug) for drug in PREFERRED], "Table 1 RA 2.e"),
    ],
    ids=[
        "3-IR",
        "3-IR-biosimilars",
        "2-IR-1-intolerance",
        "1-IR-2-intolerance",
        "3-intolerance",
        "contraindication-all-8",
    ],
)
def test_ra_step_2_alternative_is_met(determine, prior, clause):
    result = determine(ra_step_2(*prior))
    approved(result)
    assert clause in met(result)
    assert "Table 1 RA 1.a" in met(result)


# Table 1 RA 2.f "ALL preferred products are not clinically appropriate for the member, AND the prescriber has
# provided a complete list of previously tried preferred products": whether they are clinically inappropriate is a
# pharmacist's clinical judgement of the prescriber's reasons, so the prescriber's statement sends the request to one.
RA_2F_REASON = (
    "The prescriber states that none of the preferred RA products is clinically appropriate for this member "
    "(Table 1 RA 2.f). Judge the clinical reasons given against the complete list of preferred products tried."
)


def test_ra_step_2f_all_preferred_stated_not_appropriate_with_list_is_referred_to_a_pharmacist(determine):
    # Step 1 through hydroxychloroquine (1.b); no preferred product tried, so only 2.f can meet step 2.
    result = determine(
        build(FB_RA, prior_therapies=[ir("hydroxychloroquine", 4)], preferred_not_appropriate_with_list=True)
    )
    assert "errors" not in result, result
    assert (result["decision"], result["approved_quantity"], result["duration"]) == ("refer", None, None)
    assert set(unmet(result)) == RA_STEP_2
    assert RA_2F_REASON in [r["detail"] for r in result["reasons"] if not r["met"]]
    assert "Table 1 RA 1.b" in met(result)


def test_ra_step_2f_referral_does_not_outweigh_a_failed_step_1(determine):
    result = determine(build(FB_RA, prior_therapies=[], preferred_not_appropriate_with_list=True))
    assert result["decision"] == "deny"
    assert {"Table 1 RA 1", "Table 1 RA 2.f"} <= set(unmet(result))


def test_ra_step_2f_is_not_consulted_when_three_preferred_products_were_tried(determine):
    prior = [ir("hydroxychloroquine", 4), ir("Humira", 6), ir("Enbrel", 4), ir("Rinvoq")]
    result = determine(build(FB_RA, prior_therapies=prior, preferred_not_appropriate_with_list=True))
    approved(result)
    assert "Table 1 RA 2.a" in met(result)
    assert "Table 1 RA 2.f" not in met(result) + unmet(result)


@pytest.mark.parametrize(
    "prior",
    [
        [ir("Humira"), ir("Enbrel")],  # only two inadequate responses
        [ir("Humira", 6), ir("Enbrel", 4), ir("Rinvoq", 2)],  # a 2-month trial does not count
        [ir("Humira"), ir("Enbrel"), ir("Amjevita", 6)],  # a non-preferred biosimilar does not count
        [ir("Humira"), ir("Enbrel"), intol("Cyltezo")],  # nor for intolerance
        [ir("Humira"), intol("Enbrel")],  # 2.c needs TWO intolerances
        [intol("Humira"), intol("Enbrel")],  # 2.d needs THREE
        [ci(drug) for drug in PREFERRED[:-1]],  # 2.e needs ALL eight
        [ir("Humira"), ir("Humira", 6), ir("Enbrel")],  # the same product twice counts once
    ],
    ids=[
        "2-IR",
        "2-month-trial",
        "amjevita",
        "cyltezo-intolerance",
        "1-IR-1-intolerance",
        "2-intolerance",
        "contraindication-7-of-8",
        "duplicate",
    ],
)
def test_ra_step_2_fails_without_enough_preferred_products(determine, prior):
    denied(determine(ra_step_2(*prior)), RA_STEP_2)


def test_ra_step_2b_needs_the_intolerance_on_a_third_preferred_product(determine):
    denied(determine(ra_step_2(ir("Humira"), ir("Enbrel"), intol("Humira"))), RA_STEP_2)


def test_ra_step_2c_needs_three_different_preferred_products(determine):
    denied(determine(ra_step_2(ir("Humira"), intol("Humira"), intol("Enbrel"))), RA_STEP_2)
    approved = determine(ra_step_2(ir("Humira"), intol("Rinvoq"), intol("Enbrel")))
    assert approved["decision"] == "approve"


def test_preferred_list_without_complete_history_list_fails_2f(determine):
    result = determine(build(ra_step_2(), preferred_not_appropriate_with_list=False))
    denied(result, RA_STEP_2)


# ------------------------------------------------------------ Table 1 RA 1.a: maximally tolerated methotrexate
# "An inadequate response to maximally tolerated methotrexate (e.g., titrated to 25 mg weekly) after at least a
# 3-month duration of therapy": 25 mg weekly or more, or a lower dose when a higher dose was not tolerated.
# Step 2 is met through 2.e, which is no "use" of a biologic for 1.e, so 1.a alone decides step 1.


def test_ra_1a_methotrexate_at_15_mg_weekly_with_a_higher_dose_tolerated_is_not_met(determine):
    result = determine(ra_step_1(mtx(3, 15, higher_dose_not_tolerated=False)))
    denied(result, RA_STEP_1)
    assert result["missing"] == []


@pytest.mark.parametrize(
    "trial",
    [mtx(3, 25), mtx(6, 30), mtx(3, 15, higher_dose_not_tolerated=True), mtx(4, 10, higher_dose_not_tolerated=True)],
    ids=["25-mg", "30-mg", "15-mg-higher-not-tolerated", "10-mg-higher-not-tolerated"],
)
def test_ra_1a_methotrexate_at_25_mg_weekly_or_the_highest_dose_tolerated_is_met(determine, trial):
    result = determine(ra_step_1(trial))
    approved(result)
    assert "Table 1 RA 1.a" in met(result)


def test_ra_1a_methotrexate_at_25_mg_weekly_for_2_months_is_not_met(determine):
    denied(determine(ra_step_1(mtx(2, 25))), RA_STEP_1)


@pytest.mark.parametrize(
    "trial, missing",
    [
        (ir("methotrexate", 4), "prior_therapies[0].weekly_dose_mg"),
        (mtx(4, 15), "prior_therapies[0].higher_dose_not_tolerated"),
    ],
    ids=["dose-blank", "15-mg-higher-dose-blank"],
)
def test_ra_1a_methotrexate_without_the_dose_reached_is_not_met_and_the_dose_is_missing(determine, trial, missing):
    result = determine(ra_step_1(trial))
    denied(result, RA_STEP_1)
    assert result["missing"] == [missing]


def test_ra_1e_biologic_use_meets_step_1_whatever_the_methotrexate_dose(determine):
    result = determine(build(FB_RA, prior_therapies=[mtx(4, 15), ir("Humira"), ir("Enbrel"), ir("Xeljanz")]))
    approved(result)
    assert "Table 1 RA 1.e" in met(result)
    assert result["missing"] == []  # the dose 1.a asked decided nothing once 1.e was met


# ------------------------------------------------------------ Table 1 RA 2.d: not to the route of administration
# "An intolerance (defined as an intolerance to the drug or its excipients, not to the route of administration) or
# hypersensitivity to THREE preferred products". 2.b and 2.c, and 1.c, say "intolerance or hypersensitivity"
# without that definition: there any intolerance counts, as written.

SC_PRODUCTS = ["Humira", "Enbrel", "Simlandi"]  # injected under the skin: injection-site reactions are the route


def test_ra_2d_intolerance_to_the_route_of_three_sc_products_is_not_met(determine):
    result = determine(ra_step_2(*(intol_to(drug, "route") for drug in SC_PRODUCTS)))
    denied(result, RA_STEP_2)
    assert result["missing"] == []


def test_ra_2d_intolerance_to_three_preferred_drugs_themselves_is_met(determine):
    result = determine(ra_step_2(*(intol_to(drug, "drug") for drug in SC_PRODUCTS)))
    approved(result)
    assert "Table 1 RA 2.d" in met(result)


def test_ra_2d_one_intolerance_to_the_route_leaves_two_which_is_not_three(determine):
    prior = [intol_to("Humira", "drug"), intol_to("Enbrel", "drug"), intol_to("Simlandi", "route")]
    denied(determine(ra_step_2(*prior)), RA_STEP_2)


def test_ra_2d_intolerance_without_what_it_was_to_is_not_met_and_missing(determine):
    result = determine(ra_step_2(*(intol(drug) for drug in SC_PRODUCTS)))
    denied(result, RA_STEP_2)
    # The trials follow methotrexate (index 0) in the request.
    assert result["missing"] == [f"prior_therapies[{i}].intolerance_to" for i in (1, 2, 3)]


def test_ra_2b_counts_an_intolerance_to_the_route_as_its_text_does_not_define_it(determine):
    result = determine(ra_step_2(ir("Hadlima"), ir("Rinvoq"), intol_to("Enbrel", "route")))
    approved(result)
    assert "Table 1 RA 2.b" in met(result)


def test_ra_1c_counts_an_intolerance_to_the_route_as_its_text_does_not_define_it(determine):
    result = determine(ra_step_1(intol_to("methotrexate", "route")))
    approved(result)
    assert "Table 1 RA 1.c" in met(result)


# ------------------------------------------------------------ what the form asks of each prior trial


def _asked(diagnosis, request_type="initial"):
    from kineret_pa.engine.needs import facts_needed
    from kineret_pa.policies.snapshots import policy_data_get

    data = policy_data_get()
    snap = data.snapshot(data.version_for(FB_RA["policy"], dt.date.fromisoformat(FB_RA["date_of_service"])).version_id)
    return facts_needed(snap, diagnosis=diagnosis, request_type=request_type)


TRIAL_DETAILS = {
    "prior_therapies[].weekly_dose_mg",
    "prior_therapies[].higher_dose_not_tolerated",
    "prior_therapies[].intolerance_to",
}


@pytest.mark.django_db
def test_the_form_asks_the_methotrexate_dose_and_what_an_intolerance_was_to_for_ra_only(policy_data):
    assert TRIAL_DETAILS <= _asked("ra")
    assert not TRIAL_DETAILS & _asked("nomid")
    assert not TRIAL_DETAILS & _asked("ra", "renewal")


# ------------------------------------------------------------ Table 1 DIRA, NOMID: diagnosis only


@pytest.mark.parametrize(
    "diagnosis, clause", [("dira", "Table 1 DIRA"), ("nomid", "Table 1 NOMID"), ("cinca", "Table 1 NOMID")]
)
def test_dira_and_nomid_need_the_diagnosis_only(determine, diagnosis, clause):
    request = other(
        diagnosis,
        preferred_not_appropriate_with_list=DELETE,
        **{"patient.age_years": 1, "patient.weight_kg": 10.0, "dose.mg_per_day": 20},
    )
    result = determine(request)
    approved(result)
    assert clause in met(result)
    assert "Initiation 1.c.ii.I" in met(result)  # FDA labeling sets no age limit for NOMID or DIRA


@pytest.mark.parametrize("diagnosis", ["fcas", "mws"])
def test_caps_phenotypes_other_than_nomid_are_not_table_1_indications(determine, diagnosis):
    denied(determine(other(diagnosis)), TABLE_1 | {"Table 1 Other indications"})


# ------------------------------------------------------------ Table 1 MIS-C


def test_mis_c_in_a_child_meeting_all_criteria_is_approved_for_1_month(determine):
    result = determine(MIS_C)
    approved(result, duration=ONE_MONTH)
    assert {
        "Table 1 MIS-C",
        "Table 1 MIS-C 1",
        "Table 1 MIS-C 2",
        "Table 1 MIS-C 3",
        "Table 1 MIS-C 4",
        "Table 1 MIS-C 4.a",
    } <= set(met(result))
    assert "Initiation 1.c.ii" not in met(result)  # not an FDA-labeled indication: no age-labeling check


@pytest.mark.parametrize(
    "answer, clause",
    [
        ("mis_c_refractory_ivig_steroids", "Table 1 MIS-C 4.a"),
        ("mis_c_steroid_contraindication", "Table 1 MIS-C 4.b"),
        ("mis_c_mas_features", "Table 1 MIS-C 4.c"),
    ],
)
def test_mis_c_any_one_of_4abc_is_enough(determine, answer, clause):
    answers = {**MIS_C_ANSWERS, "mis_c_refractory_ivig_steroids": False, answer: True}
    result = determine(build(MIS_C, answers=answers))
    approved(result, duration=ONE_MONTH)
    assert clause in met(result)


@pytest.mark.parametrize("age", [18, 30])
def test_mis_c_at_18_or_older_fails_1(determine, age):
    denied(determine(build(MIS_C, **{"patient.age_years": age})), TABLE_1 | {"Table 1 MIS-C", "Table 1 MIS-C 1"})


@pytest.mark.parametrize(
    "answer, clause", [("mis_c_prior_sars_cov_2", "Table 1 MIS-C 2"), ("mis_c_hospitalized", "Table 1 MIS-C 3")]
)
def test_mis_c_question_answered_no_fails_its_clause(determine, answer, clause):
    result = determine(build(MIS_C, answers={**MIS_C_ANSWERS, answer: False}))
    denied(result, TABLE_1 | {"Table 1 MIS-C", clause})


def test_mis_c_question_left_blank_fails_and_is_listed_missing(determine):
    answers = {k: v for k, v in MIS_C_ANSWERS.items() if k != "mis_c_hospitalized"}
    result = determine(build(MIS_C, answers=answers))
    denied(result, TABLE_1 | {"Table 1 MIS-C", "Table 1 MIS-C 3"})
    assert result["missing"] == ["answers.mis_c_hospitalized"]


def test_mis_c_with_none_of_4abc_fails_4(determine):
    answers = {**MIS_C_ANSWERS, "mis_c_refractory_ivig_steroids": False}
    result = determine(build(MIS_C, answers=answers))
    denied(
        result,
        TABLE_1 | {"Table 1 MIS-C", "Table 1 MIS-C 4", "Table 1 MIS-C 4.a", "Table 1 MIS-C 4.b", "Table 1 MIS-C 4.c"},
    )


# ------------------------------------------------------------ Table 1 COVID-19


def test_covid_meeting_the_eua_criteria_is_approved_10_per_10_days_for_1_month(determine):
    result = determine(COVID)
    approved(result, quantity=10, per_days=10, duration=ONE_MONTH)
    assert {f"Table 1 COVID-19 {n}" for n in range(1, 7)} <= set(met(result))
    assert "Table 1 COVID-19 6" in [
        r["clause"] for r in result["reasons"] if r["met"] and "10 per 10 days" in r["detail"]
    ]


@pytest.mark.parametrize(
    "answer, clause",
    [
        ("covid_hospitalized", "Table 1 COVID-19 1"),
        ("covid_positive_viral_test", "Table 1 COVID-19 2"),
        ("covid_pneumonia_oxygen", "Table 1 COVID-19 3"),
        ("covid_risk_respiratory_failure", "Table 1 COVID-19 4"),
        ("covid_elevated_supar", "Table 1 COVID-19 5"),
    ],
)
def test_covid_question_answered_no_fails_its_clause(determine, answer, clause):
    result = determine(build(COVID, answers={**COVID_ANSWERS, answer: False}))
    denied(result, TABLE_1 | {"Table 1 COVID-19", clause})


def test_covid_for_more_than_10_days_fails_6(determine):
    result = determine(build(COVID, **{"dose.quantity": 14, "dose.days_supply": 14}))
    denied(result, TABLE_1 | {"Table 1 COVID-19", "Table 1 COVID-19 6"})


def test_covid_above_100_mg_daily_fails_6_and_the_dosing_ladder(determine):
    result = determine(build(COVID, **{"dose.mg_per_day": 200, "dose.quantity": 20}))
    assert result["decision"] == "deny"
    assert "Table 1 COVID-19 6" in unmet(result)
    assert {"Initiation 5", "Initiation 5.a", "Initiation 5.c.i", "Initiation 5.c.ii"} <= set(unmet(result))


def test_covid_request_above_one_syringe_a_day_is_partial_at_10_per_10_days(determine):
    result = determine(build(COVID, **{"dose.quantity": 20}))
    assert result["decision"] == "partial"
    assert (result["approved_quantity"], result["per_days"], result["duration"]) == (10, 10, ONE_MONTH)


# ------------------------------------------------------------ Table 1 Other indications


@pytest.mark.parametrize("diagnosis", ["castleman", "aosd", "sjia", "car_t", "ici_hlh", "ecd", "schnitzler"])
def test_compendia_supported_other_indication_is_approved(determine, diagnosis):
    result = determine(other(diagnosis, **{"patient.age_years": 12 if diagnosis == "sjia" else 52}))
    approved(result)
    assert "Table 1 Other indications" in met(result)
    assert "Initiation 1.c.ii" not in met(result)


@pytest.mark.parametrize("diagnosis", ["gout", "psoriasis", "fcas", "cppd"])
def test_indication_not_covered_is_denied_under_other_indications(determine, diagnosis):
    denied(determine(other(diagnosis)), TABLE_1 | {"Table 1 Other indications"})


def test_unlisted_other_indication_is_referred_to_a_pharmacist(determine):
    result = determine(other("other"))
    assert result["decision"] == "refer"
    assert set(unmet(result)) == TABLE_1 | {"Table 1 Other indications"}
    assert result["approved_quantity"] is None and result["duration"] is None


def test_unlisted_other_indication_is_denied_when_another_criterion_fails(determine):
    result = determine(other("other", **{"screening.anakinra_contraindication": True}))
    assert result["decision"] == "deny"
    assert "Initiation 3" in unmet(result)


# ------------------------------------------------------------ Initiation 1.c.ii age


@pytest.mark.parametrize("age", [17, 5])
def test_ra_under_18_is_outside_fda_labeling(determine, age):
    result = determine(build(FB_RA, **{"patient.age_years": age}))
    denied(result, INIT_1 | {"Initiation 1.c.ii", "Initiation 1.c.ii.I", "Initiation 1.c.ii.II"})


def test_ra_under_18_with_prescriber_age_support_meets_1cii(determine):
    result = determine(build(FB_RA, age_support_provided=True, **{"patient.age_years": 16}))
    approved(result)
    assert "Initiation 1.c.ii.II" in met(result)


def test_ra_at_18_is_within_fda_labeling(determine):
    result = determine(build(FB_RA, **{"patient.age_years": 18}))
    approved(result)
    assert "Initiation 1.c.ii.I" in met(result)


# ------------------------------------------------------------ Initiation 2, 3, 4


@pytest.mark.parametrize("is_specialist, consulted", [(True, False), (False, True), (True, True)])
def test_specialist_or_consulted_specialist_meets_2(determine, is_specialist, consulted):
    result = determine(build(FB_RA, prescriber={"is_specialist": is_specialist, "consulted_specialist": consulted}))
    approved(result)
    assert "Initiation 2" in met(result)


def test_non_specialist_who_did_not_consult_fails_2(determine):
    result = determine(build(FB_RA, prescriber={"is_specialist": False, "consulted_specialist": False}))
    denied(result, INIT | {"Initiation 2"})


def test_fda_labeled_contraindication_fails_3(determine):
    denied(determine(build(FB_RA, **{"screening.anakinra_contraindication": True})), INIT | {"Initiation 3"})


@pytest.mark.parametrize(
    "drug",
    [
        "Cibinqo",
        "Cibinquo",
        "Leqselvi",
        "Litfulo",
        "Olumiant",
        "Opzelura",
        "Rinvoq",
        "Rinvoq LQ",
        "Xeljanz",
        "Xeljanz XR",
        "Otezla",
        "Otezla XR",
        "Sotyktu",
        "Velsipity",
        "Zeposia",
        "Humira",
        "Amjevita",
        "Enbrel",
        "Orencia",
        "Actemra",
        "Kevzara",
        "Cimzia",
        "Simponi",
        "Remicade",
        "Inflectra",
        "Rituxan",
        "Ilaris",
        "Arcalyst",
        "Cosentyx",
        "Taltz",
        "Stelara",
        "Skyrizi",
        "Tremfya",
        "Entyvio",
        "Bimzelx",
        "Siliq",
        "Spevigo",
        "Ilumya",
    ],
)
def test_combination_with_a_listed_agent_fails_4(determine, drug):
    result = determine(build(FB_RA, concomitant_drugs=["methotrexate", drug]))
    denied(result, INIT | {"Initiation 4"})


@pytest.mark.parametrize(
    "drugs", [["methotrexate"], ["methotrexate", "folic acid", "prednisone"], ["Plaquenil"], ["Kineret"], []]
)
def test_combination_with_conventional_or_supportive_drugs_meets_4(determine, drugs):
    result = determine(build(FB_RA, concomitant_drugs=drugs))
    approved(result)
    assert "Initiation 4" in met(result)


# ------------------------------------------------------------ Initiation 5: dosing


def test_100_mg_once_daily_meets_5a_within_the_quantity_limit(determine):
    result = determine(FB_RA)
    approved(result)
    assert "Initiation 5.a" in met(result)


@pytest.mark.parametrize("quantity, days", [(84, 84), (14, 14)])
def test_same_daily_rate_over_another_period_is_approved_at_28_per_28(determine, quantity, days):
    result = determine(build(FB_RA, **{"dose.quantity": quantity, "dose.days_supply": days}))
    approved(result, quantity=28, per_days=28)  # the approval is stated per the limit's 28 days


def test_56_per_28_at_100_mg_daily_is_partial_at_the_quantity_limit(determine):
    result = determine(build(FB_RA, **{"dose.quantity": 56}))
    assert result["decision"] == "partial"
    assert (result["approved_quantity"], result["per_days"], result["duration"]) == (28, 28, TWELVE_MONTHS)
    assert unmet(result) == ["Initiation 5"]


def test_nomid_within_8_mg_per_kg_meets_5bi_with_the_dose_based_quantity(determine):
    # 200 mg/day for 32 kg (6.25 mg/kg/day): a new 100 mg syringe per dose, 2 a day.
    result = determine(build(NOMID_32KG, **{"dose.mg_per_day": 200, "dose.quantity": 56}))
    approved(result, quantity=56, per_days=28)
    assert "Initiation 5.b.i" in met(result)


def test_dira_within_8_mg_per_kg_meets_5bi(determine):
    result = determine(build(NOMID_32KG, diagnosis="dira", **{"dose.mg_per_day": 250, "dose.quantity": 84}))
    approved(result, quantity=84, per_days=28)
    assert "Initiation 5.b.i" in met(result)


def test_nomid_request_above_the_dose_quantity_is_partial(determine):
    result = determine(build(NOMID_32KG, **{"dose.mg_per_day": 200, "dose.quantity": 84}))
    assert result["decision"] == "partial"
    assert (result["approved_quantity"], result["per_days"]) == (56, 28)


def test_nomid_weight_is_required_for_the_mg_per_kg_maximum(determine):
    result = determine(build(NOMID_32KG, **{"patient.weight_kg": None, "dose.mg_per_day": 200, "dose.quantity": 56}))
    assert "patient.weight_kg" in result["errors"]


NOMID_ABOVE_MAX = build(
    NOMID_32KG,
    **{
        "dose.mg_per_day": 300,
        "dose.quantity": 84,  # 9.4 mg/kg/day > 8
        "dose.max_dose_trial_months": 3,
        "dose.higher_dose_support_submitted": True,
    },
)
B_II = INIT | {"Initiation 5", "Initiation 5.a", "Initiation 5.b", "Initiation 5.b.i", "Initiation 5.b.ii"}


def test_nomid_above_fda_max_after_a_3_month_max_dose_trial_with_support_meets_5bii(determine):
    result = determine(NOMID_ABOVE_MAX)
    approved(result, quantity=84, per_days=28)
    assert {
        "Initiation 5.b.ii",
        "Initiation 5.b.ii.1",
        "Initiation 5.b.ii.2",
        "Initiation 5.b.ii.3",
        "Initiation 5.b.ii.3.b",
    } <= set(met(result))


def test_nomid_above_fda_max_without_a_3_month_max_dose_trial_fails_5bii2(determine):
    result = determine(build(NOMID_ABOVE_MAX, **{"dose.max_dose_trial_months": 2}))
    denied(result, B_II | {"Initiation 5.b.ii.2"})


def test_nomid_above_fda_max_without_higher_dose_support_fails_5bii3(determine):
    result = determine(build(NOMID_ABOVE_MAX, **{"dose.higher_dose_support_submitted": False}))
    denied(result, B_II | {"Initiation 5.b.ii.3", "Initiation 5.b.ii.3.a", "Initiation 5.b.ii.3.b"})


def test_ra_at_200_mg_daily_fails_5(determine):
    result = determine(build(FB_RA, **{"dose.mg_per_day": 200, "dose.quantity": 56}))
    denied(
        result, B_II | {"Initiation 5.b.ii.2", "Initiation 5.b.ii.3", "Initiation 5.b.ii.3.a", "Initiation 5.b.ii.3.b"}
    )


def test_ra_above_fda_max_after_max_dose_trial_with_support_meets_5bii(determine):
    result = determine(
        build(
            FB_RA,
            **{
                "dose.mg_per_day": 200,
                "dose.quantity": 56,
                "dose.max_dose_trial_months": 4,
                "dose.higher_dose_support_submitted": True,
            },
        )
    )
    approved(result, quantity=56, per_days=28)
    assert "Initiation 5.b.ii.3.b" in met(result)


AOSD = other("aosd")


def test_aosd_up_to_the_compendia_maximum_meets_5ci(determine):
    result = determine(build(AOSD, **{"dose.mg_per_day": 200, "dose.quantity": 56}))
    approved(result, quantity=56, per_days=28)
    assert "Initiation 5.c.i" in met(result)


def test_aosd_above_the_compendia_maximum_without_support_fails_5c(determine):
    result = determine(build(AOSD, **{"dose.mg_per_day": 300, "dose.quantity": 84}))
    denied(result, INIT | {"Initiation 5", "Initiation 5.a", "Initiation 5.c", "Initiation 5.c.i", "Initiation 5.c.ii"})


def test_aosd_above_the_compendia_maximum_with_support_meets_5cii(determine):
    result = determine(
        build(AOSD, **{"dose.mg_per_day": 300, "dose.quantity": 84, "dose.higher_dose_support_submitted": True})
    )
    approved(result, quantity=84, per_days=28)
    assert "Initiation 5.c.ii" in met(result)


# Neither FDA-labeled nor compendia-supported: gout, approvable only through 1.a (claims history).
GOUT_ON_ANAKINRA = other(
    "gout",
    anakinra_history={"within_90_days": "claims", "at_risk_if_changed": False},
    **{"dose.mg_per_day": 200, "dose.quantity": 56, "dose.higher_dose_support_submitted": True},
)


def test_unsupported_indication_with_higher_dose_support_meets_5d(determine):
    result = determine(GOUT_ON_ANAKINRA)
    approved(result, quantity=56, per_days=28)
    assert {"Initiation 1.a", "Initiation 5.d", "Initiation 5.d.i", "Initiation 5.d.ii"} <= set(met(result))


def test_unsupported_indication_above_100_mg_without_support_fails_5dii(determine):
    result = determine(build(GOUT_ON_ANAKINRA, **{"dose.higher_dose_support_submitted": False}))
    denied(result, INIT | {"Initiation 5", "Initiation 5.a", "Initiation 5.d", "Initiation 5.d.ii"})


# ------------------------------------------------------------ Continuation 1 to 6


def test_renewal_previously_approved_with_benefit_is_approved_for_12_months(determine):
    result = determine(RENEWAL)
    approved(result)
    assert {
        "Continuation 1",
        "Continuation 2",
        "Continuation 3",
        "Continuation 4",
        "Continuation 5",
        "Continuation 6",
        "Continuation 6.a",
    } <= set(met(result))
    assert not any(clause.startswith("Initiation") or clause.startswith("Table 1") for clause in met(result))


@pytest.mark.parametrize(
    "changes, clause",
    [
        ({"renewal.previously_approved": False}, "Continuation 1"),
        ({"renewal.clinical_benefit": False}, "Continuation 2"),
        ({"prescriber": {"is_specialist": False, "consulted_specialist": False}}, "Continuation 3"),
        ({"screening.anakinra_contraindication": True}, "Continuation 4"),
        ({"concomitant_drugs": ["Zeposia"]}, "Continuation 5"),
        ({"concomitant_drugs": ["Cibinqo"]}, "Continuation 5"),
        ({"concomitant_drugs": ["Enbrel"]}, "Continuation 5"),
    ],
    ids=["not-previously-approved", "no-benefit", "no-specialist", "contraindication", "zeposia", "cibinqo", "enbrel"],
)
def test_renewal_failing_one_continuation_criterion_is_denied(determine, changes, clause):
    denied(determine(build(RENEWAL, **changes)), CONT | {clause})


def test_renewal_clinical_benefit_left_blank_is_missing(determine):
    result = determine(build(RENEWAL, **{"renewal.clinical_benefit": None}))
    denied(result, CONT | {"Continuation 2"})
    assert result["missing"] == ["renewal.clinical_benefit"]


def test_renewal_by_consulting_prescriber_meets_3(determine):
    approved(determine(build(RENEWAL, prescriber={"is_specialist": False, "consulted_specialist": True})))


def test_renewal_56_per_28_at_100_mg_is_partial_at_the_quantity_limit(determine):
    result = determine(build(RENEWAL, **{"dose.quantity": 56}))
    assert result["decision"] == "partial"
    assert (result["approved_quantity"], result["per_days"], result["duration"]) == (28, 28, TWELVE_MONTHS)
    assert unmet(result) == ["Continuation 6"]


def test_renewal_nomid_within_8_mg_per_kg_meets_6bi(determine):
    result = determine(
        build(
            NOMID_32KG,
            request_type="renewal",
            renewal={"previously_approved": True, "clinical_benefit": True},
            **{"dose.mg_per_day": 200, "dose.quantity": 56},
        )
    )
    approved(result, quantity=56, per_days=28)
    assert "Continuation 6.b.i" in met(result)


def test_renewal_nomid_above_fda_max_with_trial_and_support_meets_6bii(determine):
    result = determine(
        build(NOMID_ABOVE_MAX, request_type="renewal", renewal={"previously_approved": True, "clinical_benefit": True})
    )
    approved(result, quantity=84, per_days=28)
    assert "Continuation 6.b.ii.3.b" in met(result)


def test_renewal_ra_at_200_mg_daily_fails_6(determine):
    result = determine(build(RENEWAL, **{"dose.mg_per_day": 200, "dose.quantity": 56}))
    denied(
        result,
        CONT
        | {
            "Continuation 6",
            "Continuation 6.a",
            "Continuation 6.b",
            "Continuation 6.b.i",
            "Continuation 6.b.ii",
            "Continuation 6.b.ii.2",
            "Continuation 6.b.ii.3",
            "Continuation 6.b.ii.3.a",
            "Continuation 6.b.ii.3.b",
        },
    )


def test_renewal_aosd_up_to_compendia_maximum_meets_6ci(determine):
    result = determine(
        build(
            AOSD,
            request_type="renewal",
            renewal={"previously_approved": True, "clinical_benefit": True},
            **{"dose.mg_per_day": 200, "dose.quantity": 56},
        )
    )
    approved(result, quantity=56, per_days=28)
    assert "Continuation 6.c.i" in met(result)


def test_renewal_aosd_above_compendia_maximum_needs_support_6cii(determine):
    request = build(
        AOSD,
        request_type="renewal",
        renewal={"previously_approved": True, "clinical_benefit": True},
        **{"dose.mg_per_day": 300, "dose.quantity": 84},
    )
    denied(
        determine(request),
        CONT | {"Continuation 6", "Continuation 6.a", "Continuation 6.c", "Continuation 6.c.i", "Continuation 6.c.ii"},
    )
    result = determine(build(request, **{"dose.higher_dose_support_submitted": True}))
    approved(result, quantity=84, per_days=28)
    assert "Continuation 6.c.ii" in met(result)


def test_renewal_unsupported_indication_above_100_mg_needs_support_6d(determine):
    request = build(
        GOUT_ON_ANAKINRA, request_type="renewal", renewal={"previously_approved": True, "clinical_benefit": True}
    )
    result = determine(request)
    approved(result, quantity=56, per_days=28)
    assert {"Continuation 6.d", "Continuation 6.d.i", "Continuation 6.d.ii"} <= set(met(result))
    result = determine(build(request, **{"dose.higher_dose_support_submitted": False}))
    denied(result, CONT | {"Continuation 6", "Continuation 6.a", "Continuation 6.d", "Continuation 6.d.ii"})


# Continuation 1 to 6 name no infection, TB or hepatitis B criterion (the latent TB testing requirement was removed on
# 07/01/24, Updates), and the Precautions' "discontinue in RA patients if serious infection develops" is prescribing
# information, not a criterion: no screening answer decides a continuation.
@pytest.mark.parametrize(
    "changes",
    [{"screening.tb": "not_tested"}, {"screening.hbv": "not_evaluated"}, {"screening.active_infection": True}],
    ids=["tb-not-tested", "hbv-not-ruled-out", "active-infection"],
)
def test_renewal_is_decided_without_any_infection_screening(determine, changes):
    result = determine(build(RENEWAL, **changes))
    approved(result)
    assert result["missing"] == []


@pytest.mark.parametrize("request_type", ["initial", "renewal"])
def test_the_form_asks_no_infection_tb_or_hbv_screening(asked, request_type):
    needed = asked("floridablue-09-J0000-45", diagnosis="ra", request_type=request_type)
    assert {"screening.tb", "screening.hbv", "screening.active_infection"}.isdisjoint(needed)


def test_renewal_does_not_repeat_initiation_step_therapy(determine):
    result = determine(build(RENEWAL, severity="mild", **{"patient.age_years": 16}))
    approved(result)


# ------------------------------------------------------------ COVID-19 and MIS-C renewals use initiation


def test_covid_renewal_uses_the_initiation_criteria(determine):
    result = determine(build(COVID, request_type="renewal"))  # never previously approved: not needed
    approved(result, quantity=10, per_days=10, duration=ONE_MONTH)
    assert {"Continuation 1", "Initiation", "Table 1 COVID-19"} <= set(met(result))
    assert "Continuation 2" not in met(result) + unmet(result)


def test_covid_renewal_failing_an_initiation_criterion_is_denied(determine):
    result = determine(
        build(
            COVID,
            request_type="renewal",
            renewal={"previously_approved": True, "clinical_benefit": True},
            answers={**COVID_ANSWERS, "covid_risk_respiratory_failure": False},
        )
    )
    assert result["decision"] == "deny"
    assert {"Continuation 1", "Table 1 COVID-19 4"} <= set(unmet(result))
    assert "Continuation" not in unmet(result)


def test_mis_c_renewal_uses_the_initiation_criteria(determine):
    result = determine(build(MIS_C, request_type="renewal"))
    approved(result, duration=ONE_MONTH)
    assert {"Continuation 1", "Table 1 MIS-C"} <= set(met(result))
    result = determine(build(MIS_C, request_type="renewal", **{"patient.age_years": 18}))
    assert result["decision"] == "deny"
    assert {"Continuation 1", "Table 1 MIS-C 1"} <= set(unmet(result))


# ------------------------------------------------------------ approval durations


@pytest.mark.parametrize(
    "request_, duration",
    [
        (FB_RA, TWELVE_MONTHS),
        (RENEWAL, TWELVE_MONTHS),
        (other("castleman"), TWELVE_MONTHS),
        (MIS_C, ONE_MONTH),
        (COVID, ONE_MONTH),
        (build(MIS_C, request_type="renewal"), ONE_MONTH),
        (build(COVID, request_type="renewal"), ONE_MONTH),
    ],
    ids=["ra-initial", "ra-renewal", "castleman", "mis-c", "covid", "mis-c-renewal", "covid-renewal"],
)
def test_approval_duration(determine, request_, duration):
    result = determine(request_)
    assert result["decision"] == "approve"
    assert result["duration"] == duration


# ------------------------------------------------------------ ICD-10 codes


@pytest.mark.parametrize("code", ["M05.79", "M05.7A", "M05.011", "M05.A", "M06.9", "M06.0A", "m0579"])
def test_ra_icd10_code_alone_resolves_to_ra(determine, code):
    result = determine(build(FB_RA, diagnosis=DELETE, icd10=code))
    approved(result)
    assert "Table 1 RA" in met(result)


@pytest.mark.parametrize(
    "code, detail",
    [
        ("M06.1", "Adult-onset Still"),
        ("T80.82XA", "CAR T-cell"),
        ("D47.Z2", "Castleman"),
        ("M08.21", "Systemic juvenile"),
    ],
)
def test_other_indication_icd10_code_alone_resolves_to_its_diagnosis(determine, code, detail):
    result = determine(build(other("other", **{"patient.age_years": 12}), diagnosis=DELETE, icd10=code))
    approved(result)
    assert any(r["clause"] == "Table 1 Other indications" and detail in r["detail"] for r in result["reasons"])


def test_covid_icd10_code_alone_resolves_to_covid(determine):
    result = determine(build(COVID, diagnosis=DELETE, icd10="U07.1"))
    approved(result, quantity=10, per_days=10, duration=ONE_MONTH)
    assert "Table 1 COVID-19" in met(result)


@pytest.mark.parametrize(
    "code, diagnosis", [("M04.8", "Table 1 DIRA"), ("G03.1", "Table 1 NOMID"), ("Q87.89", "Table 1 NOMID")]
)
def test_dira_and_nomid_icd10_codes_resolve(determine, code, diagnosis):
    result = determine(build(NOMID_32KG, diagnosis=DELETE, icd10=code))
    approved(result)
    assert diagnosis in met(result)


def test_l50_8_alone_is_ambiguous(determine):
    result = determine(build(FB_RA, diagnosis=DELETE, icd10="L50.8"))
    assert list(result["errors"]) == ["icd10"]
    assert "more than one diagnosis" in result["errors"]["icd10"][0]


@pytest.mark.parametrize("diagnosis", ["nomid", "schnitzler"])
def test_l50_8_with_either_of_its_diagnoses_is_accepted(determine, diagnosis):
    result = determine(build(other(diagnosis), icd10="L50.8"))
    assert result["decision"] == "approve"


@pytest.mark.parametrize(
    "diagnosis, code", [("ra", "M06.1"), ("aosd", "M05.79"), ("nomid", "U07.1"), ("ra", "L50.8"), ("covid", "T80.82XA")]
)
def test_icd10_code_naming_another_diagnosis_is_an_input_error(determine, diagnosis, code):
    result = determine(build(FB_RA, diagnosis=diagnosis, icd10=code))
    assert list(result["errors"]) == ["icd10"]
    assert "does not describe" in result["errors"]["icd10"][0]


def test_ra_icd10_code_with_ra_is_accepted(determine):
    approved(determine(build(FB_RA, icd10="M05.79")))
