"""The criteria editor's forms: one typed field per parameter, built from the vocabulary's declaration of each kind
(engine/vocabulary.py: LeafKind.fields, INNER_FIELDS), so a new kind or parameter needs no form code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from kineret_pa.engine.facts import DATA_FACTS, ENUM_FACTS, NUMBER_FACTS, OUTCOMES
from kineret_pa.engine.vocabulary import (
    ALL_KINDS,
    COMPARATOR_WORDS,
    INNER_KINDS,
    LEAF_KINDS,
    STATUS_WORDS,
    Param,
    ParamType,
    kind_fields,
)

from . import models as m
from .editor import CriterionFields

MSG_NOT_A_NUMBER = "Enter a number, e.g. 3 or 2.5."
MSG_NOT_NEGATIVE = "Enter 0 or more."
MSG_WHOLE = "Enter a whole number of 1 or more."
MSG_COUNT = "Enter a whole number of 1 or more, or tick “all”."
MSG_PART_INCOMPLETE = "Part {n}: give its outcomes and how many products, or leave the whole row empty."
MSG_PARTS_EMPTY = "Fill at least one part: its outcomes and how many products."

PARAM_PREFIX = "p_"
BLANK = ("", "— choose —")
KIND_GROUPS = (("Combine the criteria under it", INNER_KINDS), ("Test one thing", LEAF_KINDS))
_QUOTED = re.compile(r"“([^”]+)”")


def _capitalized(words: str) -> str:
    return words[:1].upper() + words[1:]


def kind_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Kinds by their labels, sorted by label, inner kinds and single tests apart."""
    return [
        (group, sorted(((kind, ALL_KINDS[kind]) for kind in kinds), key=lambda choice: choice[1].lower()))
        for group, kinds in KIND_GROUPS
    ]


@dataclass(frozen=True)
class EditorChoices:
    """What a version's criteria may name, read once per form: (value, words) pairs."""

    drug_lists: list[tuple[str, str]]
    diagnoses: list[tuple[str, str]]
    questions: list[tuple[str, str]]
    node_keys: list[tuple[str, str]]
    fact_values: dict[str, list[tuple[str, str]]]  # the facts whose values are data (plans, specialties)


def short(text: str, length: int = 70) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def editor_choices(*, version: m.PolicyVersion, node: m.CriterionNode | None = None) -> EditorChoices:
    others = m.CriterionNode.objects.filter(version=version).order_by("clause", "key")
    if node is not None and node.pk:
        others = others.exclude(pk=node.pk)
    return EditorChoices(
        drug_lists=[(dl.code, f"{dl.name} ({dl.clause})") for dl in m.DrugList.objects.filter(version=version)],
        diagnoses=[(d.slug, d.name) for d in m.Diagnosis.objects.all()],
        questions=[(q.code, f"{q.wording} ({q.code})") for q in m.Question.objects.all()],
        node_keys=[(n.key, f"{n.clause} — {short(n.text, 60)} ({n.key})") for n in others],
        fact_values=_data_fact_choices(),
    )


def _data_fact_choices() -> dict[str, list[tuple[str, str]]]:
    rows = {source: list(model.objects.values_list("code", "name")) for source, model in m.DATA_FACT_SOURCES.items()}
    return {path: rows[spec.source] for path, spec in DATA_FACTS.items()}


# The facts a "fact_in" criterion may read: the vocabulary's enumerations, then the facts whose values are data.
_CHOOSABLE_FACTS = {**ENUM_FACTS, **DATA_FACTS}


# ---------------------------------------------------------------- "a number, or all"


class CountOrAllWidget(forms.MultiWidget):
    """A number box and an “all” tick box side by side."""

    def __init__(self, attrs=None):
        super().__init__([forms.NumberInput(attrs={"min": 1, "step": 1}), forms.CheckboxInput()], attrs)

    def decompress(self, value):
        return [None, True] if value == "all" else [value, False]

    def render(self, name, value, attrs=None, renderer=None):
        values = value if isinstance(value, list) else self.decompress(value)
        attrs = dict(attrs or {})
        base = attrs.pop("id", f"id_{name}")
        css = " ".join(filter(None, [attrs.pop("class", ""), "form-control"]))
        if attrs.get("aria-invalid"):
            css += " is-invalid"
        number = self.widgets[0].render(f"{name}_0", values[0], {**attrs, "id": f"{base}_0", "class": css}, renderer)
        tick = self.widgets[1].render(
            f"{name}_1", values[1], {"id": f"{base}_1", "class": "form-check-input"}, renderer
        )
        return format_html(
            '<div class="d-flex align-items-center gap-3"><div style="max-width: 9rem">{}</div>'
            '<div class="form-check">{}<label class="form-check-label" for="{}">all of them</label></div></div>',
            number,
            tick,
            f"{base}_1",
        )

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else id_


class CountOrAllField(forms.MultiValueField):
    widget = CountOrAllWidget

    def __init__(self, **kwargs):
        number = forms.IntegerField(required=False, min_value=1, error_messages=_whole_messages())
        kwargs.setdefault("error_messages", {"required": MSG_COUNT, "incomplete": MSG_COUNT})
        super().__init__((number, forms.BooleanField(required=False)), require_all_fields=False, **kwargs)

    def compress(self, data_list):
        number, everything = (list(data_list) + [None, False])[:2]
        if everything:
            return "all"
        if number is None:
            raise ValidationError(MSG_COUNT, code="required")
        return number


# ---------------------------------------------------------------- one field per declared parameter


def _whole_messages() -> dict:
    return {"invalid": MSG_WHOLE, "min_value": MSG_WHOLE, "required": MSG_WHOLE}


def _value_key(value: object) -> str:
    """An enum fact's value as a form sends it: true/false for yes-no facts."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _checkboxes(choices, **common) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(choices=list(choices), widget=forms.CheckboxSelectMultiple, **common)


def _select(choices, **common) -> forms.ChoiceField:
    return forms.ChoiceField(choices=[BLANK, *choices], **common)


def param_field(param: Param, *, choices: EditorChoices, fact: str) -> forms.Field:
    """The typed field for one parameter; `fact` is the enum fact whose values a FACT_VALUES parameter offers."""
    common: dict[str, Any] = {"label": param.label, "required": param.required, "help_text": param.help}
    kind = param.type
    if kind == ParamType.NUMBER:
        messages = {"invalid": MSG_NOT_A_NUMBER, "min_value": MSG_NOT_NEGATIVE, "required": MSG_NOT_A_NUMBER}
        return forms.DecimalField(min_value=0, error_messages=messages, **common)
    if kind == ParamType.WHOLE:
        return forms.IntegerField(min_value=1, error_messages=_whole_messages(), **common)
    if kind == ParamType.COUNT_OR_ALL:
        return CountOrAllField(**common)
    if kind == ParamType.DRUG_LISTS:
        return _checkboxes(choices.drug_lists, **common)
    if kind == ParamType.OUTCOME_LIST:
        return _checkboxes(((code, _capitalized(words)) for code, words in OUTCOMES.items()), **common)
    if kind == ParamType.DIAGNOSES:
        return _checkboxes(choices.diagnoses, **common)
    if kind == ParamType.STATUS_LIST:
        return _checkboxes(((code, _capitalized(words)) for code, words in STATUS_WORDS.items()), **common)
    if kind == ParamType.ENUM_FACT:
        return _select(((path, _capitalized(spec.label)) for path, spec in _CHOOSABLE_FACTS.items()), **common)
    if kind == ParamType.FACT_VALUES and fact in DATA_FACTS:
        return _checkboxes(choices.fact_values[fact], **common)
    if kind == ParamType.FACT_VALUES:
        spec = ENUM_FACTS[fact]
        return _checkboxes(((_value_key(value), _capitalized(words)) for value, words in spec.choices), **common)
    if kind == ParamType.NUMBER_FACT:
        facts = ((path, f"{_capitalized(spec.label)} ({spec.unit})") for path, spec in NUMBER_FACTS.items())
        return _select(facts, **common)
    if kind == ParamType.COMPARATOR:
        return _select(COMPARATOR_WORDS.items(), **common)
    if kind == ParamType.QUESTION:
        return _select(choices.questions, **common)
    if kind == ParamType.YES_NO:
        return forms.TypedChoiceField(
            choices=[("true", "Yes"), ("false", "No")], coerce=lambda v: v == "true", widget=forms.RadioSelect, **common
        )
    if kind == ParamType.CHOICE:
        return _select(param.choices, **common)
    if kind == ParamType.NODE_KEY:
        return _select(choices.node_keys, **common)
    if kind == ParamType.TEXT:
        textarea = forms.Textarea(attrs={"rows": 3})
        return forms.CharField(max_length=param.max_length or None, widget=textarea, **common)
    raise ValueError(f"No field for a parameter of type {kind!r}.")


def _part_name(row: int, part: Param) -> str:
    return f"{PARAM_PREFIX}parts_{row}_{part.name}"


def _number(value: Any) -> Any:
    """A cleaned decimal as the JSON the engine reads: 3 rather than 3.0 or Decimal('3')."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _ordered(chosen: list, before: Any) -> list:
    """The chosen values, those kept from before in their old order, new ones after."""
    before = before if isinstance(before, list) else []
    return [v for v in before if v in chosen] + [v for v in chosen if v not in before]


def _initial(param: Param, value: Any) -> Any:
    if param.type == ParamType.FACT_VALUES and isinstance(value, list):
        return [_value_key(v) for v in value]
    if param.type == ParamType.YES_NO:
        return _value_key(bool(value))
    return value


def params_initial(*, kind: str, params: Any) -> dict[str, Any]:
    """A criterion's parameters as the form's initial values."""
    params = params if isinstance(params, dict) else {}
    initial: dict[str, Any] = {}
    for param in kind_fields(kind):
        if param.type == ParamType.PARTS:
            parts = params.get(param.name) if isinstance(params.get(param.name), list) else []
            for row, values in enumerate(parts[: param.rows], start=1):
                for part in param.parts:
                    if isinstance(values, dict) and part.name in values:
                        initial[_part_name(row, part)] = _initial(part, values[part.name])
        elif param.name in params:
            initial[PARAM_PREFIX + param.name] = _initial(param, params[param.name])
        elif param.type == ParamType.YES_NO and param.default is not None:
            initial[PARAM_PREFIX + param.name] = "true" if param.default else "false"  # what the engine takes
    return initial


# ---------------------------------------------------------------- the criterion form


class CriterionForm(forms.Form):
    """One criterion: its place in the policy text, its kind and the kind's parameters, its key and role."""

    clause = forms.CharField(
        max_length=120, help_text="The policy's own label, e.g. “Table 1 RA 2.a” or “Initiation 1.c.ii”."
    )
    text = forms.CharField(
        label="Wording", widget=forms.Textarea(attrs={"rows": 3}), help_text="As the policy says it."
    )
    kind = forms.ChoiceField(label="Kind", choices=kind_choices)
    key = forms.SlugField(
        max_length=60,
        help_text="Unique in this version; quantity limits and “Same as” criteria refer to it. "
        "Letters, digits, - and _.",
    )
    gate = forms.BooleanField(
        required=False,
        label="Gate: the branch applies only when this criterion is met",
        help_text="For the first criterion under an ALL or ANY, e.g. “diagnosis is RA”.",
    )
    root_for = forms.ChoiceField(
        label="Where a request type starts",
        choices=m.CriterionNode.RootFor.choices,
        required=False,
        help_text="Only for a criterion with no parent.",
    )

    def __init__(
        self,
        data=None,
        *,
        kind: str,
        choices: EditorChoices,
        top_level: bool,
        previous_params: dict | None = None,
        initial: dict | None = None,
    ):
        super().__init__(data, initial=initial)
        self.kind = kind
        self.previous_params = previous_params or {}
        self.params: dict[str, Any] = {}
        if not top_level:
            del self.fields["root_for"]
        fact = self._chosen("fact")
        # The answers offered are those of the fact chosen; another fact's show once the form is shown again.
        self.fact = fact if fact in _CHOOSABLE_FACTS else next(iter(ENUM_FACTS))
        self.declared = kind_fields(kind)
        for param in self.declared:
            if param.type == ParamType.PARTS:
                for row in range(1, param.rows + 1):
                    for part in param.parts:
                        field = param_field(part, choices=choices, fact=self.fact)
                        field.required = False  # a row left empty is no part; clean() checks the rest
                        self.fields[_part_name(row, part)] = field
            else:
                self.fields[PARAM_PREFIX + param.name] = param_field(param, choices=choices, fact=self.fact)

    def _chosen(self, name: str) -> Any:
        field_name = PARAM_PREFIX + name
        if self.is_bound and self.data.get(field_name):
            return self.data.get(field_name)
        return self.initial.get(field_name)

    # -- what the template lays out

    def base_fields_shown(self) -> list[forms.BoundField]:
        return [self[name] for name in ("clause", "text")]

    def role_fields_shown(self) -> list[forms.BoundField]:
        return [self[name] for name in ("key", "gate", "root_for") if name in self.fields]

    def param_fields_shown(self) -> list[forms.BoundField]:
        return [self[PARAM_PREFIX + p.name] for p in self.declared if p.type != ParamType.PARTS]

    def part_rows(self) -> list[tuple[int, list[forms.BoundField]]]:
        rows = []
        for param in self.declared:
            if param.type == ParamType.PARTS:
                for row in range(1, param.rows + 1):
                    rows.append((row, [self[_part_name(row, part)] for part in param.parts]))
        return rows

    def parts_param(self) -> Param | None:
        return next((p for p in self.declared if p.type == ParamType.PARTS), None)

    # -- cleaning

    def _value(self, param: Param, value: Any, before: Any) -> Any:
        if param.type == ParamType.NUMBER:
            return _number(value)
        if param.type == ParamType.FACT_VALUES and self.fact in DATA_FACTS:
            return _ordered(list(value), before)  # codes, as they are
        if param.type == ParamType.FACT_VALUES:
            by_key = {_value_key(v): v for v in ENUM_FACTS[self.fact].values}
            return _ordered([by_key[v] for v in value], before)
        if isinstance(value, list):
            return _ordered(value, before)
        return value

    def _parts(self, param: Param) -> list[dict]:
        before = self.previous_params.get(param.name)
        before = before if isinstance(before, list) else []
        parts = []
        for row in range(1, param.rows + 1):
            names = {part.name: _part_name(row, part) for part in param.parts}
            if any(name not in self.cleaned_data for name in names.values()):
                continue  # the field has its own message
            values = {part: self.cleaned_data[name] for part, name in names.items()}
            if all(v in (None, "", []) for v in values.values()):
                continue
            missing = [p for p in param.parts if p.required and values[p.name] in (None, "", [])]
            if missing:
                self.add_error(names[missing[0].name], MSG_PART_INCOMPLETE.format(n=row))
                continue
            old = before[row - 1] if row <= len(before) and isinstance(before[row - 1], dict) else {}
            parts.append(
                {
                    p.name: self._value(p, values[p.name], old.get(p.name))
                    for p in param.parts
                    if values[p.name] not in (None, "", [])
                }
            )
        if not parts and not self.errors:
            self.add_error(None, MSG_PARTS_EMPTY)
        return parts

    def clean(self):
        data = super().clean()
        params: dict[str, Any] = {}
        for param in self.declared:
            if param.type == ParamType.PARTS:
                params[param.name] = self._parts(param)
                continue
            name = PARAM_PREFIX + param.name
            if name not in data or data[name] in (None, "", []):
                continue  # an error on the field, or an optional parameter left blank
            params[param.name] = self._value(param, data[name], self.previous_params.get(param.name))
        self.params = params
        return data

    def criterion_fields(self) -> CriterionFields:
        data = self.cleaned_data
        return CriterionFields(
            clause=data["clause"],
            text=data["text"],
            key=data["key"],
            kind=self.kind,
            params=self.params,
            gate=data["gate"],
            root_for=data.get("root_for") or "",
        )

    # -- the services' messages, each on the field it names

    def param_field_for(self, message: str) -> str | None:
        """The field a vocabulary message names (“min_count”, “lists”…); None when it names none of them."""
        names = {p.name: PARAM_PREFIX + p.name for p in self.declared if p.type != ParamType.PARTS}
        for quoted in _QUOTED.findall(message):
            if quoted in names:
                return names[quoted]
        return None

    def errors_apply(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.add_error(None, message)
            return
        for field, errors in error.error_dict.items():
            for message in ValidationError(errors).messages:
                if field == "params":
                    self.add_error(self.param_field_for(message), message)
                else:
                    self.add_error(field if field in self.fields else None, message)


def form_carried(form: CriterionForm) -> dict[str, Any]:
    """What was entered, as initial values for the form of another kind: nothing typed is lost on a switch."""
    return {name: form[name].value() for name in form.fields}


def node_initial(node: m.CriterionNode) -> dict[str, Any]:
    return {
        "clause": node.clause,
        "text": node.text,
        "kind": node.kind,
        "key": node.key,
        "gate": node.gate,
        "root_for": node.root_for,
        **params_initial(kind=node.kind, params=node.params),
    }


class MoveIntoForm(forms.Form):
    parent = forms.ModelChoiceField(
        label="Move it under",
        queryset=m.CriterionNode.objects.none(),
        required=False,
        empty_label="— nothing: a criterion with no parent (a request type's start, or a limit's condition) —",
    )

    def __init__(self, data=None, *, candidates: list[m.CriterionNode]):
        super().__init__(data)
        field = self.fields["parent"]
        field.queryset = m.CriterionNode.objects.filter(pk__in=[c.pk for c in candidates]).order_by("clause", "key")
        field.label_from_instance = lambda n: f"{n.clause} — {short(n.text, 60)} ({n.key})"
