"""The form's fields written in Python give crispy-forms' Bootstrap 5 markup, errors and help included."""

import re

import pytest
from django import forms
from django.template import engines

from kineret_pa.pa_requests.review_forms import AttachmentForm, DecisionForm


class EveryWidget(forms.Form):
    name = forms.CharField(label="Patient <name>", max_length=20, help_text="As on the <b>member card</b>.")
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    weight = forms.DecimalField(max_digits=6, decimal_places=2, min_value=1, required=False)
    unit = forms.ChoiceField(choices=[("kg", "kg"), ("lb", "lb")], initial="kg")
    grouped = forms.ChoiceField(required=False, choices=[("", "Choose…"), ("Biologics", [("a", "A & B"), ("c", "C")])])
    channel = forms.ChoiceField(choices=[("retail", "Retail"), ("mail", "Mail order")], widget=forms.RadioSelect)
    reasons = forms.MultipleChoiceField(
        required=False, choices=[("1.a", "Age"), ("1.b", "Dose")], widget=forms.CheckboxSelectMultiple
    )
    attest = forms.BooleanField(label="I attest")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    listed = forms.CharField(required=False, widget=forms.TextInput(attrs={"list": "options", "autocomplete": "off"}))
    unlabelled = forms.IntegerField(label="", required=False, widget=forms.NumberInput(attrs={"class": "w-auto"}))

    def clean(self):
        raise forms.ValidationError("Something about the whole form.")


def _normal(html: str) -> list[str]:
    """Tags with their attributes sorted, one per line, white space folded."""
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r"\s*(<|>)\s*", r"\1", html)

    def tag(match):
        name, *attrs = re.findall(r'([\w:-]+)(?:="([^"]*)")?', match.group(0)[1:-1])
        return "<" + " ".join([name[0], *sorted(f'{k}="{v}"' for k, v in attrs)]) + ">"

    return re.sub(r"<[a-zA-Z][^>]*>", tag, html).replace("<", "\n<").splitlines()


def _render(source: str, form) -> list[str]:
    return _normal(engines["django"].from_string(source).render({"form": form}))


CRISPY = "{% load crispy_forms_tags %}{{ form|crispy }}"
OURS = "{% load bootstrap_fields %}{{ form|bootstrap_form }}"


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "name": "x" * 30,
            "weight": "heavy",
            "channel": "post",
            "reasons": ["9"],
            "note": "<script>",
            "grouped": "a",
            "unit": "lb",
            "listed": "Humira",
        },
    ],
    ids=["unbound", "with errors"],
)
def test_every_widget_gives_crispy_forms_markup(data):
    form = EveryWidget(data)
    if data:
        assert not form.is_valid()
    assert _render(OURS, form) == _render(CRISPY, form)


def test_the_decision_form_and_a_file_field_give_crispy_forms_markup():
    unmet = [
        {"clause": "1.a", "text": "18 years of age or older"},
        {"clause": "2", "text": "Prescribed by a specialist"},
    ]
    codes = [type("Code", (), {"code": c, "label": c.title()}) for c in ("approve", "deny")]
    decision = DecisionForm(
        {"code": "deny", "quantity": "x", "reasons": ["1.a"], "row_version": "3"},
        codes=codes,
        unmet=unmet,
        initial={"quantity": 28},
    )
    assert not decision.is_valid()
    assert _render(OURS, decision) == _render(CRISPY, decision)
    attach = AttachmentForm()  # a file input is left to crispy-forms
    assert _render(OURS, attach) == _render(CRISPY, attach)
