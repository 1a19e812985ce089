"""The reviewer's page in words: the facts a request states, under the titles of the prescriber's form steps.

Which step a fact belongs to is read from the steps themselves (`StepForm.states`: the structured fields and
facts each step declares it asks), and the titles from the wizard's step list, so a fact added to a step or a
step renamed shows up here without a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kineret_pa.engine.facts import contract_items

from .views import STEPS

# What no step states goes under this heading: a policy version named through the API, a key the vocabulary
# does not know (shown by its name rather than dropped, so the reviewer sees everything that was sent).
OTHER = "Other"
# Under a step the request states nothing of (no prior therapies listed, no indication questions asked).
MSG_NOTHING_STATED = "Nothing stated."


@dataclass(frozen=True)
class FactGroup:
    title: str
    rows: tuple[tuple[str, str], ...]  # (label, value in words)


def _steps_stating() -> tuple[tuple[str, frozenset[str]], ...]:
    """(title, what the step states) for each step that states something, in the form's order."""
    found = []
    for _, step, title in STEPS:
        states = getattr(step, "form", step).states()  # a formset step states what its row form states
        if states:
            found.append((title, states))
    return tuple(found)


STEPS_STATING = _steps_stating()
_STEP_OF = {key: title for title, states in reversed(STEPS_STATING) for key in states}  # the first step wins


def facts_by_step(
    data: Mapping[str, Any] | None, fact_values: Mapping[str, Mapping[Any, str]] | None = None
) -> list[FactGroup]:
    """The request's rows (engine `contract_items`) under the title of the step that states them, steps in the
    form's order and rows in the vocabulary's. Every step that states facts is listed, with no rows when the
    request states none of it: the reviewer reads that nothing was stated there rather than looking for it.
    "Other" follows only when it has rows."""
    grouped: dict[str, list[tuple[str, str]]] = {title: [] for title, _ in STEPS_STATING}
    grouped[OTHER] = []
    for key, label, words in contract_items(data, fact_values):
        grouped[_STEP_OF.get(key, OTHER)].append((label, words))
    return [FactGroup(title, tuple(rows)) for title, rows in grouped.items() if rows or title != OTHER]
