"""Issue 16 in Chromium: a quantity far from the dose is asked about and confirmed; the required marks follow the
answers as the prescriber gives them; the step counter shows no total before a policy is chosen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.pa_requests.wizard_support import profile_for

from .support import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATE = "2026-06-15"  # every policy's current version is in force on this date


@pytest.fixture(autouse=True)
def watched(page, policy_data, prescriber):
    """The prescriber has a profile; the test fails on any console or page error."""
    profile_for(prescriber)
    page.set_default_timeout(5_000)
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield page
    assert problems == []


def heading(page, text):
    expect(page.get_by_role("heading", name=re.compile(text))).to_be_visible()


def star(page, field_id):
    return page.locator(f"label[for='{field_id}'] .asteriskField")


def test_a_quantity_far_from_the_dose_is_confirmed_and_the_form_moves_on(page, live_server):
    sign_in(page, live_server, "dr_owner")
    page.get_by_role("button", name="New request").click()
    heading(page, r"^Step 1: Payer and policy$")
    page.get_by_label("Payer and policy").select_option("cigna-dqm008")
    page.get_by_label("Date of service").fill(DATE)
    page.get_by_role("button", name="Next").click()
    heading(page, r"^Step 2 of 6: Patient$")
    page.get_by_label("Patient name").fill("Quantity Tester")
    page.get_by_label("Age in years").fill("40")
    page.get_by_label("Member ID").fill("MBR-Q")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Diagnosis").fill("M05.79")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("group", name="CAR T-cell therapy").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Next").click()
    heading(page, r"^Step 5 of 6: Dose and quantity$")
    page.get_by_label("Daily dose (mg/day)").fill("100")
    quantity = page.get_by_label("Syringes requested for the days supply")
    quantity.fill("1400")

    page.get_by_role("button", name="Next").click()

    heading(page, r"^Step 5 of 6: Dose and quantity$")
    expect(page.locator("#div_id_dose-quantity")).to_contain_text(
        "100 mg a day for 28 days comes to 28 syringes; you entered 1400. Confirm the quantity or correct it."
    )
    expect(quantity).to_have_value("1400")
    expect(page.get_by_label("Daily dose (mg/day)")).to_have_value("100")
    confirm = page.get_by_label("Yes, the quantity is what I mean")
    expect(confirm).not_to_be_checked()
    confirm.check()
    page.get_by_role("button", name="Next").click()
    heading(page, r"^Step 6 of 6: Review and submit$")
    expect(page.get_by_text("1400", exact=True).first).to_be_visible()


def test_required_marks_follow_the_answers(page, live_server):
    sign_in(page, live_server, "dr_owner")
    page.get_by_role("button", name="New request").click()
    heading(page, r"^Step 1: Payer and policy$")
    plan = page.get_by_label("Plan option")
    expect(plan).to_be_hidden()
    page.get_by_label("Payer and policy").select_option("fep-5.70.050")
    expect(plan).to_be_visible()
    expect(star(page, "id_policy-plan")).to_have_count(1)
    page.get_by_label("Payer and policy").select_option("cigna-dqm008")
    expect(plan).to_be_hidden()
    expect(star(page, "id_policy-plan")).to_have_count(0)
    expect(star(page, "id_policy-expedited_attestation")).to_have_count(0)
    page.get_by_role("group", name="Urgency").get_by_label("Expedited").check()
    expect(star(page, "id_policy-expedited_attestation")).to_have_count(1)
    page.get_by_role("group", name="Urgency").get_by_label("Standard").check()
    page.get_by_label("Payer and policy").select_option("fep-5.70.050")
    page.get_by_label("Plan option").select_option(label="FEP Standard Option")
    page.get_by_label("Date of service").fill(DATE)
    page.get_by_role("button", name="Next").click()
    heading(page, r"^Step 2 of 8: Patient$")
    # The date of birth, unless the age is given.
    expect(star(page, "id_patient-date_of_birth")).to_have_count(1)
    page.get_by_label("Age in years").fill("45")
    expect(star(page, "id_patient-date_of_birth")).to_have_count(0)
    page.get_by_label("Patient name").fill("Marks Tester")
    page.get_by_label("Member ID").fill("MBR-M")
    page.get_by_role("button", name="Next").click()
    heading(page, r"^Step 3 of 8: Diagnosis$")
    # FEP reads the disease activity for rheumatoid arthritis, not for NOMID.
    expect(star(page, "id_diagnosis-severity")).to_have_count(0)
    page.get_by_label("Diagnosis").fill("Rheumatoid arthritis [ra]")
    expect(star(page, "id_diagnosis-severity")).to_have_count(1)
    page.get_by_label("Diagnosis").fill("NOMID [nomid]")
    expect(star(page, "id_diagnosis-severity")).to_have_count(0)
