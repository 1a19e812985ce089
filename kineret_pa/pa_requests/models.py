"""A prior-authorization request: a draft while the prescriber fills the form, then
submitted with the answers, the policy version and the determination kept as they were."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from kineret_pa.core.models import AppendOnlyModel, IPAddressHistoricalModel
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


class Decision(models.TextChoices):
    """The engine's decision on a request (the contract's words), labelled as a prescriber reads it until a
    person decides."""

    APPROVE = "approve", "Approved"
    PARTIAL = "partial", "Approved for a reduced quantity"
    DENY = "deny", "Pended for clinical review"  # never an automatic denial: a reviewer decides
    REFER = "refer", "Referred to a pharmacist"


class PARequest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        PARTIAL = "partially_approved", "Approved for a reduced quantity"
        PENDED = "pended", "Pended for clinical review"
        REFERRED = "referred", "Referred to a pharmacist"
        INFO_REQUESTED = "info_requested", "More information requested"
        DENIED = "denied", "Denied"
        APPEALED = "appealed", "Appealed"
        UPHELD = "upheld", "Denial upheld on appeal"
        OVERTURNED = "overturned", "Approved on appeal"
        EXPIRED = "expired", "Expired"
        WITHDRAWN = "withdrawn", "Withdrawn"

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
    decision = models.CharField(max_length=10, blank=True, choices=Decision.choices)
    policy_version = models.ForeignKey(PolicyVersion, null=True, blank=True, on_delete=models.PROTECT)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.STANDARD)
    patient_name = models.CharField(max_length=120, blank=True)
    member_id = models.CharField(max_length=40, blank=True)
    summary = models.CharField(max_length=200, blank=True, help_text="Policy and diagnosis, for lists.")
    prescriber_snapshot = models.JSONField(null=True, blank=True, help_text="The prescriber's details when submitted.")
    renewal_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="renewals")
    auto_decided = models.BooleanField(default=False, help_text="Decided by the engine at submission.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_quantity = models.PositiveIntegerField(null=True, blank=True)
    approved_per_days = models.PositiveSmallIntegerField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    denied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="An appeal goes to another reviewer.",
    )
    # Optimistic lock: a reviewer's decision names the version it was made on.
    row_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-updated_at"]
        permissions = [
            ("review_parequest", "Can review and decide prior-authorization requests"),
            ("view_metrics", "Can view published prior-authorization metrics"),
        ]
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="pa_request_owner_recent"),
            models.Index(fields=["status", "due_at"], name="pa_request_status_due"),
            # The review queue: only open requests, already in due order, so the queue page and its
            # count stay an index scan however many decided requests accumulate.
            models.Index(
                fields=["due_at", "submitted_at"],
                name="pa_request_queue",
                condition=models.Q(status__in=["pended", "referred", "appealed"]),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return self.number_for(self.id)

    @staticmethod
    def number_for(pk: uuid.UUID) -> str:
        """The short number people quote on the phone and in letters."""
        return "KPA-" + pk.hex[:8].upper()

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def last_decision(self):
        """The latest reviewer decision event: its reasons and note are shown to the prescriber."""
        return self.events.filter(kind=RequestEvent.Kind.DECIDED).order_by("-at", "-id").first()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def days_until_expiry(self) -> int | None:
        from django.utils import timezone

        if self.expires_on is None or self.status not in APPROVED_STATUSES:
            return None
        return (self.expires_on - timezone.localdate()).days


OPEN_STATUSES = {
    PARequest.Status.PENDED,
    PARequest.Status.REFERRED,
    PARequest.Status.INFO_REQUESTED,
    PARequest.Status.APPEALED,
}
QUEUE_STATUSES = {PARequest.Status.PENDED, PARequest.Status.REFERRED, PARequest.Status.APPEALED}
APPROVED_STATUSES = {PARequest.Status.APPROVED, PARequest.Status.PARTIAL, PARequest.Status.OVERTURNED}


class ReviewDecisionCode(models.Model):
    """What a reviewer may decide, as data: each code leads to exactly one status."""

    code = models.SlugField(unique=True)
    label = models.CharField(max_length=80)
    resulting_status = models.CharField(max_length=20, choices=PARequest.Status.choices)

    class AppliesTo(models.TextChoices):
        REVIEW = "review", "Pended or referred request"
        APPEAL = "appeal", "Appeal"

    applies_to = models.CharField(max_length=20, choices=AppliesTo.choices)
    grants_quantity = models.BooleanField(default=False)
    requires_reasons = models.BooleanField(default=False, help_text="A specific unmet criterion must be chosen.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["applies_to", "order"]

    def __str__(self) -> str:
        return self.label


class RequestEvent(AppendOnlyModel):
    """The request's life on the record, append-only: who, when, what changed, from where."""

    class Kind(models.TextChoices):
        """What happened; the label is what the request's history says."""

        SUBMITTED = "submitted", "Submitted"
        DECIDED = "decided", "Decision recorded"
        WITHDRAWN = "withdrawn", "Withdrawn"
        APPEALED = "appealed", "Appealed"
        INFO_ANSWERED = "info_answered", "Answered the request for information"
        ATTACHMENT_ADDED = "attachment_added", "Attached a document"
        EXPIRED = "expired", "Approval expired"

    @property
    def words(self) -> str:
        if self.kind in self.Kind.values:
            return self.Kind(self.kind).label
        return self.kind.replace("_", " ").capitalize()  # a kind recorded by a version that had it

    @property
    def change_words(self) -> str:
        if not self.to_status or self.to_status == self.from_status:
            return ""
        return f"{PARequest.Status(self.from_status).label} → {PARequest.Status(self.to_status).label}"

    pa_request = models.ForeignKey(PARequest, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]


def upload_path(instance, filename: str) -> str:
    return f"requests/{instance.pa_request_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pa_request = models.ForeignKey(PARequest, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=upload_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    description = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    pa_request = models.ForeignKey(PARequest, on_delete=models.CASCADE)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


def _register_history() -> None:
    from simple_history import register

    # The draft's step data changes on every step and is kept in the draft itself.
    register(PARequest, bases=[IPAddressHistoricalModel], excluded_fields=["wizard"])


_register_history()
