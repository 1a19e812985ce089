"""Shared fixtures: the policies loaded once per test database, named users, request builders."""

from __future__ import annotations

import copy
import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# browser tests make beside it are safe (they are not concurrent).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DATE = "2026-06-15"  # every policy's current version is in force on this date


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from kineret_pa.policies.loading import policies_load

    with django_db_blocker.unblock():
        policies_load()


@pytest.fixture(autouse=True)
def _second_factor_off(settings):
    """Most tests sign users in directly; tests of two-step sign-in turn it back on."""
    settings.OTP_REQUIRED = False


@pytest.fixture(autouse=True)
def _fresh_snapshot_cache():
    from kineret_pa.policies.snapshots import cache_clear

    cache_clear()
    yield
    cache_clear()


def _seed_data_restore() -> None:
    """The policies and what data migrations seeded (the reviewer decision codes), if a flush removed them."""
    from importlib import import_module

    from django.apps import apps

    from kineret_pa.policies.loading import policies_load
    from kineret_pa.policies.models import Policy

    if not Policy.objects.exists():
        policies_load()
        import_module("kineret_pa.pa_requests.migrations.0003_decision_codes").create(apps, None)


@pytest.fixture
def policy_data(db):
    """The loaded policies (and seeded decision codes), reloaded if a transactional test flushed them."""
    _seed_data_restore()


def _user(django_user_model, username, role=None, *, staff=False, superuser=False):
    from django.contrib.auth.models import Group

    from kineret_pa.accounts.roles import roles_ensure

    roles_ensure()
    user = django_user_model.objects.create_user(
        username=username, password=f"{username}-pass-9x!", is_staff=staff, is_superuser=superuser
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def prescriber(db, django_user_model):
    from kineret_pa.accounts.roles import PRESCRIBER

    return _user(django_user_model, "dr_owner", PRESCRIBER)


@pytest.fixture
def colleague(db, django_user_model):
    from kineret_pa.accounts.roles import PRESCRIBER

    return _user(django_user_model, "dr_colleague", PRESCRIBER)


@pytest.fixture
def reviewer(db, django_user_model):
    from kineret_pa.accounts.roles import REVIEWER

    return _user(django_user_model, "pharmacist", REVIEWER)


@pytest.fixture
def policy_staff(db, django_user_model):
    from kineret_pa.accounts.roles import POLICY_STAFF

    return _user(django_user_model, "policy_editor", POLICY_STAFF, staff=True)


@pytest.fixture
def superuser(db, django_user_model):
    return _user(django_user_model, "root_admin", staff=True, superuser=True)


# ------------------------------------------------------------------ requests

FEP_RA = {
    "policy": "fep-5.70.050",
    "plan": "standard",
    "benefit": "pharmacy",
    "request_type": "initial",
    "date_of_service": DATE,
    "patient": {"age_years": 45, "weight_kg": 70.0},
    "diagnosis": "ra",
    "severity": "moderate",
    "prescriber": {"is_specialist": True, "consulted_specialist": False},
    "prior_therapies": [
        {"drug": "methotrexate", "months": 6, "outcome": "inadequate_response"},
        {"drug": "Humira", "months": 4, "outcome": "inadequate_response"},
        {"drug": "Enbrel", "months": 5, "outcome": "intolerance"},
    ],
    "concomitant_drugs": ["folic acid"],
    "screening": {
        "tb": "negative",
        "hbv": "not_at_risk",
        "active_infection": False,
        "live_vaccine": False,
        "anakinra_contraindication": False,
    },
    "dose": {"mg_per_day": 100, "quantity": 28, "days_supply": 28, "channel": "retail"},
    "site_of_care": "self",
    "renewal": {"previously_approved": False, "clinical_benefit": None},
}

FB_RA = {
    "policy": "floridablue-09-J0000-45",
    "benefit": "pharmacy",
    "request_type": "initial",
    "date_of_service": DATE,
    "patient": {"age_years": 52, "weight_kg": 80.0},
    "diagnosis": "ra",
    "severity": "severe",
    "prescriber": {"is_specialist": True, "consulted_specialist": False},
    "prior_therapies": [
        {"drug": "methotrexate", "months": 4, "outcome": "inadequate_response"},
        {"drug": "Humira", "months": 6, "outcome": "inadequate_response"},
        {"drug": "Enbrel", "months": 4, "outcome": "inadequate_response"},
        {"drug": "Rinvoq", "months": 3, "outcome": "inadequate_response"},
    ],
    "concomitant_drugs": ["methotrexate"],
    "screening": {
        "tb": "negative",
        "hbv": "not_at_risk",
        "active_infection": False,
        "live_vaccine": False,
        "anakinra_contraindication": False,
    },
    "dose": {
        "mg_per_day": 100,
        "quantity": 28,
        "days_supply": 28,
        "channel": "retail",
        "max_dose_trial_months": 0,
        "higher_dose_support_submitted": False,
    },
    "site_of_care": "self",
    "anakinra_history": {"within_90_days": "none", "at_risk_if_changed": False},
    "renewal": {"previously_approved": False, "clinical_benefit": None},
    "age_support_provided": False,
    "preferred_not_appropriate_with_list": False,
}

CIGNA = {
    "policy": "cigna-dqm008",
    "date_of_service": DATE,
    "patient": {"age_years": 40, "weight_kg": 70.0},
    "diagnosis": "ra",
    "dose": {"mg_per_day": 100, "quantity": 28, "days_supply": 28, "channel": "retail"},
    "car_t_therapy": False,
}

# UnitedHealthcare (The Policy Vault's summary): moderately active RA after an inadequate response to methotrexate,
# with no other targeted immunomodulator. The criteria read no age, weight, dose or screening: those stay as a
# prescriber would fill them in, so a test shows they decide nothing.
UHC_RA = {
    "policy": "uhc-kineret",
    "request_type": "initial",
    "date_of_service": DATE,
    "patient": {"age_years": 45, "weight_kg": 70.0},
    "diagnosis": "ra",
    "severity": "moderate",
    "prior_therapies": [{"drug": "methotrexate", "months": 4, "outcome": "inadequate_response"}],
    "concomitant_drugs": ["folic acid"],
    "dose": {"mg_per_day": 100, "quantity": 28, "days_supply": 28, "channel": "retail"},
    "renewal": {"previously_approved": False, "clinical_benefit": None},
}


# The form's steps that state facts, as a prescriber reads their titles, in the form's order (hand-written: the
# reviewer's page groups the submitted facts under these headings).
FORM_STEP_TITLES = [
    "Payer and policy",
    "Patient",
    "Diagnosis",
    "Prior therapies",
    "Concomitant drugs",
    "Screening and safety",
    "Indication questions",
    "Dose and quantity",
]


def build(base: dict, **changes) -> dict:
    """A deep copy of a base request with dotted-path changes: build(FEP_RA, **{"dose.quantity": 56})."""
    data = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, leaf = path.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        if value is DELETE:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return data


DELETE = object()


@pytest.fixture
def determine(policy_data):
    """Decide a request through the same service the CLI, API and form use."""
    from kineret_pa.policies.services import determination_compute

    def run(data: dict) -> dict:
        determination, _, errors = determination_compute(data=data)
        if errors:
            return {"errors": errors}
        return determination.as_dict()

    return run


@pytest.fixture
def asked(policy_data):
    """The facts the form asks for a policy's version in force, a diagnosis and a request type (engine/needs.py)."""
    import datetime as dt

    from kineret_pa.engine.needs import facts_needed
    from kineret_pa.policies.snapshots import policy_data_get

    def run(code: str, *, diagnosis: str | None, request_type: str) -> frozenset[str]:
        data = policy_data_get()
        snap = data.snapshot(data.version_for(code, dt.date.fromisoformat(DATE)).version_id)
        return facts_needed(snap, diagnosis=diagnosis, request_type=request_type)

    return run


def unmet(result: dict) -> list[str]:
    return [r["clause"] for r in result["reasons"] if not r["met"]]


def _flushes(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return (
        item.get_closest_marker("browser") is not None
        or bool(marker and marker.kwargs.get("transaction"))
        or bool({"transactional_db", "live_server"} & set(item.fixturenames))
    )


_SET_UP = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    result = yield  # raises if a fixture failed or skipped: then no database was touched by this test
    item.stash[_SET_UP] = True
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends by flushing the database: the seed data loaded once per session is put back
    here, after the flush, so the tests that follow (in any order, on any xdist worker) find it."""
    result = yield
    # The last test's teardown also destroys the test database: nothing to put back then.
    if nextitem is not None and _flushes(item) and item.stash.get(_SET_UP, False):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _seed_data_restore()
    return result
