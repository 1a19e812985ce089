"""The wizard is built on formtools' public hooks only, and works out its step context once per request.

pyproject allows any django-formtools 2.x: private attributes (its caches of the steps shown and of each
step's cleaned data) change between releases, so neither the wizard nor its storage may name one."""

import ast
import inspect
from pathlib import Path

import formtools.wizard.storage.base
import formtools.wizard.views

from kineret_pa.pa_requests import forms as f
from kineret_pa.pa_requests import storage, views

from .walk import SCENARIOS, step_fields, walk_to
from .wizard_support import post_step, step_url


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_names_of_formtools() -> tuple[set[str], set[str]]:
    """The private names formtools' wizard and base storage define or use on themselves, and the private
    prefixes of the attribute names they build in f-strings (`f"_cleaned_data_cache_{step}"`)."""
    names, prefixes = set(), set()
    for module in (formtools.wizard.views, formtools.wizard.storage.base):
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                names.add(node.attr)
            elif isinstance(node, ast.FunctionDef) and _private(node.name):
                names.add(node.name)
            elif (
                isinstance(node, ast.JoinedStr)
                and isinstance(node.values[0], ast.Constant)
                and _private(node.values[0].value)
            ):
                prefixes.add(node.values[0].value)
    return names, prefixes


def _names_used(path: Path) -> set[str]:
    """The attribute names, method names and string constants of a module of ours."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)
    return names


def test_the_wizard_and_its_storage_name_no_private_attribute_of_formtools():
    private, prefixes = _private_names_of_formtools()
    assert {"_resolved_form_list", "_cache_signature"} <= private and "_cleaned_data_cache_" in prefixes

    for module in (views, storage):
        used = _names_used(Path(module.__file__))
        assert not used & private, module.__name__
        assert not {name for name in used if name.startswith(tuple(prefixes))}, module.__name__


def _count_step_contexts(monkeypatch) -> list:
    built = []

    class Counted(f.StepContext):
        def __init__(self, *args, **kwargs):
            built.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(f, "StepContext", Counted)
    return built


def test_the_review_page_builds_one_step_context_for_every_steps_form(owner_client, draft, monkeypatch):
    walk_to(owner_client, draft, SCENARIOS["fep_approved"])
    built = _count_step_contexts(monkeypatch)

    response = owner_client.get(step_url(draft, "review"))

    assert response.status_code == 200
    assert len(built) == 1
    assert response.context["form"].context is built[0]


def test_a_posted_step_builds_one_step_context(owner_client, draft, monkeypatch):
    answers = SCENARIOS["fb_mis_c"]
    walk_to(owner_client, draft, answers, stop="dose")
    built = _count_step_contexts(monkeypatch)

    response = post_step(owner_client, draft, "dose", step_fields("dose", answers))

    assert response.status_code == 302 and response.url == step_url(draft, "review")
    assert len(built) == 1


def test_a_post_that_changes_the_policy_goes_on_with_the_new_policys_steps(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["cigna_approved"])
    fep = SCENARIOS["fep_approved"]

    assert post_step(owner_client, draft, "policy", step_fields("policy", fep)).url == step_url(draft, "patient")
    assert post_step(owner_client, draft, "patient", step_fields("patient", fep)).url == step_url(draft, "diagnosis")
    # Cigna asks no prior therapies; FEP does, and the same post already knows it.
    diagnosis = post_step(owner_client, draft, "diagnosis", step_fields("diagnosis", fep))
    assert diagnosis.url == step_url(draft, "therapies")
