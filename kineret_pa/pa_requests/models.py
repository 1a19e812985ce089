"""A prior-authorization request: a draft while the prescriber fills the form, then
submitted with the answers, the policy version and the determination kept as they were."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from kineret_pa.policies.models import PolicyVersion

MSG_NPI = "An NPI is 10 digits whose last digit is the check digit (Luhn, prefix 80840); this one does not check."


def npi_is_valid(npi: str) -> bool:
    """The CMS NPI check digit: Luhn over the constant prefix 80840 and the first nine digits."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed("80840" + npi[:9])):
        digit = int(char)
        if position % 2 == 0:  # every other digit from the right, starting with the rightmost
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10 == int(npi[9])


def validate_npi(value: str) -> None:
    if not npi_is_valid(value):
        raise ValidationError(MSG_NPI)


class PrescriberProfile(models.Model):
    """Entered once and shown on every request and letter, never typed per request."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prescriber_profile")
    full_name = models.CharField(max_length=120)
    specialty = models.CharField(max_length=120)
    npi = models.CharField("NPI", max_length=10, validators=[validate_npi])
    phone = models.CharField(max_length=30)
    fax = models.CharField(max_length=30)

    def __str__(self) -> str:
        return f"{self.full_name}, NPI {self.npi}"


class PARequest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        PARTIAL = "partially_approved", "Approved for a reduced quantity"
        PENDED = "pended", "Pended for clinical review"
        REFERRED = "referred", "Referred to a pharmacist"

    class Urgency(models.TextChoices):
        STANDARD = "standard", "Standard"
        EXPEDITED = "expedited", "Expedited"

    # Opaque identifiers: a request number reveals nothing about how many exist.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pa_requests")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    wizard = models.JSONField(default=dict, blank=True, help_text="The form's step data while a draft.")
    answers = models.JSONField(default=dict, blank=True, help_text="The steps as submitted.")
    contract_request = models.JSONField(null=True, blank=True)
    determination = models.JSONField(null=True, blank=True)
    decision = models.CharField(max_length=10, blank=True)
    policy_version = models.ForeignKey(PolicyVersion, null=True, blank=True, on_delete=models.PROTECT)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.STANDARD)
    patient_name = models.CharField(max_length=120, blank=True)
    member_id = models.CharField(max_length=40, blank=True)
    summary = models.CharField(max_length=200, blank=True, help_text="Policy and diagnosis, for lists.")
    prescriber_snapshot = models.JSONField(null=True, blank=True, help_text="The prescriber's details when submitted.")
    renewal_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="renewals")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="pa_request_owner_recent"),
            models.Index(fields=["status", "due_at"], name="pa_request_status_due"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return "KPA-" + self.id.hex[:8].upper()

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT
