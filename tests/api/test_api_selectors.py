"""The API's caller and policy data come from the token's one query."""

from kineret_pa.accounts.models import ApiToken
from kineret_pa.api.selectors import api_caller_get
from kineret_pa.policies.models import PolicyDataRevision
from kineret_pa.policies.revision import REVISION_NONE
from kineret_pa.policies.snapshots import policy_data_get


def test_the_token_query_brings_the_policy_data_in_force(policy_data, prescriber, django_assert_num_queries):
    raw = ApiToken.issue(user=prescriber, name="practice system")[1]
    api_caller_get(raw_token=raw)  # the first use records the time: a write
    with django_assert_num_queries(1):
        caller = api_caller_get(raw_token=raw)
    assert (caller.user_id, caller.prescriber) == (prescriber.id, True)
    assert caller.policy_data.revision == PolicyDataRevision.objects.get().value
    assert caller.policy_data is policy_data_get()


def test_no_revision_row_reads_as_the_revision_none(policy_data, prescriber):
    raw = ApiToken.issue(user=prescriber, name="practice system")[1]
    PolicyDataRevision.objects.all().delete()
    assert api_caller_get(raw_token=raw).policy_data.revision == "none" == REVISION_NONE


def test_an_unknown_token_is_no_caller(policy_data):
    assert api_caller_get(raw_token="kpa_not-a-token") is None
