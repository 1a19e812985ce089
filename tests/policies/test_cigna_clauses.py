"""Cigna DQM008 (Kineret Drug Quantity Management – Per Days), clause by clause.

Source: /work/shared/policies/cigna-DQM008-kineret-quantity-limits.txt. A pure quantity
policy: within the base limits (retail 28 per 28 days, home delivery 84 per 84 days) the
requested quantity is approved with no clinical criteria; above them an exception is
covered only under Criteria 1 (CAPS/DIRA, Table 1), 2 (sJIA/Still's) or 3 (CAR T-cell,
one-time), and any other exception is not medically necessary (the base stays: partial).
"""

import pytest

from tests.conftest import CIGNA, DELETE, build, unmet

pytestmark = pytest.mark.django_db

BASE = "Drug Quantity Limits"
CRITERIA = "Criteria"
TABLE_1 = "Criteria 1, Table 1"
YEAR = {"months": 12}
ONE_TIME = {"days": 30}

RETAIL = {"dose.channel": "retail", "dose.days_supply": 28}
HOME = {"dose.channel": "home_delivery", "dose.days_supply": 84}

# Table 1: weight (kg), retail syringes per 28 days, home delivery syringes per 84 days.
TABLE_1_ROWS = [
    (15, 56, 168),
    (20, 56, 168),
    (25, 56, 168),
    (30, 84, 252),
    (35, 84, 252),
    (40, 112, 336),
    (45, 112, 336),
    (50, 112, 336),
    (55, 140, 420),
    (60, 140, 420),
    (65, 168, 504),
    (70, 168, 504),
    (75, 168, 504),
    (80, 196, 588),
    (85, 196, 588),
    (90, 224, 672),
    (95, 224, 672),
    (100, 224, 672),
]
CAPS_OR_DIRA = ["fcas", "mws", "nomid", "cinca", "dira"]


def cigna(*parts, **changes):
    """The Cigna base request with changes; dicts given first (e.g. a channel) are overridden by keywords."""
    merged = {}
    for part in parts:
        merged.update(part)
    merged.update(changes)
    return build(CIGNA, **merged)


def met(result):
    return [r["clause"] for r in result["reasons"] if r["met"]]


def granted(result):
    return result["decision"], result["approved_quantity"], result["per_days"], result["one_time"], result["duration"]


# ------------------------------------------------------------ Drug Quantity Limits (base)


@pytest.mark.parametrize(
    "channel, quantity, days",
    [
        (RETAIL, 28, 28),
        (RETAIL, 14, 28),
        (RETAIL, 1, 28),
        (HOME, 84, 84),
        (HOME, 60, 84),
    ],
)
def test_request_within_base_limit_approves_requested_quantity_without_criteria(determine, channel, quantity, days):
    result = determine(cigna(channel, **{"dose.quantity": quantity, "dose.days_supply": days}))
    assert granted(result) == ("approve", quantity, days, False, YEAR)
    assert unmet(result) == []
    assert met(result) == [BASE]  # no clinical criterion is evaluated within the base limit


# "Retail Maximum Quantity per 28 Days: 28 syringes": a request for another days supply is compared as a rate, and the
# requested quantity is approved over the limit's own period (hand-computed: 14 syringes for 14 days is one a day,
# 28 per 28 days; 10 for 14 days is 20 per 28; 10 for 12 days is 23 1/3, rounded up to whole syringes, 24 per 28).
@pytest.mark.parametrize(
    "channel, quantity, days, approved, per_days",
    [
        ("retail", 14, 14, 28, 28),
        ("retail", 7, 7, 28, 28),
        ("retail", 10, 14, 20, 28),
        ("retail", 10, 12, 24, 28),
        ("retail", 56, 56, 28, 28),
        ("home_delivery", 42, 42, 84, 84),
        ("home_delivery", 30, 60, 42, 84),
    ],
)
def test_request_for_another_days_supply_is_rescaled_to_the_limits_period(
    determine, channel, quantity, days, approved, per_days
):
    result = determine(cigna(**{"dose.channel": channel, "dose.quantity": quantity, "dose.days_supply": days}))
    assert granted(result) == ("approve", approved, per_days, False, YEAR)
    assert met(result) == [BASE]


@pytest.mark.parametrize(
    "channel, quantity, days, base",
    [
        ("retail", 15, 14, 28),  # 30 per 28 days
        ("retail", 29, 28, 28),
        ("home_delivery", 43, 42, 84),  # 86 per 84 days
    ],
)
def test_request_above_the_limits_rate_over_a_shorter_supply_is_partial_at_the_base_limit(
    determine, channel, quantity, days, base
):
    result = determine(cigna(**{"dose.channel": channel, "dose.quantity": quantity, "dose.days_supply": days}))
    assert granted(result) == ("partial", base, base, False, YEAR)
    assert unmet(result) == [CRITERIA, BASE]


@pytest.mark.parametrize("diagnosis", ["ra", "castleman", "ecd", "ici_hlh", "psoriasis", "other"])
def test_any_diagnosis_within_retail_base_limit_is_approved(determine, diagnosis):
    result = determine(cigna(diagnosis=diagnosis))
    assert granted(result) == ("approve", 28, 28, False, YEAR)


@pytest.mark.parametrize("diagnosis", ["nomid", "dira"])
def test_caps_within_base_limit_needs_no_weight(determine, diagnosis):
    result = determine(cigna(diagnosis=diagnosis, **{"patient.weight_kg": None}))
    assert granted(result) == ("approve", 28, 28, False, YEAR)


@pytest.mark.parametrize(
    "channel, quantity, base",
    [
        (RETAIL, 29, 28),
        (RETAIL, 56, 28),
        (RETAIL, 112, 28),
        (HOME, 85, 84),
        (HOME, 168, 84),
    ],
)
def test_ra_above_base_limit_is_partial_at_base_limit_other_exceptions_not_medically_necessary(
    determine, channel, quantity, base
):
    result = determine(cigna(**channel, **{"dose.quantity": quantity}))
    assert granted(result) == ("partial", base, base, False, YEAR)
    assert unmet(result) == [CRITERIA, BASE]


@pytest.mark.parametrize("diagnosis", ["castleman", "ecd", "ici_hlh", "gout", "other"])
def test_other_diagnosis_above_base_limit_fails_only_the_exception_criteria_partial_at_28(determine, diagnosis):
    result = determine(cigna(diagnosis=diagnosis, **{"dose.quantity": 56}))
    assert granted(result) == ("partial", 28, 28, False, YEAR)
    assert unmet(result) == [CRITERIA, BASE]


# ------------------------------------------------------------ Criteria 1: CAPS / DIRA, Table 1


@pytest.mark.parametrize("diagnosis", CAPS_OR_DIRA)
def test_caps_or_dira_above_base_meets_criteria_1_and_approves_requested_quantity_under_row_cap(determine, diagnosis):
    # 31 kg uses the 35 kg row: 84 per 28 days at retail.
    result = determine(cigna(diagnosis=diagnosis, **{"patient.weight_kg": 31, "dose.quantity": 70}))
    assert granted(result) == ("approve", 70, 28, False, YEAR)
    assert met(result) == [CRITERIA, "Criteria 1", TABLE_1]
    assert "35 kg row" in result["reasons"][-1]["detail"]


@pytest.mark.parametrize("diagnosis", CAPS_OR_DIRA)
def test_caps_or_dira_above_row_cap_is_partial_at_row_cap(determine, diagnosis):
    result = determine(cigna(diagnosis=diagnosis, **{"patient.weight_kg": 31, "dose.quantity": 100}))
    assert granted(result) == ("partial", 84, 28, False, YEAR)
    assert unmet(result) == [TABLE_1]
    assert "Criteria 1" in met(result)


@pytest.mark.parametrize("weight, retail, home", TABLE_1_ROWS)
def test_table_1_row_retail_caps_the_28_day_quantity(determine, weight, retail, home):
    at_cap = determine(cigna(diagnosis="nomid", **RETAIL, **{"patient.weight_kg": weight, "dose.quantity": retail}))
    assert granted(at_cap) == ("approve", retail, 28, False, YEAR)
    under = determine(cigna(diagnosis="nomid", **RETAIL, **{"patient.weight_kg": weight, "dose.quantity": retail - 1}))
    assert granted(under) == ("approve", retail - 1, 28, False, YEAR)
    above = determine(cigna(diagnosis="nomid", **RETAIL, **{"patient.weight_kg": weight, "dose.quantity": retail + 1}))
    assert granted(above) == ("partial", retail, 28, False, YEAR)
    assert unmet(above) == [TABLE_1]


@pytest.mark.parametrize("weight, retail, home", TABLE_1_ROWS)
def test_table_1_row_home_delivery_caps_the_84_day_quantity(determine, weight, retail, home):
    at_cap = determine(cigna(diagnosis="dira", **HOME, **{"patient.weight_kg": weight, "dose.quantity": home}))
    assert granted(at_cap) == ("approve", home, 84, False, YEAR)
    under = determine(cigna(diagnosis="dira", **HOME, **{"patient.weight_kg": weight, "dose.quantity": home - 1}))
    assert granted(under) == ("approve", home - 1, 84, False, YEAR)
    above = determine(cigna(diagnosis="dira", **HOME, **{"patient.weight_kg": weight, "dose.quantity": home + 1}))
    assert granted(above) == ("partial", home, 84, False, YEAR)
    assert unmet(above) == [TABLE_1]


@pytest.mark.parametrize(
    "weight, row, retail, home",
    [
        (10.5, 15, 56, 168),
        (12, 15, 56, 168),
        (15.1, 20, 56, 168),
        (26, 30, 84, 252),
        (31, 35, 84, 252),
        (36, 40, 112, 336),
        (52.5, 55, 140, 420),
        (61, 65, 168, 504),
        (76, 80, 196, 588),
        (86, 90, 224, 672),
        (99.9, 100, 224, 672),
    ],
)
def test_weight_between_two_rows_uses_the_higher_weight_row(determine, weight, row, retail, home):
    result = determine(cigna(diagnosis="mws", **RETAIL, **{"patient.weight_kg": weight, "dose.quantity": 999}))
    assert granted(result) == ("partial", retail, 28, False, YEAR)
    assert f"{row} kg row" in result["reasons"][-1]["detail"]
    result = determine(cigna(diagnosis="mws", **HOME, **{"patient.weight_kg": weight, "dose.quantity": 2000}))
    assert granted(result) == ("partial", home, 84, False, YEAR)


@pytest.mark.parametrize("weight", [3, 8, 10])
@pytest.mark.parametrize("channel, base", [(RETAIL, 28), (HOME, 84)])
def test_caps_at_or_below_10_kg_base_limit_suffices_partial_at_base(determine, weight, channel, base):
    result = determine(cigna(diagnosis="nomid", **channel, **{"patient.weight_kg": weight, "dose.quantity": base * 2}))
    assert granted(result) == ("partial", base, base, False, YEAR)
    assert unmet(result) == [TABLE_1]
    assert "Criteria 1" in met(result)


@pytest.mark.parametrize("weight", [100.5, 101, 150])
@pytest.mark.parametrize("channel, quantity", [(RETAIL, 56), (HOME, 168)])
def test_caps_above_100_kg_is_referred_to_the_um_pharmacist(determine, weight, channel, quantity):
    result = determine(cigna(diagnosis="fcas", **channel, **{"patient.weight_kg": weight, "dose.quantity": quantity}))
    assert granted(result) == ("refer", None, None, False, None)
    assert unmet(result) == [TABLE_1]


def test_caps_above_100_kg_within_base_limit_is_approved(determine):
    result = determine(cigna(diagnosis="nomid", **{"patient.weight_kg": 120}))
    assert granted(result) == ("approve", 28, 28, False, YEAR)


@pytest.mark.parametrize("diagnosis", ["nomid", "dira"])
@pytest.mark.parametrize("blank", [None, DELETE])
def test_caps_above_base_without_weight_is_an_input_error_naming_weight(determine, diagnosis, blank):
    result = determine(cigna(diagnosis=diagnosis, **{"patient.weight_kg": blank, "dose.quantity": 56}))
    assert set(result) == {"errors"}
    assert list(result["errors"]) == ["patient.weight_kg"]


# ------------------------------------------------------------ Criteria 2: sJIA / Still's disease


@pytest.mark.parametrize("diagnosis", ["sjia", "aosd"])
@pytest.mark.parametrize(
    "channel, requested, cap, days",
    [(RETAIL, 42, 56, 28), (RETAIL, 56, 56, 28), (HOME, 120, 168, 84), (HOME, 168, 168, 84)],
)
def test_stills_disease_above_base_meets_criteria_2_and_approves_requested_quantity(
    determine, diagnosis, channel, requested, cap, days
):
    result = determine(cigna(diagnosis=diagnosis, **channel, **{"dose.quantity": requested}))
    assert granted(result) == ("approve", requested, days, False, YEAR)
    assert met(result) == [CRITERIA, "Criteria 2", "Criteria 2"]


@pytest.mark.parametrize("diagnosis", ["sjia", "aosd"])
@pytest.mark.parametrize(
    "channel, requested, cap, days",
    [(RETAIL, 57, 56, 28), (RETAIL, 84, 56, 28), (HOME, 169, 168, 84), (HOME, 252, 168, 84)],
)
def test_stills_disease_above_criteria_2_cap_is_partial_at_cap(determine, diagnosis, channel, requested, cap, days):
    result = determine(cigna(diagnosis=diagnosis, **channel, **{"dose.quantity": requested}))
    assert granted(result) == ("partial", cap, days, False, YEAR)
    assert unmet(result) == ["Criteria 2"]


def test_stills_criteria_2_needs_no_weight(determine):
    result = determine(cigna(diagnosis="sjia", **{"patient.weight_kg": None, "dose.quantity": 56}))
    assert granted(result) == ("approve", 56, 28, False, YEAR)


# ------------------------------------------------------------ Criteria 3: CAR T-cell, one-time


@pytest.mark.parametrize(
    "changes",
    [
        {"car_t_therapy": True},  # has been or will be treated with CAR T-cell therapy (any diagnosis)
        {"diagnosis": "car_t", "car_t_therapy": False},
        {"diagnosis": "car_t", "car_t_therapy": DELETE},
    ],
)
@pytest.mark.parametrize("quantity, days", [(29, 28), (56, 14), (112, 28), (112, 30)])
def test_car_t_meets_criteria_3_one_time_override_for_requested_quantity(determine, changes, quantity, days):
    result = determine(cigna(**changes, **{"dose.quantity": quantity, "dose.days_supply": days}))
    assert granted(result) == ("approve", quantity, 30, True, ONE_TIME)
    assert "Criteria 3" in met(result) and unmet(result) == []


@pytest.mark.parametrize("changes", [{"car_t_therapy": True}, {"diagnosis": "car_t"}])
@pytest.mark.parametrize("quantity", [113, 200])
def test_car_t_above_112_is_partial_one_time_at_112(determine, changes, quantity):
    result = determine(cigna(**changes, **{"dose.quantity": quantity, "dose.days_supply": 30}))
    assert granted(result) == ("partial", 112, 30, True, ONE_TIME)
    assert unmet(result) == ["Criteria 3"]


def test_car_t_home_delivery_above_base_is_one_time_override_up_to_112(determine):
    result = determine(cigna(HOME, car_t_therapy=True, **{"dose.quantity": 100, "dose.days_supply": 20}))
    assert granted(result) == ("approve", 100, 30, True, ONE_TIME)


def test_ra_not_treated_with_car_t_above_base_fails_criteria_3_partial_at_base(determine):
    result = determine(cigna(car_t_therapy=False, **{"dose.quantity": 100, "dose.days_supply": 30}))
    assert granted(result) == ("partial", 28, 28, False, YEAR)
    assert unmet(result) == [CRITERIA, BASE]


def test_car_t_within_base_limit_is_an_ordinary_approval_not_one_time(determine):
    result = determine(cigna(diagnosis="car_t"))
    assert granted(result) == ("approve", 28, 28, False, YEAR)


# ------------------------------------------------------------ durations and reasons


@pytest.mark.parametrize(
    "changes, duration",
    [
        ({}, YEAR),
        ({"dose.quantity": 56}, YEAR),
        ({"diagnosis": "nomid", "patient.weight_kg": 40, "dose.quantity": 112}, YEAR),
        ({"diagnosis": "aosd", "dose.quantity": 56}, YEAR),
        ({"car_t_therapy": True, "dose.quantity": 56}, ONE_TIME),
    ],
)
def test_approvals_last_one_year_and_one_time_approvals_30_days(determine, changes, duration):
    assert determine(cigna(**changes))["duration"] == duration


def test_cigna_reasons_carry_policy_identity(determine):
    result = determine(CIGNA)
    assert result["policy"]["code"] == "cigna-dqm008"
    assert result["policy"]["version"]
    assert result["missing"] == []


def test_more_than_one_exception_met_applies_the_first_in_policy_order(determine):
    # docs/policy-notes.md: "More than one exception met: the first in policy order (1, 2, 3) is applied."
    result = determine(cigna(diagnosis="sjia", car_t_therapy=True, **{"dose.quantity": 56}))
    assert granted(result) == ("approve", 56, 28, False, YEAR)
    assert "Criteria 2" in met(result) and "Criteria 3" not in met(result)


# ------------------------------------------------------------ renewal

# DQM008 has no renewal section and no clinical criterion: a renewal is decided by the same limits and exceptions,
# and no infection, TB or hepatitis B answer is asked or read.
NO_SCREENING = {"screening.tb": "not_tested", "screening.hbv": "not_evaluated", "screening.active_infection": True}


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({}, ("approve", 28, 28, False, YEAR)),
        ({"dose.quantity": 56}, ("partial", 28, 28, False, YEAR)),
        ({"diagnosis": "aosd", "dose.quantity": 56}, ("approve", 56, 28, False, YEAR)),
    ],
    ids=["within-base", "above-base-ra", "stills-criteria-2"],
)
def test_renewal_is_decided_by_the_quantity_limits_whatever_the_screening(determine, changes, expected):
    result = determine(cigna(RETAIL, NO_SCREENING, request_type="renewal", **changes))
    assert granted(result) == expected
    assert result["missing"] == []


def test_the_form_asks_no_screening_for_a_renewal(asked):
    needed = asked("cigna-dqm008", diagnosis="ra", request_type="renewal")
    assert {"screening.tb", "screening.hbv", "screening.active_infection"}.isdisjoint(needed)
