"""The reviewer's page of one request: who it is for at the top, the unmet criteria before everything else."""

from django.urls import reverse

from tests.admin.forms import login

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
