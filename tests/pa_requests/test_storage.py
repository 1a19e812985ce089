"""DraftStorage: the form's step data lives in the draft row, not in the session."""

from django.test import Client

from kineret_pa.pa_requests.models import PARequest

from .walk import SCENARIOS, input_value, step_fields, walk_to
from .wizard_support import post_step, start, step_url


def test_step_data_is_kept_in_the_draft_row(owner_client, draft):
    post_step(owner_client, draft, "policy", step_fields("policy", SCENARIOS["fep_approved"]))

    draft.refresh_from_db()
    assert draft.wizard["step"] == "patient"
    assert draft.wizard["step_data"]["policy"]["policy-policy"] == ["fep-5.70.050"]
    assert draft.wizard["step_data"]["policy"]["policy-plan"] == ["standard"]


def test_nothing_of_the_form_is_kept_in_the_session(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["fep_approved"], stop="therapies")

    session = owner_client.session
    assert not [key for key in session.keys() if "wizard" in key]
    assert "MBR-1001" not in str(dict(session.items()))


def test_a_new_session_sees_the_same_answers(owner_client, owner, draft):
    walk_to(owner_client, draft, SCENARIOS["fep_approved"], stop="diagnosis")
    post_step(owner_client, draft, "diagnosis", {"diagnosis": "Rheum"}, button={"wizard_save_exit": "1"})
    owner_client.logout()

    fresh = Client()
    fresh.force_login(owner)
    patient = fresh.get(step_url(draft, "patient"))
    diagnosis = fresh.get(step_url(draft, "diagnosis"))

    assert input_value(patient, "patient-member_id") == "MBR-1001"
    assert input_value(patient, "patient-patient_name") == "Zoë Ağaoğlu"
    assert input_value(diagnosis, "diagnosis-diagnosis") == "Rheum"  # unfinished input too


def test_resuming_in_a_new_session_opens_the_step_last_worked_on(owner_client, owner, draft):
    walk_to(owner_client, draft, SCENARIOS["cigna_approved"], stop="diagnosis")
    owner_client.logout()

    fresh = Client()
    fresh.force_login(owner)
    response = fresh.get(f"/requests/{draft.pk}/")

    assert response.url == step_url(draft, "diagnosis")


def test_a_page_view_that_changes_nothing_writes_nothing(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["cigna_approved"], stop="diagnosis")
    owner_client.get(step_url(draft, "patient"))  # moves the current step: saved
    before = PARequest.objects.get(pk=draft.pk).updated_at

    owner_client.get(step_url(draft, "patient"))

    assert PARequest.objects.get(pk=draft.pk).updated_at == before


def test_two_drafts_keep_separate_answers(owner_client):
    first, second = start(owner_client), start(owner_client)
    post_step(owner_client, first, "policy", step_fields("policy", SCENARIOS["fep_approved"]))
    post_step(owner_client, second, "policy", step_fields("policy", SCENARIOS["cigna_approved"]))

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.wizard["step_data"]["policy"]["policy-policy"] == ["fep-5.70.050"]
    assert second.wizard["step_data"]["policy"]["policy-policy"] == ["cigna-dqm008"]
