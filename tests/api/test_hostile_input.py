"""Input that once crashed the API (500) and `manage.py determine` (traceback): each is a 400 / exit 2
in the contract's error shape, naming the field."""

import io
import json
import sys

import pytest
from django.core.management import call_command

from kineret_pa.accounts.models import ApiToken
from kineret_pa.api.management.commands.determine import MSG_TOO_DEEP as CLI_TOO_DEEP
from kineret_pa.api.views import MSG_TOO_DEEP
from kineret_pa.engine.request import MSG_NOT_BOOL, MSG_UNKNOWN_FIELD
from tests.conftest import FEP_RA

URL = "/api/v1/determinations"
HUGE = "1" + "0" * 400  # an integer of 401 digits: valid JSON, beyond any float (about 1.8e308)
OUTCOME_MESSAGE = "Must be one of: inadequate_response, intolerance, contraindication."
TRIAL = '{"drug": "methotrexate", "months": 6, "outcome": "inadequate_response"}'


def with_(fragment: str) -> str:
    """FEP_RA as JSON text with `fragment` (raw JSON members) added at the top level."""
    return json.dumps(FEP_RA)[:-1] + ", " + fragment + "}"


def without(*keys: str) -> dict:
    return {k: v for k, v in FEP_RA.items() if k not in keys}


def body_with(**members: str) -> str:
    """FEP_RA without the named members, which are given instead as raw JSON text."""
    text = json.dumps(without(*members))[:-1]
    return text + "".join(f', "{name}": {raw}' for name, raw in members.items()) + "}"


# (body as JSON text, field path, expected messages); expected values written from the contract.
CASES = {
    "huge integer age": (
        body_with(patient=f'{{"age_years": {HUGE}, "weight_kg": 70}}'),
        "patient.age_years",
        ["Must be at least 0 and at most 130 years."],
    ),
    "huge integer weight": (
        body_with(patient=f'{{"age_years": 45, "weight_kg": {HUGE}}}'),
        "patient.weight_kg",
        ["Must be more than 0 and at most 400 kg."],
    ),
    "huge negative quantity": (
        body_with(dose=f'{{"quantity": -{HUGE}, "days_supply": 28}}'),
        "dose.quantity",
        ["Must be at least 1 and at most 5000 syringes."],
    ),
    "huge dose": (
        body_with(dose=f'{{"mg_per_day": {HUGE}}}'),
        "dose.mg_per_day",
        ["Must be more than 0 and at most 2000 mg/day."],
    ),
    "huge days supply": (
        body_with(dose=f'{{"days_supply": {HUGE}}}'),
        "dose.days_supply",
        ["Must be at least 1 and at most 366 days."],
    ),
    "huge months at maximum dose": (
        body_with(dose=f'{{"max_dose_trial_months": {HUGE}}}'),
        "dose.max_dose_trial_months",
        ["Must be at least 0 and at most 600 months."],
    ),
    "huge trial months": (
        body_with(prior_therapies=f'[{{"drug": "methotrexate", "months": {HUGE}, "outcome": "intolerance"}}]'),
        "prior_therapies[0].months",
        ["Must be at least 0 and at most 600 months."],
    ),
    "outcome is an object": (
        body_with(prior_therapies='[{"drug": "methotrexate", "months": 6, "outcome": {"a": 1}}]'),
        "prior_therapies[0].outcome",
        [OUTCOME_MESSAGE],
    ),
    "outcome is a list": (
        body_with(prior_therapies='[{"drug": "methotrexate", "months": 6, "outcome": ["x"]}]'),
        "prior_therapies[0].outcome",
        [OUTCOME_MESSAGE],
    ),
    "tb result is an object": (
        body_with(screening='{"tb": {"negative": true}}'),
        "screening.tb",
        ["Must be one of: negative, positive_treated, positive_in_treatment, positive_untreated, not_tested."],
    ),
    "plan is a list": (body_with(plan='["standard"]'), "plan", ["Must be one of: standard, basic, blue_focus."]),
    "yes/no fact is a huge integer": (body_with(car_t_therapy=HUGE), "car_t_therapy", [MSG_NOT_BOOL]),
    "lone surrogate as a top-level key": (with_('"\\ud800": 1'), "\\ud800", [MSG_UNKNOWN_FIELD]),
    "lone surrogate as a key in a group": (
        body_with(patient='{"age_years": 45, "\\udfff": 1}'),
        "patient.\\udfff",
        [MSG_UNKNOWN_FIELD],
    ),
    "lone surrogate as a question code": (
        body_with(answers='{"\\ud83d": true}'),
        "answers.\\ud83d",
        ["Unknown question code."],
    ),
    "lone surrogate as a diagnosis": (body_with(diagnosis='"\\ud800"'), "diagnosis", ["Unknown diagnosis: '\\ud800'."]),
    "lone surrogate as a drug": (
        body_with(prior_therapies='[{"drug": "\\ud800x", "outcome": "intolerance"}]'),
        "prior_therapies[0].drug",
        ["Unknown drug: '\\ud800x'. Use a generic or brand name."],
    ),
    "lone surrogate as a policy": (body_with(policy='"\\ud800"'), "policy", ["Unknown policy '\\ud800'."]),
    "lone surrogate as a date": (
        body_with(date_of_service='"\\ud800"'),
        "date_of_service",
        ["Must be a date as YYYY-MM-DD."],
    ),
}
DEEP = {
    "arrays 1,000 deep": "[" * 1000 + "]" * 1000,
    "objects 1,000 deep": '{"a": ' * 1000 + "1" + "}" * 1000,
    "arrays 100,000 deep": "[" * 100_000 + "]" * 100_000,
    "a field 5,000 deep": body_with(answers='{"a": ' * 5000 + "true" + "}" * 5000),
}


@pytest.fixture
def token(prescriber):
    return ApiToken.issue(user=prescriber, name="practice system")[1]


def post(client, token, body: str):
    return client.post(
        URL,
        body.encode("utf-8", "surrogatepass"),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def determine_cli(capsys, monkeypatch, body: str):
    monkeypatch.setattr(sys, "stdin", io.StringIO(body))
    with pytest.raises(SystemExit) as exit_:
        call_command("determine", "-")
    out, err = capsys.readouterr()
    return exit_.value.code, out, err


@pytest.mark.parametrize("body, path, messages", CASES.values(), ids=CASES.keys())
def test_hostile_field_is_a_400_naming_the_field(client, policy_data, token, body, path, messages):
    response = post(client, token, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][path] == messages


@pytest.mark.parametrize("body", DEEP.values(), ids=DEEP.keys())
def test_deeply_nested_json_is_a_400_in_the_error_shape(client, policy_data, token, body):
    response = post(client, token, body)
    assert response.status_code == 400
    assert response.json() == {"errors": {"request": [MSG_TOO_DEEP]}}


@pytest.mark.parametrize("body, path, messages", CASES.values(), ids=CASES.keys())
def test_cli_names_the_hostile_field_on_stderr_and_exits_2(capsys, monkeypatch, policy_data, body, path, messages):
    code, out, err = determine_cli(capsys, monkeypatch, body)
    assert (code, out) == (2, "")
    assert f"{path}: {messages[0]}" in err.splitlines()


@pytest.mark.parametrize("body", DEEP.values(), ids=DEEP.keys())
def test_cli_refuses_deeply_nested_json_with_exit_2(capsys, monkeypatch, policy_data, body):
    assert determine_cli(capsys, monkeypatch, body) == (2, "", CLI_TOO_DEEP + "\n")


def test_cli_batch_with_a_lone_surrogate_key_writes_its_results(capsys, monkeypatch, policy_data):
    # The results go to standard output as UTF-8: the error path must be encodable.
    code, out, err = determine_cli(capsys, monkeypatch, "[" + with_('"\\ud800": 1') + "]")
    assert code == 2
    assert json.loads(out) == [{"errors": {"\\ud800": [MSG_UNKNOWN_FIELD]}}]
    assert "[0] \\ud800: Unknown field." in err.splitlines()
