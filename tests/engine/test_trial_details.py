"""A trial's optional details and the trials rules that read them, on small hand-built snapshots.

"Maximally tolerated methotrexate (e.g., titrated to 25 mg weekly)": an inadequate response counts at the weekly
dose a criterion names or more, or at a lower dose when a higher dose was not tolerated. "An intolerance (defined
as an intolerance to the drug or its excipients, not to the route of administration)": an intolerance counts only
when it was to what the criterion names."""

import pytest

from kineret_pa.engine import determine, parse_request
from kineret_pa.engine.snapshot import DrugListSnap
from kineret_pa.engine.vocabulary import LEAF_KINDS, MSG_INTOLERANCE_TO, ValidationContext, validate_node

from .support import CATALOG, LIST, TODAY, inner, leaf, request, snapshot

METHOTREXATE = DrugListSnap("mtx", "Methotrexate", "1.a", ((2, False),))
AT_25_MG = dict(lists=["mtx"], outcomes=["inadequate_response"], min_count=1, min_months=3, min_weekly_dose_mg=25)
TO_THE_DRUG = dict(lists=["biologics"], outcomes=["intolerance"], min_count=2, intolerance_to="drug")
CONTEXT = ValidationContext(frozenset({"mtx"}), frozenset({"ra"}), frozenset(), frozenset())


def mtx(months=4, **details):
    return {"drug": "methotrexate", "months": months, "outcome": "inadequate_response", **details}


def intolerance(drug, **details):
    return {"drug": drug, "outcome": "intolerance", **details}


def decide_trials(params, trials, lists):
    root = inner("root", "all", leaf("t", "trials", "1.a", **params))
    return determine(snapshot(root, lists=lists), request(prior_therapies=trials))


# ---------------------------------------------------------------- the weekly dose reached


@pytest.mark.parametrize(
    "trial, decision, missing",
    [
        (mtx(weekly_dose_mg=25), "approve", ()),
        (mtx(weekly_dose_mg=30), "approve", ()),
        (mtx(weekly_dose_mg=15, higher_dose_not_tolerated=True), "approve", ()),
        (mtx(higher_dose_not_tolerated=True), "approve", ()),  # the dose reached was the most tolerated
        (mtx(weekly_dose_mg=15, higher_dose_not_tolerated=False), "deny", ()),
        (mtx(weekly_dose_mg=15), "deny", ("prior_therapies[0].higher_dose_not_tolerated",)),
        (mtx(), "deny", ("prior_therapies[0].weekly_dose_mg",)),
        (mtx(higher_dose_not_tolerated=False), "deny", ("prior_therapies[0].weekly_dose_mg",)),
        (mtx(months=2, weekly_dose_mg=25), "deny", ()),  # the 3 months still apply
    ],
    ids=[
        "25-mg",
        "30-mg",
        "15-mg-higher-not-tolerated",
        "dose-blank-higher-not-tolerated",
        "15-mg-higher-tolerated",
        "15-mg-higher-blank",
        "dose-blank",
        "dose-blank-higher-tolerated",
        "25-mg-for-2-months",
    ],
)
def test_an_inadequate_response_counts_at_the_weekly_dose_or_the_highest_tolerated(trial, decision, missing):
    result = decide_trials(AT_25_MG, [trial], {"mtx": METHOTREXATE})

    assert (result.decision, result.missing) == (decision, missing)


def test_a_trial_below_the_dose_is_named_as_not_counted():
    result = decide_trials(AT_25_MG, [mtx(weekly_dose_mg=15, higher_dose_not_tolerated=False)], {"mtx": METHOTREXATE})

    assert result.reasons[1].detail == (
        "no qualifying trial — needs 1 of Methotrexate (inadequate response, at least 3 months, at 25 mg weekly or "
        "more or at the highest dose tolerated); not counted: methotrexate 4 months, inadequate response, 15 mg weekly"
    )


def test_the_dose_rule_leaves_an_intolerance_to_methotrexate_as_it_was():
    params = {**AT_25_MG, "outcomes": ["inadequate_response", "intolerance"], "months_exempt_outcomes": ["intolerance"]}

    result = decide_trials(params, [{"drug": "MTX", "outcome": "intolerance"}], {"mtx": METHOTREXATE})

    assert result.decision == "approve"


def test_without_a_dose_rule_any_dose_counts_and_none_is_asked():
    params = {key: value for key, value in AT_25_MG.items() if key != "min_weekly_dose_mg"}

    result = decide_trials(params, [mtx()], {"mtx": METHOTREXATE})

    assert (result.decision, result.missing) == ("approve", ())


# ---------------------------------------------------------------- what an intolerance was to


@pytest.mark.parametrize(
    "trials, decision, missing",
    [
        ([intolerance("Humira", intolerance_to="drug"), intolerance("Enbrel", intolerance_to="drug")], "approve", ()),
        ([intolerance("Humira", intolerance_to="drug"), intolerance("Enbrel", intolerance_to="route")], "deny", ()),
        (
            [intolerance("Humira", intolerance_to="drug"), intolerance("Enbrel")],
            "deny",
            ("prior_therapies[1].intolerance_to",),
        ),
    ],
    ids=["both-to-the-drug", "one-to-the-route", "one-blank"],
)
def test_an_intolerance_to_the_route_does_not_count_where_the_criterion_says_so(trials, decision, missing):
    result = decide_trials(TO_THE_DRUG, trials, {"biologics": LIST})

    assert (result.decision, result.missing) == (decision, missing)


def test_an_intolerance_to_the_route_is_named_as_not_counted():
    trials = [intolerance("Humira", intolerance_to="drug"), intolerance("Enbrel", intolerance_to="route")]

    result = decide_trials(TO_THE_DRUG, trials, {"biologics": LIST})

    assert result.reasons[1].detail == (
        "adalimumab (Humira) intolerance or hypersensitivity, to the drug or its excipients — needs 2 of Biologics "
        "(intolerance or hypersensitivity, an intolerance to the drug or its excipients only); not counted: "
        "etanercept (Enbrel) intolerance or hypersensitivity, to the route of administration (e.g. injection-site "
        "reactions)"
    )


def test_without_the_rule_an_intolerance_to_the_route_counts():
    params = {key: value for key, value in TO_THE_DRUG.items() if key != "intolerance_to"}
    trials = [intolerance("Humira", intolerance_to="route"), intolerance("Enbrel", intolerance_to="route")]

    result = decide_trials(params, trials, {"biologics": LIST})

    assert (result.decision, result.missing) == ("approve", ())


# ---------------------------------------------------------------- the criterion's parameters and reads


@pytest.mark.parametrize(
    "changes, errors",
    [
        ({}, []),
        ({"min_weekly_dose_mg": -1}, ["Parameter “min_weekly_dose_mg” must be a number of 0 or more."]),
        ({"min_weekly_dose_mg": "25"}, ["Parameter “min_weekly_dose_mg” must be a number of 0 or more."]),
        ({"intolerance_to": "drug"}, []),
        ({"intolerance_to": "food"}, [MSG_INTOLERANCE_TO]),
    ],
)
def test_the_dose_and_intolerance_parameters_are_checked_when_saved(changes, errors):
    assert validate_node("trials", {**AT_25_MG, **changes}, CONTEXT) == errors


def test_the_intolerance_message_names_the_values_in_words_policy_staff_enter():
    assert MSG_INTOLERANCE_TO == "Parameter “intolerance_to” must be one of: drug, route."


def test_a_trials_criterion_reads_the_details_its_rules_look_at():
    reads = LEAF_KINDS["trials"].reads
    snap = snapshot()

    assert reads({"lists": ["mtx"]}, snap, "ra") == ("prior_therapies",)
    assert reads(AT_25_MG, snap, "ra") == (
        "prior_therapies",
        "prior_therapies[].weekly_dose_mg",
        "prior_therapies[].higher_dose_not_tolerated",
    )
    assert reads(TO_THE_DRUG, snap, "ra") == ("prior_therapies", "prior_therapies[].intolerance_to")


# ---------------------------------------------------------------- the request's trial details


def test_a_trial_states_its_details():
    trial = mtx(weekly_dose_mg=17.5, higher_dose_not_tolerated=True, intolerance_to="route")

    parsed = request(prior_therapies=[trial]).prior_therapies[0]

    assert (parsed.weekly_dose_mg, parsed.higher_dose_not_tolerated, parsed.intolerance_to) == (17.5, True, "route")


def test_a_trial_without_details_leaves_them_blank():
    parsed = request(prior_therapies=[mtx(), {**mtx(), "weekly_dose_mg": None}]).prior_therapies

    assert [(t.weekly_dose_mg, t.higher_dose_not_tolerated, t.intolerance_to) for t in parsed] == [
        (None, None, None)
    ] * 2


@pytest.mark.parametrize(
    "details, errors",
    [
        (
            {"weekly_dose_mg": 0},
            {"prior_therapies[0].weekly_dose_mg": ["Must be more than 0 and at most 1000 mg weekly."]},
        ),
        ({"weekly_dose_mg": "25"}, {"prior_therapies[0].weekly_dose_mg": ["Must be a number."]}),
        (
            {"higher_dose_not_tolerated": "yes"},
            {"prior_therapies[0].higher_dose_not_tolerated": ["Must be true or false."]},
        ),
        ({"intolerance_to": "needle"}, {"prior_therapies[0].intolerance_to": ["Must be one of: drug, route."]}),
    ],
)
def test_a_trial_detail_out_of_its_range_is_named_under_its_path(details, errors):
    data = {"policy": "test-policy", "diagnosis": "ra", "prior_therapies": [mtx(**details)]}

    assert parse_request(data, CATALOG, today=TODAY) == (None, errors)


# ---------------------------------------------------------------- "including all preferred biosimilars"


@pytest.mark.parametrize(
    "entries, drug, decision",
    [
        (((3, True),), "Hadlima", "approve"),  # every biosimilar counts
        (((3, frozenset({4})),), "Hadlima", "approve"),  # Hadlima is the preferred biosimilar
        (((3, frozenset({99})),), "Hadlima", "deny"),  # another one is preferred
        (((3, False),), "Hadlima", "deny"),  # no biosimilar counts
        (((3, frozenset({99})),), "Humira", "approve"),  # the reference product itself always counts
    ],
    ids=["all", "preferred", "not-preferred", "none", "reference"],
)
def test_a_biosimilar_counts_for_its_reference_only_where_the_entry_admits_it(entries, drug, decision):
    lists = {"pref": DrugListSnap("pref", "Preferred", "App. 3", entries)}
    params = dict(lists=["pref"], outcomes=["inadequate_response"], min_count=1)

    result = decide_trials(params, [{"drug": drug, "months": 4, "outcome": "inadequate_response"}], lists)

    assert result.decision == decision
