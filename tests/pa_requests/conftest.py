"""Clients signed in as the named users, and requests made through the form."""

from __future__ import annotations

import pytest
from django.test import Client

from .walk import SCENARIOS, submit
from .wizard_support import profile_for, start


@pytest.fixture
def owner(prescriber, policy_data):
    """The prescriber who owns the requests, with a complete profile."""
    profile_for(prescriber)
    return prescriber


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def colleague_client(colleague, policy_data):
    """Another prescriber, signed in on a browser of their own."""
    other = Client()
    other.force_login(colleague)
    return other


@pytest.fixture
def reviewer_client(reviewer, policy_data):
    other = Client()
    other.force_login(reviewer)
    return other


@pytest.fixture
def draft(owner_client):
    return start(owner_client)


@pytest.fixture
def submitted(owner_client):
    """Make a request through the whole form and return it, decided."""

    def make(name: str = "cigna_approved", answers: dict | None = None):
        pa = start(owner_client)
        response = submit(owner_client, pa, answers or SCENARIOS[name])
        assert response.status_code == 302, response
        pa.refresh_from_db()
        assert not pa.is_draft
        return pa

    return make
