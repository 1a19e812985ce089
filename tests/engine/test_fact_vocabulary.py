"""A fact is declared once, in engine/facts.py, and everything that handles facts is derived from it.

These tests enumerate the vocabulary and check that each fact reaches every place it must: the parser accepts it
at its contract path and refuses a value out of its range, the OpenAPI document describes it, the prescriber's
form has exactly one field for it, and the reviewer reads it by its label. A fact added to the vocabulary is
covered here without another line; a place that stops deriving from the vocabulary fails here."""

from __future__ import annotations

import datetime as dt

import pytest

from kineret_pa.engine import decide, parse_request
from kineret_pa.engine.facts import (
    DEFAULTS,
    FACTS,
    GROUPS,
    MSG_WEIGHT_REQUIRED,
    TOP_LEVEL,
    TRIAL_FIELDS,
    DataFact,
    EnumFact,
    NumberFact,
    contract_rows,
    facts_nest,
)
from kineret_pa.engine.snapshot import QuantityLimitSnap
from kineret_pa.policies.models import DATA_FACT_SOURCES

from .support import CATALOG, TABLE, TODAY, inner, leaf, request, snapshot

PATHS = list(FACTS)


def sample(spec: EnumFact | NumberFact | DataFact) -> object:
    """A value the fact accepts."""
    if isinstance(spec, DataFact):
        return next(iter(CATALOG.fact_values[spec.path]))
    if isinstance(spec, EnumFact):
        return spec.values[0]
    return int(spec.minimum) + 1 if spec.integer else spec.maximum / 2


def out_of_range(spec: EnumFact | NumberFact | DataFact) -> object:
    if isinstance(spec, DataFact):
        return "no such value"
    if isinstance(spec, EnumFact):
        return "no such value" if not spec.yes_no else "yes"
    return spec.maximum + 1


# ---------------------------------------------------------------- the contract's shape


def test_the_contract_keys_and_groups_are_those_of_the_vocabulary():
    assert TOP_LEVEL == {
        "policy",
        "plan",
        "benefit",
        "request_type",
        "date_of_service",
        "version",
        "patient",
        "diagnosis",
        "icd10",
        "severity",
        "prescriber",
        "prior_therapies",
        "concomitant_drugs",
        "screening",
        "dose",
        "site_of_care",
        "anakinra_history",
        "renewal",
        "car_t_therapy",
        "age_support_provided",
        "preferred_not_appropriate_with_list",
        "answers",
    }
    assert {group: set(names) for group, names in GROUPS.items()} == {
        "patient": {"age_years", "weight_kg"},
        "prescriber": {"is_specialist", "consulted_specialist", "specialty", "consulted_specialty"},
        "screening": {"tb", "hbv", "active_infection", "live_vaccine", "anakinra_contraindication"},
        "dose": {
            "mg_per_day",
            "quantity",
            "days_supply",
            "channel",
            "max_dose_trial_months",
            "higher_dose_support_submitted",
        },
        "anakinra_history": {"within_90_days", "at_risk_if_changed"},
        "renewal": {"previously_approved", "clinical_benefit"},
    }
    assert DEFAULTS == {"request_type": "initial", "dose.channel": "retail"}


def test_dotted_facts_nest_into_the_contract_shape():
    assert facts_nest({"plan": "basic", "dose.quantity": 28, "dose.channel": "retail", "answers.q_yes": True}) == {
        "plan": "basic",
        "dose": {"quantity": 28, "channel": "retail"},
        "answers": {"q_yes": True},
    }


# ---------------------------------------------------------------- the parser


@pytest.mark.parametrize("path", PATHS)
def test_the_parser_accepts_each_fact_at_its_contract_path(path):
    value = sample(FACTS[path])

    parsed = request(**facts_nest({path: value}))

    assert parsed.fact(path) == value


@pytest.mark.parametrize("path", PATHS)
def test_the_parser_refuses_each_fact_out_of_its_range_under_its_path(path):
    data = {"policy": "test-policy", "diagnosis": "ra", **facts_nest({path: out_of_range(FACTS[path])})}

    parsed, errors = parse_request(data, CATALOG, today=TODAY)

    assert parsed is None and list(errors) == [path]


# ---------------------------------------------------------------- the OpenAPI document


def _document() -> dict:
    from kineret_pa.api.openapi import openapi_document

    return openapi_document(
        catalog=CATALOG, snapshots={"test-policy": snapshot()}, dates=(TODAY, TODAY + dt.timedelta(days=365))
    )


@pytest.mark.parametrize("path", PATHS)
def test_the_openapi_document_describes_each_fact_as_the_parser_checks_it(path):
    properties = _document()["components"]["schemas"]["Request"]["properties"]
    group, _, name = path.rpartition(".")
    if group:
        assert properties[group]["additionalProperties"] is False
        schema = properties[group]["properties"][name]
    else:
        schema = properties[name]

    spec = FACTS[path]
    assert spec.label in schema["description"]
    if isinstance(spec, NumberFact):
        assert schema["maximum"] == spec.maximum
    elif isinstance(spec, DataFact):  # the catalog's values: every payer's plans
        assert schema["enum"] == [*CATALOG.fact_values[path], None]
    elif spec.yes_no:
        assert schema["type"] == ["boolean", "null"]
    else:
        assert schema["enum"] == [*spec.values, None]


def test_the_openapi_document_has_no_key_the_parser_refuses():
    properties = _document()["components"]["schemas"]["Request"]["properties"]

    assert set(properties) == TOP_LEVEL


# ---------------------------------------------------------------- the prescriber's form


def _forms_asking_everything(policy_data_get):
    """Every step form, built for a context in which the policy looks at every fact."""
    from kineret_pa.pa_requests import forms as f

    everything = frozenset(FACTS)
    context = f.StepContext(
        policy_data=policy_data_get(), snapshot=snapshot(), needs=everything, needs_any=everything, weight_kg=70.0
    )
    steps = (f.PolicyForm, f.PatientForm, f.DiagnosisForm, f.ScreeningForm, f.DoseForm)
    return {form_class.__name__: form_class(context=context) for form_class in steps}


@pytest.mark.django_db
def test_the_form_asks_each_fact_once(policy_data):
    from kineret_pa.policies.snapshots import policy_data_get

    asked: dict[str, list[str]] = {}
    for name, form in _forms_asking_everything(policy_data_get).items():
        for path in form.fact_paths.values():
            asked.setdefault(path, []).append(name)

    assert {path: len(steps) for path, steps in asked.items()} == {path: 1 for path in FACTS}


@pytest.mark.django_db
def test_the_form_asks_each_fact_in_its_declared_words_and_range(policy_data):
    from kineret_pa.policies.snapshots import policy_data_get

    for form in _forms_asking_everything(policy_data_get).values():
        for name, path in form.fact_paths.items():
            spec = FACTS[path]
            if name not in form.fields:  # the weight: asked as a number and a unit, stated in kg by clean()
                assert path == "patient.weight_kg" and form.fields["weight"].label == spec.asked
                continue
            field = form.fields[name]
            assert field.label == spec.asked
            if isinstance(spec, NumberFact):
                assert float(field.max_value) == spec.maximum
            elif isinstance(spec, DataFact) and path != "plan":  # the plan's choices are the chosen policy's
                rows = DATA_FACT_SOURCES[spec.source].objects.order_by("order", "pk").values_list("code", flat=True)
                assert [value for value, _ in field.choices if value != ""] == list(rows)
            elif path != "plan":
                assert [value for value, _ in field.choices if value != ""] == (
                    ["yes", "no"] if spec.yes_no else list(spec.values)
                )


@pytest.mark.django_db
def test_a_fact_of_any_group_asked_on_the_screening_step_is_stated_at_its_path(policy_data, monkeypatch):
    from kineret_pa.pa_requests import forms as f
    from kineret_pa.policies.snapshots import policy_data_get

    monkeypatch.setitem(f.SCREENING_PROMPTS, "patient.pregnant", "Is the patient pregnant?")
    monkeypatch.setitem(
        FACTS,
        "patient.pregnant",
        EnumFact("patient.pregnant", "pregnant", ((True, "yes"), (False, "no")), question="Is the patient pregnant?"),
    )
    context = f.StepContext(policy_data=policy_data_get(), needs=frozenset({"patient.pregnant"}))

    form = f.ScreeningForm({"screening-patient__pregnant": "yes"}, prefix="screening", context=context)

    assert form.fields["patient__pregnant"].label == "Is the patient pregnant?"
    assert form.is_valid() and form.cleaned_data[f.STEP_FACTS] == {"patient.pregnant": True}


# ---------------------------------------------------------------- the reviewer's page


def test_the_reviewer_reads_each_fact_by_its_label():
    every_fact = facts_nest({path: sample(spec) for path, spec in FACTS.items()})

    rows = dict(contract_rows({"policy": "test-policy", "diagnosis": "ra", **every_fact}))

    for spec in FACTS.values():
        assert spec.label[:1].upper() + spec.label[1:] in rows


def test_the_reviewer_reads_values_in_words_and_numbers_with_their_units():
    rows = contract_rows(
        {
            "policy": "fep-5.70.050",
            "date_of_service": "2026-06-15",
            "diagnosis": "ra",
            "prior_therapies": [{"drug": "methotrexate", "months": 6.0, "outcome": "intolerance"}],
            "concomitant_drugs": ["folic acid"],
            "answers": {"q_yes": True},
            "patient": {"weight_kg": 70.5},
            "dose": {"channel": "home_delivery", "quantity": 28},
            "screening": {"live_vaccine": False},
        }
    )

    assert rows == [
        ("Policy", "fep-5.70.050"),
        ("Date of service", "2026-06-15"),
        ("Diagnosis", "ra"),
        ("Prior therapies", "methotrexate, 6 months, intolerance or hypersensitivity"),
        ("Concomitant drugs", "folic acid"),
        ("Answers to the indication questions: q_yes", "yes"),
        ("Weight", "70.5 kg"),
        ("Live vaccines given concurrently", "no"),
        ("Dispensing channel", "home delivery"),
        ("Quantity", "28 syringes"),
    ]


# ---------------------------------------------------------------- one wording of a missing weight


def _per_kg_limit():
    return snapshot(
        limits=[
            QuantityLimitSnap(
                order=1, clause="QL", text="per kg", kind="per_kg", grant="limit", period_days=28, mg_per_kg_day=2.0
            )
        ]
    )


def _weight_table_limit():
    return snapshot(
        limits=[
            QuantityLimitSnap(
                order=1, clause="Table 1", text="table", kind="weight_table", grant="requested", weight_table="t1"
            )
        ],
        tables={"t1": TABLE},
    )


def _per_kg_criterion():
    return snapshot(inner("root", "all", leaf("dose", "dose_mg_per_kg_at_most", mg_per_kg=8)))


@pytest.mark.parametrize("rule", [_per_kg_limit, _weight_table_limit, _per_kg_criterion])
def test_every_weight_based_rule_without_a_weight_says_so_in_one_wording(rule):
    determination, errors = decide(rule(), request(diagnosis="nomid", dose={"mg_per_day": 100}))

    assert determination is None and errors == {"patient.weight_kg": [MSG_WEIGHT_REQUIRED]}


# ---------------------------------------------------------------- a prior trial's fields (facts.TRIAL_FIELDS)

TRIAL = {"drug": "methotrexate", "outcome": "inadequate_response"}


def test_a_trial_has_these_fields_besides_its_drug_and_outcome():
    assert list(TRIAL_FIELDS) == [
        "months",
        "weekly_dose_mg",
        "higher_dose_not_tolerated",
        "intolerance_to",
        "indication",
        "route",
    ]


@pytest.mark.parametrize("name", list(TRIAL_FIELDS))
def test_the_parser_accepts_each_trial_field_in_a_trial(name):
    value = sample(TRIAL_FIELDS[name])

    parsed = request(prior_therapies=[{**TRIAL, name: value}])

    assert getattr(parsed.prior_therapies[0], name) == value


@pytest.mark.parametrize("name", list(TRIAL_FIELDS))
def test_the_parser_refuses_each_trial_field_out_of_its_range_under_its_path(name):
    trial = {**TRIAL, name: out_of_range(TRIAL_FIELDS[name])}
    data = {"policy": "test-policy", "diagnosis": "ra", "prior_therapies": [trial]}

    parsed, errors = parse_request(data, CATALOG, today=TODAY)

    assert parsed is None and list(errors) == [f"prior_therapies[0].{name}"]


@pytest.mark.parametrize("name", list(TRIAL_FIELDS))
def test_the_openapi_document_describes_each_trial_field_as_the_parser_checks_it(name):
    items = _document()["components"]["schemas"]["Request"]["properties"]["prior_therapies"]["items"]
    schema = items["properties"][name]

    spec = TRIAL_FIELDS[name]
    assert items["additionalProperties"] is False and name not in items["required"]
    assert spec.label in schema["description"]
    if isinstance(spec, NumberFact):
        assert schema["maximum"] == spec.maximum
    elif isinstance(spec, DataFact):  # the catalog's values: the conditions a prescriber can choose
        assert schema["enum"] == [*CATALOG.fact_values[spec.path], None]
    elif spec.yes_no:
        assert schema["type"] == ["boolean", "null"]
    else:
        assert schema["enum"] == [*spec.values, None]


@pytest.mark.django_db
def test_the_forms_therapy_row_asks_each_trial_field_in_its_declared_words_where_the_policy_reads_it(policy_data):
    from kineret_pa.pa_requests import forms as f
    from kineret_pa.policies.snapshots import policy_data_get

    every_detail = frozenset(spec.path for spec in TRIAL_FIELDS.values())
    context = f.StepContext(policy_data=policy_data_get(), snapshot=snapshot(), needs=every_detail)
    row = f.TherapyForm(context=context)
    plain = f.TherapyForm(context=f.StepContext(policy_data=policy_data_get(), snapshot=snapshot()))

    assert {name: row.fields[name].label for name in TRIAL_FIELDS} == {
        name: spec.asked for name, spec in TRIAL_FIELDS.items()
    }
    assert [name for name in TRIAL_FIELDS if name in plain.fields] == ["months"]
    assert float(row.fields["weekly_dose_mg"].max_value) == TRIAL_FIELDS["weekly_dose_mg"].maximum
    assert [value for value, _ in row.fields["intolerance_to"].choices if value] == ["drug", "route"]


def test_the_reviewer_reads_a_trials_fields_in_words():
    trial = {**TRIAL, "months": 4, "weekly_dose_mg": 15, "higher_dose_not_tolerated": True}
    intolerance = {"drug": "Enbrel", "months": 0, "outcome": "intolerance", "intolerance_to": "route"}

    rows = dict(contract_rows({"policy": "test-policy", "prior_therapies": [trial, intolerance]}))

    assert rows["Prior therapies"] == (
        "methotrexate, 4 months, inadequate response, 15 mg weekly, a higher dose was not tolerated; "
        "Enbrel, 0 months, intolerance or hypersensitivity, to the route of administration (e.g. injection-site "
        "reactions)"
    )


def test_the_reviewer_reads_a_plan_by_the_name_policy_staff_gave_it():
    rows = dict(contract_rows({"plan": "basic"}, CATALOG.fact_values))

    assert rows["Plan option"] == "Basic Option"


def test_a_plan_without_its_words_reads_as_its_code():
    assert dict(contract_rows({"plan": "basic"}))["Plan option"] == "basic"
