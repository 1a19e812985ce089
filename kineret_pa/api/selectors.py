"""Reads for the API: who is calling and the policy data in force, from one query."""

from __future__ import annotations

from dataclasses import dataclass

from kineret_pa.accounts.models import ApiToken
from kineret_pa.policies.revision import revision_from_value, revision_sql
from kineret_pa.policies.snapshots import PolicyData, policy_data_get


@dataclass(frozen=True)
class ApiCaller:
    user_id: int
    prescriber: bool  # whether the token's user has the prescriber role now (roles can change after issue)
    policy_data: PolicyData


def api_caller_get(*, raw_token: str) -> ApiCaller | None:
    """The active token's caller, or None. The policy-data revision is read in the token's query, so an API
    call costs one query once the snapshots are warm: accounts knows tokens, policies knows the revision."""
    use = ApiToken.authenticate(raw_token, also_select=revision_sql())
    if use is None:
        return None
    policy_data = policy_data_get(revision=revision_from_value(use.also_selected))
    return ApiCaller(user_id=use.user_id, prescriber=use.prescriber, policy_data=policy_data)
