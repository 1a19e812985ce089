"""Properties over generated requests, against the real loaded policies.

Always a determination or an input error, never an exception; a deny always names an
unmet criterion; a failed screening denies (FEP, Florida Blue) or changes nothing (Cigna, a
quantity policy); more prior therapies or a smaller quantity never take an approval away;
Cigna grants by rate, whatever the days supply. Each runs a bounded number of examples.
"""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kineret_pa.engine import decide, parse_request
from kineret_pa.engine.facts import ENUM_FACTS, OUTCOMES

POLICIES = ["cigna-dqm008", "fep-5.70.050", "floridablue-09-J0000-45"]
DIAGNOSES = [
    "ra",
    "nomid",
    "cinca",
    "fcas",
    "mws",
    "dira",
    "sjia",
    "aosd",
    "gout",
    "cppd",
    "car_t",
    "ici_hlh",
    "castleman",
    "ecd",
    "schnitzler",
    "mis_c",
    "covid",
    "psoriasis",
    "other",
]
DRUGS = [
    "methotrexate",
    "Humira",
    "Hadlima",
    "adalimumab-aaty",
    "Enbrel",
    "Rinvoq",
    "Xeljanz",
    "Actemra",
    "Orencia",
    "hydroxychloroquine",
    "leflunomide",
    "sulfasalazine",
    "Otezla",
    "Zeposia",
    "folic acid",
    "Simlandi",
    "Kineret",
]
QUESTIONS = [
    "mis_c_prior_sars_cov_2",
    "mis_c_hospitalized",
    "mis_c_refractory_ivig_steroids",
    "mis_c_steroid_contraindication",
    "mis_c_mas_features",
    "covid_hospitalized",
    "covid_positive_viral_test",
    "covid_pneumonia_oxygen",
    "covid_risk_respiratory_failure",
    "covid_elevated_supar",
]
TODAY = dt.date(2026, 6, 15)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PAIRED = settings(SETTINGS, max_examples=150)  # two determinations per example


def maybe(strategy):
    return st.one_of(st.none(), strategy)


# The FEP plan options the policy text names (plans are data: the vocabulary has no list of them).
FEP_PLANS = ("standard", "basic", "blue_focus")


def enum(path):
    return maybe(st.sampled_from(ENUM_FACTS[path].values))


trial = st.fixed_dictionaries(
    {
        "drug": st.sampled_from(DRUGS),
        "months": maybe(st.integers(0, 24)),
        "outcome": st.sampled_from(list(OUTCOMES)),
    }
)

valid_request = st.fixed_dictionaries(
    {
        "policy": st.sampled_from(POLICIES),
        "plan": maybe(st.sampled_from(FEP_PLANS)),
        "benefit": enum("benefit"),
        "request_type": enum("request_type"),
        "date_of_service": st.just("2026-06-15"),
        "patient": st.fixed_dictionaries({"age_years": maybe(st.integers(0, 90)), "weight_kg": st.floats(3, 150)}),
        "diagnosis": st.sampled_from(DIAGNOSES),
        "severity": enum("severity"),
        "prescriber": st.fixed_dictionaries(
            {
                "is_specialist": enum("prescriber.is_specialist"),
                "consulted_specialist": enum("prescriber.consulted_specialist"),
            }
        ),
        "prior_therapies": maybe(st.lists(trial, max_size=5)),
        "concomitant_drugs": st.lists(st.sampled_from(DRUGS), max_size=3),
        "screening": st.fixed_dictionaries(
            {
                k: enum(f"screening.{k}")
                for k in ("tb", "hbv", "active_infection", "live_vaccine", "anakinra_contraindication")
            }
        ),
        "dose": st.fixed_dictionaries(
            {
                "mg_per_day": maybe(st.sampled_from([20, 50, 100, 150, 200, 300, 400, 800])),
                "quantity": maybe(st.integers(1, 700)),
                "days_supply": maybe(st.sampled_from([7, 10, 14, 28, 30, 56, 84])),
                "channel": enum("dose.channel"),
                "max_dose_trial_months": maybe(st.integers(0, 12)),
                "higher_dose_support_submitted": enum("dose.higher_dose_support_submitted"),
            }
        ),
        "site_of_care": enum("site_of_care"),
        "anakinra_history": st.fixed_dictionaries(
            {
                "within_90_days": enum("anakinra_history.within_90_days"),
                "at_risk_if_changed": enum("anakinra_history.at_risk_if_changed"),
            }
        ),
        "renewal": st.fixed_dictionaries(
            {
                "previously_approved": enum("renewal.previously_approved"),
                "clinical_benefit": enum("renewal.clinical_benefit"),
            }
        ),
        "car_t_therapy": enum("car_t_therapy"),
        "age_support_provided": enum("age_support_provided"),
        "preferred_not_appropriate_with_list": enum("preferred_not_appropriate_with_list"),
        "answers": st.dictionaries(st.sampled_from(QUESTIONS), st.booleans()),
    }
)

json_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture
def snapshots(policy_data):
    from kineret_pa.policies.snapshots import policy_data_get

    data = policy_data_get()
    return data.catalog, {code: data.snapshot(data.version_for(code, TODAY).version_id) for code in POLICIES}


def evaluate(snapshots, data):
    catalog, by_code = snapshots
    request, errors = parse_request(data, catalog, today=TODAY)
    if errors:
        return None, errors
    return decide(by_code[request.policy], request)


@SETTINGS
@given(data=valid_request)
def test_every_request_gets_a_determination_or_input_errors(snapshots, data):
    determination, errors = evaluate(snapshots, data)
    assert (determination is None) == bool(errors)
    if determination is not None:
        assert determination.decision in {"approve", "partial", "deny", "refer"}
        if determination.decision in ("approve", "partial"):
            assert determination.duration is not None
        else:
            assert determination.duration is None and determination.approved_quantity is None


@SETTINGS
@given(data=valid_request)
def test_a_deny_always_names_an_unmet_criterion(snapshots, data):
    determination, _ = evaluate(snapshots, data)
    if determination is not None and determination.decision == "deny":
        assert any(not reason.met for reason in determination.reasons)


FEP_SCREENING_FAILURES = [("active_infection", True), ("live_vaccine", True), ("tb", "positive_untreated")]


@SETTINGS
@given(data=valid_request, failure=st.sampled_from(FEP_SCREENING_FAILURES))
def test_a_failed_fep_screening_always_denies(snapshots, data, failure):
    # FEP: "AND ALL of the following" (TB, no active infection, no live vaccines; renewal: no active infection
    # including TB, no live vaccines) stands beside every diagnosis, so failing one denies whatever else is met.
    # The latent TB test is the initiation's alone: at renewal an untreated latent TB is not an active infection.
    key, value = failure
    data = {**data, "policy": "fep-5.70.050", "screening": {**data["screening"], key: value}}
    if key == "tb":
        data["request_type"] = "initial"
    determination, _ = evaluate(snapshots, data)
    if determination is not None:
        assert determination.decision == "deny"
        assert determination.approved_quantity is None and determination.duration is None


@SETTINGS
@given(data=valid_request)
def test_an_fda_labeled_contraindication_always_denies_under_florida_blue(snapshots, data):
    # Florida Blue Initiation 3 / Continuation 4: "Member does NOT have any FDA labeled contraindications".
    data = {
        **data,
        "policy": "floridablue-09-J0000-45",
        "screening": {**data["screening"], "anakinra_contraindication": True},
    }
    determination, _ = evaluate(snapshots, data)
    if determination is not None:
        assert determination.decision == "deny"


EVERY_SCREENING_FAILED = {
    "tb": "positive_untreated",
    "hbv": "not_evaluated",
    "active_infection": True,
    "live_vaccine": True,
    "anakinra_contraindication": True,
}


@PAIRED
@given(data=valid_request)
def test_cigna_a_quantity_policy_ignores_clinical_screening(snapshots, data):
    data = {**data, "policy": "cigna-dqm008"}
    before, _ = evaluate(snapshots, data)
    after, _ = evaluate(snapshots, {**data, "screening": EVERY_SCREENING_FAILED})
    assert (before is None) == (after is None)
    if before is not None:
        assert after.as_dict() == before.as_dict()


@PAIRED
@given(data=valid_request, extra=trial)
def test_adding_a_prior_therapy_never_takes_an_approval_away(snapshots, data, extra):
    # Every trial criterion counts what was tried: one more trial can meet a count, never unmeet it.
    before, _ = evaluate(snapshots, data)
    after, _ = evaluate(snapshots, {**data, "prior_therapies": [*(data["prior_therapies"] or []), extra]})
    if before is not None and before.decision == "approve":
        assert after is not None and after.decision == "approve"
        assert (after.approved_quantity, after.per_days) == (before.approved_quantity, before.per_days)


@PAIRED
@given(data=valid_request, smaller=st.integers(1, 699))
def test_a_smaller_request_over_the_same_days_is_approved_whenever_the_larger_one_is(snapshots, data, smaller):
    quantity = data["dose"]["quantity"]
    if quantity is None or smaller >= quantity:
        return
    larger, _ = evaluate(snapshots, data)
    lower, _ = evaluate(snapshots, {**data, "dose": {**data["dose"], "quantity": smaller}})
    if larger is not None and larger.decision == "approve":
        assert lower is not None and lower.decision == "approve"


@PAIRED
@given(data=valid_request, factor=st.sampled_from([2, 3]))
def test_cigna_approves_by_rate_so_a_longer_supply_at_the_same_rate_gets_the_same_grant(snapshots, data, factor):
    # "Maximum Quantity per 28 Days" / "per 84 Days": 14 syringes for 14 days and 28 for 28 days are the same
    # request, and both are approved as 28 per 28 days (not a one-time override, which caps a total).
    dose = data["dose"]
    if dose["quantity"] is None or dose["days_supply"] is None:
        return
    data = {**data, "policy": "cigna-dqm008"}
    before, _ = evaluate(snapshots, data)
    longer = {**dose, "quantity": dose["quantity"] * factor, "days_supply": dose["days_supply"] * factor}
    after, _ = evaluate(snapshots, {**data, "dose": longer})
    if before is not None and after is not None and before.decision == "approve" and not before.one_time:
        assert (after.decision, after.approved_quantity, after.per_days) == (
            "approve",
            before.approved_quantity,
            before.per_days,
        )


@SETTINGS
@given(
    data=valid_request,
    field=st.sampled_from(
        [
            "patient",
            "dose",
            "screening",
            "prior_therapies",
            "answers",
            "diagnosis",
            "icd10",
            "concomitant_drugs",
            "plan",
            "date_of_service",
            "policy",
        ]
    ),
    garbage=json_value,
)
def test_garbage_in_any_field_is_an_input_error_or_a_determination_never_an_exception(snapshots, data, field, garbage):
    from kineret_pa.policies.services import determination_compute

    data = {**data, field: garbage}
    determination, _, errors = determination_compute(data=data, today=TODAY)
    assert (determination is None) == bool(errors)
    assert all(isinstance(k, str) and all(isinstance(m, str) for m in v) for k, v in errors.items())
