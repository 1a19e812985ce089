"""Reads for the CRD service: the payers' policies as plain values, and an approval already in force."""

from __future__ import annotations

import datetime as dt

from kineret_pa.pa_requests.models import APPROVED_STATUSES, PARequest
from kineret_pa.policies.models import DrugName, Policy, normalize_name

from .crd import Approval, PolicyRef


def crd_policies_list() -> list[PolicyRef]:
    """Every policy with its payer, plans and drug's brand: three queries, whatever the number of payers."""
    rows = Policy.objects.select_related("payer", "drug").prefetch_related("plans", "drug__names")
    policies = []
    for policy in rows:
        brands = [n.name for n in policy.drug.names.all() if n.kind == DrugName.Kind.BRAND]
        policies.append(
            PolicyRef(
                code=policy.code,
                number=policy.number,
                title=policy.title,
                kind=policy.kind,
                drug_id=policy.drug_id,
                drug_name=brands[0] if brands else policy.drug.generic_name,
                payer_name=policy.payer.name,
                payer_keys=frozenset({normalize_name(policy.payer.name), normalize_name(policy.payer.slug)}),
                plans={plan.code: plan.name for plan in policy.plans.all()},
            )
        )
    return policies


def approval_in_force_get_for_prescriber(
    *, owner_id: int, member_id: str, policy_code: str, today: dt.date
) -> Approval | None:
    """This prescriber's approved request for the member under the policy, in force today; another
    prescriber's approval is not theirs to quote on an order (the PA number is the request's)."""
    if not member_id:
        return None
    row = (
        PARequest.objects.filter(
            owner_id=owner_id,
            status__in=APPROVED_STATUSES,
            member_id=member_id.strip(),
            policy_version__policy__code=policy_code,
            expires_on__gte=today,
            decided_at__date__lte=today,
        )
        .order_by("-expires_on")
        .values_list("id", "expires_on")
        .first()
    )
    return Approval(PARequest.number_for(row[0]), row[1]) if row else None
