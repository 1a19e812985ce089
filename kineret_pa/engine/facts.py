"""The vocabulary of a request: every fact it can state, declared once, with its allowed values and words for people.

A fact is declared here and nowhere else. Its path, type, range or values, label, the form's question and
help, unit and default drive the request parser (`request.py`), the OpenAPI document (`api/openapi.py`), the
prescriber's form (`pa_requests/forms.py`: a field per fact, keyed by path), the reviewer's page
(`contract_rows`), the criteria vocabulary (which facts a `fact_in` criterion may look at) and the reasons'
details. The dotted paths are those of the public determination contract: "dose.quantity" is
{"dose": {"quantity": ...}}. Adding a fact is adding one declaration to `FACTS` below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class EnumFact:
    path: str
    label: str  # words for people: reasons, the reviewer's page, the API's description
    choices: tuple[tuple[object, str], ...]  # (value, words)
    question: str = ""  # what the form asks; blank: the label
    help: str = ""  # the form's help text
    form_words: tuple[tuple[object, str], ...] = ()  # the form's words for the choices, where they differ
    default: object = None  # what the engine takes for a blank answer
    initial: object = None  # what the form preselects (the default when blank)
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

    @property
    def asked(self) -> str:
        return self.question or _capitalized(self.label)

    @property
    def answers(self) -> tuple[tuple[object, str], ...]:
        """(value, words) as the form offers them."""
        return self.form_words or tuple((value, _capitalized(words)) for value, words in self.choices)


@dataclass(frozen=True, slots=True)
class NumberFact:
    path: str
    label: str
    unit: str
    minimum: float
    maximum: float
    minimum_exclusive: bool = False
    integer: bool = False  # the contract refuses fractions
    decimals: int = 2  # the precision the form takes (0: whole numbers)
    question: str = ""
    help: str = ""
    default: float | None = None
    initial: float | None = None

    @property
    def asked(self) -> str:
        return self.question or _capitalized(self.label)

    def range_words(self) -> str:
        low = f"more than {self.minimum:g}" if self.minimum_exclusive else f"at least {self.minimum:g}"
        return f"{low} and at most {self.maximum:g} {self.unit}"


@dataclass(frozen=True, slots=True)
class DataFact:
    """A fact whose values are rows of policy data rather than a list fixed here: a payer's plan options. The
    parser takes the values the catalog holds (`Catalog.fact_values[path]`: code -> words), and the decision
    refuses a value the chosen policy does not offer (`Snapshot.plans`). Policy staff add one in the admin."""

    path: str
    label: str
    source: str  # the rows holding its values: "plans" or "specialties" (policies.models.DATA_FACT_SOURCES)
    question: str = ""
    help: str = ""
    default: object = None
    initial: object = None
    # Words for a blank answer where blank is itself an answer ("no specialist consulted"); empty: blank is
    # unanswered, and a criterion reading it asks for it.
    blank: str = ""
    # As an EnumFact offers them, for code that reads either: the choices come from the data, not from here.
    yes_no: bool = False
    answers: tuple[tuple[object, str], ...] = ()

    @property
    def asked(self) -> str:
        return self.question or _capitalized(self.label)

    def words(self, value: object, known: Mapping[object, str] | None = None) -> str:
        return (known or {}).get(value, str(value))

    @property
    def blank_choice(self) -> str:
        """The form's words for a blank answer that is an answer."""
        return _capitalized(self.blank)


@dataclass(frozen=True, slots=True)
class ContractField:
    """A part of the request that is not one scalar fact: parsed and described by code of its own."""

    name: str
    label: str


def _capitalized(words: str) -> str:
    return words[:1].upper() + words[1:]


YES_NO = ((True, "yes"), (False, "no"))
YES_NO_WORDS = {True: "yes", False: "no", None: "—"}

# The contract's structured fields, in the order the reviewer reads them.
CONTRACT_FIELDS: dict[str, ContractField] = {
    f.name: f
    for f in (
        ContractField("policy", "policy"),
        ContractField("date_of_service", "date of service"),
        # Optional: names a version (its effective date) instead of the one in force, so drafts can be tried.
        ContractField("version", "policy version"),
        ContractField("diagnosis", "diagnosis"),
        ContractField("icd10", "ICD-10-CM code"),
        ContractField("prior_therapies", "prior therapies"),
        ContractField("concomitant_drugs", "concomitant drugs"),
        ContractField("answers", "answers to the indication questions"),
    )
}

# Every fact, in the order the form asks them. A new fact is one more line here (and its test).
FACTS: dict[str, EnumFact | NumberFact | DataFact] = {
    f.path: f
    for f in (
        DataFact("plan", "plan option", "plans", help="Only for policies with plan options (FEP)."),
        EnumFact(
            "benefit",
            "benefit",
            (("pharmacy", "pharmacy benefit"), ("medical", "medical benefit")),
            question="Benefit the claim is adjudicated through",
            initial="pharmacy",
        ),
        EnumFact(
            "request_type",
            "request type",
            (("initial", "initial request"), ("renewal", "renewal (continuation)")),
            question="Request",
            default="initial",
            form_words=(("initial", "New request"), ("renewal", "Renewal (continuation of therapy)")),
        ),
        NumberFact(
            "patient.age_years",
            "age",
            "years",
            0,
            130,
            decimals=0,
            question="Age in years",
            help="Only when the date of birth is not at hand.",
        ),
        NumberFact(
            "patient.weight_kg",
            "weight",
            "kg",
            0,
            400,
            minimum_exclusive=True,
            question="Weight",
            help="Used by this policy's weight-based rules (e.g. CAPS, DIRA).",
        ),
        EnumFact("severity", "disease activity", (("mild", "mild"), ("moderate", "moderate"), ("severe", "severe"))),
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
            question="Latent tuberculosis (TB) test result",
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
            question="Hepatitis B (HBV)",
        ),
        EnumFact(
            "screening.active_infection",
            "active infection",
            YES_NO,
            question="Does the patient have an active bacterial, invasive fungal, viral or other opportunistic "
            "infection?",
            help="Active tuberculosis and active hepatitis B count. A positive latent TB test alone is not an active "
            "infection.",
        ),
        EnumFact(
            "screening.live_vaccine",
            "live vaccines given concurrently",
            YES_NO,
            question="Will live vaccines be given while on Kineret?",
        ),
        EnumFact(
            "screening.anakinra_contraindication",
            "FDA-labeled contraindication to anakinra",
            YES_NO,
            question="Does the patient have an FDA-labeled contraindication to anakinra (hypersensitivity to "
            "E. coli-derived proteins or any component)?",
        ),
        EnumFact(
            "prescriber.is_specialist",
            "prescriber is a specialist in the diagnosis",
            YES_NO,
            question="Are you a specialist in the area of this diagnosis (e.g. a rheumatologist for RA)?",
        ),
        EnumFact(
            "prescriber.consulted_specialist",
            "prescriber consulted a specialist",
            YES_NO,
            question="Have you consulted a specialist in the area of this diagnosis?",
        ),
        # "Prescribed by or in consultation with a rheumatologist or geneticist": the specialties are data. Where
        # a request states only these, the yes/no readings above are derived from them (request.py).
        DataFact("prescriber.specialty", "prescriber's specialty", "specialties", question="Your specialty"),
        DataFact(
            "prescriber.consulted_specialty",
            "specialty of the specialist consulted",
            "specialties",
            question="Specialty of the specialist you consulted",
            blank="no specialist consulted",
        ),
        EnumFact(
            "site_of_care",
            "site of care",
            (("self", "self- or caregiver-administered"), ("provider", "provider-administered")),
            question="Who will administer Kineret?",
        ),
        EnumFact(
            "anakinra_history.within_90_days",
            "anakinra in the past 90 days",
            (
                ("none", "not treated"),
                ("claims", "treated (claims history)"),
                ("prescriber_attested", "treated (prescriber states)"),
                ("samples", "started on samples"),
            ),
            question="Has the patient been treated with anakinra in the past 90 days?",
        ),
        EnumFact(
            "anakinra_history.at_risk_if_changed",
            "at risk if therapy is changed",
            YES_NO,
            question="Is the patient at risk if therapy is changed?",
        ),
        EnumFact(
            "renewal.previously_approved",
            "previously approved by the payer",
            YES_NO,
            question="Was anakinra previously approved by this payer for this patient?",
        ),
        EnumFact(
            "renewal.clinical_benefit",
            "improved or stabilized on anakinra",
            YES_NO,
            question="Has the condition improved or stabilized on anakinra?",
        ),
        EnumFact(
            "car_t_therapy",
            "has been or will be treated with CAR T-cell therapy",
            YES_NO,
            question="Has the patient been, or will the patient be, treated with CAR T-cell therapy?",
        ),
        EnumFact(
            "age_support_provided",
            "prescriber supports use at this age",
            YES_NO,
            question="Have you provided information supporting anakinra at this patient's age for this indication?",
        ),
        EnumFact(
            "preferred_not_appropriate_with_list",
            "all preferred products not appropriate, full list provided",
            YES_NO,
            question="Are ALL preferred products not clinically appropriate, and have you listed every "
            "preferred product tried?",
        ),
        NumberFact(
            "dose.mg_per_day", "dose", "mg/day", 0, 2000, minimum_exclusive=True, question="Daily dose (mg/day)"
        ),
        NumberFact("dose.days_supply", "days supply", "days", 1, 366, integer=True, decimals=0, initial=28),
        EnumFact(
            "dose.channel",
            "dispensing channel",
            (("retail", "retail"), ("home_delivery", "home delivery")),
            default="retail",
        ),
        # {strength_mg}: the policy's product strength, which the form fills in from the policy data.
        NumberFact(
            "dose.quantity",
            "quantity",
            "syringes",
            1,
            5000,
            integer=True,
            decimals=0,
            question="Syringes requested for the days supply",
            help="Blank: calculated from the dose ({strength_mg} mg syringes, a new syringe for each dose).",
        ),
        NumberFact(
            "dose.max_dose_trial_months",
            "months at the maximum labeled dose",
            "months",
            0,
            600,
            decimals=1,
            question="Months tried at the maximum labeled dose with an inadequate response",
        ),
        EnumFact(
            "dose.higher_dose_support_submitted",
            "support for a higher dose submitted",
            YES_NO,
            question="Have you submitted support (clinical trials, phase III studies, guidelines) for a higher "
            "dose or shorter interval?",
        ),
    )
}

# Views of FACTS for the code that wants one type.
ENUM_FACTS: dict[str, EnumFact] = {path: f for path, f in FACTS.items() if isinstance(f, EnumFact)}
NUMBER_FACTS: dict[str, NumberFact] = {path: f for path, f in FACTS.items() if isinstance(f, NumberFact)}
DATA_FACTS: dict[str, DataFact] = {path: f for path, f in FACTS.items() if isinstance(f, DataFact)}

# The contract's shape, derived: scalar facts at the top level, and groups of facts ("dose": {...}).
TOP_LEVEL_FACTS: tuple[str, ...] = tuple(path for path in FACTS if "." not in path)
GROUPS: dict[str, tuple[str, ...]] = {
    group: tuple(path.split(".")[1] for path in FACTS if path.startswith(f"{group}."))
    for group in dict.fromkeys(path.split(".")[0] for path in FACTS if "." in path)
}
TOP_LEVEL: frozenset[str] = frozenset((*CONTRACT_FIELDS, *TOP_LEVEL_FACTS, *GROUPS))

# Not a fact a criterion reads by path (each trial carries it), but validated the same way.
TRIAL_MONTHS = NumberFact(
    "prior_therapies[].months", "duration of the trial", "months", 0, 600, decimals=1, question="Months"
)

OUTCOMES: dict[str, str] = {
    "inadequate_response": "inadequate response",
    "intolerance": "intolerance or hypersensitivity",
    "contraindication": "contraindication",
}

# Optional details of a trial, for criteria that look further than the drug, months and outcome. Each is blank
# unless stated; a criterion that needs one lists "prior_therapies[i].<name>" as missing when it is blank.
# "Maximally tolerated methotrexate (e.g., titrated to 25 mg weekly)": the weekly dose reached, and whether a
# higher dose was not tolerated (then the dose reached is the maximally tolerated one, whatever it is).
TRIAL_WEEKLY_DOSE = NumberFact(
    "prior_therapies[].weekly_dose_mg",
    "weekly dose reached",
    "mg weekly",
    0,
    1000,
    minimum_exclusive=True,
    decimals=1,
    question="Weekly dose reached (mg)",
    help="A weekly drug such as methotrexate: the highest weekly dose the patient took.",
)
TRIAL_HIGHER_DOSE_NOT_TOLERATED = EnumFact(
    "prior_therapies[].higher_dose_not_tolerated",
    "a higher dose was not tolerated",
    YES_NO,
    question="Higher dose not tolerated",
    help="The dose could not be raised further because the patient did not tolerate a higher dose.",
)
# Florida Blue RA 2.d counts "an intolerance to the drug or its excipients, not to the route of administration".
TRIAL_INTOLERANCE_TO = EnumFact(
    "prior_therapies[].intolerance_to",
    "intolerance was to",
    (
        ("drug", "the drug or its excipients"),
        ("route", "the route of administration (e.g. injection-site reactions)"),
    ),
    question="Intolerance was to",
    help="Hypersensitivity is to the drug or its excipients.",
)
# "A 3-month trial ... for this condition": the condition a trial treated, a diagnosis of the catalog. Blank
# unless stated; a criterion that counts only trials for the requested condition asks for it.
TRIAL_INDICATION = DataFact(
    "prior_therapies[].indication",
    "condition treated",
    "diagnoses",
    question="Condition treated",
    help="The condition the drug was taken for.",
)
# FEP Appendix 3 "Actemra (SC)": a list entry may count a trial by one route only; the trial states its route.
TRIAL_ROUTE = EnumFact(
    "prior_therapies[].route",
    "route",
    (("subcutaneous", "subcutaneous (SC)"), ("intravenous", "intravenous (IV)")),
    question="Route",
    help="How the drug was given, where the policy names one route (e.g. Actemra SC).",
)
# A trial's fields beyond its drug and outcome, by their key in a prior_therapies item.
TRIAL_FIELDS: dict[str, EnumFact | NumberFact | DataFact] = {
    spec.path.rpartition(".")[2]: spec
    for spec in (
        TRIAL_MONTHS,
        TRIAL_WEEKLY_DOSE,
        TRIAL_HIGHER_DOSE_NOT_TOLERATED,
        TRIAL_INTOLERANCE_TO,
        TRIAL_INDICATION,
        TRIAL_ROUTE,
    )
}
# Every fact or trial field whose values are data, by its path: the catalog holds the values of each.
DATA_VALUED: dict[str, DataFact] = {
    **DATA_FACTS,
    **{spec.path: spec for spec in TRIAL_FIELDS.values() if isinstance(spec, DataFact)},
}

# Where a blank answer leaves a choice that the computation needs, it takes this value.
DEFAULTS: dict[str, object] = {path: f.default for path, f in FACTS.items() if f.default is not None}

# The one wording of a missing weight, wherever a weight-based rule cannot be computed without it.
MSG_WEIGHT_REQUIRED = "Weight is required for a weight-based dose or quantity rule."


def fact_label(path: str) -> str:
    spec = FACTS.get(path)
    return spec.label if spec else path


def format_number(value: float) -> str:
    return f"{value:g}"


def fact_words(path: str, value: Any, fact_values: Mapping[str, Mapping[Any, str]] | None = None) -> str:
    """A fact's value in words for people: "home delivery", "70 kg", "yes", "Standard Option" (a data fact's
    words from `fact_values`, the catalog's; its code without them)."""
    if value is None:
        return "—"
    spec = FACTS.get(path)
    if isinstance(spec, EnumFact):
        return spec.words(value)
    if isinstance(spec, DataFact):
        return spec.words(value, (fact_values or {}).get(path))
    if isinstance(spec, NumberFact) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{format_number(value)} {spec.unit}"
    return str(value)


def facts_nest(facts: Mapping[str, Any]) -> dict[str, Any]:
    """{"dose.quantity": 28} -> {"dose": {"quantity": 28}}: the contract's shape for dotted paths."""
    nested: dict[str, Any] = {}
    for path, value in facts.items():
        *parents, leaf = path.split(".")
        into = nested
        for part in parents:
            into = into.setdefault(part, {})
        into[leaf] = value
    return nested


def trial_detail_words(trial: Mapping[str, Any], fact_values: Mapping[str, Mapping[Any, str]] | None = None) -> str:
    """A trial's optional details in words (", 15 mg weekly, a higher dose was not tolerated"); "" when none.
    `fact_values`: the catalog's words for the condition treated (its code without them)."""
    words = ""
    route = trial.get("route")
    if route in TRIAL_ROUTE.values:
        words += f", {TRIAL_ROUTE.words(route)}"
    indication = trial.get("indication")
    if isinstance(indication, str):
        words += f", for {TRIAL_INDICATION.words(indication, (fact_values or {}).get(TRIAL_INDICATION.path))}"
    dose = trial.get("weekly_dose_mg")
    if isinstance(dose, (int, float)) and not isinstance(dose, bool):
        words += f", {format_number(dose)} {TRIAL_WEEKLY_DOSE.unit}"
    if trial.get("higher_dose_not_tolerated") is True:
        words += f", {TRIAL_HIGHER_DOSE_NOT_TOLERATED.label}"
    to = trial.get("intolerance_to")
    if to in TRIAL_INTOLERANCE_TO.values:
        words += f", to {TRIAL_INTOLERANCE_TO.words(to)}"
    return words


def _trial_words(trial: Any, fact_values: Mapping[str, Mapping[Any, str]] | None = None) -> str:
    if not isinstance(trial, dict):
        return str(trial)
    months = trial.get("months")
    months = "?" if not isinstance(months, (int, float)) else format_number(months)
    outcome = OUTCOMES.get(trial.get("outcome"), trial.get("outcome"))
    return f"{trial.get('drug')}, {months} months, {outcome}{trial_detail_words(trial, fact_values)}"


def contract_items(
    data: Mapping[str, Any] | None, fact_values: Mapping[str, Mapping[Any, str]] | None = None
) -> list[tuple[str, str, str]]:
    """(key, label, value in words) for each part of a contract request, for the reviewer: the structured fields
    and the facts by their labels, in the vocabulary's order; a key the vocabulary does not know by its name.
    The key says where a row comes from, so the reviewer's page can place it: a structured field's name (every
    answer to an indication question: "answers"), a fact's dotted path, or the unknown key itself.
    `fact_values`: the catalog's words for the facts whose values are data (plans)."""
    data = data or {}
    items: list[tuple[str, str, str]] = []
    for name, spec in CONTRACT_FIELDS.items():
        value = data.get(name)
        if name not in data:
            continue
        if name == "prior_therapies" and isinstance(value, list):
            trials = "; ".join(_trial_words(t, fact_values) for t in value) or "none"
            items.append((name, _capitalized(spec.label), trials))
        elif name == "concomitant_drugs" and isinstance(value, list):
            items.append((name, _capitalized(spec.label), ", ".join(str(drug) for drug in value) or "none"))
        elif name == "answers" and isinstance(value, dict):
            items += [
                (name, f"{_capitalized(spec.label)}: {code}", YES_NO_WORDS.get(answer, str(answer)))
                for code, answer in value.items()
            ]
        else:
            items.append((name, _capitalized(spec.label), fact_words(name, value)))
    for path, spec in FACTS.items():
        group, _, name = path.rpartition(".")
        section = data.get(group) if group else data
        if isinstance(section, dict) and name in section:
            items.append((path, _capitalized(spec.label), fact_words(path, section[name], fact_values)))
    items += [(key, key, str(value)) for key, value in data.items() if key not in TOP_LEVEL]
    return items


def contract_rows(
    data: Mapping[str, Any] | None, fact_values: Mapping[str, Mapping[Any, str]] | None = None
) -> list[tuple[str, str]]:
    """(label, value in words) for each part of a contract request: `contract_items` without the keys."""
    return [(label, words) for _, label, words in contract_items(data, fact_values)]
