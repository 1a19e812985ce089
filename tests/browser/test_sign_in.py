"""A person signs in through the real login page in headless Chromium."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-pass-9x!")
    page.get_by_role("button", name="Sign in").click()


def test_prescriber_signs_in_and_lands_on_my_requests(page, live_server, policy_data, prescriber):
    _sign_in(page, live_server, "dr_owner")
    expect(page.get_by_role("heading", name="My requests")).to_be_visible()
    expect(page.get_by_role("button", name="New request")).to_be_visible()
    expect(page.get_by_role("link", name="Policy data")).to_have_count(0)


def test_reviewer_signs_in_and_sees_the_policies_in_force(page, live_server, policy_data, reviewer):
    _sign_in(page, live_server, "pharmacist")
    expect(page.get_by_role("heading", name="Prior authorization for Kineret (anakinra)")).to_be_visible()
    for code in ("cigna-dqm008", "fep-5.70.050", "floridablue-09-J0000-45"):
        expect(page.get_by_text(code, exact=True)).to_be_visible()


def test_policy_staff_open_the_version_in_force_in_the_admin_read_only(page, live_server, policy_data, policy_staff):
    _sign_in(page, live_server, "policy_editor")
    page.get_by_role("link", name="Policy data").click()
    page.get_by_role("link", name="Policy versions").first.click()
    page.get_by_role("link", name=re.compile(r"^fep-5\.70\.050")).first.click()
    expect(page.get_by_text("it never changes again")).to_be_visible()
    expect(page.locator(".field-source_title")).to_contain_text("5.70.050")
    expect(page.locator("#id_source_title")).to_have_count(0)  # shown, not editable


def test_wrong_password_shows_a_message_and_keeps_the_username(page, live_server, policy_data, prescriber):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("dr_owner")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("dr_owner")
