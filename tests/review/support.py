"""Submitted requests made through the same services the form uses."""

from __future__ import annotations

from kineret_pa.pa_requests.models import PARequest
from kineret_pa.pa_requests.services import pa_request_create, pa_request_submit
from tests.conftest import FEP_RA, build
from tests.pa_requests.wizard_support import profile_for


def submitted(owner, data=None, *, urgency="standard") -> PARequest:
    profile = getattr(owner, "prescriber_profile", None) or profile_for(owner)
    draft = pa_request_create(owner=owner)
    return pa_request_submit(
        pa_request_id=draft.pk,
        owner=owner,
        contract_request=data or build(FEP_RA),
        answers={},
        urgency=urgency,
        patient_name="Pat Doe",
        member_id="M-1",
        profile=profile,
    )


def pended(owner, **kwargs) -> PARequest:
    """An FEP RA request for a 17-year-old: unmet Diagnoses 1.a, so it pends to a reviewer."""
    pa = submitted(owner, build(FEP_RA, **{"patient.age_years": 17}), **kwargs)
    assert pa.status == PARequest.Status.PENDED
    return pa
