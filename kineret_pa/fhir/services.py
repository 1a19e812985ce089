"""The order-sign service: one card per anakinra order, with CRD's coverage information as a system action."""

from __future__ import annotations

import datetime as dt

from kineret_pa.policies.snapshots import PolicyData

from .crd import card_for, card_unknown, coverage_information, hook_request_parse, order_drug_id, policy_for
from .selectors import approval_in_force_get_for_prescriber, crd_policies_list


def order_sign_answer(
    *, data, prescriber_id: int, policy_data: PolicyData, today: dt.date, form_url: str, source_url: str
) -> dict:
    """The CDS Hooks response for an order-sign request. Raises crd.HookRequestError for a request it cannot read.

    An order for a drug no policy governs gets no card; an anakinra order whose coverage names no payer of ours
    gets a card saying coverage could not be determined, and no system action (nothing is asserted)."""
    request = hook_request_parse(data)
    catalog = policy_data.catalog
    policies = None
    cards, actions = [], []
    for order in request.orders:
        drug = order_drug_id(order, catalog.drug_id)
        if drug is None:
            continue
        if policies is None:  # read only when an order names a drug of the catalog
            policies = crd_policies_list()
        governed = [p for p in policies if p.drug_id == drug]
        if not governed:
            continue
        policy = policy_for(request.coverage, drug, policies)
        if policy is None:
            cards.append(
                card_unknown(drug_name=governed[0].drug_name, coverage=request.coverage, source_url=source_url)
            )
            continue
        approval = approval_in_force_get_for_prescriber(
            owner_id=prescriber_id, member_id=request.coverage.member_id or "", policy_code=policy.code, today=today
        )
        extension = coverage_information(policy=policy, coverage=request.coverage, approval=approval, today=today)
        card, action = card_for(
            policy=policy,
            coverage=request.coverage,
            approval=approval,
            order=order,
            extension=extension,
            form_url=form_url,
            source_url=source_url,
        )
        cards.append(card)
        actions.append(action)
    answer: dict = {"cards": cards}
    if actions:
        answer["systemActions"] = actions
    return answer
