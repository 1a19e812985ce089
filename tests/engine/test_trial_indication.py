"""A prior trial's condition (issue 15, item 10): "a 3-month trial of methotrexate for this condition" counts
only a trial taken for the condition requested (or a group it belongs to); a trial whose condition is blank is
asked about, and a trial for another condition is named as not counted. Without the rule any trial counts."""

import pytest

from kineret_pa.engine import determine, parse_request
from kineret_pa.engine.snapshot import DrugListSnap
from kineret_pa.engine.vocabulary import LEAF_KINDS, ValidationContext, validate_node

from .support import CATALOG, TODAY, inner, leaf, request, snapshot

METHOTREXATE = DrugListSnap("mtx", "Methotrexate", "1.a", ((2, False),))
FOR_THIS_CONDITION = dict(
    lists=["mtx"], outcomes=["inadequate_response"], min_count=1, min_months=3, for_this_condition=True
)


def mtx(**details):
    return {"drug": "methotrexate", "months": 4, "outcome": "inadequate_response", **details}


def decide(params, trials, diagnosis="ra"):
    root = inner("root", "all", leaf("t", "trials", "1.a", **params))
    return determine(snapshot(root, lists={"mtx": METHOTREXATE}), request(diagnosis=diagnosis, prior_therapies=trials))


@pytest.mark.parametrize(
    "trial, decision, missing",
    [
        (mtx(indication="ra"), "approve", ()),
        (mtx(indication="gout"), "deny", ()),
        (mtx(), "deny", ("prior_therapies[0].indication",)),
    ],
    ids=["for-ra", "for-gout", "condition-blank"],
)
def test_a_trial_counts_only_for_the_condition_requested(trial, decision, missing):
    result = decide(FOR_THIS_CONDITION, [trial])

    assert (result.decision, result.missing) == (decision, missing)


def test_a_trial_for_another_condition_is_named_as_not_counted():
    result = decide(FOR_THIS_CONDITION, [mtx(indication="gout")])

    assert result.reasons[1].detail == (
        "no qualifying trial — needs 1 of Methotrexate (inadequate response, at least 3 months, for the condition "
        "requested); not counted: methotrexate 4 months, inadequate response, for Gout"
    )


def test_a_counted_trial_names_its_condition():
    result = decide(FOR_THIS_CONDITION, [mtx(indication="ra")])

    assert result.reasons[1].detail.startswith("methotrexate 4 months, inadequate response, for Rheumatoid arthritis")


def test_without_the_rule_a_trial_for_any_condition_counts_and_none_is_asked():
    params = {k: v for k, v in FOR_THIS_CONDITION.items() if k != "for_this_condition"}

    assert decide(params, [mtx(indication="gout")]).decision == "approve"
    assert decide(params, [mtx()]).missing == ()


def test_the_criterion_reads_the_trials_condition_only_with_the_rule():
    reads = LEAF_KINDS["trials"].reads

    assert reads(FOR_THIS_CONDITION, snapshot(), "ra") == ("prior_therapies", "prior_therapies[].indication")
    assert reads({"lists": ["mtx"]}, snapshot(), "ra") == ("prior_therapies",)


def test_a_trials_condition_the_catalog_does_not_hold_is_refused():
    data = {"policy": "test-policy", "diagnosis": "ra", "prior_therapies": [mtx(indication="sciatica")]}

    parsed, errors = parse_request(data, CATALOG, today=TODAY)

    assert parsed is None
    assert errors == {"prior_therapies[0].indication": ["Must be one of: ra, nomid, fcas, gout, other."]}


def test_the_rule_must_be_true_or_false():
    context = ValidationContext(frozenset({"mtx"}), frozenset(), frozenset(), frozenset())

    errors = validate_node("trials", {**FOR_THIS_CONDITION, "for_this_condition": "yes"}, context)

    assert errors == ["Parameter “for_this_condition” must be true or false."]
