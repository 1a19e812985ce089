"""UnitedHealthcare's Kineret criteria, clause by clause: a fourth payer added as fixtures only.

Source: The Policy Vault's public summary of UnitedHealthcare's Kineret (anakinra) criteria
(coverage.pharmacistwrite.com/coverage/united-healthcare/kineret-anakinra/), read 2026-12-02. Per indication,
each approved for 12 months:
- RA, initial: 1 moderately to severely active RA; 2 an inadequate response to one or more DMARDs (e.g.
  methotrexate, leflunomide, sulfasalazine); 3 not with another targeted immunomodulator (e.g. Enbrel, Cimzia,
  Simponi, Orencia, Xeljanz, Olumiant, Rinvoq).
- DIRA, initial: 1 DIRA; 2 not with another targeted immunomodulator. NOMID, initial: the same for NOMID.
- Reauthorization, each indication: 1 documented positive clinical response to Kineret; 2 not with another
  targeted immunomodulator.
The readings of its examples and wording are in docs/policy-notes.md (UnitedHealthcare). Every expectation below
is written from that text; a failure is asserted as the chain of unmet clauses from the root down.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from kineret_pa.engine.vocabulary import INNER_KINDS, LEAF_KINDS
from kineret_pa.policies import models as m
from kineret_pa.policies.checks import version_problems
from kineret_pa.policies.management.commands import run_policy_tests as command
from kineret_pa.policies.readback import version_readback
from tests.conftest import DATE, DELETE, UHC_RA, build, unmet
from tests.pa_requests.walk import DOSE, PATIENT, submit, walk_to
from tests.pa_requests.wizard_support import profile_for, start

pytestmark = pytest.mark.django_db

UHC = "uhc-kineret"
INITIAL = "Initial Authorization"
REAUTH = "Reauthorization"
TWELVE = {"months": 12}
RENEWAL = {"request_type": "renewal", "renewal.clinical_benefit": True}
# What the prescriber and reviewer read when the diagnosis is none of the three the summary covers.
NO_INDICATION_FCAS = "none of these applies to Familial cold autoinflammatory syndrome (FCAS)"

# The summary's examples of targeted immunomodulators, by the brand names it prints.
PRINTED_TARGETED = ["Enbrel", "Cimzia", "Simponi", "Orencia", "Xeljanz", "Olumiant", "Rinvoq"]


def uhc(*parts: dict, **changes) -> dict:
    """The UHC RA base request with changes; dicts given first are overridden by keywords."""
    merged: dict = {}
    for part in parts:
        merged.update(part)
    merged.update(changes)
    return build(UHC_RA, **merged)


# A DIRA or NOMID request states no RA severity and no DMARD trial: the form does not ask them.
NOT_RA = {"severity": DELETE, "prior_therapies": DELETE}


def dira(**changes) -> dict:
    return uhc(NOT_RA, diagnosis="dira", **changes)


def nomid(**changes) -> dict:
    return uhc(NOT_RA, diagnosis="nomid", **changes)


def failed(result: dict) -> list[str]:
    return list(dict.fromkeys(unmet(result)))


def met(result: dict) -> list[str]:
    return [r["clause"] for r in result["reasons"] if r["met"]]


def granted(result: dict) -> tuple:
    return result["decision"], result["approved_quantity"], result["per_days"], result["one_time"], result["duration"]


def version() -> m.PolicyVersion:
    return m.PolicyVersion.objects.in_force(dt.date.fromisoformat(DATE)).get(policy__code=UHC)


# ------------------------------------------------------------ the policy is data


def test_uhc_policy_is_loaded_from_fixtures_with_its_source_and_version_in_force(policy_data):
    policy = m.Policy.objects.get(code=UHC)
    assert (policy.payer.slug, policy.payer.name, policy.kind, policy.drug.generic_name) == (
        "uhc",
        "UnitedHealthcare",
        "prior_auth",
        "anakinra",
    )
    loaded = version()
    assert (loaded.effective_date, loaded.status) == (dt.date(2026, 1, 1), m.PolicyVersion.Status.ACTIVE)
    assert "The Policy Vault" in loaded.source_title and "read 2026-12-02" in loaded.source_title
    assert "UnitedHealthcare" in loaded.source_title


def test_uhc_criteria_use_only_the_existing_vocabulary_and_pass_every_tree_check(policy_data):
    kinds = set(m.CriterionNode.objects.filter(version=version()).values_list("kind", flat=True))
    assert kinds <= set(INNER_KINDS) | set(LEAF_KINDS)
    assert version_problems(version=version()) == []


def test_uhc_read_back_flags_no_wording_that_disagrees_with_its_parameters(policy_data):
    lines = version_readback(version=version())
    assert [line.clause for line in lines if line.mismatch] == []
    # Both trees are read back: RA, DIRA and NOMID, at first and at reauthorization.
    assert [line.clause for line in lines if line.depth == 1] == [
        "RA Initial",
        "DIRA Initial",
        "NOMID Initial",
        "RA Reauthorization",
        "DIRA Reauthorization",
        "NOMID Reauthorization",
    ]


def test_uhc_states_no_quantity_limit_and_approves_for_12_months_initial_and_renewal(policy_data):
    assert not m.QuantityLimit.objects.filter(version=version()).exists()
    durations = m.ApprovalDuration.objects.filter(version=version()).order_by("order")
    assert [(d.request_type, d.months, d.days) for d in durations] == [("initial", 12, None), ("renewal", 12, None)]


def test_uhc_dmard_list_is_the_conventional_dmard_class_after_the_printed_examples(policy_data):
    dl = m.DrugList.objects.get(version=version(), code="uhc-conventional-dmards")
    assert [e.drug.generic_name for e in dl.entries.order_by("order")] == [
        "methotrexate",
        "leflunomide",
        "sulfasalazine",
    ]
    assert sorted(dl.classes.values_list("code", flat=True)) == ["csdmard"]


def test_uhc_targeted_immunomodulator_list_is_the_printed_examples_and_the_biologic_and_targeted_classes(
    policy_data,
):
    dl = m.DrugList.objects.get(version=version(), code="uhc-targeted-immunomodulators")
    assert [e.drug.generic_name for e in dl.entries.order_by("order")] == [
        "etanercept",
        "certolizumab",
        "golimumab",
        "abatacept",
        "tofacitinib",
        "baricitinib",
        "upadacitinib",
    ]
    assert sorted(dl.classes.values_list("code", flat=True)) == [
        "bdmard",
        "biologic-immunomodulator",
        "s1p-modulator",
        "tsdmard",
    ]


def test_run_policy_tests_passes_every_uhc_case(policy_data):
    out = io.StringIO()
    call_command("run_policy_tests", UHC, stdout=out)
    total = m.PolicyTestCase.objects.filter(policy__code=UHC).count()
    assert total == 23  # fixtures/test_cases/uhc-kineret.json
    assert out.getvalue().splitlines()[-1] == command.MSG_COUNT.format(passed=23, failed=0, total=23)


# ------------------------------------------------------------ RA Initial


def test_ra_meeting_ra_initial_1_to_3_is_approved_for_12_months_with_no_quantity_limit(determine):
    result = determine(UHC_RA)
    assert granted(result) == ("approve", None, None, False, TWELVE)
    assert unmet(result) == [] and result["missing"] == []
    for clause in ("RA Initial 1", "RA Initial 2", "RA Initial 3"):
        assert clause in met(result)


def test_the_form_asks_ra_only_its_severity_dmards_and_other_drugs(asked):
    # No age, specialist, screening, dose or quantity: the summary states none.
    assert asked(UHC, diagnosis="ra", request_type="initial") == {
        "diagnosis",
        "severity",
        "prior_therapies",
        "concomitant_drugs",
    }


@pytest.mark.parametrize("age", [2, 16, 45, 90])
def test_ra_at_any_age_is_approved_as_the_summary_sets_no_age(determine, age):
    assert determine(uhc(**{"patient.age_years": age}))["decision"] == "approve"


@pytest.mark.parametrize("severity", ["moderate", "severe"])
def test_moderately_or_severely_active_ra_meets_ra_initial_1(determine, severity):
    result = determine(uhc(severity=severity))
    assert result["decision"] == "approve"
    assert "RA Initial 1" in met(result)


def test_mild_ra_is_denied_on_ra_initial_1(determine):
    result = determine(uhc(severity="mild"))
    assert result["decision"] == "deny"
    assert failed(result) == [INITIAL, "RA Initial", "RA Initial 1"]


def test_ra_severity_left_blank_is_denied_on_ra_initial_1_and_listed_missing(determine):
    result = determine(uhc(severity=DELETE))
    assert failed(result) == [INITIAL, "RA Initial", "RA Initial 1"]
    assert result["missing"] == ["severity"]


@pytest.mark.parametrize(
    "drug",
    # The three printed examples, then conventional DMARDs the summary does not name (its list is "e.g.").
    ["methotrexate", "Arava", "Azulfidine", "Plaquenil", "azathioprine", "cyclosporine"],
)
def test_inadequate_response_to_any_conventional_dmard_meets_ra_initial_2(determine, drug):
    result = determine(uhc(prior_therapies=[{"drug": drug, "months": 3, "outcome": "inadequate_response"}]))
    assert result["decision"] == "approve"
    assert "RA Initial 2" in met(result)


@pytest.mark.parametrize("months", [0.5, None])
def test_ra_initial_2_asks_no_minimum_length_of_trial(determine, months):
    trial = {"drug": "methotrexate", "months": months, "outcome": "inadequate_response"}
    result = determine(uhc(prior_therapies=[trial]))
    assert result["decision"] == "approve"
    assert result["missing"] == []


@pytest.mark.parametrize("outcome", ["intolerance", "contraindication"])
def test_only_an_intolerance_or_contraindication_to_a_dmard_is_denied_on_ra_initial_2(determine, outcome):
    # The summary asks for an inadequate response; it names no exception for an intolerance or contraindication.
    result = determine(uhc(prior_therapies=[{"drug": "methotrexate", "months": 2, "outcome": outcome}]))
    assert result["decision"] == "deny"
    assert failed(result) == [INITIAL, "RA Initial", "RA Initial 2"]


@pytest.mark.parametrize("drug", ["Humira", "Rinvoq"])
def test_an_inadequate_response_to_a_biologic_or_jak_inhibitor_alone_is_denied_on_ra_initial_2(determine, drug):
    result = determine(uhc(prior_therapies=[{"drug": drug, "months": 6, "outcome": "inadequate_response"}]))
    assert result["decision"] == "deny"
    assert failed(result) == [INITIAL, "RA Initial", "RA Initial 2"]


def test_ra_with_no_dmard_tried_is_denied_on_ra_initial_2(determine):
    result = determine(uhc(prior_therapies=[]))
    assert failed(result) == [INITIAL, "RA Initial", "RA Initial 2"]
    assert result["missing"] == []


def test_ra_prior_therapies_left_blank_is_denied_on_ra_initial_2_and_listed_missing(determine):
    result = determine(uhc(prior_therapies=DELETE))
    assert failed(result) == [INITIAL, "RA Initial", "RA Initial 2"]
    assert result["missing"] == ["prior_therapies"]


@pytest.mark.parametrize("drug", PRINTED_TARGETED)
def test_a_printed_targeted_immunomodulator_alongside_kineret_is_denied_on_ra_initial_3(determine, drug):
    result = determine(uhc(concomitant_drugs=[drug]))
    assert result["decision"] == "deny"
    assert failed(result) == [INITIAL, "RA Initial", "RA Initial 3"]


@pytest.mark.parametrize(
    "drug",
    # Biologics, an Enbrel biosimilar, targeted synthetics, IL-1 blockers and an S1P modulator the summary does not
    # print: its list is "e.g.".
    ["Humira", "Erelzi", "Actemra", "Rituxan", "Otezla", "Sotyktu", "Ilaris", "Arcalyst", "Zeposia"],
)
def test_another_targeted_immunomodulator_the_summary_does_not_print_is_denied_on_ra_initial_3(determine, drug):
    result = determine(uhc(concomitant_drugs=[drug]))
    assert result["decision"] == "deny"
    assert failed(result) == [INITIAL, "RA Initial", "RA Initial 3"]


@pytest.mark.parametrize("drugs", [["methotrexate", "folic acid"], ["Arava", "prednisone"], ["Kineret"], []])
def test_conventional_dmards_other_drugs_or_kineret_itself_alongside_meet_ra_initial_3(determine, drugs):
    result = determine(uhc(concomitant_drugs=drugs))
    assert result["decision"] == "approve"
    assert "RA Initial 3" in met(result)


# ------------------------------------------------------------ DIRA Initial, NOMID Initial


def test_dira_without_another_targeted_immunomodulator_is_approved_for_12_months(determine):
    result = determine(dira())
    assert granted(result) == ("approve", None, None, False, TWELVE)
    # DIRA Initial 1 (the diagnosis) is the gate of its branch: the reasons show the branch as met.
    assert {"DIRA Initial", "DIRA Initial 2"} <= set(met(result))
    assert result["missing"] == []


def test_dira_with_a_targeted_immunomodulator_is_denied_on_dira_initial_2(determine):
    result = determine(dira(concomitant_drugs=["Rinvoq"]))
    assert result["decision"] == "deny"
    assert failed(result) == [INITIAL, "DIRA Initial", "DIRA Initial 2"]


def test_nomid_without_another_targeted_immunomodulator_is_approved_for_12_months(determine):
    result = determine(nomid(**{"patient.age_years": 1, "patient.weight_kg": 9.0}))
    assert granted(result) == ("approve", None, None, False, TWELVE)
    assert {"NOMID Initial", "NOMID Initial 2"} <= set(met(result))


def test_nomid_with_another_il1_blocker_is_denied_on_nomid_initial_2(determine):
    result = determine(nomid(concomitant_drugs=["Ilaris"]))
    assert result["decision"] == "deny"
    assert failed(result) == [INITIAL, "NOMID Initial", "NOMID Initial 2"]


@pytest.mark.parametrize("diagnosis", ["dira", "nomid"])
def test_the_form_asks_dira_or_nomid_only_about_other_drugs(asked, diagnosis):
    assert asked(UHC, diagnosis=diagnosis, request_type="initial") == {"diagnosis", "concomitant_drugs"}


def test_ra_criteria_do_not_apply_to_nomid(determine):
    # Mild, no DMARD tried: RA Initial 1 and 2 are not NOMID's criteria.
    result = determine(nomid(severity="mild", prior_therapies=[]))
    assert result["decision"] == "approve"
    assert not [clause for clause in met(result) + unmet(result) if clause.startswith("RA ")]


# ------------------------------------------------------------ indications the summary does not cover


@pytest.mark.parametrize("diagnosis", ["fcas", "mws"])
def test_caps_other_than_nomid_is_denied_as_no_covered_indication(determine, diagnosis):
    result = determine(uhc(NOT_RA, diagnosis=diagnosis))
    assert result["decision"] == "deny"
    assert failed(result) == [INITIAL]


def test_an_uncovered_diagnosis_is_told_none_of_the_indications_applies(determine):
    result = determine(uhc(NOT_RA, diagnosis="fcas"))
    assert [r["detail"] for r in result["reasons"] if r["clause"] == INITIAL] == [NO_INDICATION_FCAS]


@pytest.mark.parametrize("diagnosis", ["sjia", "aosd", "gout", "car_t", "psoriasis", "other"])
def test_other_diagnoses_are_denied_as_no_covered_indication(determine, diagnosis):
    result = determine(uhc(NOT_RA, diagnosis=diagnosis))
    assert (result["decision"], failed(result)) == ("deny", [INITIAL])


# ------------------------------------------------------------ Reauthorization


@pytest.mark.parametrize("diagnosis", ["ra", "dira", "nomid"])
def test_reauthorization_with_a_positive_clinical_response_is_approved_for_12_months(determine, diagnosis):
    result = determine(uhc(RENEWAL, diagnosis=diagnosis))
    assert granted(result) == ("approve", None, None, False, TWELVE)
    short = {"ra": "RA", "dira": "DIRA", "nomid": "NOMID"}[diagnosis]
    assert {f"{short} Reauthorization 1", f"{short} Reauthorization 2"} <= set(met(result))


@pytest.mark.parametrize("diagnosis, short", [("ra", "RA"), ("dira", "DIRA"), ("nomid", "NOMID")])
def test_reauthorization_without_a_positive_clinical_response_is_denied_on_reauthorization_1(
    determine, diagnosis, short
):
    result = determine(uhc(RENEWAL, diagnosis=diagnosis, **{"renewal.clinical_benefit": False}))
    assert result["decision"] == "deny"
    assert failed(result) == [REAUTH, f"{short} Reauthorization", f"{short} Reauthorization 1"]


def test_reauthorization_with_the_response_left_blank_is_denied_and_listed_missing(determine):
    result = determine(uhc(RENEWAL, **{"renewal.clinical_benefit": None}))
    assert failed(result) == [REAUTH, "RA Reauthorization", "RA Reauthorization 1"]
    assert result["missing"] == ["renewal.clinical_benefit"]


def test_ra_reauthorization_with_a_targeted_immunomodulator_is_denied_on_reauthorization_2(determine):
    result = determine(uhc(RENEWAL, concomitant_drugs=["Xeljanz"]))
    assert result["decision"] == "deny"
    assert failed(result) == [REAUTH, "RA Reauthorization", "RA Reauthorization 2"]


def test_ra_reauthorization_asks_no_severity_dmard_trial_or_earlier_approval(determine, asked):
    # The summary's reauthorization asks the response and no combination only.
    result = determine(uhc(RENEWAL, severity="mild", prior_therapies=[], **{"renewal.previously_approved": False}))
    assert result["decision"] == "approve"
    assert asked(UHC, diagnosis="ra", request_type="renewal") == {
        "diagnosis",
        "renewal.clinical_benefit",
        "concomitant_drugs",
    }


def test_reauthorization_for_an_uncovered_diagnosis_is_denied_on_reauthorization(determine):
    result = determine(uhc(NOT_RA, RENEWAL, diagnosis="fcas"))
    assert (result["decision"], failed(result)) == ("deny", [REAUTH])


# ------------------------------------------------------------ the prescriber's form, with no code for this payer

UHC_RA_WALK = {
    "policy": {
        "policy": UHC,
        "plan": "",
        "benefit": "pharmacy",
        "request_type": "initial",
        "urgency": "standard",
        "date_of_service": DATE,
    },
    "patient": PATIENT,
    "diagnosis": {"diagnosis": "ra", "severity": "moderate"},
    "therapies": [{"drug": "methotrexate", "months": "4", "outcome": "inadequate_response"}],
    "concomitant": [{"drug": "folic acid"}],
    "dose": DOSE,
}


@pytest.fixture
def uhc_draft(client, prescriber, policy_data):
    profile_for(prescriber)
    client.force_login(prescriber)
    return start(client)


def test_the_form_walks_uhc_ra_without_the_screening_or_questions_steps(client, uhc_draft):
    # The criteria read no screening answer and no indication question; the dose step is the form's own (every
    # request states what is prescribed), though no UnitedHealthcare criterion or limit reads it.
    assert walk_to(client, uhc_draft, UHC_RA_WALK) == [
        "policy",
        "patient",
        "diagnosis",
        "therapies",
        "concomitant",
        "dose",
    ]


def test_a_uhc_ra_request_made_through_the_form_is_approved_for_12_months(client, uhc_draft):
    submit(client, uhc_draft, UHC_RA_WALK)
    uhc_draft.refresh_from_db()
    assert uhc_draft.policy_version.policy.code == UHC
    assert (uhc_draft.decision, uhc_draft.determination["duration"]) == ("approve", TWELVE)
    assert uhc_draft.determination["approved_quantity"] is None
