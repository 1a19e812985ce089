"""BCBS FEP 5.70.050 (Kineret), clause by clause.

Source: /work/shared/policies/bcbs-fep-5.70.050-kineret.txt. Each clause has a request
that meets it and one that fails only it; a failure is asserted as the exact chain of
unmet clauses, from the root down to the failed criterion.
"""

import pytest

from tests.conftest import DELETE, FEP_RA, build, unmet

pytestmark = pytest.mark.django_db

PA = "Prior-Approval Requirements"
RN = "Prior-Approval Renewal Requirements"
INITIAL_LIMIT = "Prior-Approval Limits, Quantity"
RENEWAL_LIMIT = "Prior-Approval Renewal Limits, Quantity"
TWELVE = {"months": 12}
EIGHTEEN = {"months": 18}

NOMID_70 = {"diagnosis": "nomid", "dose.mg_per_day": 280, "dose.quantity": 84, "dose.days_supply": 28}
DIRA_70 = {**NOMID_70, "diagnosis": "dira"}
RENEWAL = {"request_type": "renewal", "renewal.previously_approved": True, "renewal.clinical_benefit": True}


def fep(*parts, **changes):
    """The FEP RA base request with changes; dicts given first are overridden by keywords."""
    merged = {}
    for part in parts:
        merged.update(part)
    merged.update(changes)
    return build(FEP_RA, **merged)


def failed(result):
    """Unmet clauses, each once, in policy order."""
    return list(dict.fromkeys(unmet(result)))


def met(result):
    return [r["clause"] for r in result["reasons"] if r["met"]]


def dx_chain(item, root=PA):
    """Unmet chain for a failed diagnosis criterion, e.g. "1.a" -> root, Diagnoses, Diagnoses 1, Diagnoses 1.a."""
    chain = [root, f"{root}, Diagnoses"]
    if item:
        chain.append(f"{root}, Diagnoses {item.split('.')[0]}")
        if "." in item:
            chain.append(f"{root}, Diagnoses {item}")
    return chain


def all_chain(n, root=PA):
    return [root, f"{root}, AND ALL of the following", f"{root}, AND ALL {n}"]


def granted(result):
    return result["decision"], result["approved_quantity"], result["per_days"], result["one_time"], result["duration"]


def test_base_ra_request_approves_84_per_84_days_for_12_months(determine):
    result = determine(FEP_RA)
    assert granted(result) == ("approve", 84, 84, False, TWELVE)
    assert unmet(result) == [] and result["missing"] == []
    for clause in ("1", "1.a", "1.b", "1.c", "1.d", "1.e"):
        assert f"{PA}, Diagnoses {clause}" in met(result)
    for n in range(1, 6):
        assert f"{PA}, AND ALL {n}" in met(result)
    assert met(result)[-1] == INITIAL_LIMIT


# ------------------------------------------------------------ Diagnoses 1: RA (initial)


@pytest.mark.parametrize("age", [18, 45, 80])
def test_ra_patient_18_or_older_meets_diagnoses_1a(determine, age):
    result = determine(fep(**{"patient.age_years": age}))
    assert result["decision"] == "approve"
    assert f"{PA}, Diagnoses 1.a" in met(result)


@pytest.mark.parametrize("age", [0, 12, 17, 17.9])
def test_ra_patient_under_18_is_denied_on_diagnoses_1a(determine, age):
    result = determine(fep(**{"patient.age_years": age}))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("1.a")


def test_ra_age_left_blank_is_denied_on_1a_and_listed_missing(determine):
    result = determine(fep(**{"patient.age_years": None}))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("1.a")
    assert result["missing"] == ["patient.age_years"]


@pytest.mark.parametrize("severity", ["moderate", "severe"])
def test_moderately_to_severely_active_ra_meets_diagnoses_1b(determine, severity):
    result = determine(fep(severity=severity))
    assert result["decision"] == "approve"
    assert f"{PA}, Diagnoses 1.b" in met(result)


def test_mild_ra_is_denied_on_diagnoses_1b(determine):
    result = determine(fep(severity="mild"))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("1.b")


@pytest.mark.parametrize("blank", [None, DELETE])
def test_ra_severity_left_blank_is_denied_on_1b_and_listed_missing(determine, blank):
    result = determine(fep(severity=blank))
    assert failed(result) == dx_chain("1.b")
    assert result["missing"] == ["severity"]


PREFERRED = [
    {"drug": "Humira", "months": 4, "outcome": "inadequate_response"},
    {"drug": "Enbrel", "months": 5, "outcome": "intolerance"},
]


@pytest.mark.parametrize(
    "conventional",
    [
        {"drug": "methotrexate", "months": 3, "outcome": "inadequate_response"},
        {"drug": "MTX", "months": 12, "outcome": "inadequate_response"},
        {"drug": "Plaquenil", "months": 3, "outcome": "inadequate_response"},
        {"drug": "leflunomide", "months": 6, "outcome": "inadequate_response"},
        {"drug": "sulfasalazine", "months": 4, "outcome": "inadequate_response"},
        {"drug": "azathioprine", "months": 3, "outcome": "inadequate_response"},
        {"drug": "cyclosporine", "months": 3, "outcome": "inadequate_response"},
        {"drug": "mycophenolate", "months": 3, "outcome": "inadequate_response"},
        {"drug": "cyclophosphamide", "months": 3, "outcome": "inadequate_response"},
        # Intolerance or contraindication needs no 3-month trial.
        {"drug": "methotrexate", "months": 1, "outcome": "intolerance"},
        {"drug": "methotrexate", "months": 0, "outcome": "contraindication"},
        {"drug": "methotrexate", "months": None, "outcome": "contraindication"},
    ],
)
def test_conventional_dmard_trial_from_appendix_2_meets_diagnoses_1c(determine, conventional):
    result = determine(fep(prior_therapies=[conventional, *PREFERRED]))
    assert result["decision"] == "approve", unmet(result)
    assert f"{PA}, Diagnoses 1.c" in met(result)


@pytest.mark.parametrize(
    "conventional",
    [
        [{"drug": "methotrexate", "months": 2, "outcome": "inadequate_response"}],  # under 3 months
        [{"drug": "methotrexate", "months": 2.9, "outcome": "inadequate_response"}],
        [{"drug": "auranofin", "months": 6, "outcome": "inadequate_response"}],  # a csDMARD not in Appendix 2
        [],  # none tried: the biologics do not count as conventional
    ],
)
def test_ra_without_3_month_conventional_dmard_trial_is_denied_on_diagnoses_1c(determine, conventional):
    result = determine(fep(prior_therapies=[*conventional, *PREFERRED]))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("1.c")
    assert result["missing"] == []


def test_ra_conventional_trial_with_months_blank_is_denied_on_1c_and_months_missing(determine):
    trials = [{"drug": "methotrexate", "months": None, "outcome": "inadequate_response"}, *PREFERRED]
    result = determine(fep(prior_therapies=trials))
    assert failed(result) == dx_chain("1.c")
    assert result["missing"] == ["prior_therapies[0].months"]


def test_ra_prior_therapies_left_blank_through_medical_benefit_is_denied_on_1c_only(determine):
    result = determine(fep(benefit="medical", prior_therapies=DELETE))
    assert failed(result) == dx_chain("1.c")
    assert result["missing"] == ["prior_therapies"]


@pytest.mark.parametrize("mg", [20, 100])
def test_ra_dose_within_100_mg_per_day_meets_diagnoses_1d(determine, mg):
    result = determine(fep(**{"dose.mg_per_day": mg}))
    assert result["decision"] == "approve"
    assert f"{PA}, Diagnoses 1.d" in met(result)


@pytest.mark.parametrize("mg", [100.5, 150, 200])
def test_ra_dose_above_100_mg_per_day_is_denied_on_diagnoses_1d(determine, mg):
    result = determine(fep(**{"dose.mg_per_day": mg}))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("1.d")


def test_ra_dose_left_blank_is_denied_on_1d_and_listed_missing(determine):
    result = determine(fep(**{"dose.mg_per_day": None}))
    assert failed(result) == dx_chain("1.d")
    assert result["missing"] == ["dose.mg_per_day"]


MTX = {"drug": "methotrexate", "months": 6, "outcome": "inadequate_response"}


def trials(*drugs, outcome="inadequate_response"):
    """Methotrexate, then a 4-month trial of each drug ("Actemra SC": Actemra given subcutaneously)."""
    return [MTX, *(_trial(d, outcome) for d in drugs)]


def _trial(drug: str, outcome: str) -> dict:
    name, _, route = drug.partition(" SC")
    trial = {"drug": name if _ == " SC" else drug, "months": 4, "outcome": outcome}
    return {**trial, "route": "subcutaneous"} if _ == " SC" else trial


@pytest.mark.parametrize("plan", ["standard", "basic"])
@pytest.mark.parametrize(
    "tried",
    [
        ("Humira", "Enbrel"),
        ("Actemra SC", "Xeljanz"),
        ("Rinvoq", "Xeljanz XR"),
        ("Hadlima", "Enbrel"),  # a Humira biosimilar counts as Humira
        ("adalimumab-aaty", "Rinvoq"),
        ("tocilizumab SC", "upadacitinib"),
    ],
)
def test_standard_or_basic_ra_with_two_preferred_products_meets_diagnoses_1e(determine, plan, tried):
    result = determine(fep(plan=plan, prior_therapies=trials(*tried)))
    assert result["decision"] == "approve", unmet(result)
    assert f"{PA}, Diagnoses 1.e" in met(result)


@pytest.mark.parametrize("outcome", ["intolerance", "contraindication"])
def test_medical_exception_to_preferred_products_meets_diagnoses_1e(determine, outcome):
    tried = [MTX] + [{"drug": d, "months": 0, "outcome": outcome} for d in ("Enbrel", "Rinvoq")]
    result = determine(fep(prior_therapies=tried))
    assert result["decision"] == "approve"


@pytest.mark.parametrize("plan", ["standard", "basic"])
@pytest.mark.parametrize(
    "tried",
    [
        (),
        ("Humira",),
        ("Humira", "Hadlima"),  # Humira and its biosimilars are one preferred product
        ("Enbrel", "Orencia"),  # Orencia is not preferred
        ("Enbrel", "Olumiant"),
        ("Tyenne", "Enbrel"),  # only Humira's biosimilars are included with their reference product
    ],
)
def test_standard_or_basic_ra_without_two_preferred_products_is_denied_on_diagnoses_1e(determine, plan, tried):
    result = determine(fep(plan=plan, prior_therapies=trials(*tried)))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("1.e")
    assert result["missing"] == []


@pytest.mark.parametrize("tried", [("Enbrel",), ("Humira",), ("Hadlima",), ("Simlandi",)])
def test_blue_focus_ra_with_one_preferred_product_meets_diagnoses_1e(determine, tried):
    result = determine(fep(plan="blue_focus", prior_therapies=trials(*tried)))
    assert result["decision"] == "approve", unmet(result)
    assert f"{PA}, Diagnoses 1.e" in met(result)


# Appendix 3 names "Actemra (SC)": a subcutaneous trial of tocilizumab counts as that preferred product.
def test_actemra_given_intravenously_is_not_the_preferred_actemra_sc(determine):
    tried = [MTX, {"drug": "Actemra", "months": 4, "outcome": "inadequate_response", "route": "intravenous"}]
    result = determine(fep(prior_therapies=[*tried, _trial("Xeljanz", "inadequate_response")]))

    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("1.e")
    details = [r["detail"] for r in result["reasons"] if r["clause"] == f"{PA}, Diagnoses 1.e"]
    assert any(
        "not counted: tocilizumab (Actemra) 4 months, inadequate response, intravenous (IV)" in d for d in details
    )


def test_actemra_with_its_route_left_blank_is_asked_for_the_route(determine):
    result = determine(fep(prior_therapies=trials("Actemra", "Xeljanz")))

    assert result["decision"] != "approve"
    assert result["missing"] == ["prior_therapies[1].route"]


def test_a_contraindication_to_actemra_counts_whatever_the_route(determine):
    result = determine(fep(prior_therapies=[MTX, *trials("Xeljanz")[1:], _trial("Actemra", "contraindication")]))

    assert result["decision"] == "approve", unmet(result)


@pytest.mark.parametrize("tried", [(), ("Rinvoq", "Xeljanz"), ("Actemra",), ("Orencia",)])
def test_blue_focus_ra_without_enbrel_or_humira_is_denied_on_diagnoses_1e(determine, tried):
    result = determine(fep(plan="blue_focus", prior_therapies=trials(*tried)))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("1.e")


@pytest.mark.parametrize("plan", ["standard", "blue_focus", None])
def test_ra_through_medical_benefit_skips_preferred_products_1e(determine, plan):
    result = determine(fep(plan=plan, benefit="medical", prior_therapies=[MTX]))
    assert granted(result) == ("approve", 84, 84, False, TWELVE)
    assert f"{PA}, Diagnoses 1.e" in met(result)
    assert result["missing"] == []


@pytest.mark.parametrize("blank", [None, DELETE])
def test_ra_pharmacy_benefit_without_plan_is_denied_on_1e_with_plan_missing(determine, blank):
    result = determine(fep(plan=blank))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("1.e")
    assert result["missing"] == ["plan"]


# ------------------------------------------------------------ Diagnoses 2 and 3: CAPS (NOMID only), DIRA


@pytest.mark.parametrize("diagnosis", ["nomid", "cinca"])
def test_nomid_meets_diagnoses_2a_and_2b(determine, diagnosis):
    result = determine(fep(NOMID_70, diagnosis=diagnosis))
    assert result["decision"] == "approve"
    assert {f"{PA}, Diagnoses 2", f"{PA}, Diagnoses 2.a", f"{PA}, Diagnoses 2.b"} <= set(met(result))


@pytest.mark.parametrize("diagnosis", ["fcas", "mws"])
def test_caps_other_than_nomid_is_denied_on_diagnoses_2a(determine, diagnosis):
    result = determine(fep(NOMID_70, diagnosis=diagnosis))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("2.a")


@pytest.mark.parametrize("weight, mg", [(70, 560), (10, 80), (12.5, 100)])
def test_nomid_dose_up_to_8_mg_per_kg_per_day_meets_diagnoses_2b(determine, weight, mg):
    result = determine(fep(NOMID_70, **{"patient.weight_kg": weight, "dose.mg_per_day": mg, "dose.quantity": 28}))
    assert result["decision"] == "approve"
    assert f"{PA}, Diagnoses 2.b" in met(result)


@pytest.mark.parametrize("weight, mg", [(70, 570), (10, 90), (12, 100)])
def test_nomid_dose_above_8_mg_per_kg_per_day_is_denied_on_diagnoses_2b(determine, weight, mg):
    result = determine(fep(NOMID_70, **{"patient.weight_kg": weight, "dose.mg_per_day": mg}))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("2.b")


def test_dira_dose_up_to_8_mg_per_kg_per_day_meets_diagnoses_3a(determine):
    result = determine(fep(DIRA_70, **{"dose.mg_per_day": 560}))
    assert result["decision"] == "approve"
    assert {f"{PA}, Diagnoses 3", f"{PA}, Diagnoses 3.a"} <= set(met(result))


def test_dira_dose_above_8_mg_per_kg_per_day_is_denied_on_diagnoses_3a(determine):
    result = determine(fep(DIRA_70, **{"dose.mg_per_day": 600}))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("3.a")


@pytest.mark.parametrize("diagnosis", ["nomid", "dira"])
@pytest.mark.parametrize("blank", [None, DELETE])
def test_nomid_or_dira_without_weight_is_an_input_error_naming_weight(determine, diagnosis, blank):
    result = determine(fep(NOMID_70, diagnosis=diagnosis, **{"patient.weight_kg": blank}))
    assert list(result) == ["errors"]
    assert list(result["errors"]) == ["patient.weight_kg"]


@pytest.mark.parametrize("diagnosis", ["nomid", "dira"])
def test_nomid_or_dira_dose_left_blank_is_denied_with_dose_missing(determine, diagnosis):
    result = determine(fep(NOMID_70, diagnosis=diagnosis, **{"dose.mg_per_day": None}))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("2.b" if diagnosis == "nomid" else "3.a")
    assert result["missing"] == ["dose.mg_per_day"]


def test_ra_criteria_do_not_apply_to_nomid(determine):
    # severity, age, conventional DMARDs and preferred products are RA-only (Diagnoses 1)
    result = determine(
        fep(
            NOMID_70,
            severity=None,
            prior_therapies=[],
            plan=None,
            **{"patient.age_years": 2, "patient.weight_kg": 12, "dose.mg_per_day": 24, "dose.quantity": 28},
        )
    )
    assert granted(result) == ("approve", 28, 28, False, TWELVE)
    assert not any(c.startswith(f"{PA}, Diagnoses 1") for c in met(result) + unmet(result))
    assert result["missing"] == []


# ------------------------------------------------------------ Diagnoses 4-7, other indications


@pytest.mark.parametrize(
    "diagnosis, clause",
    [
        ("sjia", "4"),
        ("aosd", "5"),
        ("gout", "6"),
        ("cppd", "6"),
        ("car_t", "7"),
    ],
)
def test_off_label_diagnoses_4_to_7_are_approved_with_no_quantity_limit(determine, diagnosis, clause):
    result = determine(
        fep(diagnosis=diagnosis, severity=None, prior_therapies=[], **{"patient.age_years": 10, "dose.quantity": 500})
    )
    assert granted(result) == ("approve", None, None, False, TWELVE)
    assert f"{PA}, Diagnoses {clause}" in met(result)
    assert unmet(result) == []


@pytest.mark.parametrize(
    "diagnosis", ["psoriasis", "castleman", "other", "ecd", "ici_hlh", "schnitzler", "mis_c", "covid"]
)
def test_other_diagnoses_are_investigational_and_denied_on_diagnoses(determine, diagnosis):
    result = determine(fep(diagnosis=diagnosis))
    assert granted(result) == ("deny", None, None, False, None)
    assert failed(result) == dx_chain(None)


# ------------------------------------------------------------ AND ALL 1-5 (initial)


@pytest.mark.parametrize("tb", ["negative", "positive_treated", "positive_in_treatment"])
def test_latent_tb_negative_or_treated_meets_and_all_1(determine, tb):
    result = determine(fep(**{"screening.tb": tb}))
    assert result["decision"] == "approve"
    assert f"{PA}, AND ALL 1" in met(result)


@pytest.mark.parametrize("tb", ["positive_untreated", "not_tested"])
def test_latent_tb_untreated_or_not_tested_is_denied_on_and_all_1(determine, tb):
    result = determine(fep(**{"screening.tb": tb}))
    assert result["decision"] == "deny"
    assert failed(result) == all_chain(1)


def test_no_active_infection_meets_and_all_2(determine):
    assert f"{PA}, AND ALL 2" in met(determine(fep(**{"screening.active_infection": False})))


def test_active_infection_is_denied_on_and_all_2(determine):
    result = determine(fep(**{"screening.active_infection": True}))
    assert result["decision"] == "deny"
    assert failed(result) == all_chain(2)


@pytest.mark.parametrize("hbv", ["not_at_risk", "ruled_out", "treatment_started"])
def test_hbv_not_at_risk_ruled_out_or_treated_meets_and_all_3(determine, hbv):
    result = determine(fep(**{"screening.hbv": hbv}))
    assert result["decision"] == "approve"
    assert f"{PA}, AND ALL 3" in met(result)


def test_hbv_at_risk_not_ruled_out_is_denied_on_and_all_3(determine):
    result = determine(fep(**{"screening.hbv": "not_evaluated"}))
    assert result["decision"] == "deny"
    assert failed(result) == all_chain(3)


@pytest.mark.parametrize(
    "concomitant",
    [
        [],
        ["folic acid"],
        ["methotrexate"],
        ["methotrexate", "folic acid"],
        ["Plaquenil", "prednisone"],
        ["leflunomide"],
        ["Kineret"],  # anakinra itself is not "another" biologic
    ],
)
def test_conventional_dmard_or_non_dmard_alongside_meets_and_all_4(determine, concomitant):
    result = determine(fep(concomitant_drugs=concomitant))
    assert result["decision"] == "approve"
    assert f"{PA}, AND ALL 4" in met(result)


@pytest.mark.parametrize(
    "drug",
    [
        "Enbrel",
        "Humira",
        "Hadlima",
        "adalimumab-aaty",
        "Actemra",
        "Orencia",
        "Cimzia",
        "Simponi",
        "Remicade",
        "Rituxan",
        "Kevzara",
        "Stelara",
        "Cosentyx",
        "Erelzi",
        "Truxima",  # biologic DMARDs and biosimilars
        "Xeljanz",
        "Rinvoq",
        "Olumiant",
        "Otezla",
        "Sotyktu",  # targeted synthetic DMARDs
    ],
)
def test_other_biologic_or_targeted_synthetic_dmard_alongside_is_denied_on_and_all_4(determine, drug):
    result = determine(fep(concomitant_drugs=["methotrexate", drug, "folic acid"]))
    assert result["decision"] == "deny"
    assert failed(result) == all_chain(4)


def test_no_live_vaccine_meets_and_all_5(determine):
    assert f"{PA}, AND ALL 5" in met(determine(fep(**{"screening.live_vaccine": False})))


def test_live_vaccine_given_concurrently_is_denied_on_and_all_5(determine):
    result = determine(fep(**{"screening.live_vaccine": True}))
    assert result["decision"] == "deny"
    assert failed(result) == all_chain(5)


@pytest.mark.parametrize(
    "fact, n",
    [
        ("screening.tb", 1),
        ("screening.active_infection", 2),
        ("screening.hbv", 3),
        ("screening.live_vaccine", 5),
    ],
)
@pytest.mark.parametrize("blank", [None, DELETE])
def test_blank_screening_fact_is_not_met_and_listed_missing(determine, fact, n, blank):
    result = determine(fep(**{fact: blank}))
    assert result["decision"] == "deny"
    assert failed(result) == all_chain(n)
    assert result["missing"] == [fact]


@pytest.mark.parametrize("diagnosis", ["sjia", "gout", "car_t"])
def test_and_all_applies_to_every_diagnosis(determine, diagnosis):
    result = determine(fep(diagnosis=diagnosis, **{"screening.tb": "positive_untreated"}))
    assert result["decision"] == "deny"
    assert failed(result) == all_chain(1)


# ------------------------------------------------------------ Renewal


def test_ra_renewal_approves_84_per_84_days_for_18_months(determine):
    result = determine(fep(RENEWAL))
    assert granted(result) == ("approve", 84, 84, False, EIGHTEEN)
    assert unmet(result) == []
    assert met(result)[0] == RN and met(result)[-1] == RENEWAL_LIMIT
    assert not any(c.startswith(PA) for c in met(result))


def test_ra_renewal_does_not_require_severity_or_conventional_dmard_trial(determine):
    result = determine(fep(RENEWAL, severity=None, prior_therapies=trials("Humira", "Enbrel")[1:]))
    assert granted(result) == ("approve", 84, 84, False, EIGHTEEN)
    assert result["missing"] == []


def test_ra_renewal_with_mild_disease_is_approved(determine):
    assert determine(fep(RENEWAL, severity="mild"))["decision"] == "approve"


def test_ra_renewal_patient_under_18_is_denied_on_renewal_diagnoses_1a(determine):
    result = determine(fep(RENEWAL, **{"patient.age_years": 17}))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("1.a", RN)


def test_ra_renewal_dose_above_100_mg_is_denied_on_renewal_diagnoses_1b(determine):
    result = determine(fep(RENEWAL, **{"dose.mg_per_day": 200}))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("1.b", RN)


@pytest.mark.parametrize(
    "plan, tried", [("standard", ("Humira",)), ("basic", ("Enbrel", "Orencia")), ("blue_focus", ("Rinvoq",))]
)
def test_ra_renewal_without_preferred_products_is_denied_on_renewal_diagnoses_1c(determine, plan, tried):
    result = determine(fep(RENEWAL, plan=plan, prior_therapies=trials(*tried)))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain("1.c", RN)


@pytest.mark.parametrize("plan, tried", [("standard", ("Hadlima", "Xeljanz")), ("blue_focus", ("Humira",))])
def test_ra_renewal_with_preferred_products_meets_renewal_diagnoses_1c(determine, plan, tried):
    result = determine(fep(RENEWAL, plan=plan, prior_therapies=trials(*tried)))
    assert result["decision"] == "approve"
    assert f"{RN}, Diagnoses 1.c" in met(result)


def test_ra_renewal_through_medical_benefit_skips_1c(determine):
    result = determine(fep(RENEWAL, benefit="medical", plan=None, prior_therapies=[]))
    assert result["decision"] == "approve"
    assert f"{RN}, Diagnoses 1.c" in met(result)


def test_ra_renewal_pharmacy_benefit_without_plan_is_denied_on_1c_with_plan_missing(determine):
    result = determine(fep(RENEWAL, plan=None))
    assert failed(result) == dx_chain("1.c", RN)
    assert result["missing"] == ["plan"]


@pytest.mark.parametrize("diagnosis", ["nomid", "cinca"])
def test_nomid_renewal_meets_renewal_diagnoses_2(determine, diagnosis):
    result = determine(fep(RENEWAL, NOMID_70, diagnosis=diagnosis))
    assert granted(result) == ("approve", 168, 28, False, EIGHTEEN)
    assert {f"{RN}, Diagnoses 2.a", f"{RN}, Diagnoses 2.b"} <= set(met(result))


@pytest.mark.parametrize("diagnosis", ["fcas", "mws"])
def test_caps_other_than_nomid_renewal_is_denied_on_renewal_diagnoses_2a(determine, diagnosis):
    result = determine(fep(RENEWAL, NOMID_70, diagnosis=diagnosis))
    assert failed(result) == dx_chain("2.a", RN)


def test_nomid_renewal_above_8_mg_per_kg_is_denied_on_renewal_diagnoses_2b(determine):
    result = determine(fep(RENEWAL, NOMID_70, **{"dose.mg_per_day": 600}))
    assert failed(result) == dx_chain("2.b", RN)


def test_dira_renewal_within_8_mg_per_kg_meets_renewal_diagnoses_3a(determine):
    result = determine(fep(RENEWAL, DIRA_70))
    assert result["decision"] == "approve"
    assert f"{RN}, Diagnoses 3.a" in met(result)


def test_dira_renewal_above_8_mg_per_kg_is_denied_on_renewal_diagnoses_3a(determine):
    result = determine(fep(RENEWAL, DIRA_70, **{"dose.mg_per_day": 600}))
    assert failed(result) == dx_chain("3.a", RN)


@pytest.mark.parametrize(
    "diagnosis, clause",
    [
        ("sjia", "4"),
        ("aosd", "5"),
        ("gout", "6"),
        ("cppd", "6"),
        ("car_t", "7"),
    ],
)
def test_off_label_renewal_diagnoses_4_to_7_are_approved_for_18_months_with_no_limit(determine, diagnosis, clause):
    result = determine(fep(RENEWAL, diagnosis=diagnosis))
    assert granted(result) == ("approve", None, None, False, EIGHTEEN)
    assert f"{RN}, Diagnoses {clause}" in met(result)


@pytest.mark.parametrize("diagnosis", ["psoriasis", "castleman", "other"])
def test_other_diagnoses_renewal_is_denied_on_renewal_diagnoses(determine, diagnosis):
    result = determine(fep(RENEWAL, diagnosis=diagnosis))
    assert result["decision"] == "deny"
    assert failed(result) == dx_chain(None, RN)


def test_renewal_with_clinical_benefit_meets_renewal_and_all_1(determine):
    assert f"{RN}, AND ALL 1" in met(determine(fep(RENEWAL)))


def test_renewal_without_clinical_benefit_is_denied_on_renewal_and_all_1(determine):
    result = determine(fep(RENEWAL, **{"renewal.clinical_benefit": False}))
    assert result["decision"] == "deny"
    assert failed(result) == all_chain(1, RN)


@pytest.mark.parametrize("blank", [None, DELETE])
def test_renewal_clinical_benefit_left_blank_is_denied_and_listed_missing(determine, blank):
    result = determine(fep(RENEWAL, **{"renewal.clinical_benefit": blank}))
    assert failed(result) == all_chain(1, RN)
    assert result["missing"] == ["renewal.clinical_benefit"]


# Renewal AND ALL 2 "Absence of active infection (including tuberculosis and hepatitis B virus (HBV))" is read as
# written: no active infection, active TB and active hepatitis B included. The latent TB test and the HBV risk
# screening are the initiation's AND ALL 1 and 3; a test not repeated, or a latent (not active) TB result, is no
# evidence of an active infection.
@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"screening.tb": "not_tested"},
        {"screening.tb": "positive_untreated"},
        {"screening.hbv": "not_evaluated"},
        {"screening.tb": DELETE, "screening.hbv": DELETE},
    ],
    ids=["screened", "tb-not-tested", "latent-tb-untreated", "hbv-not-ruled-out", "no-screening-answers"],
)
def test_renewal_without_active_infection_meets_renewal_and_all_2_whatever_the_initiation_screening(determine, changes):
    result = determine(fep(RENEWAL, **changes))
    assert granted(result) == ("approve", 84, 84, False, EIGHTEEN)
    assert f"{RN}, AND ALL 2" in met(result)
    assert result["missing"] == []


def test_renewal_with_an_active_infection_is_denied_on_renewal_and_all_2(determine):
    result = determine(fep(RENEWAL, **{"screening.tb": "negative", "screening.active_infection": True}))
    assert result["decision"] == "deny"
    assert failed(result) == all_chain(2, RN)


@pytest.mark.parametrize("blank", [None, DELETE])
def test_renewal_active_infection_left_blank_is_denied_on_and_all_2_and_listed_missing(determine, blank):
    result = determine(fep(RENEWAL, **{"screening.active_infection": blank}))
    assert failed(result) == all_chain(2, RN)
    assert result["missing"] == ["screening.active_infection"]


def test_renewal_form_asks_about_active_infection_but_not_the_latent_tb_or_hbv_screening(asked):
    renewal = asked("fep-5.70.050", diagnosis="ra", request_type="renewal")
    initial = asked("fep-5.70.050", diagnosis="ra", request_type="initial")
    assert "screening.active_infection" in renewal
    assert {"screening.tb", "screening.hbv"}.isdisjoint(renewal)
    assert {"screening.tb", "screening.hbv", "screening.active_infection"} <= initial


def test_initial_request_without_a_latent_tb_test_is_still_denied_on_and_all_1(determine):
    # The initiation's own screening is unchanged: "Result for latent TB infection is negative OR ...".
    result = determine(fep(**{"screening.tb": "not_tested"}))
    assert result["decision"] == "deny"
    assert failed(result) == all_chain(1)


def test_renewal_with_methotrexate_alongside_meets_renewal_and_all_3(determine):
    result = determine(fep(RENEWAL, concomitant_drugs=["methotrexate", "folic acid"]))
    assert result["decision"] == "approve"
    assert f"{RN}, AND ALL 3" in met(result)


@pytest.mark.parametrize("drug", ["Enbrel", "Hadlima", "Xeljanz", "Otezla"])
def test_renewal_with_other_biologic_or_targeted_dmard_is_denied_on_renewal_and_all_3(determine, drug):
    result = determine(fep(RENEWAL, concomitant_drugs=[drug]))
    assert result["decision"] == "deny"
    assert failed(result) == all_chain(3, RN)


def test_renewal_without_live_vaccine_meets_renewal_and_all_4(determine):
    assert f"{RN}, AND ALL 4" in met(determine(fep(RENEWAL)))


def test_renewal_with_live_vaccine_is_denied_on_renewal_and_all_4(determine):
    result = determine(fep(RENEWAL, **{"screening.live_vaccine": True}))
    assert result["decision"] == "deny"
    assert failed(result) == all_chain(4, RN)


# ------------------------------------------------------------ Quantity limits and durations


@pytest.mark.parametrize(
    "request_type, changes, duration, clause",
    [
        ("initial", {}, TWELVE, INITIAL_LIMIT),
        ("renewal", RENEWAL, EIGHTEEN, RENEWAL_LIMIT),
    ],
)
@pytest.mark.parametrize(
    "quantity, days, channel",
    [
        (28, 28, "retail"),
        (1, 28, "retail"),
        (84, 84, "home_delivery"),
        (84, 84, "retail"),
        (30, 30, "retail"),
    ],
)
def test_ra_within_84_per_84_days_approves_84_per_84(
    determine, request_type, changes, duration, clause, quantity, days, channel
):
    result = determine(fep(changes, **{"dose.quantity": quantity, "dose.days_supply": days, "dose.channel": channel}))
    assert granted(result) == ("approve", 84, 84, False, duration)
    assert met(result)[-1] == clause


@pytest.mark.parametrize(
    "request_type, changes, duration, clause",
    [
        ("initial", {}, TWELVE, INITIAL_LIMIT),
        ("renewal", RENEWAL, EIGHTEEN, RENEWAL_LIMIT),
    ],
)
@pytest.mark.parametrize("quantity, days", [(112, 84), (56, 28), (29, 28), (168, 84)])
def test_ra_above_84_per_84_days_is_partial_at_84_per_84(
    determine, request_type, changes, duration, clause, quantity, days
):
    result = determine(fep(changes, **{"dose.quantity": quantity, "dose.days_supply": days}))
    assert granted(result) == ("partial", 84, 84, False, duration)
    assert unmet(result) == [clause]


@pytest.mark.parametrize("diagnosis", ["nomid", "dira"])
# "8 mg/kg per day", a new 100 mg syringe for each dose, over a 28-day supply; worked by hand:
# 70 kg: 560 mg/day -> 6 syringes/day -> 168; 12.5 kg: 100 mg -> 1 -> 28; 13 kg: 104 mg -> 2 -> 56;
# 37.5 kg: 300 mg -> 3 -> 84.
@pytest.mark.parametrize(
    "weight, mg_per_day, cap",
    [
        (70, 560, 168),
        (12, 96, 28),
        (12.5, 100, 28),
        (13, 104, 56),
        (25, 200, 56),
        (37.5, 300, 84),
        (100, 800, 224),
    ],
)
def test_caps_and_dira_limit_is_8_mg_per_kg_per_day_in_syringes(determine, diagnosis, weight, mg_per_day, cap):
    changes = {
        "diagnosis": diagnosis,
        "patient.weight_kg": weight,
        "dose.mg_per_day": mg_per_day,
        "dose.days_supply": 28,
    }
    within = determine(fep(NOMID_70, **changes, **{"dose.quantity": cap}))
    assert granted(within) == ("approve", cap, 28, False, TWELVE)
    above = determine(fep(NOMID_70, **changes, **{"dose.quantity": cap + 1}))
    assert granted(above) == ("partial", cap, 28, False, TWELVE)
    assert unmet(above) == [INITIAL_LIMIT]


def test_nomid_70_kg_is_6_syringes_per_day_168_per_28_days(determine):
    result = determine(fep(NOMID_70, **{"dose.mg_per_day": 560, "dose.quantity": 200}))
    assert granted(result) == ("partial", 168, 28, False, TWELVE)
    result = determine(fep(NOMID_70, **{"dose.mg_per_day": 560, "dose.quantity": 168}))
    assert granted(result) == ("approve", 168, 28, False, TWELVE)


def test_nomid_limit_follows_the_days_supply(determine):
    result = determine(fep(NOMID_70, **{"dose.quantity": 400, "dose.days_supply": 84, "dose.channel": "home_delivery"}))
    assert granted(result) == ("approve", 504, 84, False, TWELVE)


@pytest.mark.parametrize("diagnosis", ["sjia", "aosd", "gout", "cppd", "car_t"])
@pytest.mark.parametrize("quantity, days", [(28, 28), (400, 28), (1000, 84)])
def test_other_covered_diagnoses_have_no_quantity_limit(determine, diagnosis, quantity, days):
    result = determine(fep(diagnosis=diagnosis, **{"dose.quantity": quantity, "dose.days_supply": days}))
    assert granted(result) == ("approve", None, None, False, TWELVE)


def test_denied_request_has_no_quantity_or_duration(determine):
    result = determine(fep(**{"screening.live_vaccine": True, "dose.quantity": 28}))
    assert granted(result) == ("deny", None, None, False, None)
    assert INITIAL_LIMIT not in met(result) + unmet(result)


def test_fep_response_names_policy_version(determine):
    result = determine(FEP_RA)
    assert result["policy"]["code"] == "fep-5.70.050"
    assert result["policy"]["version"]
