"""Every page of the form runs a fixed number of queries, however many requests and drugs exist.

Counts measured (warm policy cache): a signed-in page starts with session and user, and
pages that show the navigation read the user's permissions (one query) and count the
prescriber's unread notifications for the header's badge (one query); the session is
written at most once a minute, not on every page.
  GET any step 6 (7 with indication questions), review 7 (8)
  POST any step 5 (6 with indication questions)
  first GET after a policy-data change (catalog and snapshot rebuilt): 34 (with every payer's plans, the
  specialties and the list entries' preferred biosimilars)
  submit: POST review 6, GET finished 14; determination page 8; My requests 5
"""

import pytest
from django.urls import reverse

from kineret_pa.pa_requests.models import PARequest
from kineret_pa.policies.models import Drug, DrugName
from kineret_pa.policies.snapshots import cache_clear, revision_bump

from .walk import SCENARIOS, step_fields, steps_shown, walk_to
from .wizard_support import post_step, start, step_url

GET_MAX = {"review": 9}
GET_MAX_OTHER = 7  # 6 before the header's unread-notifications count
POST_MAX: dict[str, int] = {}
POST_MAX_OTHER = 8
COLD_GET_MAX = 34
SUBMIT_POST_MAX, FINISHED_GET_MAX, DETAIL_GET_MAX, LIST_GET_MAX = 7, 15, 8, 5  # detail and list: +1 for the header


@pytest.fixture(params=["few rows", "many rows"])
def data_size(request, django_user_model, policy_data):
    if request.param == "many rows":
        others = [django_user_model.objects.create_user(username=f"other_prescriber_{i}") for i in range(3)]
        PARequest.objects.bulk_create([PARequest(owner=others[i % 3], patient_name=f"Patient {i}") for i in range(300)])
        drugs = Drug.objects.bulk_create([Drug(generic_name=f"extradrug-{i:03d}") for i in range(300)])
        DrugName.objects.bulk_create(
            [
                DrugName(
                    drug=drug, name=f"Extrabrand {drug.generic_name}", normalized=f"extrabrand {drug.generic_name}"
                )
                for drug in drugs
            ]
        )
        revision_bump()  # bulk_create sends no signals: tell the caches the policy data changed
    return request.param


@pytest.mark.parametrize("name", ["cigna_approved", "fep_approved", "fb_approved", "fb_mis_c"])
def test_each_step_runs_a_fixed_number_of_queries(owner_client, data_size, name, django_assert_max_num_queries):
    pa = start(owner_client)
    answers = SCENARIOS[name]
    walk_to(owner_client, pa, answers)

    for step in steps_shown(owner_client, pa):
        owner_client.get(step_url(pa, step))  # the step becomes the current one (a write) and the cache is warm
        with django_assert_max_num_queries(GET_MAX.get(step, GET_MAX_OTHER)):
            assert owner_client.get(step_url(pa, step)).status_code == 200
        if step == "review":
            continue
        with django_assert_max_num_queries(POST_MAX.get(step, POST_MAX_OTHER)):
            assert post_step(owner_client, pa, step, step_fields(step, answers)).status_code == 302


def test_the_first_page_after_a_policy_data_change_is_bounded_too(
    owner_client, data_size, django_assert_max_num_queries
):
    pa = start(owner_client)
    walk_to(owner_client, pa, SCENARIOS["fep_approved"])
    cache_clear()

    with django_assert_max_num_queries(COLD_GET_MAX):
        assert owner_client.get(step_url(pa, "review")).status_code == 200


def test_submitting_and_the_pages_after_run_a_fixed_number_of_queries(
    owner_client, owner, data_size, django_assert_max_num_queries
):
    PARequest.objects.bulk_create([PARequest(owner=owner) for _ in range(50 if data_size == "many rows" else 1)])
    pa = start(owner_client)
    walk_to(owner_client, pa, SCENARIOS["fep_pended"])
    owner_client.get(step_url(pa, "review"))

    with django_assert_max_num_queries(SUBMIT_POST_MAX):
        finished = post_step(owner_client, pa, "review", {"attestation": "on"})
    with django_assert_max_num_queries(FINISHED_GET_MAX):
        detail = owner_client.get(finished.url)
    with django_assert_max_num_queries(DETAIL_GET_MAX):
        assert owner_client.get(detail.url).status_code == 200
    with django_assert_max_num_queries(LIST_GET_MAX):
        assert owner_client.get(reverse("pa-request-list")).status_code == 200
