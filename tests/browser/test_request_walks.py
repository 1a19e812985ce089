"""A prescriber walks the guided form in headless Chromium, policy by policy, to each kind of decision.

Every test signs in through the login page, starts a request with "New request", fills the
fields by their labels and presses Next, as a person would. Each test fails on any console
error or uncaught page error, and leaves a screenshot of its last page in
test-results/screenshots/. With UPDATE_SCREENSHOTS=1 the Florida Blue NOMID walk also refreshes the two pictures
the README shows: docs/screenshots/form-step.png and docs/screenshots/determination.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kineret_pa.pa_requests.models import PARequest
from tests.pa_requests.wizard_support import profile_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-results" / "screenshots"
DOCS_SHOTS = ROOT / "docs" / "screenshots"
DATE = "2026-06-15"  # every policy's current version is in force on this date
CIGNA, FEP, FB = "cigna-dqm008", "fep-5.70.050", "floridablue-09-J0000-45"


@pytest.fixture(autouse=True)
def watched(page, request, policy_data, prescriber):
    """The prescriber has a profile; console errors are collected; the last page is kept as a screenshot."""
    profile_for(prescriber)
    page.set_default_timeout(5_000)
    problems: list[str] = []

    def watch(tab):
        tab.on(
            "console",
            lambda msg: (
                problems.append(f"console {msg.type}: {msg.text} at {tab.url}") if msg.type == "error" else None
            ),
        )
        tab.on("pageerror", lambda error: problems.append(f"page error: {error} at {tab.url}"))

    watch(page)
    page.context.on("page", watch)  # a second tab too
    yield page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', request.node.name)}.png", full_page=True)
    assert problems == []


# ------------------------------------------------------------------ helpers


def sign_in(page, live_server, username="dr_owner"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-pass-9x!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My requests")).to_be_visible()


def start_request(page):
    page.get_by_role("button", name="New request").click()
    # No total yet: the steps follow from the policy chosen.
    expect(page.get_by_role("heading", name=re.compile(r"^Step 1: Payer and policy$"))).to_be_visible()


def on_step(page, title):
    expect(page.get_by_role("heading", name=re.compile(rf"Step \d+ of \d+: {re.escape(title)}"))).to_be_visible()


def next_(page, title=None):
    page.get_by_role("button", name="Next").click()
    if title:
        on_step(page, title)


def back(page, title):
    page.get_by_role("button", name="Back").click()
    on_step(page, title)


def fill_policy_step(page, policy, plan=None, benefit="Pharmacy benefit"):
    page.get_by_label("Payer and policy").select_option(policy)
    if plan:
        page.get_by_label("Plan option").select_option(label=plan)
    page.get_by_label(benefit).check()
    page.get_by_label("Date of service").fill(DATE)
    next_(page, "Patient")


def fill_patient(page, age, weight=None, name="Pat Example", member="MBR-1001"):
    page.get_by_label("Patient name").fill(name)
    page.get_by_label("Age in years").fill(str(age))
    page.get_by_label("Member ID").fill(member)
    if weight is not None:
        page.get_by_label("Weight", exact=True).fill(str(weight))
    next_(page, "Diagnosis")


def fill_diagnosis(page, typed, severity=None, then="Dose and quantity"):
    page.get_by_label("Diagnosis").fill(typed)
    if severity:
        page.get_by_label("Disease activity").select_option(label=severity)
    next_(page, then)


def add_rows(page, rows, then):
    """Prior-therapy rows (drug, months, outcome), one more row per "Add another row"."""
    for i, (drug, months, outcome) in enumerate(rows):
        if i:
            page.get_by_role("button", name="Add another row").click()
            expect(page.get_by_label("Drug")).to_have_count(i + 1)
        page.get_by_label("Drug").nth(i).fill(drug)
        page.get_by_label("Months").nth(i).fill(str(months))
        page.get_by_label("Outcome").nth(i).select_option(label=outcome)
    next_(page, then)


def choose(page, question, answer):
    page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()


def answer_all(page, answers: dict, then):
    for question, answer in answers.items():
        choose(page, question, answer)
    next_(page, then)


def fill_dose(page, mg_per_day, days=28, quantity=None, channel=None, confirm=False):
    page.get_by_label("Daily dose (mg/day)").fill(str(mg_per_day))
    page.get_by_role("spinbutton", name=re.compile(r"^Days supply")).fill(str(days))
    if quantity is not None:
        page.get_by_label("Syringes requested for the days supply").fill(str(quantity))
    if channel:
        choose(page, "Dispensing channel", channel)
    if confirm:  # a quantity more than a syringe away from what the dose comes to is asked about first
        next_(page, "Dose and quantity")
        page.get_by_label("Yes, the quantity is what I mean").check()
    next_(page, "Review and submit")


def submit(page, decision):
    page.get_by_label("I attest that the information").check()
    page.get_by_role("button", name="Submit request").click()
    expect(page.locator("#decision")).to_have_text(decision)


def criterion(page, clause):
    """The criteria table's row for a clause label."""
    return page.locator("table.reasons tbody tr").filter(has=page.get_by_role("cell", name=clause, exact=True))


def approved_line(page):
    return page.locator("p", has_text="Approved quantity:")


def approval_months(owner):
    """The submitted request's approval duration, as recorded (the page words it as months or an end date)."""
    return PARequest.objects.exclude(status=PARequest.Status.DRAFT).get(owner=owner).determination["duration"]["months"]


def step_titles(page):
    return [
        re.sub(r"^\d+\.\s*", "", t.strip())
        for t in page.get_by_role("navigation", name="Steps").locator("li").all_inner_texts()
    ]


def snap(page, name):
    """README's pictures are refreshed only on request (UPDATE_SCREENSHOTS=1): a test run leaves tracked files alone."""
    folder = DOCS_SHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else SHOTS
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / name, full_page=True)


FB_SCREENING = {
    "contraindication to anakinra": "No",
    "Are you a specialist": "Yes",
    "consulted a specialist": "No",
    "Who will administer Kineret?": "Self- or caregiver-administered",
    "treated with anakinra in the past 90 days": "Not treated",
    "at risk if therapy is changed": "No",
}
FB_NOMID_SCREENING = {**FB_SCREENING, "supporting anakinra at this patient's age": "No"}
FEP_SCREENING = {
    "tuberculosis": "Negative",
    "Hepatitis B": "Not at risk",
    "active bacterial": "No",
    "live vaccines": "No",
}
FEP_TRIALS = [
    ("methotrexate", 6, "inadequate response"),
    ("Humira", 4, "inadequate response"),
    ("Enbrel", 5, "intolerance or hypersensitivity"),
]


def cigna_walk(page, diagnosis, *, weight=None, mg_per_day=100, quantity=28, channel="Retail", confirm=False):
    start_request(page)
    fill_policy_step(page, CIGNA)
    fill_patient(page, 40, weight)
    fill_diagnosis(page, diagnosis, then="Screening and safety")
    answer_all(page, {"CAR T-cell therapy": "No"}, then="Dose and quantity")  # Cigna's Criteria 3 exception
    fill_dose(page, mg_per_day, 28, quantity, channel, confirm)


def fep_walk(page, age):
    start_request(page)
    fill_policy_step(page, FEP, plan="FEP Standard Option")
    fill_patient(page, age, 70)
    fill_diagnosis(page, "Rheumatoid arthritis [ra]", severity="Moderate", then="Prior therapies")
    add_rows(page, FEP_TRIALS, then="Concomitant drugs")
    next_(page, "Screening and safety")  # no other drug: the blank row stays blank
    answer_all(page, FEP_SCREENING, then="Dose and quantity")
    fill_dose(page, 100, 28, 28)


def fb_walk(page, diagnosis, screening, *, age=9, weight=32):
    start_request(page)
    fill_policy_step(page, FB)
    fill_patient(page, age, weight)
    # Florida Blue's steps, whether or not this diagnosis needs them (a step it does not need says so).
    fill_diagnosis(page, diagnosis, then="Prior therapies")
    next_(page, "Concomitant drugs")
    next_(page, "Screening and safety")
    answer_all(page, screening, then="Indication questions")
    next_(page, "Dose and quantity")


# ------------------------------------------------------------------ one walk per policy and decision


def test_cigna_ra_within_the_base_limit_is_approved(page, live_server, prescriber):
    sign_in(page, live_server)
    cigna_walk(page, "M05.79")
    expect(page.get_by_text("If submitted now: Approved")).to_be_visible()
    submit(page, "Approved")
    expect(approved_line(page)).to_contain_text("28 syringes per 28 days")
    expect(page.get_by_text("Approval lasts")).to_be_visible()
    expect(criterion(page, "Drug Quantity Limits")).to_contain_text("Met")
    assert approval_months(prescriber) == 12


def test_cigna_ra_above_the_base_limit_is_approved_for_a_reduced_quantity(page, live_server):
    sign_in(page, live_server)
    cigna_walk(page, "Rheumatoid arthritis [ra]", quantity=56, confirm=True)  # 100 mg a day comes to 28
    submit(page, "Approved for a reduced quantity")
    expect(approved_line(page)).to_contain_text("28 syringes per 28 days")
    expect(criterion(page, "Drug Quantity Limits")).to_contain_text("Not met")


def test_cigna_nomid_over_100_kg_is_referred_to_a_pharmacist(page, live_server):
    sign_in(page, live_server)
    cigna_walk(page, "NOMID", weight=120, mg_per_day=300, quantity=90, confirm=True)  # 300 mg a day comes to 84
    submit(page, "Referred to a pharmacist")
    expect(page.get_by_text("the policy sends this case to a pharmacist")).to_be_visible()
    expect(criterion(page, "Criteria 1, Table 1")).to_have_count(1)
    expect(approved_line(page)).to_have_count(0)


def test_fep_ra_with_preferred_trials_is_approved_for_the_policy_limit(page, live_server, prescriber):
    sign_in(page, live_server)
    fep_walk(page, age=45)
    submit(page, "Approved")
    expect(approved_line(page)).to_contain_text("84 syringes per 84 days")
    expect(page.get_by_text("Approval lasts")).to_be_visible()
    assert approval_months(prescriber) == 12
    expect(criterion(page, "Prior-Approval Requirements, Diagnoses 1.a")).to_contain_text("Met")


def test_fep_ra_at_17_is_pended_on_the_age_criterion(page, live_server):
    sign_in(page, live_server)
    fep_walk(page, age=17)
    expect(page.get_by_text("If submitted now: Pended for clinical review")).to_be_visible()
    submit(page, "Pended for clinical review")
    expect(criterion(page, "Prior-Approval Requirements, Diagnoses 1.a")).to_contain_text("Not met")
    expect(page.get_by_text("it is not denied automatically")).to_be_visible()


def test_floridablue_nomid_at_8_mg_per_kg_is_approved_for_the_requested_dose(page, live_server):
    sign_in(page, live_server)
    fb_walk(page, "NOMID", FB_NOMID_SCREENING)
    page.get_by_label("Daily dose (mg/day)").fill("200")
    # The calculator fills the quantity from the dose: 2 syringes a day for 28 days.
    expect(page.locator("#dose-calculation")).to_have_text("200 mg/day → 2 syringes/day → 56 syringes for 28 days.")
    expect(page.get_by_label("Syringes requested for the days supply")).to_have_value("56")
    snap(page, "form-step.png")
    next_(page, "Review and submit")
    submit(page, "Approved")
    expect(approved_line(page)).to_contain_text("56 syringes per 28 days")
    snap(page, "determination.png")


def test_floridablue_provider_administered_is_pended(page, live_server):
    sign_in(page, live_server)
    fb_walk(page, "NOMID", {**FB_NOMID_SCREENING, "Who will administer Kineret?": "Provider-administered"})
    fill_dose(page, 200, 28, 56)
    submit(page, "Pended for clinical review")
    expect(criterion(page, "Position Statement, Comparative Effectiveness")).to_contain_text("Not met")


def test_floridablue_other_indication_is_referred_to_a_pharmacist(page, live_server):
    sign_in(page, live_server)
    fb_walk(page, "Other indication [other]", FB_SCREENING, age=50, weight=80)
    fill_dose(page, 100, 28, 28)
    submit(page, "Referred to a pharmacist")
    expect(criterion(page, "Table 1 Other indications").first).to_be_visible()


# ------------------------------------------------------------------ how the form behaves


def test_back_keeps_the_answers(page, live_server):
    sign_in(page, live_server)
    start_request(page)
    fill_policy_step(page, CIGNA)
    fill_patient(page, 40, weight=70, name="Back Tester", member="MBR-BACK")
    page.get_by_label("Diagnosis").fill("M05.79")
    next_(page, "Screening and safety")
    choose(page, "CAR T-cell therapy", "Yes")
    next_(page, "Dose and quantity")
    back(page, "Screening and safety")
    expect(page.get_by_role("group", name="CAR T-cell therapy").get_by_label("Yes", exact=True)).to_be_checked()
    back(page, "Diagnosis")
    expect(page.get_by_label("Diagnosis")).to_have_value("M05.79")
    back(page, "Patient")
    expect(page.get_by_label("Patient name")).to_have_value("Back Tester")
    expect(page.get_by_label("Member ID")).to_have_value("MBR-BACK")
    expect(page.get_by_label("Age in years")).to_have_value("40")
    expect(page.get_by_label("Weight", exact=True)).to_have_value("70")
    back(page, "Payer and policy")
    expect(page.get_by_label("Payer and policy")).to_have_value(CIGNA)
    expect(page.get_by_label("Date of service")).to_have_value(DATE)


def test_an_impossible_weight_is_explained_on_the_field_and_the_rest_is_kept(page, live_server):
    sign_in(page, live_server)
    start_request(page)
    fill_policy_step(page, CIGNA)
    page.get_by_label("Patient name").fill("Weight Tester")
    page.get_by_label("Age in years").fill("40")
    page.get_by_label("Member ID").fill("MBR-W")
    for weight in ("0", "900"):
        page.get_by_label("Weight", exact=True).fill(weight)
        next_(page, "Patient")
        expect(page.locator("#div_id_patient-weight")).to_contain_text(
            "Weight must be more than 0 and at most 400 kg (882 lb)."
        )
        expect(page.get_by_label("Weight", exact=True)).to_have_value(weight)
        expect(page.get_by_label("Weight", exact=True)).to_have_class(re.compile(r"\bis-invalid\b"))
        expect(page.get_by_label("Patient name")).to_have_value("Weight Tester")
        expect(page.get_by_label("Age in years")).to_have_value("40")
        expect(page.get_by_label("Member ID")).to_have_value("MBR-W")
    page.get_by_label("Weight", exact=True).fill("70")
    next_(page, "Diagnosis")


def test_a_draft_survives_signing_out_and_in_again(page, live_server, prescriber):
    sign_in(page, live_server)
    start_request(page)
    fill_policy_step(page, FEP, plan="FEP Basic Option")
    fill_patient(page, 52, weight=81, name="Draft Keeper", member="MBR-DRAFT")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    sign_in(page, live_server)
    row = page.get_by_role("row").filter(has=page.get_by_text("Draft", exact=True))
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Resume").click()
    on_step(page, "Diagnosis")
    back(page, "Patient")
    expect(page.get_by_label("Patient name")).to_have_value("Draft Keeper")
    expect(page.get_by_label("Member ID")).to_have_value("MBR-DRAFT")
    expect(page.get_by_label("Age in years")).to_have_value("52")
    expect(page.get_by_label("Weight", exact=True)).to_have_value("81")
    back(page, "Payer and policy")
    expect(page.get_by_label("Payer and policy")).to_have_value(FEP)
    expect(page.get_by_label("Plan option")).to_have_value("basic")
    assert PARequest.objects.filter(owner=prescriber, status=PARequest.Status.DRAFT).count() == 1


def test_submitting_twice_gives_one_request(page, live_server, prescriber):
    sign_in(page, live_server)
    cigna_walk(page, "M05.79")
    other_tab = page.context.new_page()  # the same review step, open in a second tab
    other_tab.goto(page.url)
    submit(page, "Approved")
    determination_url = page.url
    page.go_back()  # the review step, from history: it now shows the submitted request
    expect(page).to_have_url(determination_url)
    expect(page.locator("#decision")).to_have_text("Approved")
    submit(other_tab, "Approved")  # the stale review form, submitted again
    expect(other_tab).to_have_url(determination_url)
    assert PARequest.objects.filter(owner=prescriber).exclude(status=PARequest.Status.DRAFT).count() == 1
    assert PARequest.objects.filter(owner=prescriber).count() == 1


def test_fields_and_steps_follow_the_chosen_policy(page, live_server):
    sign_in(page, live_server)
    start_request(page)
    policy, plan = page.get_by_label("Payer and policy"), page.get_by_label("Plan option")
    expect(plan).to_be_hidden()
    policy.select_option(CIGNA)
    expect(plan).to_be_hidden()
    policy.select_option(FEP)
    expect(plan).to_be_visible()
    policy.select_option(CIGNA)
    expect(plan).to_be_hidden()
    fill_policy_step(page, CIGNA)
    fill_patient(page, 40)
    expect(page.get_by_label("Disease activity")).to_have_count(0)
    page.get_by_label("Diagnosis").fill("M05.79")
    next_(page, "Screening and safety")
    # Cigna is a quantity policy: no prior therapies, and "screening" is only its CAR-T exception.
    assert step_titles(page) == [
        "Payer and policy",
        "Patient",
        "Diagnosis",
        "Screening and safety",
        "Dose and quantity",
        "Review and submit",
    ]
    expect(page.get_by_role("group")).to_have_count(1)
    expect(page.get_by_role("group", name="tuberculosis")).to_have_count(0)
    # The same draft, switched to FEP: the plan, the disease activity and the FEP steps appear.
    back(page, "Diagnosis")
    back(page, "Patient")
    back(page, "Payer and policy")
    fill_policy_step(page, FEP, plan="FEP Standard Option")
    next_(page, "Diagnosis")
    expect(page.get_by_label("Disease activity")).to_be_visible()
    page.get_by_label("Disease activity").select_option(label="Moderate")
    next_(page, "Prior therapies")
    assert step_titles(page) == [
        "Payer and policy",
        "Patient",
        "Diagnosis",
        "Prior therapies",
        "Concomitant drugs",
        "Screening and safety",
        "Dose and quantity",
        "Review and submit",
    ]
    next_(page, "Concomitant drugs")
    next_(page, "Screening and safety")
    expect(page.get_by_role("group", name="tuberculosis")).to_be_visible()
    expect(page.get_by_role("group", name="CAR T-cell therapy")).to_have_count(0)


def test_after_a_refused_dose_the_quantity_follows_the_calculator_again(page, live_server, prescriber):
    sign_in(page, live_server)
    start_request(page)
    fill_policy_step(page, CIGNA)
    fill_patient(page, 40, None)
    fill_diagnosis(page, "M05.79", then="Screening and safety")
    answer_all(page, {"CAR T-cell therapy": "No"}, then="Dose and quantity")
    quantity = page.get_by_label("Syringes requested for the days supply")
    # 5,000 mg/day is over the form's 2,000 mg/day: the calculator fills 50 a day × 28 = 1,400 before the refusal.
    page.get_by_label("Daily dose (mg/day)").fill("5000")
    expect(quantity).to_have_value("1400")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Ensure this value is less than or equal to 2000")).to_be_visible()
    # The page shown again still follows the calculator: the corrected dose gives 28, not the stale 1,400.
    page.get_by_label("Daily dose (mg/day)").fill("100")
    expect(page.locator("#dose-calculation")).to_have_text("100 mg/day → 1 syringe/day → 28 syringes for 28 days.")
    expect(quantity).to_have_value("28")


def test_a_quantity_the_prescriber_typed_is_kept_when_the_dose_changes(page, live_server, prescriber):
    sign_in(page, live_server)
    start_request(page)
    fill_policy_step(page, CIGNA)
    fill_patient(page, 40, None)
    fill_diagnosis(page, "M05.79", then="Screening and safety")
    answer_all(page, {"CAR T-cell therapy": "No"}, then="Dose and quantity")
    quantity = page.get_by_label("Syringes requested for the days supply")
    quantity.fill("20")
    page.get_by_label("Daily dose (mg/day)").fill("100")
    expect(quantity).to_have_value("20")


def test_a_florida_blue_ra_row_asks_the_dose_for_a_response_and_the_cause_for_an_intolerance(page, live_server):
    sign_in(page, live_server)
    start_request(page)
    fill_policy_step(page, FB)
    fill_patient(page, 52, 80)
    fill_diagnosis(page, "Rheumatoid arthritis [ra]", severity="Severe", then="Prior therapies")
    dose, cause = page.get_by_label("Weekly dose reached (mg)"), page.get_by_label("Intolerance was to")
    expect(dose).to_be_hidden()  # no outcome chosen yet
    expect(cause).to_be_hidden()
    page.get_by_label("Outcome").select_option(label="inadequate response")
    expect(dose).to_be_visible()
    expect(page.get_by_label("Higher dose not tolerated")).to_be_visible()
    expect(cause).to_be_hidden()
    page.get_by_label("Outcome").select_option(label="intolerance or hypersensitivity")
    expect(dose).to_be_hidden()
    expect(cause).to_be_visible()
