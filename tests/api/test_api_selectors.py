"""The API's caller and policy data come from the token's one query."""

import pytest
from django.db import connection
from django.utils import timezone

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


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_the_token_query_is_prepared_once_and_still_sees_a_revocation(policy_data, prescriber):
    token, raw = ApiToken.issue(user=prescriber, name="practice system")
    for _ in range(3):
        assert api_caller_get(raw_token=raw) is not None
    assert sum("key_hash" in statement for statement in _prepared_statements()) == 1
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert api_caller_get(raw_token=raw) is None  # a plan is kept, never a row


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_behind_a_transaction_pooler_the_token_query_is_not_prepared(policy_data, prescriber, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # nothing prepared on this connection (the test's rollback resets psycopg's)
    raw = ApiToken.issue(user=prescriber, name="practice system")[1]
    assert api_caller_get(raw_token=raw) is not None
    assert not any("key_hash" in statement for statement in _prepared_statements())
