"""The step counter ("Step N of M"): no total until a policy is chosen, then the number of steps the chosen policy
shows, the same on every step; N goes up by one from step to step."""

from __future__ import annotations

import re

import pytest

from .walk import CIGNA, SCENARIOS, step_fields, text, walk_to
from .wizard_support import next_step, post_step, step_url

# Counted by hand from the steps each policy shows: Cigna policy, patient, diagnosis, screening, dose, review (6);
# FEP adds prior therapies and concomitant drugs (8); Florida Blue also the indication questions (9), asked for some
# of its diagnoses (MIS-C, COVID-19), so shown for all of them.
TOTAL = {
    "cigna_approved": 6,
    "cigna_partial": 6,
    "fep_approved": 8,
    "fep_pended": 8,
    "fb_approved": 9,
    "fb_referred": 9,
    "fb_mis_c": 9,
}


def counter(response) -> tuple[int, int | None]:
    """(N, M) of the page's "Step N of M: title" heading; M None for "Step N: title"."""
    match = re.search(r"Step (\d+)(?: of (\d+))?: ", text(response))
    assert match, "no step counter on the page"
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def step_list(response) -> list[str]:
    return re.findall(r"<li>.*?\d+\. ([^<]+)<", response.content.decode())


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_counter_goes_up_by_one_against_the_policys_total(owner_client, draft, name):
    counters, step = [], "policy"
    while True:
        counters.append(counter(owner_client.get(step_url(draft, step))))
        if step == "review":
            break
        step = next_step(post_step(owner_client, draft, step, step_fields(step, SCENARIOS[name])))

    total = TOTAL[name]
    assert counters == [(1, None)] + [(n, total) for n in range(2, total + 1)]


def test_the_first_step_of_a_new_request_shows_no_total_and_lists_no_later_step(owner_client, draft):
    page = owner_client.get(step_url(draft, "policy"))

    assert "Step 1: Payer and policy" in text(page)
    assert step_list(page) == ["Payer and policy"]
    assert 'role="progressbar"' not in page.content.decode()


def test_the_first_step_shows_the_total_once_the_draft_has_its_policy(owner_client, draft):
    post_step(owner_client, draft, "policy", step_fields("policy", SCENARIOS["cigna_approved"]))

    page = owner_client.get(step_url(draft, "policy"))

    assert "Step 1 of 6: Payer and policy" in text(page)
    assert 'aria-valuemax="6"' in page.content.decode()


def test_changing_the_diagnosis_keeps_the_total(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["fb_approved"], stop="therapies")
    assert counter(owner_client.get(step_url(draft, "therapies"))) == (4, 9)

    post_step(owner_client, draft, "diagnosis", {"diagnosis": "mis_c", "severity": "severe"})

    assert counter(owner_client.get(step_url(draft, "therapies"))) == (4, 9)


def test_changing_the_policy_changes_the_total_to_the_new_policys(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["fb_approved"], stop="therapies")

    post_step(owner_client, draft, "policy", {**step_fields("policy", SCENARIOS["fb_approved"]), "policy": CIGNA})

    assert counter(owner_client.get(step_url(draft, "diagnosis"))) == (3, 6)
