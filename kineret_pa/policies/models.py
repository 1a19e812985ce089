"""Policy data: everything the payers' policies state, edited by policy staff in the admin.

A policy change is an edit here, never a code change. Each fact lives in one place:
drugs and diagnoses are shared; lists, limits, tables, durations and criteria belong
to one policy version.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from kineret_pa.core.models import IPAddressHistoricalModel
from kineret_pa.engine.facts import DATA_FACTS, TRIAL_ROUTE
from kineret_pa.engine.vocabulary import ALL_KINDS, INNER_KINDS, ValidationContext, validate_node

REQUEST_TYPE_CHOICES = [("", "Any request type"), ("initial", "Initial"), ("renewal", "Renewal")]
CHANNEL_CHOICES = [("", "Any channel"), ("retail", "Retail"), ("home_delivery", "Home delivery")]


class PolicyDataRevision(models.Model):
    """One row whose token changes whenever any policy data changes.

    Every process compares it with the token its cached snapshots were built at, so
    an admin edit reaches the next determination in every worker without a restart.
    A fresh random token (not a counter) so a rolled-back change can never share a
    token with a later committed one.
    """

    value = models.CharField(max_length=32, default="initial")

    class Meta:
        verbose_name = "policy data revision"


class Payer(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120, unique=True)
    # Decision clocks for drug coverage determinations (Medicare Part D: 72 h standard, 24 h expedited).
    standard_review_hours = models.PositiveSmallIntegerField(default=72)
    expedited_review_hours = models.PositiveSmallIntegerField(default=24)
    # Printed on every letter that denies or reduces a request: the appeal rights are the payer's, not ours.
    appeal_window_days = models.PositiveSmallIntegerField(
        default=180,
        validators=[MinValueValidator(1)],
        help_text="Days from the decision within which the member or prescriber may appeal (e.g. 180).",
    )
    appeal_contact = models.TextField(
        blank=True,
        help_text="How to appeal, as printed on letters: phone, fax, mailing address or portal. "
        "Blank: letters send the member to the number on their ID card.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.slug,)


class Plan(models.Model):
    payer = models.ForeignKey(Payer, on_delete=models.CASCADE, related_name="plans")
    code = models.SlugField(help_text="The contract's plan value, e.g. standard, basic, blue_focus.")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["payer__name", "name"]
        constraints = [models.UniqueConstraint(fields=["payer", "code"], name="unique_plan_code_per_payer")]

    def __str__(self) -> str:
        return f"{self.payer.name} — {self.name}"


class Policy(models.Model):
    class Kind(models.TextChoices):
        QUANTITY = "quantity", "Drug quantity management"
        PRIOR_AUTH = "prior_auth", "Prior approval"
        COVERAGE = "coverage", "Medical coverage guideline"

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="policies")
    code = models.CharField(max_length=60, unique=True, help_text="As requests name it, e.g. fep-5.70.050.")
    number = models.CharField(max_length=60, help_text="The payer's own number, e.g. DQM008.")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    drug = models.ForeignKey(
        "Drug", on_delete=models.PROTECT, related_name="policies", help_text="The drug the policy governs."
    )
    plans = models.ManyToManyField(Plan, blank=True, help_text="Plan options the policy distinguishes, if any.")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class PolicyVersionQuerySet(models.QuerySet):
    def in_force(self, on: dt.date):
        return self.filter(status=PolicyVersion.Status.ACTIVE, effective_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )


class PolicyVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    effective_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Last day in force; blank means until replaced.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    source_title = models.CharField(max_length=250, help_text="Title of the source document, as published.")
    source_file = models.CharField(max_length=200, blank=True, help_text="File name of the source text.")
    notes = models.TextField(blank=True)
    # Publishing is the only way a draft goes live (policies/versions.py); who and when are on the version.
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, editable=False, related_name="+"
    )
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, editable=False, related_name="copies"
    )

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["policy__code", "-effective_date"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "effective_date"], name="unique_version_effective_date"),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} effective {self.effective_date.isoformat()}"

    @property
    def label(self) -> str:
        return self.effective_date.isoformat()

    @property
    def is_draft(self) -> bool:
        """Only a draft is edited: a version that is or was in force never changes again."""
        return self.status == self.Status.DRAFT

    def clean(self) -> None:
        if self.end_date and self.end_date < self.effective_date:
            raise ValidationError({"end_date": "The end date must be on or after the effective date."})
        if self.status != self.Status.ACTIVE or not self.policy_id:
            return
        others = PolicyVersion.objects.filter(policy_id=self.policy_id, status=self.Status.ACTIVE).exclude(pk=self.pk)
        for other in others:
            starts_before_other_ends = other.end_date is None or self.effective_date <= other.end_date
            ends_after_other_starts = self.end_date is None or self.end_date >= other.effective_date
            if starts_before_other_ends and ends_after_other_starts:
                until = other.end_date.isoformat() if other.end_date else "open-ended"
                raise ValidationError(
                    f"This active version's dates overlap the active version effective "
                    f"{other.effective_date.isoformat()} (until {until}). Give one of them an end date "
                    f"before the other starts, or retire it, so only one version is in force on any date."
                )


class DrugClass(models.Model):
    code = models.SlugField(unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "drug classes"

    def __str__(self) -> str:
        return self.name


class Drug(models.Model):
    generic_name = models.CharField(max_length=120, unique=True)
    classes = models.ManyToManyField(DrugClass, blank=True, related_name="drugs")
    biosimilar_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="biosimilars",
        help_text="The reference product, for a biosimilar (e.g. adalimumab for adalimumab-bwwd).",
    )

    class Meta:
        ordering = ["generic_name"]

    def __str__(self) -> str:
        brands = [n.name for n in self.names.all() if n.kind == DrugName.Kind.BRAND]
        return f"{self.generic_name} ({', '.join(brands)})" if brands else self.generic_name

    def clean(self) -> None:
        if self.biosimilar_of_id and self.biosimilar_of_id == self.pk:
            raise ValidationError({"biosimilar_of": "A drug cannot be a biosimilar of itself."})
        if self.biosimilar_of_id and self.biosimilar_of.biosimilar_of_id:
            raise ValidationError({"biosimilar_of": "Choose the reference product, not another biosimilar."})


def normalize_name(name: str) -> str:
    return " ".join(name.lower().split())


class DrugName(models.Model):
    class Kind(models.TextChoices):
        GENERIC = "generic", "Generic"
        BRAND = "brand", "Brand"
        ALIAS = "alias", "Alias"

    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=120)
    normalized = models.CharField(max_length=120, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BRAND)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.normalized = normalize_name(self.name)
        clash = DrugName.objects.filter(normalized=self.normalized).exclude(pk=self.pk).select_related("drug").first()
        if clash:
            raise ValidationError({"name": f"“{self.name}” already names {clash.drug.generic_name}."})

    def save(self, *args, **kwargs):
        self.normalized = normalize_name(self.name)
        super().save(*args, **kwargs)


class Product(models.Model):
    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(max_length=160)
    strength_mg = models.DecimalField(max_digits=8, decimal_places=2)
    volume_ml = models.DecimalField(max_digits=8, decimal_places=3)
    form = models.CharField(max_length=80, default="prefilled syringe")

    class Meta:
        ordering = ["drug__generic_name", "strength_mg"]

    def __str__(self) -> str:
        return self.name


class Diagnosis(models.Model):
    slug = models.SlugField(unique=True, help_text="The contract's diagnosis value, e.g. ra, nomid.")
    name = models.CharField(max_length=160)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        help_text="A group this diagnosis belongs to (FCAS, MWS and NOMID are CAPS).",
    )
    selectable = models.BooleanField(default=True, help_text="Off for a group, which a request cannot name itself.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "diagnoses"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        seen, node = {self.pk}, self.parent
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": "A diagnosis cannot be its own group."})
            seen.add(node.pk)
            node = node.parent


class DiagnosisAlias(models.Model):
    diagnosis = models.ForeignKey(Diagnosis, on_delete=models.CASCADE, related_name="aliases")
    alias = models.SlugField(unique=True, help_text="Another slug that means this diagnosis, e.g. cinca for nomid.")

    class Meta:
        ordering = ["alias"]
        verbose_name_plural = "diagnosis aliases"

    def __str__(self) -> str:
        return self.alias


class Question(models.Model):
    """An indication-specific question (MIS-C, COVID-19…); its code is the contract's."""

    code = models.SlugField(unique=True)
    wording = models.CharField(max_length=300)
    diagnoses = models.ManyToManyField(Diagnosis, related_name="questions")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.code


class Specialty(models.Model):
    """A prescriber's specialty, as a request states it ("prescriber.specialty") and criteria name it
    ("prescribed by or in consultation with a rheumatologist or geneticist"); its code is the contract's."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=120, help_text="As a prescriber reads it, e.g. Rheumatologist.")
    diagnoses = models.ManyToManyField(
        Diagnosis,
        blank=True,
        related_name="specialties",
        help_text="A prescriber of this specialty is “a specialist in the area of” these diagnoses (a group "
        "counts for its members): the yes/no reading policies ask is derived from it when a request states only "
        "the specialty.",
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return self.name


class VersionPart(models.Model):
    """Something that belongs to one policy version."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE)

    class Meta:
        abstract = True


class Icd10Code(VersionPart):
    code_from = models.CharField("code", max_length=10, help_text="A code, or the first code of a range.")
    code_to = models.CharField(
        "through", max_length=10, blank=True, help_text="Last code of a range; blank for one code."
    )
    description = models.CharField(max_length=200)
    diagnoses = models.ManyToManyField(Diagnosis, related_name="icd10_codes")

    class Meta:
        ordering = ["version", "code_from"]
        verbose_name = "ICD-10-CM code"
        constraints = [models.UniqueConstraint(fields=["version", "code_from"], name="unique_icd10_per_version")]

    def __str__(self) -> str:
        return f"{self.code_from}–{self.code_to}" if self.code_to else self.code_from

    def clean(self) -> None:
        self.code_from = self.code_from.strip().upper()
        self.code_to = self.code_to.strip().upper()
        if self.code_to and (len(self.code_to) != len(self.code_from) or self.code_to < self.code_from):
            raise ValidationError(
                {"code_to": "The last code of a range must have as many characters as the first and come after it."}
            )


class PolicyDiagnosis(VersionPart):
    class Status(models.TextChoices):
        FDA = "fda_labeled", "FDA-labeled"
        COMPENDIA = "compendia", "Compendia-supported"
        NOT_COVERED = "not_covered", "Not covered / investigational"
        VERIFY = "verify", "Pharmacist verifies"

    diagnosis = models.ForeignKey(Diagnosis, on_delete=models.CASCADE)
    status = models.CharField(max_length=20, choices=Status.choices)
    labeled_min_age = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    labeled_max_age = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    fda_max_mg_per_day = models.DecimalField("FDA max mg/day", max_digits=8, decimal_places=2, null=True, blank=True)
    fda_max_mg_per_kg_day = models.DecimalField(
        "FDA max mg/kg/day", max_digits=6, decimal_places=2, null=True, blank=True
    )
    compendia_max_mg_per_day = models.DecimalField(
        "compendia max mg/day", max_digits=8, decimal_places=2, null=True, blank=True
    )
    compendia_max_mg_per_kg_day = models.DecimalField(
        "compendia max mg/kg/day", max_digits=6, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(max_length=250, blank=True, help_text="Where the status and doses come from.")

    class Meta:
        ordering = ["version", "diagnosis__order"]
        verbose_name = "diagnosis under this version"
        verbose_name_plural = "diagnoses under this version"
        constraints = [models.UniqueConstraint(fields=["version", "diagnosis"], name="unique_diagnosis_per_version")]

    def __str__(self) -> str:
        return f"{self.diagnosis} — {self.get_status_display()}"

    def clean(self) -> None:
        if (
            self.labeled_min_age is not None
            and self.labeled_max_age is not None
            and self.labeled_max_age < self.labeled_min_age
        ):
            raise ValidationError({"labeled_max_age": "The oldest labeled age must not be below the youngest."})


class DrugList(VersionPart):
    class Kind(models.TextChoices):
        GENERAL = "general", "Drug list"
        PREFERRED = "preferred", "Preferred products (must be tried)"

    code = models.SlugField(help_text="Criteria name the list by this code.")
    name = models.CharField(max_length=160)
    clause = models.CharField(max_length=120, help_text="Where the list is in the policy, e.g. Appendix 2.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    plans = models.ManyToManyField(Plan, blank=True, help_text="Preferred lists: the plan options it applies to.")
    # Classes rather than rows with a biosimilars flag: a biosimilar is of its reference product's class, so
    # "every drug of the class" never leaves biosimilars out. A drug added to a class in the catalog joins the list.
    classes = models.ManyToManyField(
        DrugClass,
        blank=True,
        related_name="drug_lists",
        help_text="Every drug of these classes, and every biosimilar of one, is on the list, besides the drugs "
        "listed one by one. A drug added to a class in the catalog joins the list.",
    )
    diagnosis = models.ForeignKey(Diagnosis, null=True, blank=True, on_delete=models.PROTECT)
    required_count = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Preferred lists: how many must be tried."
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_list_code_per_version")]

    def __str__(self) -> str:
        return f"{self.name} ({self.clause})"

    def clean(self) -> None:
        if self.kind == self.Kind.PREFERRED and not self.required_count:
            raise ValidationError({"required_count": "Say how many preferred products must be tried."})


class DrugListEntry(models.Model):
    drug_list = models.ForeignKey(DrugList, on_delete=models.CASCADE, related_name="entries")
    drug = models.ForeignKey(Drug, on_delete=models.PROTECT)
    include_biosimilars = models.BooleanField(
        default=False, help_text="Biosimilars of this product count as this entry."
    )
    preferred_biosimilars = models.ManyToManyField(
        Drug,
        blank=True,
        related_name="+",
        help_text="“Including all preferred biosimilars”: only these biosimilars count as this entry. Blank: every "
        "biosimilar of it counts (when biosimilars count).",
    )
    note = models.CharField(max_length=120, blank=True, help_text="As printed, e.g. “(SC)”.")
    route = models.CharField(
        max_length=20,
        blank=True,
        choices=TRIAL_ROUTE.choices,
        help_text="Only a trial by this route counts as this entry (“Actemra (SC)”); a contraindication counts "
        "whatever the route. Blank: any route.",
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["drug_list", "order", "drug__generic_name"]
        verbose_name_plural = "drug list entries"
        constraints = [models.UniqueConstraint(fields=["drug_list", "drug"], name="unique_drug_per_list")]

    def __str__(self) -> str:
        return str(self.drug)


class ClinicalList(VersionPart):
    """A list of conditions rather than drugs, e.g. FEP Appendix 1 (contraindications to methotrexate)."""

    code = models.SlugField()
    title = models.CharField(max_length=200)
    clause = models.CharField(max_length=120)

    class Meta:
        ordering = ["version", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_clinical_list_per_version")]

    def __str__(self) -> str:
        return self.title


class ClinicalListItem(models.Model):
    clinical_list = models.ForeignKey(ClinicalList, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=250)

    class Meta:
        ordering = ["clinical_list", "order"]

    def __str__(self) -> str:
        return self.text


class WeightTable(VersionPart):
    code = models.SlugField()
    title = models.CharField(max_length=200)
    clause = models.CharField(max_length=120)
    base_sufficient_max_kg = models.DecimalField(
        max_digits=6, decimal_places=2, help_text="At or below this weight the base limits are sufficient."
    )
    refer_above_kg = models.DecimalField(
        max_digits=6, decimal_places=2, help_text="Above this weight the UM pharmacist calculates the quantity."
    )

    class Meta:
        ordering = ["version", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_weight_table_per_version")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if (
            self.refer_above_kg is not None
            and self.base_sufficient_max_kg is not None
            and self.refer_above_kg <= self.base_sufficient_max_kg
        ):
            raise ValidationError(
                {"refer_above_kg": "The referral weight must be above the weight where base limits suffice."}
            )


WEIGHT_ROW_ORDER_MESSAGE = (
    "Row {n} ({weight} kg) must weigh more than the row above it, and its maximum dose and "
    "syringe quantities must not be lower than that row's."
)


def validate_weight_rows(rows: list[dict]) -> list[str]:
    """Rows sorted as entered; each must weigh more and allow at least as much as the last."""
    messages = []
    fields = ("max_mg_per_day", "syringes_per_day", "retail_quantity", "home_delivery_quantity")
    for n, (previous, row) in enumerate(zip(rows, rows[1:]), start=2):
        if row["weight_kg"] <= previous["weight_kg"] or any(row[f] < previous[f] for f in fields):
            messages.append(WEIGHT_ROW_ORDER_MESSAGE.format(n=n, weight=row["weight_kg"]))
    return messages


class WeightRow(models.Model):
    table = models.ForeignKey(WeightTable, on_delete=models.CASCADE, related_name="rows")
    weight_kg = models.DecimalField("patient weight (kg)", max_digits=6, decimal_places=2)
    max_mg_per_day = models.DecimalField("maximum dose per day (mg)", max_digits=8, decimal_places=2)
    syringes_per_day = models.PositiveSmallIntegerField()
    retail_quantity = models.PositiveIntegerField("retail syringes")
    retail_days = models.PositiveSmallIntegerField("per days (retail)", default=28)
    home_delivery_quantity = models.PositiveIntegerField("home delivery syringes")
    home_delivery_days = models.PositiveSmallIntegerField("per days (home delivery)", default=84)

    class Meta:
        ordering = ["table", "weight_kg"]
        constraints = [models.UniqueConstraint(fields=["table", "weight_kg"], name="unique_weight_per_table")]

    def __str__(self) -> str:
        return f"{self.weight_kg} kg"


# The request types a root starts: "both" starts each.
ROOT_REQUEST_TYPES = {"initial": ("initial",), "renewal": ("renewal",), "both": ("initial", "renewal")}
# A second root silently replaced the first in the engine: a request that must be denied came back approved.
MSG_ROOT_TAKEN = (
    "{request_types} requests already start at “{clause}” ({key}). Each request type starts at one criterion: "
    "put this criterion under that one, or clear “root for” on one of them."
)


class CriterionNode(VersionPart):
    """One node of a version's criteria tree: ALL/ANY/NOT/AT LEAST, or a typed leaf."""

    class RootFor(models.TextChoices):
        NONE = "", "— (a branch, or a condition for a quantity limit)"
        INITIAL = "initial", "Initial requests"
        RENEWAL = "renewal", "Renewal requests"
        BOTH = "both", "Initial and renewal requests"

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    order = models.PositiveIntegerField(default=0)
    key = models.SlugField(
        max_length=60, help_text="Unique in this version; quantity limits and “same as” criteria refer to it."
    )
    clause = models.CharField(max_length=120, help_text="The policy's own label, e.g. “Initiation 1.c.ii”.")
    text = models.TextField(help_text="The policy's wording.")
    # Listed by label, as policy staff look for them (not by internal code).
    kind = models.CharField(max_length=40, choices=sorted(ALL_KINDS.items(), key=lambda item: item[1].lower()))
    params = models.JSONField(default=dict, blank=True, help_text="Parameters of a leaf, as JSON.")
    gate = models.BooleanField(
        default=False, help_text="The branch applies only when this first child is met (e.g. “diagnosis is RA”)."
    )
    root_for = models.CharField(max_length=10, choices=RootFor.choices, blank=True, default="")

    class Meta:
        ordering = ["version", "parent_id", "order"]
        verbose_name = "criterion"
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="unique_criterion_key_per_version")]

    def __str__(self) -> str:
        return f"{self.clause} — {self.text[:60]}"

    def validation_context(self) -> ValidationContext:
        shared = getattr(self, "shared_context", None)  # one for every node of a version being loaded
        if shared is not None:
            return dataclasses.replace(shared, node_keys=shared.node_keys - {self.key})
        version = self.version
        return ValidationContext(
            drug_lists=frozenset(version.druglist_set.values_list("code", flat=True)),
            diagnoses=frozenset(Diagnosis.objects.values_list("slug", flat=True)),
            questions=frozenset(Question.objects.values_list("code", flat=True)),
            node_keys=frozenset(version.criterionnode_set.exclude(pk=self.pk).values_list("key", flat=True)),
            fact_values=data_fact_codes([self]),
        )

    def clean(self) -> None:
        if not self.version_id:
            return
        errors = validate_node(self.kind, self.params, self.validation_context())
        if errors:
            raise ValidationError({"params": errors})
        if self.parent_id and self.parent.version_id != self.version_id:
            raise ValidationError({"parent": "The parent must belong to the same policy version."})
        if self.root_for and self.parent_id:
            raise ValidationError({"root_for": "Only a criterion without a parent can be the root of a request type."})
        if self.root_for:
            self._refuse_second_root()
        if self.kind in INNER_KINDS and self.kind == "not" and self.pk and self.children.count() > 1:
            raise ValidationError({"kind": "NOT takes exactly one child."})
        node = self.parent
        while node is not None:
            if node.pk == self.pk:
                raise ValidationError({"parent": "A criterion cannot be inside itself."})
            node = node.parent

    def _refuse_second_root(self) -> None:
        types = ROOT_REQUEST_TYPES.get(self.root_for, ())
        overlapping = [value for value, starts in ROOT_REQUEST_TYPES.items() if set(starts) & set(types)]
        other = (
            CriterionNode.objects.filter(version_id=self.version_id, root_for__in=overlapping)
            .exclude(pk=self.pk)
            .order_by("order", "pk")
            .first()
        )
        if other is not None:
            shared = " and ".join(t for t in types if t in ROOT_REQUEST_TYPES[other.root_for])
            words = MSG_ROOT_TAKEN.format(request_types=shared.capitalize(), clause=other.clause, key=other.key)
            raise ValidationError({"root_for": words})


class QuantityLimit(VersionPart):
    class Kind(models.TextChoices):
        FIXED = "fixed", "Fixed quantity per days"
        PER_KG = "per_kg", "Sufficient for N mg/kg/day"
        WEIGHT_TABLE = "weight_table", "By weight table"
        DOSE = "dose", "Sufficient for the requested daily dose"
        NONE = "none", "No limit"

    class Grant(models.TextChoices):
        LIMIT = "limit", "Authorize the limit"
        REQUESTED = "requested", "Approve the requested quantity, not to exceed the limit"

    order = models.PositiveIntegerField(default=0)
    clause = models.CharField(max_length=120)
    text = models.CharField(max_length=300, help_text="The policy's wording.")
    request_type = models.CharField(max_length=10, choices=REQUEST_TYPE_CHOICES, blank=True)
    diagnoses = models.ManyToManyField(Diagnosis, blank=True, help_text="Blank: every diagnosis.")
    channel = models.CharField(max_length=20, choices=CHANNEL_CHOICES, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    quantity = models.PositiveIntegerField(null=True, blank=True, help_text="Syringes.")
    period_days = models.PositiveSmallIntegerField(null=True, blank=True)
    mg_per_kg_day = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    weight_table = models.ForeignKey(WeightTable, null=True, blank=True, on_delete=models.PROTECT)
    one_time = models.BooleanField(default=False)
    grant = models.CharField(max_length=10, choices=Grant.choices, default=Grant.LIMIT)
    condition = models.ForeignKey(
        CriterionNode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="An exception: applies above the base limit only when this criterion is met. Blank: a base limit.",
    )
    duration_months = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return f"{self.clause}: {self.text[:60]}"

    def clean(self) -> None:
        errors = {}
        if self.kind == self.Kind.FIXED and (not self.quantity or not self.period_days):
            errors["quantity"] = "A fixed limit needs a quantity and a period in days."
        if self.kind == self.Kind.PER_KG and (not self.mg_per_kg_day or not self.period_days):
            errors["mg_per_kg_day"] = "A per-kg limit needs mg/kg/day and a default period in days."
        if self.kind == self.Kind.DOSE and not self.period_days:
            errors["period_days"] = "A dose-based limit needs a default period in days."
        if self.kind == self.Kind.WEIGHT_TABLE and not self.weight_table_id:
            errors["weight_table"] = "Choose the weight table."
        if self.weight_table_id and self.version_id and self.weight_table.version_id != self.version_id:
            errors["weight_table"] = "The weight table must belong to the same policy version."
        if self.condition_id and self.version_id and self.condition.version_id != self.version_id:
            errors["condition"] = "The condition must be a criterion of the same policy version."
        if self.duration_months and self.duration_days:
            errors["duration_days"] = "Give the duration in months or in days, not both."
        if errors:
            raise ValidationError(errors)


class ApprovalDuration(VersionPart):
    order = models.PositiveIntegerField(default=0)
    clause = models.CharField(max_length=120)
    request_type = models.CharField(max_length=10, choices=REQUEST_TYPE_CHOICES, blank=True)
    diagnoses = models.ManyToManyField(Diagnosis, blank=True, help_text="Blank: every diagnosis.")
    months = models.PositiveSmallIntegerField(null=True, blank=True)
    days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return f"{self.months} months" if self.months else f"{self.days} days"

    def clean(self) -> None:
        if bool(self.months) == bool(self.days):
            raise ValidationError("Give the duration in months or in days (one of them).")


class PolicyTestCase(models.Model):
    """A named request with the outcome policy staff expect; every case runs before a version is published."""

    class Decision(models.TextChoices):
        # The contract's decision values.
        APPROVE = "approve", "Approve"
        PARTIAL = "partial", "Approve a smaller quantity"
        DENY = "deny", "Criteria not met"
        REFER = "refer", "Refer to a pharmacist"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="test_cases")
    name = models.CharField(max_length=200, help_text="What the case shows, e.g. “RA after methotrexate: approved”.")
    clause = models.CharField(max_length=120, blank=True, help_text="The clause the case is written from.")
    request = models.JSONField(help_text="A contract request (without policy or date of service; both are supplied).")
    expected_decision = models.CharField(max_length=10, choices=Decision.choices)
    expected_quantity = models.PositiveIntegerField(null=True, blank=True, help_text="Approvals: syringes.")
    expected_per_days = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Approvals: per days.")
    expected_duration_months = models.PositiveSmallIntegerField(null=True, blank=True)
    expected_duration_days = models.PositiveSmallIntegerField(null=True, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["policy__code", "order", "name"]
        verbose_name = "test case"
        constraints = [models.UniqueConstraint(fields=["policy", "name"], name="unique_test_case_name_per_policy")]

    def __str__(self) -> str:
        return self.name


# Where the values of the facts that are data (engine facts.DATA_FACTS) live, by their `source`.
DATA_FACT_SOURCES: dict[str, type[models.Model]] = {"plans": Plan, "specialties": Specialty}


def data_fact_codes(nodes: Iterable[CriterionNode]) -> dict[str, frozenset[str]]:
    """Fact path -> the codes it takes, for checking these criteria: one query a source, and none when no
    criterion reads such a fact (the common case)."""
    if not any(node.kind == "fact_in" and (node.params or {}).get("fact") in DATA_FACTS for node in nodes):
        return {}
    codes = {
        source: frozenset(model.objects.values_list("code", flat=True)) for source, model in DATA_FACT_SOURCES.items()
    }
    return {path: codes[spec.source] for path, spec in DATA_FACTS.items()}


# Every edit of policy data is on the record: who, when, before and after, from where.
def _register_history() -> None:
    from simple_history import register

    m2m = {
        Policy: ["plans"],
        Drug: ["classes"],
        Question: ["diagnoses"],
        Specialty: ["diagnoses"],
        Icd10Code: ["diagnoses"],
        DrugList: ["plans", "classes"],
        DrugListEntry: ["preferred_biosimilars"],
        QuantityLimit: ["diagnoses"],
        ApprovalDuration: ["diagnoses"],
    }
    for model in (
        Payer,
        Plan,
        Policy,
        PolicyVersion,
        DrugClass,
        Drug,
        DrugName,
        Product,
        Diagnosis,
        DiagnosisAlias,
        Question,
        Specialty,
        Icd10Code,
        PolicyDiagnosis,
        DrugList,
        DrugListEntry,
        ClinicalList,
        ClinicalListItem,
        WeightTable,
        WeightRow,
        CriterionNode,
        QuantityLimit,
        ApprovalDuration,
        PolicyTestCase,
    ):
        register(model, bases=[IPAddressHistoricalModel], m2m_fields=m2m.get(model, []))


_register_history()
