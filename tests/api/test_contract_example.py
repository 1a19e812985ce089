"""The contract document's own examples, read from ../shared/api/determination-contract.md."""

import json
import re
from pathlib import Path

import pytest

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "api" / "determination-contract.md"


def _examples():
    if not CONTRACT.exists():
        pytest.skip("the shared contract is not beside the repository")
    blocks = re.findall(r"```json\n(.*?)\n```", CONTRACT.read_text(), re.S)
    return json.loads(blocks[0]), json.loads(blocks[1])


def test_fep_contract_example_without_preferred_trials_is_denied_on_1e(determine):
    request, _ = _examples()
    result = determine(request)
    assert result["decision"] == "deny"
    assert [r["clause"] for r in result["reasons"] if not r["met"]][-1] == "Prior-Approval Requirements, Diagnoses 1.e"


def test_response_has_exactly_the_contract_fields(determine):
    request, response = _examples()
    result = determine(request)
    assert set(result) == set(response)
    assert set(result["policy"]) == set(response["policy"])
    assert set(result["reasons"][0]) == set(response["reasons"][0])
    assert result["policy"]["version"] == response["policy"]["version"]


def test_contract_example_with_two_preferred_products_tried_is_approved_for_84_per_84_days(determine):
    request, response = _examples()
    request["prior_therapies"] += [
        {"drug": "Humira", "months": 4, "outcome": "inadequate_response"},
        {"drug": "Xeljanz", "months": 3, "outcome": "intolerance"},
    ]
    result = determine(request)
    assert (result["decision"], result["approved_quantity"], result["per_days"], result["duration"]) == (
        response["decision"],
        response["approved_quantity"],
        response["per_days"],
        response["duration"],
    )
    assert response["reasons"][0]["clause"] in [r["clause"] for r in result["reasons"]]
