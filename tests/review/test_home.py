"""The home page a reviewer, policy staff or an administrator lands on: their work, not developer notes."""

import pytest

from tests.admin.forms import login


@pytest.mark.parametrize(
    ("who", "link"),
    [
        ("reviewer", "Requests waiting for your review"),
        ("policy_staff", "Payers, policies and criteria"),
    ],
)
def test_home_offers_the_users_own_work_and_no_developer_notes(client, request, policy_data, who, link):
    login(client, request.getfixturevalue(who))
    page = client.get("/").content.decode()
    assert link in page
    assert "Policies in force" in page
    assert "/api/v1/determinations" not in page and "manage.py" not in page


def test_a_prescriber_lands_on_my_requests(client, prescriber, policy_data):
    login(client, prescriber)
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/requests/"
