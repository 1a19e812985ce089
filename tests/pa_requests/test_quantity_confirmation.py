"""A quantity more than one syringe away from what the dose and days supply come to is asked about: refused once,
in figures, with a box to confirm it; confirmed, it is taken as typed. Nothing typed is lost."""

from __future__ import annotations

import pytest

from kineret_pa.pa_requests import forms as f

from .walk import DOSE, SCENARIOS, checked_value, input_value, text, walk_to
from .wizard_support import next_step, post_step, step_url

# Cigna's syringes hold 100 mg: 100 mg a day is one syringe a day, 28 for 28 days.
FAR = "100 mg a day for 28 days comes to 28 syringes; you entered 1400. Confirm the quantity or correct it."


@pytest.fixture
def at_dose(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["cigna_approved"], stop="dose")
    return draft


def confirmation_box(response) -> str | None:
    """The confirmation box's <input> tag, if the page shows one."""
    page = response.content.decode()
    start = page.find('type="checkbox" name="dose-quantity_confirmed"')
    return None if start < 0 else page[page.rfind("<", 0, start) : page.index(">", start) + 1]


def test_a_quantity_far_from_the_dose_is_refused_in_figures_and_everything_typed_is_kept(owner_client, at_dose):
    response = post_step(owner_client, at_dose, "dose", {**DOSE, "quantity": "1400"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"quantity": [FAR]}
    assert FAR == f.MSG_QUANTITY_CONFIRM.format(mg_per_day="100", days="28 days", syringes="28 syringes", quantity=1400)
    assert FAR in text(response)
    box = confirmation_box(response)
    assert box is not None and "checked" not in box and 'value="1400"' in box
    assert "Yes, the quantity is what I mean" in text(response)
    assert input_value(response, "dose-mg_per_day") == "100"
    assert input_value(response, "dose-days_supply") == "28"
    assert input_value(response, "dose-quantity") == "1400"
    assert checked_value(response, "dose-channel") == "retail"
    at_dose.refresh_from_db()
    assert at_dose.wizard["step"] == "dose"
    assert at_dose.wizard["step_data"]["dose"]["dose-quantity"] == ["1400"]


def test_a_confirmed_quantity_is_taken_as_typed(owner_client, at_dose):
    response = post_step(owner_client, at_dose, "dose", {**DOSE, "quantity": "1400", "quantity_confirmed": "1400"})

    assert next_step(response) == "review"
    review = text(owner_client.get(response.url))
    assert "Syringes requested for the days supply 1400" in review
    assert "Yes, the quantity is what I mean" not in review  # the tick is not an answer of the request


def test_a_confirmed_quantity_shows_its_box_ticked_when_the_step_is_opened_again(owner_client, at_dose):
    post_step(owner_client, at_dose, "dose", {**DOSE, "quantity": "1400", "quantity_confirmed": "1400"})

    page = owner_client.get(step_url(at_dose, "dose"))

    box = confirmation_box(page)
    assert box is not None and "checked" in box
    assert FAR not in text(page)


def test_a_tick_given_for_another_quantity_confirms_nothing(owner_client, at_dose):
    response = post_step(owner_client, at_dose, "dose", {**DOSE, "quantity": "1500", "quantity_confirmed": "1400"})

    assert response.context["form"].errors == {
        "quantity": [
            "100 mg a day for 28 days comes to 28 syringes; you entered 1500. Confirm the quantity or correct it."
        ]
    }
    assert "checked" not in confirmation_box(response)


@pytest.mark.parametrize("quantity", ["27", "28", "29"])
def test_a_quantity_within_one_syringe_is_taken_without_asking(owner_client, at_dose, quantity):
    response = post_step(owner_client, at_dose, "dose", {**DOSE, "quantity": quantity})

    assert next_step(response) == "review"


@pytest.mark.parametrize("quantity", ["26", "30"])
def test_a_quantity_two_syringes_away_is_asked_about(owner_client, at_dose, quantity):
    response = post_step(owner_client, at_dose, "dose", {**DOSE, "quantity": quantity})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["quantity"]


def test_one_day_and_one_syringe_are_worded_in_the_singular(owner_client, at_dose):
    response = post_step(owner_client, at_dose, "dose", {**DOSE, "days_supply": "1", "quantity": "5"})

    assert response.context["form"].errors["quantity"] == [
        "100 mg a day for 1 day comes to 1 syringe; you entered 5. Confirm the quantity or correct it."
    ]


def test_a_dose_of_two_syringes_a_day_counts_two_a_day(owner_client, at_dose):
    # 150 mg is more than one 100 mg syringe: a new syringe for each dose, 2 a day, 56 for 28 days.
    response = post_step(owner_client, at_dose, "dose", {**DOSE, "mg_per_day": "150", "quantity": "28"})

    assert response.context["form"].errors["quantity"] == [
        "150 mg a day for 28 days comes to 56 syringes; you entered 28. Confirm the quantity or correct it."
    ]
    assert next_step(post_step(owner_client, at_dose, "dose", {**DOSE, "mg_per_day": "150", "quantity": "56"}))


def test_calculate_replaces_a_quantity_far_from_the_dose(owner_client, at_dose):
    response = post_step(owner_client, at_dose, "dose", {**DOSE, "quantity": "1400"}, button={"wizard_calculate": "1"})

    assert response.status_code == 200
    assert input_value(response, "dose-quantity") == "28"
    assert FAR not in text(response)


def test_a_blank_quantity_is_the_calculators_and_not_asked_about(owner_client, at_dose):
    response = post_step(owner_client, at_dose, "dose", {**DOSE, "quantity": ""})

    assert next_step(response) == "review"
