"""Bad input is named by its field, never an exception."""

import datetime as dt

import pytest

from kineret_pa.engine import parse_request
from kineret_pa.engine.request import MSG_BAD_DATE, MSG_NOT_BOOL, MSG_UNKNOWN_FIELD, MSG_UNKNOWN_QUESTION

from .support import CATALOG, TODAY


def errors_of(data):
    request, errors = parse_request({"policy": "p", "diagnosis": "ra", **data}, CATALOG, today=TODAY)
    assert (request is None) == bool(errors)
    return errors


@pytest.mark.parametrize(
    "data, path",
    [
        ({"patient": {"weight_kg": 0}}, "patient.weight_kg"),
        ({"patient": {"weight_kg": 900}}, "patient.weight_kg"),
        ({"patient": {"age_years": -1}}, "patient.age_years"),
        ({"patient": {"age_years": "forty"}}, "patient.age_years"),
        ({"patient": {"age_years": True}}, "patient.age_years"),
        ({"dose": {"quantity": 2.5}}, "dose.quantity"),
        ({"dose": {"channel": "mail"}}, "dose.channel"),
        ({"screening": {"active_infection": "no"}}, "screening.active_infection"),
        ({"screening": {"tb": "maybe"}}, "screening.tb"),
        ({"prior_therapies": [{"drug": "Notadrug", "months": 3, "outcome": "intolerance"}]}, "prior_therapies[0].drug"),
        ({"prior_therapies": [{"drug": "mtx", "months": -1, "outcome": "intolerance"}]}, "prior_therapies[0].months"),
        ({"prior_therapies": [{"drug": "mtx", "months": 3}]}, "prior_therapies[0].outcome"),
        ({"prior_therapies": "mtx"}, "prior_therapies"),
        ({"concomitant_drugs": ["folic acid", "unobtainium"]}, "concomitant_drugs[1]"),
        ({"date_of_service": "15/06/2026"}, "date_of_service"),
        ({"diagnosis": "lupus"}, "diagnosis"),
        ({"diagnosis": "caps"}, "diagnosis"),
        ({"wieght_kg": 70}, "wieght_kg"),
        ({"patient": {"weight": 70}}, "patient.weight"),
        ({"answers": {"nope": True}}, "answers.nope"),
        ({"answers": {"q_yes": "yes"}}, "answers.q_yes"),
        ({"icd10": "M05.79", "diagnosis": "gout"}, "icd10"),
        ({"icd10": "not a code"}, "icd10"),
    ],
)
def test_bad_field_is_named(data, path):
    assert path in errors_of(data)


def test_messages_are_words_a_person_reads():
    errors = errors_of({"screening": {"live_vaccine": "no"}, "extra": 1, "answers": {"nope": True}})
    assert errors["screening.live_vaccine"] == [MSG_NOT_BOOL]
    assert errors["extra"] == [MSG_UNKNOWN_FIELD]
    assert errors["answers.nope"] == [MSG_UNKNOWN_QUESTION]


def test_every_problem_is_reported_at_once():
    assert len(errors_of({"patient": {"age_years": -3, "weight_kg": 0}, "dose": {"channel": "x"}})) == 3


@pytest.mark.parametrize("code, diagnosis", [("M05.79", "ra"), ("m057a", "ra"), ("M05.7A", "ra")])
def test_icd10_alone_resolves_its_diagnosis(code, diagnosis):
    request, errors = parse_request({"policy": "p", "icd10": code}, CATALOG, today=TODAY)
    assert not errors and request.diagnosis == diagnosis


def test_icd10_that_names_two_diagnoses_needs_the_diagnosis():
    _, errors = parse_request({"policy": "p", "icd10": "L50.8"}, CATALOG, today=TODAY)
    assert "icd10" in errors


def test_no_diagnosis_and_no_code_is_an_error():
    _, errors = parse_request({"policy": "p"}, CATALOG, today=TODAY)
    assert "diagnosis" in errors


def test_not_an_object_is_an_error():
    for data in ([], "x", 3, None):
        _, errors = parse_request(data, CATALOG, today=TODAY)
        assert errors == {"request": ["Must be a JSON object."]}


def test_date_defaults_to_today_and_blank_choices_take_form_defaults():
    request, _ = parse_request({"policy": "p", "diagnosis": "ra"}, CATALOG, today=TODAY)
    assert request.date_of_service == TODAY
    assert request.request_type == "initial" and request.channel == "retail"
    assert request.prior_therapies is None and request.concomitant_drugs == ()


@pytest.mark.parametrize(
    "value", ["20260115", "2026-W03-4", "2026-015", "2026-01-15T00:00", "2026-01-15\n", "2026-1-5"]
)
def test_date_of_service_other_than_yyyy_mm_dd_is_refused(value):
    assert errors_of({"date_of_service": value}) == {"date_of_service": [MSG_BAD_DATE]}


def test_date_of_service_more_than_a_year_ahead_is_refused_with_the_latest_date():
    assert errors_of({"date_of_service": "2027-06-16"}) == {
        "date_of_service": ["Must be no later than 2027-06-15: a date of service at most a year ahead."]
    }


def test_date_of_service_exactly_a_year_ahead_is_accepted():
    data = {"policy": "p", "diagnosis": "ra", "date_of_service": "2027-06-15"}
    request, errors = parse_request(data, CATALOG, today=TODAY)
    assert errors == {} and request.date_of_service == dt.date(2027, 6, 15)


def test_a_year_after_29_february_is_28_february():
    _, errors = parse_request(
        {"policy": "p", "diagnosis": "ra", "date_of_service": "2029-03-01"}, CATALOG, today=dt.date(2028, 2, 29)
    )
    assert errors == {"date_of_service": ["Must be no later than 2029-02-28: a date of service at most a year ahead."]}
