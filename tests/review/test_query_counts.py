"""The reviewer's pages run a fixed number of queries, however long the backlog.

Counts measured: session, user and the reviewer's permissions (one query) on every page; the queue
adds its rows, the payers and the diagnoses for the filters; a request's page adds the
request, the decision codes, the policy-data revision, its history and its attachments.
(With two-step sign-in on, as in production, each page adds one query for the device.)
"""

import pytest
from django.urls import reverse

from kineret_pa.pa_requests.models import PARequest
from tests.review.support import pended

QUEUE_QUERIES = 6
REVIEW_PAGE_QUERIES = 8


@pytest.fixture(params=["one request", "six hundred requests"])
def backlog(request, prescriber, policy_data):
    first = pended(prescriber)
    if request.param != "one request":
        copies = dict(
            owner=prescriber,
            policy_version=first.policy_version,
            contract_request=first.contract_request,
            determination=first.determination,
            submitted_at=first.submitted_at,
            due_at=first.due_at,
        )
        PARequest.objects.bulk_create(
            [PARequest(status=PARequest.Status.PENDED, **copies) for _ in range(300)]
            + [PARequest(status=PARequest.Status.APPROVED, **copies) for _ in range(300)]
        )
    return first


def test_the_queue_runs_a_fixed_number_of_queries(client, reviewer, backlog, django_assert_num_queries):
    client.force_login(reviewer)
    client.get(reverse("review-queue"))
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("review-queue"))
    assert len(response.context["page"]) == 1 or len(response.context["page"]) == 50


def test_a_request_under_review_runs_a_fixed_number_of_queries(client, reviewer, backlog, django_assert_num_queries):
    client.force_login(reviewer)
    url = reverse("review-detail", args=[backlog.pk])
    client.get(url)
    with django_assert_num_queries(REVIEW_PAGE_QUERIES):
        response = client.get(url)
    assert "Record decision" in response.content.decode()
