"""A version's life as policy staff live it: copy as draft, try it by name, publish it (or be told why not),
compare it, and export everything to files that load back into the same determinations."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from kineret_pa.policies import checks
from kineret_pa.policies import models as m
from kineret_pa.policies import versions as v
from kineret_pa.policies.dump import policy_dump, version_dump
from kineret_pa.policies.loading import policies_load
from kineret_pa.policies.services import MSG_NO_SUCH_VERSION
from tests.conftest import FB_RA, build

FB = "floridablue-09-J0000-45"
TODAY = dt.date(2026, 12, 1)
NEXT = dt.date(2027, 1, 1)
RA_2A = "Table 1 RA 2.a"
# Florida Blue's RA step 2 met by exactly two preferred products after 3 months each (RA 2.a asks for THREE).
TWO_PREFERRED = [
    {"drug": "methotrexate", "months": 3, "outcome": "inadequate_response"},
    {"drug": "Humira", "months": 3, "outcome": "inadequate_response"},
    {"drug": "Enbrel", "months": 3, "outcome": "inadequate_response"},
]


def in_force(code: str) -> m.PolicyVersion:
    return m.PolicyVersion.objects.in_force(dt.date(2026, 6, 15)).get(policy__code=code)


@pytest.fixture
def fb_draft(policy_data, policy_staff):
    return v.version_copy_as_draft(version=in_force(FB), effective_date=NEXT, user=policy_staff)


def _set_ra_2a_count(version, count: int) -> None:
    node = m.CriterionNode.objects.get(version=version, clause=RA_2A)
    node.params = dict(node.params, min_count=count)
    node.save()


# ---------------------------------------------------------------- copy


def test_a_copy_is_a_draft_with_everything_the_version_had(fb_draft):
    source = in_force(FB)
    assert fb_draft.status == "draft" and fb_draft.copied_from == source
    copied, original = version_dump(fb_draft), version_dump(source)
    assert copied.pop("effective_date") == "2027-01-01" and copied.pop("status") == "draft"
    original.pop("effective_date"), original.pop("status")
    assert copied == original


def test_a_copy_on_a_date_the_policy_already_has_is_refused(policy_data, policy_staff):
    with pytest.raises(ValidationError) as error:
        v.version_copy_as_draft(version=in_force(FB), effective_date=dt.date(2026, 1, 1), user=policy_staff)
    assert error.value.message_dict["effective_date"] == [v.MSG_DATE_TAKEN.format(policy=FB, date=dt.date(2026, 1, 1))]


# ---------------------------------------------------------------- a draft tried by name


def test_a_draft_decides_only_requests_that_name_it(fb_draft, determine):
    request = build(FB_RA, prior_therapies=TWO_PREFERRED)
    _set_ra_2a_count(fb_draft, 2)
    assert determine(request)["decision"] == "deny"  # the version in force still asks for three
    named = determine(dict(request, version="2027-01-01"))
    assert named["decision"] == "approve"
    assert named["policy"]["version"] == "2027-01-01"


def test_a_version_the_policy_does_not_have_is_an_input_error_listing_its_versions(fb_draft, determine):
    result = determine(dict(FB_RA, version="2030-01-01"))
    assert result["errors"]["version"] == [
        MSG_NO_SUCH_VERSION.format(code=FB, label="2030-01-01", labels="2026-01-01, 2027-01-01")
    ]


# ---------------------------------------------------------------- publish


def test_publishing_a_passing_draft_ends_the_old_version_the_day_before(fb_draft, policy_staff, determine):
    v.version_publish(version=fb_draft, user=policy_staff, today=TODAY)
    fb_draft.refresh_from_db()
    old = m.PolicyVersion.objects.get(policy__code=FB, effective_date=dt.date(2026, 1, 1))
    assert fb_draft.status == "active" and fb_draft.published_by == policy_staff and fb_draft.published_at
    assert old.end_date == dt.date(2026, 12, 31)
    before = determine(dict(FB_RA, date_of_service="2026-12-31"))
    after = determine(dict(FB_RA, date_of_service="2027-01-01"))
    assert (before["policy"]["version"], after["policy"]["version"]) == ("2026-01-01", "2027-01-01")
    history = fb_draft.history.latest()
    assert history.history_user == policy_staff and history.status == "active"


def test_a_published_version_cannot_be_published_or_changed_again(fb_draft, policy_staff):
    v.version_publish(version=fb_draft, user=policy_staff, today=TODAY)
    with pytest.raises(ValidationError) as error:
        v.version_publish(version=fb_draft, user=policy_staff, today=TODAY)
    assert error.value.messages == [v.MSG_NOT_DRAFT.format(version=fb_draft, status="active")]


def test_publishing_is_refused_while_a_test_case_fails_naming_it(fb_draft, policy_staff):
    _set_ra_2a_count(fb_draft, 2)
    with pytest.raises(ValidationError) as error:
        v.version_publish(version=fb_draft, user=policy_staff, today=TODAY)
    (message,) = error.value.messages
    assert message.startswith("2 test case(s) do not give the expected outcome under this draft: ")
    fb_draft.refresh_from_db()
    assert fb_draft.status == "draft"


def test_publishing_is_refused_for_a_stray_second_root(fb_draft, policy_staff):
    # The bug this guards against: a second, empty root for initial requests replaced the tree and approved.
    m.CriterionNode.objects.create(
        version=fb_draft, key="stray", clause="Stray", text="Empty", kind="all", root_for="initial"
    )
    with pytest.raises(ValidationError) as error:
        v.version_publish(version=fb_draft, user=policy_staff, today=TODAY)
    assert error.value.messages[0] == v.MSG_TREE_PROBLEMS.format(n=3)
    stray_root = checks.MSG_ROOT_DUPLICATE.split("{others}")[0].format(
        request_type="initial", clause="Stray", key="stray"
    )
    assert any(message.startswith(stray_root) for message in error.value.messages)


def test_publishing_with_an_effective_date_in_the_past_is_refused(policy_data, policy_staff):
    draft = v.version_copy_as_draft(version=in_force(FB), effective_date=dt.date(2026, 11, 1), user=policy_staff)
    with pytest.raises(ValidationError) as error:
        v.version_publish(version=draft, user=policy_staff, today=TODAY)
    assert error.value.messages == [v.MSG_DATE_IN_PAST.format(date=dt.date(2026, 11, 1), today=TODAY)]


# ---------------------------------------------------------------- pages


def test_prescribers_and_reviewers_are_refused_the_policy_pages(client, prescriber, reviewer, fb_draft):
    for user in (prescriber, reviewer):
        client.force_login(user)
        for url in (reverse("authoring:versions"), reverse("authoring:version", args=[fb_draft.pk])):
            assert client.get(url).status_code == 403
        response = client.post(reverse("authoring:version-publish", args=[fb_draft.pk]))
        assert response.status_code == 403
    fb_draft.refresh_from_db()
    assert fb_draft.status == "draft"


def test_a_version_that_does_not_exist_is_a_404(client, policy_staff, policy_data):
    client.force_login(policy_staff)
    assert client.get(reverse("authoring:version", args=[999999])).status_code == 404


def test_the_draft_page_flags_the_wording_and_the_failing_cases_after_three_becomes_two(client, policy_staff, fb_draft):
    _set_ra_2a_count(fb_draft, 2)
    client.force_login(policy_staff)
    page = client.get(reverse("authoring:version", args=[fb_draft.pk])).content.decode()
    assert "The wording says THREE but the parameters say 2." in page
    assert "2 of 42 test cases fail under this version." in page
    assert "This draft cannot be published yet" in page


def test_copy_and_publish_through_the_pages(client, policy_staff, policy_data):
    client.force_login(policy_staff)
    source = in_force(FB)
    response = client.post(reverse("authoring:version-copy", args=[source.pk]), {"effective_date": "2099-01-01"})
    draft = m.PolicyVersion.objects.get(policy__code=FB, effective_date=dt.date(2099, 1, 1))
    assert response.url == reverse("authoring:version", args=[draft.pk])
    client.post(reverse("authoring:version-publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "active"


def test_an_expectation_updated_on_the_page_is_recorded_with_who(client, policy_staff, fb_draft):
    case = m.PolicyTestCase.objects.filter(policy__code=FB).first()
    client.force_login(policy_staff)
    prefix = f"case-{case.pk}"
    client.post(
        reverse("authoring:testcase-expectation", args=[case.pk]),
        {"version": fb_draft.pk, f"{prefix}-expected_decision": "refer"},
    )
    case.refresh_from_db()
    assert case.expected_decision == "refer"
    assert case.history.latest().history_user == policy_staff


def test_the_diff_page_says_what_changed_in_words(client, policy_staff, fb_draft):
    _set_ra_2a_count(fb_draft, 2)
    client.force_login(policy_staff)
    page = client.get(reverse("authoring:version-diff", args=[fb_draft.pk])).content.decode()
    assert "3 → 2" in page and RA_2A in page


# ---------------------------------------------------------------- export


def test_an_export_loads_back_into_the_same_policy_data_and_determinations(tmp_path, policy_data, determine):
    before = {policy.code: policy_dump(policy) for policy in m.Policy.objects.all()}
    cases = list(m.PolicyTestCase.objects.select_related("policy"))
    decided = {case.pk: determine(dict(case.request, policy=case.policy.code)) for case in cases}
    call_command("export_policies", str(tmp_path))

    m.QuantityLimit.objects.all().delete()  # limits protect their condition criteria
    m.PolicyTestCase.objects.all().delete()
    m.PolicyVersion.objects.all().delete()
    m.Policy.objects.all().delete()
    policies_load(directory=tmp_path)

    assert {policy.code: policy_dump(policy) for policy in m.Policy.objects.all()} == before
    for case in cases:
        again = determine(dict(case.request, policy=case.policy.code))
        assert again == decided[case.pk], case.name
    assert m.PolicyTestCase.objects.count() == len(cases) >= 60
    exported = json.loads((tmp_path / "test_cases" / f"{FB}.json").read_text())
    assert len(exported) == 42


def test_the_impact_page_is_for_policy_staff_only(client, prescriber, reviewer, policy_staff, fb_draft):
    url = reverse("policy-impact", args=[fb_draft.pk])
    for user in (prescriber, reviewer):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(policy_staff)
    page = client.get(url).content.decode()
    assert "0 requests replayed: 0 unchanged" in page.replace("<strong>", "").replace("</strong>", "")


def test_an_impact_date_range_ending_before_it_starts_is_refused_on_the_field(client, policy_staff, fb_draft):
    client.force_login(policy_staff)
    response = client.get(reverse("policy-impact", args=[fb_draft.pk]), {"since": "2026-06-02", "until": "2026-06-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["until"] == ["The last date must not be before the first."]
    assert response.context["report"] is None
