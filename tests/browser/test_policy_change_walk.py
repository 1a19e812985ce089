"""A policy change from draft to publication, in headless Chromium, as policy staff do it: copy Florida Blue's
version as a draft, change "THREE preferred products" to 2 in the criteria editor, see the wording flagged and two
saved test cases fail, see which past request would change, fix the wording and the expectations, publish. Then a
prescriber's practice system asks for determinations on both sides of the effective date."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kineret_pa.accounts.models import ApiToken
from kineret_pa.policies import models as m
from tests.conftest import FB_RA, build
from tests.review.support import submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
FB = "floridablue-09-J0000-45"
RA_2A = "Table 1 RA 2.a"
# Methotrexate, then exactly two preferred products after 3 months each: RA 2.a asks for three.
TWO_PREFERRED = [
    {"drug": "methotrexate", "months": 4, "outcome": "inadequate_response"},
    {"drug": "Humira", "months": 3, "outcome": "inadequate_response"},
    {"drug": "Enbrel", "months": 3, "outcome": "inadequate_response"},
]


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-pass-9x!")
    page.get_by_role("button", name="Sign in").click()


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"policy-{name}.png"), full_page=True)


def test_policy_staff_change_three_preferred_products_to_two_and_publish(
    page, live_server, policy_data, policy_staff, prescriber
):
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    effective = timezone.localdate() + dt.timedelta(days=31)
    label = effective.isoformat()

    # Past requests of the policy: one with two preferred products (pended: RA 2.a asks for three), one with three.
    two = submitted(prescriber, build(FB_RA, prior_therapies=TWO_PREFERRED))
    submitted(prescriber, build(FB_RA))
    assert two.determination["decision"] == "deny"

    _sign_in(page, live_server, "policy_editor")
    page.get_by_role("link", name="Policy versions").click()
    page.get_by_role("link", name=f"Open {FB} 2026-01-01").click()
    expect(page.get_by_text("All 42 test cases pass under this version.")).to_be_visible()
    page.get_by_label("Effective date of the new draft").fill(label)
    page.get_by_role("button", name="Copy as new draft").click()
    expect(page.get_by_text(f"Copied as a draft effective {label}.")).to_be_visible()
    draft = m.PolicyVersion.objects.get(policy__code=FB, effective_date=effective)
    key = m.CriterionNode.objects.get(version=draft, clause=RA_2A).key

    # The editor: RA 2.a needs 2 products instead of 3; the wording still says THREE.
    page.get_by_role("link", name="Edit criteria").click()
    node = page.locator(f"#node-{key}")
    node.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("How many products").fill("2")
    page.get_by_role("button", name="Save").click()
    node = page.locator(f"#node-{key}")
    expect(node.locator(".mismatch")).to_contain_text("The wording says THREE but the parameters say 2.")
    _shot(page, "editor-flag")

    # The version page: two saved test cases now fail, and publishing is refused.
    page.get_by_role("link", name=re.compile(r"^← floridablue")).click()
    expect(page.get_by_text("2 of 42 test cases fail under this version.")).to_be_visible()
    expect(page.get_by_role("button", name=f"Publish from {label}")).to_be_disabled()
    expect(page.locator("#publish-problems")).to_contain_text("2 test case(s) do not give the expected outcome")
    _shot(page, "failing-cases")

    # The impact: the request with two preferred products would be approved, put down to RA 2.a.
    page.get_by_role("link", name="Impact on past requests").click()
    expect(page.locator("#impact-counts")).to_contain_text("2 requests replayed: 1 unchanged, 1 would change")
    expect(page.locator("#impact-by-clause")).to_contain_text(RA_2A)
    expect(page.locator("#impact-by-clause")).to_contain_text("deny → approve")
    _shot(page, "impact")
    page.go_back()

    # Fix the wording in the editor, so the read-back agrees with the parameters.
    page.get_by_role("link", name="Edit criteria").click()
    page.locator(f"#node-{key}").get_by_role("link", name="Edit", exact=True).click()
    wording = page.get_by_label("Wording")
    wording.fill(wording.input_value().replace("THREE", "TWO"))
    page.get_by_role("button", name="Save").click()
    expect(page.locator(f"#node-{key} .mismatch")).to_have_count(0)
    page.get_by_role("link", name=re.compile(r"^← floridablue")).click()

    # Each intended change of outcome is recorded as the new expectation.
    for _ in range(2):
        page.get_by_role("button", name="Expect this outcome").first.click()
        expect(page.get_by_text("The expected outcome of")).to_be_visible()
    expect(page.get_by_text("All 42 test cases pass under this version.")).to_be_visible()
    page.get_by_role("button", name=f"Publish from {label}").click()
    expect(page.get_by_text(f"is in force from {label}")).to_be_visible()
    _shot(page, "published")
    assert problems == []

    draft.refresh_from_db()
    assert draft.status == "active" and draft.published_by == policy_staff
    old = m.PolicyVersion.objects.get(policy__code=FB, effective_date=dt.date(2026, 1, 1))
    assert old.end_date == effective - dt.timedelta(days=1)

    # The prescriber's practice system: the new version decides from its effective date, the old one before it.
    token = ApiToken.issue(user=prescriber, name="practice system")[1]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def decide(date_of_service: dt.date) -> dict:
        body = build(FB_RA, prior_therapies=TWO_PREFERRED, date_of_service=date_of_service.isoformat())
        response = page.request.post(f"{live_server.url}/api/v1/determinations", data=body, headers=headers)
        assert response.status == 200, response.text()
        return response.json()

    after = decide(effective)
    before = decide(effective - dt.timedelta(days=1))
    assert (after["policy"]["version"], after["decision"]) == (label, "approve")
    assert (before["policy"]["version"], before["decision"]) == ("2026-01-01", "deny")
