"""The reviewer's decision form: pre-filled from the policy, checked by the decide service."""

from __future__ import annotations

from django import forms

from .models import ReviewDecisionCode


class DecisionForm(forms.Form):
    code = forms.ChoiceField(label="Decision", widget=forms.RadioSelect)
    quantity = forms.IntegerField(label="Approved syringes", required=False, min_value=1, max_value=5000)
    per_days = forms.IntegerField(label="Per days", required=False, min_value=1, max_value=366)
    duration_months = forms.IntegerField(label="Approval lasts (months)", required=False, min_value=1, max_value=24)
    duration_days = forms.IntegerField(label="or (days)", required=False, min_value=1, max_value=366)
    reasons = forms.MultipleChoiceField(
        label="Specific reasons (unmet criteria)", required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label="Note to the prescriber", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    justification = forms.CharField(
        label="Override justification",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed to approve a request whose criteria the engine found unmet.",
    )
    row_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, codes: list[ReviewDecisionCode], unmet: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [(c.code, c.label) for c in codes]
        self.fields["reasons"].choices = [(r["clause"], f"{r['clause']} — {r['text']}") for r in unmet]


class AnswerForm(forms.Form):
    answer = forms.CharField(label="Your answer", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class AppealForm(forms.Form):
    note = forms.CharField(
        label="What is new (facts, documents, reasons)", max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=500)


class AttachmentForm(forms.Form):
    file = forms.FileField(label="Attach chart notes or lab results (PDF, PNG or JPEG)")
    description = forms.CharField(label="Description", required=False, max_length=200)
