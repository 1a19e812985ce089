"""The policy data of a request: one object bound to one revision, read once and passed down."""

import datetime as dt

from kineret_pa.policies.models import CriterionNode, PolicyVersion
from kineret_pa.policies.services import determination_compute
from kineret_pa.policies.snapshots import VersionLookup, VersionProblem, policy_data_get
from tests.conftest import FEP_RA

FEP = "fep-5.70.050"


def test_the_version_in_force_on_a_date_is_found(policy_data):
    fep = PolicyVersion.objects.get(policy__code=FEP, status=PolicyVersion.Status.ACTIVE)
    assert policy_data_get().version_for(FEP, dt.date(2026, 6, 15)) == VersionLookup(fep.id, None)


def test_a_policy_the_data_does_not_hold_is_an_unknown_policy(policy_data):
    lookup = policy_data_get().version_for("no-such-policy", dt.date(2026, 6, 15))
    assert lookup == VersionLookup(None, VersionProblem.UNKNOWN_POLICY)


def test_a_date_before_the_first_version_has_no_version_in_force(policy_data):
    lookup = policy_data_get().version_for(FEP, dt.date(2020, 1, 1))  # FEP's version takes effect on 2025-04-01
    assert lookup == VersionLookup(None, VersionProblem.NO_VERSION_ON_DATE)


def test_requests_under_one_revision_share_one_object_for_one_query_each(policy_data, django_assert_num_queries):
    first = policy_data_get()
    assert first.catalog.drugs  # built: what follows reads only the revision
    with django_assert_num_queries(1):  # the revision, nothing else
        assert policy_data_get() is first


def test_an_edit_gives_the_next_request_new_policy_data_and_leaves_the_one_in_use_whole(policy_data):
    before = policy_data_get()
    version_id = before.version_for(FEP, dt.date(2026, 6, 15)).version_id
    snapshot = before.snapshot(version_id)
    node = CriterionNode.objects.filter(version_id=version_id, kind="trials").first()
    node.params = {**node.params, "min_months": 6}
    node.save()
    after = policy_data_get()
    assert after is not before and after.revision != before.revision
    assert before.snapshot(version_id) is snapshot  # a request in flight keeps deciding on what it started with
    assert after.snapshot(version_id) is not snapshot


def test_a_determination_given_warm_policy_data_reads_nothing_more(policy_data, django_assert_num_queries):
    data = policy_data_get()
    determination_compute(data=FEP_RA, policy_data=data)
    with django_assert_num_queries(0):
        determination, _, errors = determination_compute(data=FEP_RA, policy_data=data)
    assert errors == {} and determination.decision == "approve"
