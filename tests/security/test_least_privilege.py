"""Least privilege: the prescriber's pages need the prescriber role, nobody decides their own request,
an administrator cannot raise their own or anyone's privileges, revocation is final, and API tokens
belong to prescribers only (issue 12, items 1 to 4)."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kineret_pa.accounts.admin import MSG_ADMINISTRATOR_GROUP
from kineret_pa.accounts.models import MSG_REVOCATION_FINAL, MSG_TOKEN_FOR_PRESCRIBERS, ApiToken
from kineret_pa.accounts.roles import ADMINISTRATOR, MSG_PRESCRIBERS_ONLY, PRESCRIBER, REVIEWER
from kineret_pa.api.views import MSG_PRESCRIBERS_ONLY as MSG_API_PRESCRIBERS_ONLY
from kineret_pa.api.views import MSG_TOKEN
from kineret_pa.pa_requests.models import PARequest, PrescriberProfile
from kineret_pa.pa_requests.services import MSG_OWN_REQUEST, pa_request_create, pa_request_decide
from tests.admin.forms import login, rendered_data
from tests.conftest import FEP_RA, _user
from tests.review.support import pended

S = PARequest.Status
API = "/api/v1/determinations"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def administrator(db, django_user_model):
    """An administrator as the issue found them: staff, in the Administrator group, not a superuser."""
    return _user(django_user_model, "administrator", ADMINISTRATOR, staff=True)


@pytest.fixture
def no_role(db, django_user_model):
    return _user(django_user_model, "nobody_in_particular")


@pytest.fixture
def prescribing_reviewer(db, django_user_model, policy_data):
    """One account in both groups: it may submit requests and review others', never decide its own."""
    user = _user(django_user_model, "dr_and_pharmacist", PRESCRIBER)
    user.groups.add(Group.objects.get(name=REVIEWER))
    return user


# ================================================================ item 1: the prescriber's pages


NOT_PRESCRIBERS = ["reviewer", "policy_staff", "administrator", "no_role", "superuser"]

# (method, url for the owner's pended request)
PRESCRIBER_PAGES = {
    "my requests": ("get", lambda pa: reverse("pa-request-list")),
    "new request": ("post", lambda pa: reverse("pa-request-new")),
    "profile": ("get", lambda pa: reverse("profile")),
    "profile saved": ("post", lambda pa: reverse("profile")),
    "notifications": ("get", lambda pa: reverse("notifications")),
    "detail": ("get", lambda pa: reverse("pa-request-detail", args=[pa.pk])),
    "letter": ("get", lambda pa: reverse("pa-request-letter", args=[pa.pk])),
    "renewal": ("post", lambda pa: reverse("pa-request-renew", args=[pa.pk])),
    "appeal": ("post", lambda pa: reverse("pa-request-appeal", args=[pa.pk])),
    "attach": ("post", lambda pa: reverse("pa-request-attach", args=[pa.pk])),
}


@pytest.mark.parametrize("page", PRESCRIBER_PAGES)
@pytest.mark.parametrize("role", NOT_PRESCRIBERS)
def test_a_user_without_the_prescriber_role_is_refused_every_prescriber_page(
    client, request, prescriber, policy_data, role, page
):
    user = request.getfixturevalue(role)
    pa = pended(prescriber)
    login(client, user)
    method, url_for = PRESCRIBER_PAGES[page]
    data = {"full_name": "Dr Self Made", "specialty": "Rheumatology", "npi": "1234567893", "note": "New facts."}

    response = client.get(url_for(pa)) if method == "get" else client.post(url_for(pa), data)

    assert response.status_code == 403
    assert MSG_PRESCRIBERS_ONLY in response.content.decode()
    assert not PARequest.objects.filter(owner=user).exists()
    assert not PrescriberProfile.objects.filter(user=user).exists()
    pa.refresh_from_db()
    assert pa.status == S.PENDED


@pytest.mark.parametrize("role", NOT_PRESCRIBERS)
def test_a_user_without_the_prescriber_role_cannot_open_a_step_of_the_guided_form(
    client, request, prescriber, policy_data, role
):
    draft = pa_request_create(owner=prescriber)
    login(client, request.getfixturevalue(role))
    url = reverse("pa-request-step", kwargs={"pk": draft.pk, "step": "policy"})

    assert client.get(url).status_code == 403
    assert client.post(url, {"wizard-current_step": "policy", "policy-policy": "cigna-dqm008"}).status_code == 403
    draft.refresh_from_db()
    assert draft.wizard == {}


def test_a_reviewer_cannot_decide_a_request_they_submitted(prescribing_reviewer):
    pa = pended(prescribing_reviewer)

    with pytest.raises(ValidationError) as refused:
        pa_request_decide(
            pa_request_id=pa.pk,
            reviewer=prescribing_reviewer,
            expected_version=pa.row_version,
            code="approve",
            quantity=84,
            per_days=84,
            duration_months=12,
            justification="My own patient turns 18 next week.",
        )

    assert refused.value.message_dict == {"code": [MSG_OWN_REQUEST]}
    pa.refresh_from_db()
    assert (pa.status, pa.decided_by, pa.row_version) == (S.PENDED, None, 0)


def test_a_reviewer_cannot_ask_for_more_information_on_their_own_request(prescribing_reviewer):
    pa = pended(prescribing_reviewer)

    with pytest.raises(ValidationError) as refused:
        pa_request_decide(
            pa_request_id=pa.pk,
            reviewer=prescribing_reviewer,
            expected_version=pa.row_version,
            code="more_info",
            note="Send the labs.",
        )

    assert refused.value.message_dict == {"code": [MSG_OWN_REQUEST]}
    pa.refresh_from_db()
    assert pa.status == S.PENDED


def test_the_decide_form_is_not_offered_on_ones_own_request_and_a_forged_post_changes_nothing(
    client, prescribing_reviewer
):
    pa = pended(prescribing_reviewer)
    login(client, prescribing_reviewer)
    url = reverse("review-detail", args=[pa.pk])

    page = client.get(url).content.decode()
    assert MSG_OWN_REQUEST in page and "Record decision" not in page
    response = client.post(url, {"code": "more_info", "note": "Send labs.", "row_version": "0"})
    assert response.status_code == 200
    pa.refresh_from_db()
    assert (pa.status, pa.row_version, pa.events.count()) == (S.PENDED, 0, 1)


def test_ones_own_request_is_not_in_ones_review_queue(client, prescribing_reviewer, prescriber):
    own, others = pended(prescribing_reviewer), pended(prescriber)
    login(client, prescribing_reviewer)

    listed = {row.pk for row in client.get(reverse("review-queue")).context["page"]}

    assert others.pk in listed and own.pk not in listed


# ================================================================ item 2: no privilege escalation in the user admin


def _user_url(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def _user_form(page) -> dict:
    """The user change form as rendered; its dates are two inputs each (date, time) in the local time zone."""
    data = rendered_data(page)
    for name in ("date_joined", "last_login"):
        if data.get(name):
            moment = timezone.localtime(dt.datetime.fromisoformat(data.pop(name)))
            data[f"{name}_0"], data[f"{name}_1"] = f"{moment:%Y-%m-%d}", f"{moment:%H:%M:%S}"
    return data


def _roles(user) -> tuple:
    """(superuser, staff, active, groups, own permissions) as stored."""
    user.refresh_from_db()
    groups = sorted(user.groups.values_list("name", flat=True))
    return user.is_superuser, user.is_staff, user.is_active, groups, list(user.user_permissions.all())


def _group_ids(*names) -> list[str]:
    return [str(pk) for pk in Group.objects.filter(name__in=names).values_list("pk", flat=True)]


def _administrators_permission_ids() -> list[str]:
    return [str(pk) for pk in Group.objects.get(name=ADMINISTRATOR).permissions.values_list("pk", flat=True)[:3]]


def test_an_administrator_cannot_make_themselves_superuser_or_change_their_own_roles(client, administrator):
    login(client, administrator)
    page = client.get(_user_url(administrator))
    data = _user_form(page)
    data.update(
        is_superuser="on",
        is_staff="on",
        groups=_group_ids(ADMINISTRATOR, REVIEWER, PRESCRIBER),
        user_permissions=_administrators_permission_ids(),
        first_name="Ada",
    )

    response = client.post(_user_url(administrator), data)

    assert response.status_code == 302  # their own name is theirs to change; the roles are not there to post
    assert _roles(administrator) == (False, True, True, [ADMINISTRATOR], [])
    assert administrator.first_name == "Ada"


def test_an_administrator_cannot_grant_superuser_staff_or_permissions_to_another_user(client, administrator, reviewer):
    login(client, administrator)
    data = _user_form(client.get(_user_url(reviewer)))
    data.update(is_superuser="on", is_staff="on", user_permissions=_administrators_permission_ids())

    client.post(_user_url(reviewer), data)

    assert _roles(reviewer) == (False, False, True, [REVIEWER], [])


def test_an_administrator_gives_other_roles_but_not_the_administrator_group(client, administrator, reviewer):
    login(client, administrator)
    data = _user_form(client.get(_user_url(reviewer)))
    data.update(groups=_group_ids(REVIEWER, ADMINISTRATOR))

    refused = client.post(_user_url(reviewer), data)

    assert refused.status_code == 200
    assert MSG_ADMINISTRATOR_GROUP in refused.content.decode()
    assert _roles(reviewer) == (False, False, True, [REVIEWER], [])
    data.update(groups=_group_ids(REVIEWER, PRESCRIBER))  # the administrator's ordinary work still goes through
    assert client.post(_user_url(reviewer), data).status_code == 302
    assert _roles(reviewer) == (False, False, True, [PRESCRIBER, REVIEWER], [])


@pytest.mark.parametrize("target", ["superuser", "other_administrator"])
def test_an_administrator_cannot_change_a_superuser_or_another_administrator(
    client, request, django_user_model, administrator, target
):
    user = (
        request.getfixturevalue("superuser")
        if target == "superuser"
        else _user(django_user_model, "second_admin", ADMINISTRATOR, staff=True)
    )
    before = _roles(user)
    login(client, administrator)
    data = _user_form(client.get(_user_url(user)))  # view permission: the page shows, read-only
    data.update(is_active="", groups=[])

    assert client.post(_user_url(user), data).status_code == 403
    password = reverse("admin:auth_user_password_change", args=[user.pk])
    assert client.post(password, {"password1": "Taken0ver!x", "password2": "Taken0ver!x"}).status_code == 403
    assert _roles(user) == before
    assert user.check_password(f"{user.username}-pass-9x!")


def test_an_administrator_cannot_edit_the_roles_permissions(client, administrator):
    group = Group.objects.get(name=ADMINISTRATOR)
    count = group.permissions.count()
    login(client, administrator)
    url = reverse("admin:auth_group_change", args=[group.pk])

    assert client.post(url, {"name": ADMINISTRATOR, "permissions": []}).status_code == 403
    assert group.permissions.count() == count


# ================================================================ item 3: revocation is final


def _call(token: str):
    return Client().post(API, FEP_RA, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def revoked(prescriber, policy_data):
    token, raw = ApiToken.issue(user=prescriber, name="practice system")
    assert _call(raw).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token, raw


def test_clearing_a_revocation_in_the_admin_leaves_the_token_revoked(client, superuser, revoked):
    token, raw = revoked
    revoked_at = token.revoked_at
    login(client, superuser)
    url = reverse("admin:accounts_apitoken_change", args=[token.pk])
    data = rendered_data(client.get(url))
    data.pop("revoked_at", None)  # two inputs (date, time) where it is editable
    data.update(name="practice system, renamed", revoked_at_0="", revoked_at_1="")

    assert client.post(url, data).status_code == 302  # saved: the name changed, the revocation did not

    token.refresh_from_db()
    assert token.name == "practice system, renamed"
    assert token.revoked_at == revoked_at
    response = _call(raw)
    assert response.status_code == 401 and response.json() == {"errors": {"auth": [MSG_TOKEN]}}


def test_clearing_a_revocation_through_the_model_is_refused(revoked):
    token, raw = revoked
    revoked_at = token.revoked_at

    token.revoked_at = None
    with pytest.raises(PermissionError, match=MSG_REVOCATION_FINAL):
        token.save()
    with pytest.raises(PermissionError, match=MSG_REVOCATION_FINAL):
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=None)
    token.revoked_at = revoked_at + timezone.timedelta(days=365)
    with pytest.raises(PermissionError, match=MSG_REVOCATION_FINAL):
        token.save()

    token.refresh_from_db()
    assert token.revoked_at == revoked_at
    assert _call(raw).status_code == 401


# ================================================================ item 4: API tokens belong to prescribers


@pytest.mark.parametrize("role", ["reviewer", "policy_staff", "administrator", "superuser", "no_role"])
def test_a_token_is_issued_to_prescribers_only(request, role):
    user = request.getfixturevalue(role)

    with pytest.raises(CommandError, match=re.escape(MSG_TOKEN_FOR_PRESCRIBERS.format(username=user.username))):
        call_command("create_api_token", user.username, stdout=StringIO())
    assert not ApiToken.objects.filter(user=user).exists()


def test_the_token_of_a_user_who_is_no_longer_a_prescriber_is_refused(prescriber, policy_data):
    # A prescriber's token, then the account moved to the reviewer role: no second factor guards a token.
    out = StringIO()
    call_command("create_api_token", prescriber.username, stdout=out)
    raw = out.getvalue().strip()
    assert _call(raw).status_code == 200
    prescriber.groups.set([Group.objects.get(name=REVIEWER)])

    response = _call(raw)

    assert response.status_code == 403
    assert response.json() == {"errors": {"auth": [MSG_API_PRESCRIBERS_ONLY]}}


@pytest.mark.parametrize("role", ["reviewer", "administrator", "no_role"])
def test_a_signed_in_user_without_the_prescriber_role_is_refused_by_the_api(client, request, policy_data, role):
    login(client, request.getfixturevalue(role))  # the test client skips the CSRF check: the role is what is tested

    response = client.post(API, FEP_RA, content_type="application/json")

    assert response.status_code == 403
    assert response.json() == {"errors": {"auth": [MSG_API_PRESCRIBERS_ONLY]}}
