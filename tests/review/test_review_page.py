"""The reviewer's page of one request: who it is for at the top, the unmet criteria before everything else."""

from django.urls import reverse

from kineret_pa.pa_requests.presentation import MSG_NOTHING_STATED
from tests.admin.forms import login
from tests.conftest import FORM_STEP_TITLES

from .support import pended


def test_the_review_page_names_patient_member_prescriber_and_npi_at_the_top(client, prescriber, reviewer):
    pa = pended(prescriber)
    login(client, reviewer)

    page = client.get(reverse("review-detail", args=[pa.pk])).content.decode()
    top = page[page.index('id="review-patient"') :].split("</p>", 1)[0]

    assert "Pat Doe" in top and "member ID M-1" in top
    assert pa.prescriber_snapshot["full_name"] in top and f"NPI {pa.prescriber_snapshot['npi']}" in top


def test_the_unmet_criteria_come_before_the_full_evaluation(client, prescriber, reviewer):
    pa = pended(prescriber)  # 17 years old: FEP's Diagnoses 1.a (18 or older) is not met
    login(client, reviewer)

    page = client.get(reverse("review-detail", args=[pa.pk])).content.decode()
    unmet = page[page.index('id="review-unmet"') :].split("</ul>", 1)[0]

    assert "Prior-Approval Requirements, Diagnoses 1.a" in unmet
    assert page.index('id="review-unmet"') < page.index('class="table table-sm align-top reasons"')


def test_the_submitted_facts_are_grouped_under_the_form_steps_in_the_forms_order(client, prescriber, reviewer):
    pa = pended(prescriber)
    login(client, reviewer)

    page = client.get(reverse("review-detail", args=[pa.pk])).content.decode()
    facts = page[page.index('id="review-facts"') : page.index('id="review-evaluation"')]
    # Each step's heading, then what sits under it up to the next heading.
    sections = {
        part.split("</h3>", 1)[0].split(">", 1)[1]: part.split("</h3>", 1)[1] for part in facts.split("<h3")[1:]
    }

    assert list(sections) == FORM_STEP_TITLES
    assert "FEP Standard Option" in sections["Payer and policy"]  # the plan in the catalog's words
    assert "Weight</th><td>70 kg" in sections["Patient"]
    assert "Disease activity</th><td>moderate" in sections["Diagnosis"]
    assert "methotrexate, 6 months, inadequate response" in sections["Prior therapies"]
    assert "folic acid" in sections["Concomitant drugs"]
    assert "Latent TB result</th><td>negative" in sections["Screening and safety"]
    assert MSG_NOTHING_STATED in sections["Indication questions"]  # FEP asks no indication questions for RA
    assert "Quantity</th><td>28 syringes" in sections["Dose and quantity"]
