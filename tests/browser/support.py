"""What the browser walks share: signing in through the real login page."""

from __future__ import annotations

from playwright.sync_api import expect


def sign_in(page, live_server, username):
    """Sign in as one of the named test users (tests/conftest.py gives each the password "<username>-pass-9x!").
    Returns once the signed-in page shows, so a test may go straight to another address without cutting the
    sign-in short."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-pass-9x!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
