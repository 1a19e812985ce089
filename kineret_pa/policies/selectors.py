"""Reads for policy staff's pages."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404

from . import models as m


def version_get(pk: int) -> m.PolicyVersion:
    """Any version, for policy staff (policy data is not anyone's own); 404 when there is none."""
    return get_object_or_404(m.PolicyVersion.objects.select_related("policy__payer", "published_by"), pk=pk)


def version_in_force(policy: m.Policy, on: dt.date) -> m.PolicyVersion | None:
    return m.PolicyVersion.objects.in_force(on).filter(policy=policy).order_by("-effective_date").first()
