"""Policy staff's impact page: past requests replayed against a version (a draft before publishing).

Here rather than in policies/ because it reads the stored requests, and policies sits below pa_requests."""

from __future__ import annotations

from django import forms
from django.shortcuts import render

from kineret_pa.accounts.roles import policy_staff_required
from kineret_pa.policies.selectors import version_get

from .impact import impact_replay

IMPACT_ROWS_SHOWN = 200  # the table lists this many changed requests; the counts cover them all


class ImpactForm(forms.Form):
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Submitted from")
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Submitted until")

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", "The last date must not be before the first.")
        return data


@policy_staff_required
def version_impact(request, pk):
    version = version_get(pk)
    form = ImpactForm(request.GET or None)
    report = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        report = impact_replay(version=version, since=data.get("since"), until=data.get("until"))
    return render(
        request,
        "policies/version_impact.html",
        {
            "version": version,
            "form": form,
            "report": report,
            "changes": report.changes[:IMPACT_ROWS_SHOWN] if report else [],
            "rows_shown": IMPACT_ROWS_SHOWN,
        },
    )
