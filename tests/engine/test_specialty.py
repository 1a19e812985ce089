"""The prescriber's specialty as a fact whose values are data (issue 15, item 9): "prescribed by or in
consultation with a rheumatologist or geneticist" is expressible, and the yes/no readings the seed policies ask
("a specialist in the area of the member's diagnosis") are derived from a stated specialty.

The test catalog (support.py) holds three specialties: rheumatology (RA and the CAPS group), genetics (CAPS)
and dermatology (none of the test diagnoses)."""

from __future__ import annotations

from kineret_pa.engine import determine, parse_request
from kineret_pa.engine.vocabulary import ValidationContext, validate_node

from .support import CATALOG, TODAY, inner, leaf, request, snapshot

RHEUMATOLOGIST_OR_GENETICIST = ["rheumatology", "genetics"]


def _by_or_with() -> object:
    """The clause "prescribed by or in consultation with a rheumatologist or geneticist", as criteria."""
    return inner(
        "root",
        "all",
        inner(
            "specialist",
            "any",
            leaf("by", "fact_in", "1.c", fact="prescriber.specialty", values=RHEUMATOLOGIST_OR_GENETICIST),
            leaf("with", "fact_in", "1.c", fact="prescriber.consulted_specialty", values=RHEUMATOLOGIST_OR_GENETICIST),
            clause="1.c",
        ),
    )


def test_a_rheumatologist_prescribing_meets_by_or_in_consultation_with_a_rheumatologist_or_geneticist():
    result = determine(snapshot(_by_or_with()), request(prescriber={"specialty": "rheumatology"}))

    assert result.decision == "approve"


def test_a_dermatologist_who_consulted_a_geneticist_meets_it():
    req = request(prescriber={"specialty": "dermatology", "consulted_specialty": "genetics"})

    assert determine(snapshot(_by_or_with()), req).decision == "approve"


def test_a_dermatologist_who_consulted_nobody_is_denied_without_asking_for_the_consultation():
    result = determine(snapshot(_by_or_with()), request(prescriber={"specialty": "dermatology"}))

    assert result.decision == "deny"
    assert result.missing == ()
    details = [r.detail for r in result.reasons if not r.met]
    assert "prescriber's specialty: Dermatologist" in details
    assert "specialty of the specialist consulted: no specialist consulted" in details


def test_a_request_without_the_prescribers_specialty_lists_it_missing():
    result = determine(snapshot(_by_or_with()), request())

    assert result.missing == ("prescriber.specialty",)


def test_a_specialty_the_catalog_does_not_hold_is_refused_naming_those_it_does():
    parsed, errors = parse_request(
        {"policy": "test-policy", "diagnosis": "ra", "prescriber": {"specialty": "podiatry"}}, CATALOG, today=TODAY
    )

    assert parsed is None
    assert errors == {"prescriber.specialty": ["Must be one of: rheumatology, genetics, dermatology."]}


# ---------------------------------------------------------------- the yes/no readings, derived


def test_a_rheumatologist_is_a_specialist_in_the_area_of_ra():
    req = request(prescriber={"specialty": "rheumatology"})

    assert req.fact("prescriber.is_specialist") is True
    assert req.fact("prescriber.consulted_specialist") is False


def test_a_dermatologist_is_not_a_specialist_in_the_area_of_ra():
    assert request(prescriber={"specialty": "dermatology"}).fact("prescriber.is_specialist") is False


def test_a_geneticist_is_a_specialist_in_nomid_through_its_group_caps():
    assert request(diagnosis="nomid", prescriber={"specialty": "genetics"}).fact("prescriber.is_specialist") is True


def test_a_dermatologist_who_consulted_a_rheumatologist_consulted_a_specialist_in_ra():
    req = request(prescriber={"specialty": "dermatology", "consulted_specialty": "rheumatology"})

    assert req.fact("prescriber.consulted_specialist") is True


def test_a_stated_yes_no_answer_stands_over_the_specialty():
    req = request(prescriber={"specialty": "dermatology", "is_specialist": True})

    assert req.fact("prescriber.is_specialist") is True


def test_a_request_without_a_specialty_derives_nothing():
    req = request(prescriber={"is_specialist": False})

    assert req.fact("prescriber.is_specialist") is False
    assert req.fact("prescriber.consulted_specialist") is None


# ---------------------------------------------------------------- policy staff's criteria


def _context(**fact_values) -> ValidationContext:
    return ValidationContext(frozenset(), frozenset(), frozenset(), frozenset(), fact_values=fact_values)


def test_a_criterion_naming_a_specialty_the_data_holds_is_valid():
    specialties = frozenset({"rheumatology", "genetics"})
    params = {"fact": "prescriber.specialty", "values": ["genetics"]}

    assert validate_node("fact_in", params, _context(**{"prescriber.specialty": specialties})) == []


def test_a_criterion_naming_an_unknown_specialty_is_refused():
    specialties = frozenset({"rheumatology"})
    params = {"fact": "prescriber.specialty", "values": ["podiatry"]}

    errors = validate_node("fact_in", params, _context(**{"prescriber.specialty": specialties}))

    assert len(errors) == 1 and "podiatry" in errors[0]
