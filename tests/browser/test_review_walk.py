"""A pended request from submission to the prescriber's letter, in headless Chromium: the reviewer signs in,
opens the queue and the request, denies it with a specific reason and a note; the prescriber signs in and
reads the decision on the request page and in the printable letter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kineret_pa.pa_requests.models import PARequest
from tests.browser.support import sign_in
from tests.review.support import pended

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
UNMET = "Prior-Approval Requirements, Diagnoses 1.a"
NOTE = "The patient is 17; the policy requires 18 or older. Resubmit after the birthday."


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"review-{name}.png"), full_page=True)


def test_a_reviewer_denies_a_pended_request_and_the_prescriber_reads_the_letter(
    page, live_server, policy_data, prescriber, reviewer
):
    page.set_default_timeout(5_000)
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    pa = pended(prescriber)

    # The prescriber sees it pended, with its due time.
    sign_in(page, live_server, "dr_owner")
    page.get_by_role("link", name=pa.number).click()
    expect(page.locator("#decision")).to_have_text("Pended for clinical review")
    expect(page.get_by_text("A decision is due by")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The reviewer: queue, request, decision.
    sign_in(page, live_server, "pharmacist")
    page.get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    _shot(page, "queue")
    page.get_by_role("link", name=pa.number).click()
    expect(page.get_by_role("heading", name=f"{pa.number} — Pended for clinical review")).to_be_visible()
    page.get_by_label("Deny").check()
    page.get_by_label(re.compile(re.escape(UNMET) + " — 18 years of age or older")).check()
    page.get_by_label("Note to the prescriber").fill(NOTE)
    _shot(page, "decide")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text(f"{pa.number}: decision recorded and the prescriber notified.")).to_be_visible()
    expect(page.get_by_role("link", name=pa.number)).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    pa.refresh_from_db()
    assert pa.status == PARequest.Status.DENIED and pa.denied_by == reviewer

    # The prescriber reads the decision, then the letter.
    sign_in(page, live_server, "dr_owner")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=pa.number))
    expect(row).to_contain_text("Denied")
    row.get_by_role("link", name=pa.number).click()
    expect(page.locator("#decision")).to_have_text("Denied")
    expect(page.get_by_text(f"Reasons: {UNMET}").first).to_be_visible()
    expect(page.get_by_text(NOTE).first).to_be_visible()
    expect(page.get_by_role("button", name="Appeal to another reviewer")).to_be_visible()
    _shot(page, "prescriber-denied")
    page.get_by_role("link", name="Printable letter").click()
    expect(page.get_by_role("heading", name="Prior-authorization determination: Denied")).to_be_visible()
    expect(page.get_by_text(pa.number).first).to_be_visible()
    expect(page.get_by_text("18 years of age or older").first).to_be_visible()
    _shot(page, "letter")
    assert problems == []
