"""The facts a request can state, with their allowed values and words for people.

One place for each fact: the request parser, the criteria vocabulary (which facts a
`fact_in` criterion may look at), the form and the reasons' details all read this.
The dotted paths are those of the public determination contract.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class EnumFact:
    path: str
    label: str
    choices: tuple[tuple[object, str], ...]  # (value, words)
    # Derived once here: the parser checks them for every fact of every request.
    values: tuple[object, ...] = field(init=False)
    yes_no: bool = field(init=False)  # answered true or false rather than with one of several words

    def __post_init__(self) -> None:
        values = tuple(value for value, _ in self.choices)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "yes_no", values == (True, False))

    def words(self, value: object) -> str:
        for choice, words in self.choices:
            if choice == value and type(choice) is type(value):
                return words
        return str(value)


@dataclass(frozen=True, slots=True)
class NumberFact:
    path: str
    label: str
    unit: str
    minimum: float
    maximum: float
    minimum_exclusive: bool = False
    integer: bool = False


YES_NO = ((True, "yes"), (False, "no"))

ENUM_FACTS: dict[str, EnumFact] = {
    f.path: f
    for f in (
        EnumFact("plan", "plan option", (("standard", "Standard Option"), ("basic", "Basic Option"), ("blue_focus", "Blue Focus"))),
        EnumFact("benefit", "benefit", (("pharmacy", "pharmacy benefit"), ("medical", "medical benefit"))),
        EnumFact("request_type", "request type", (("initial", "initial request"), ("renewal", "renewal (continuation)"))),
        EnumFact("severity", "disease activity", (("mild", "mild"), ("moderate", "moderate"), ("severe", "severe"))),
        EnumFact("prescriber.is_specialist", "prescriber is a specialist in the diagnosis", YES_NO),
        EnumFact("prescriber.consulted_specialist", "prescriber consulted a specialist", YES_NO),
        EnumFact(
            "screening.tb",
            "latent TB result",
            (
                ("negative", "negative"),
                ("positive_treated", "positive, treatment completed"),
                ("positive_in_treatment", "positive, receiving treatment"),
                ("positive_untreated", "positive, not treated"),
                ("not_tested", "not tested"),
            ),
        ),
        EnumFact(
            "screening.hbv",
            "hepatitis B",
            (
                ("not_at_risk", "not at risk"),
                ("ruled_out", "at risk, infection ruled out"),
                ("treatment_started", "at risk, treatment initiated"),
                ("not_evaluated", "at risk, not ruled out"),
            ),
        ),
        EnumFact("screening.active_infection", "active infection", YES_NO),
        EnumFact("screening.live_vaccine", "live vaccines given concurrently", YES_NO),
        EnumFact("screening.anakinra_contraindication", "FDA-labeled contraindication to anakinra", YES_NO),
        EnumFact("dose.channel", "dispensing channel", (("retail", "retail"), ("home_delivery", "home delivery"))),
        EnumFact("dose.higher_dose_support_submitted", "support for a higher dose submitted", YES_NO),
        EnumFact("site_of_care", "site of care", (("self", "self- or caregiver-administered"), ("provider", "provider-administered"))),
        EnumFact(
            "anakinra_history.within_90_days",
            "anakinra in the past 90 days",
            (
                ("none", "not treated"),
                ("claims", "treated (claims history)"),
                ("prescriber_attested", "treated (prescriber states)"),
                ("samples", "started on samples"),
            ),
        ),
        EnumFact("anakinra_history.at_risk_if_changed", "at risk if therapy is changed", YES_NO),
        EnumFact("renewal.previously_approved", "previously approved by the payer", YES_NO),
        EnumFact("renewal.clinical_benefit", "improved or stabilized on anakinra", YES_NO),
        EnumFact("car_t_therapy", "has been or will be treated with CAR T-cell therapy", YES_NO),
        EnumFact("age_support_provided", "prescriber supports use at this age", YES_NO),
        EnumFact("preferred_not_appropriate_with_list", "all preferred products not appropriate, full list provided", YES_NO),
    )
}

NUMBER_FACTS: dict[str, NumberFact] = {
    f.path: f
    for f in (
        NumberFact("patient.age_years", "age", "years", 0, 130),
        NumberFact("patient.weight_kg", "weight", "kg", 0, 400, minimum_exclusive=True),
        NumberFact("dose.mg_per_day", "dose", "mg/day", 0, 2000, minimum_exclusive=True),
        NumberFact("dose.quantity", "quantity", "syringes", 1, 5000, integer=True),
        NumberFact("dose.days_supply", "days supply", "days", 1, 366, integer=True),
        NumberFact("dose.max_dose_trial_months", "months at the maximum labeled dose", "months", 0, 600),
    )
}

# Not a fact a criterion reads by path (each trial carries it), but validated the same way.
TRIAL_MONTHS = NumberFact("prior_therapies[].months", "duration of the trial", "months", 0, 600)

OUTCOMES: dict[str, str] = {
    "inadequate_response": "inadequate response",
    "intolerance": "intolerance or hypersensitivity",
    "contraindication": "contraindication",
}

# Where a blank form leaves a choice that the computation needs, it takes this value.
DEFAULTS: dict[str, object] = {"request_type": "initial", "dose.channel": "retail"}


def fact_label(path: str) -> str:
    spec = ENUM_FACTS.get(path) or NUMBER_FACTS.get(path)
    return spec.label if spec else path


def format_number(value: float) -> str:
    return f"{value:g}"
