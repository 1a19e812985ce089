"""The admin where pharmacy policy staff edit payer policies.

A policy version's page gathers everything that belongs to it (diagnoses, lists,
tables, limits, durations, codes); lists with many rows (drug lists, weight tables,
clinical lists, criteria) open on their own page from a link. Every save bumps the
policy data revision (signals.py), so the next determination uses the edit.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from kineret_pa.engine.vocabulary import INNER_KINDS, LEAF_KINDS

from . import models as m


def _change_link(obj, label: str) -> str:
    url = reverse(f"admin:policies_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label)


def _changelist_link(model, label: str, **filters) -> str:
    url = reverse(f"admin:policies_{model._meta.model_name}_changelist")
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return format_html('<a href="{}?{}">{}</a>', url, query, label)


def _children_link(obj, related: str, one: str, many: str, verb: str) -> str:
    """The inline row's link to the page where its drugs, items or rows are edited."""
    if not obj.pk:
        return f"Save first, then add {many}"
    return _change_link(obj, f"{_count(getattr(obj, related).count(), one, many)} — edit {verb}")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# ---------------------------------------------------------------- only drafts change

MSG_READ_ONLY = (
    "This version is {status}: it never changes again. Open it under Policy versions and copy it as a new "
    "draft to change it."
)


def version_of(obj) -> m.PolicyVersion | None:
    """The policy version an object belongs to (a version part, a row of one, or the version itself)."""
    if obj is None:
        return None
    if isinstance(obj, m.PolicyVersion):
        return obj
    for path in ("version", "drug_list.version", "clinical_list.version", "table.version"):
        target = obj
        for name in path.split("."):
            target = getattr(target, name, None)
        if isinstance(target, m.PolicyVersion):
            return target
    return None


def _drafts_only(db_field, kwargs) -> None:
    """A new part can only go into a draft: offer drafts' versions (and drafts' lists and tables) only."""
    model = db_field.related_model
    if model is m.PolicyVersion:
        kwargs["queryset"] = kwargs.get("queryset", model.objects).filter(status=m.PolicyVersion.Status.DRAFT)
    elif any(f.name == "version" for f in model._meta.fields) and issubclass(model, m.VersionPart):
        kwargs["queryset"] = kwargs.get("queryset", model.objects).filter(version__status=m.PolicyVersion.Status.DRAFT)


class DraftOnlyAdmin(SimpleHistoryAdmin):
    """A version in force (or in the past) is read-only: its parts can be viewed, never changed or deleted."""

    def _editable(self, obj) -> bool:
        version = version_of(obj)
        return version is None or version.is_draft

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        _drafts_only(db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        version = version_of(obj)
        if version is not None and not version.is_draft and request.method == "GET":
            from django.contrib import messages

            messages.info(request, MSG_READ_ONLY.format(status=version.get_status_display().lower()))
        return super().change_view(request, object_id, form_url, extra_context)


class DraftOnlyInline:
    """Inline rows of a version that is not a draft are shown, never added, changed or deleted."""

    def _editable(self, obj) -> bool:
        version = version_of(obj)
        return version is None or version.is_draft

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(obj)


# ---------------------------------------------------------------- payers, plans, policies


class PlanInline(admin.TabularInline):
    model = m.Plan
    extra = 0


@admin.register(m.Payer)
class PayerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    ordering = ["name"]
    inlines = [PlanInline]


@admin.register(m.Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "payer"]
    list_filter = ["payer"]
    search_fields = ["name", "code", "payer__name"]
    ordering = ["payer__name", "name"]
    list_select_related = ["payer"]


class PolicyVersionInline(admin.TabularInline):
    model = m.PolicyVersion
    fields = ["effective_date", "end_date", "status", "source_title"]
    extra = 0
    show_change_link = True  # the version's own page holds its lists, limits and criteria

    # Versions are created by copying one as a draft and go live by publishing (Policy versions pages).
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.Policy)
class PolicyAdmin(SimpleHistoryAdmin):
    list_display = ["code", "number", "title", "payer", "kind", "drug"]
    list_filter = ["payer", "kind"]
    search_fields = ["code", "number", "title", "payer__name"]
    ordering = ["code"]
    autocomplete_fields = ["drug"]
    filter_horizontal = ["plans"]
    list_select_related = ["payer", "drug"]
    inlines = [PolicyVersionInline]


# ---------------------------------------------------------------- a version and what belongs to it


class VersionPartInline(DraftOnlyInline, admin.TabularInline):
    """Compact rows on the version page; choices of other version parts stay within the version."""

    extra = 0
    version_scoped = ()  # foreign keys whose choices must come from this version

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        version_id = request.resolver_match.kwargs.get("object_id")
        if db_field.name in self.version_scoped:
            # A limit may only use this version's tables and criteria; offering every
            # version's would invite a choice that the model then rejects.
            kwargs["queryset"] = db_field.related_model.objects.filter(version_id=version_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PolicyDiagnosisInline(VersionPartInline):
    model = m.PolicyDiagnosis
    autocomplete_fields = ["diagnosis"]


class DrugListInline(VersionPartInline):
    model = m.DrugList
    fields = [
        "order",
        "code",
        "name",
        "clause",
        "kind",
        "plans",
        "diagnosis",
        "required_count",
        "classes",
        "entries_link",
    ]
    readonly_fields = ["entries_link"]
    autocomplete_fields = ["plans", "diagnosis", "classes"]
    show_change_link = True

    @admin.display(description="Drugs")
    def entries_link(self, obj):
        return _children_link(obj, "entries", "drug", "drugs", "entries")


class ClinicalListInline(VersionPartInline):
    model = m.ClinicalList
    fields = ["code", "title", "clause", "items_link"]
    readonly_fields = ["items_link"]
    show_change_link = True

    @admin.display(description="Items")
    def items_link(self, obj):
        return _children_link(obj, "items", "item", "items", "items")


class WeightTableInline(VersionPartInline):
    model = m.WeightTable
    fields = ["code", "title", "clause", "base_sufficient_max_kg", "refer_above_kg", "rows_link"]
    readonly_fields = ["rows_link"]
    show_change_link = True

    @admin.display(description="Rows")
    def rows_link(self, obj):
        return _children_link(obj, "rows", "row", "rows", "rows")


class QuantityLimitInline(VersionPartInline):
    model = m.QuantityLimit
    fields = [
        "order",
        "clause",
        "text",
        "request_type",
        "channel",
        "diagnoses",
        "kind",
        "quantity",
        "period_days",
        "mg_per_kg_day",
        "weight_table",
        "one_time",
        "grant",
        "condition",
        "duration_months",
        "duration_days",
    ]
    # A criterion is searched for rather than listed: a version has up to ~150 and
    # each limit row would repeat them all. The model refuses another version's.
    autocomplete_fields = ["diagnoses", "condition"]
    version_scoped = ("weight_table",)
    show_change_link = True


class ApprovalDurationInline(VersionPartInline):
    model = m.ApprovalDuration
    fields = ["order", "clause", "request_type", "diagnoses", "months", "days"]
    autocomplete_fields = ["diagnoses"]


class Icd10CodeInline(VersionPartInline):
    model = m.Icd10Code
    fields = ["code_from", "code_to", "description", "diagnoses"]
    autocomplete_fields = ["diagnoses"]


@admin.register(m.PolicyVersion)
class PolicyVersionAdmin(DraftOnlyAdmin):
    list_display = ["policy", "effective_date", "end_date", "status", "source_title"]
    list_filter = ["status", "policy__payer", "policy"]
    search_fields = ["policy__code", "policy__title", "source_title"]
    ordering = ["policy__code", "-effective_date"]
    date_hierarchy = "effective_date"
    list_select_related = ["policy"]
    # Status and end date change only by publishing (policies/versions.py), which checks the version first.
    readonly_fields = ["status", "end_date", "authoring_link", "criteria_link"]
    fields = [
        "policy",
        "effective_date",
        "end_date",
        "status",
        "authoring_link",
        "source_title",
        "source_file",
        "notes",
        "criteria_link",
    ]
    inlines = [
        PolicyDiagnosisInline,
        DrugListInline,
        ClinicalListInline,
        WeightTableInline,
        QuantityLimitInline,
        ApprovalDurationInline,
        Icd10CodeInline,
    ]

    @admin.display(description="Check, test, copy and publish")
    def authoring_link(self, obj):
        if not obj.pk:
            return "Save the draft first."
        url = reverse("authoring:version", args=[obj.pk])
        return format_html('<a href="{}">Open the version page: read-back, checks, test cases, impact</a>', url)

    @admin.display(description="Criteria")
    def criteria_link(self, obj):
        if not obj.pk:
            return "Save the version first, then add its criteria."
        n = obj.criterionnode_set.count()
        return _changelist_link(
            m.CriterionNode, f"{_count(n, 'criterion', 'criteria')} — open the criteria", version__id__exact=obj.pk
        )


@admin.register(m.PolicyTestCase)
class PolicyTestCaseAdmin(SimpleHistoryAdmin):
    """Named requests with the outcome policy staff expect; run on every version page and before publishing."""

    list_display = ["name", "policy", "clause", "expected_decision", "expected_quantity", "expected_per_days"]
    list_filter = ["policy", "expected_decision"]
    search_fields = ["name", "clause"]
    ordering = ["policy__code", "order", "name"]
    list_select_related = ["policy"]


# ---------------------------------------------------------------- drugs and diagnoses


class DrugNameFormSet(forms.BaseInlineFormSet):
    def clean(self):
        # DrugName.clean compares with saved names only; two new rows spelling the same
        # name would otherwise reach the database's unique index and fail unexplained.
        super().clean()
        names = [
            m.normalize_name(form.cleaned_data["name"])
            for form in self.forms
            if form.cleaned_data.get("name") and not form.cleaned_data.get("DELETE")
        ]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValidationError(f"Each name may be entered once: {', '.join(repeated)}.")


class DrugNameInline(admin.TabularInline):
    model = m.DrugName
    formset = DrugNameFormSet
    fields = ["name", "kind"]
    extra = 0


@admin.register(m.DrugClass)
class DrugClassAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    ordering = ["name"]


@admin.register(m.Drug)
class DrugAdmin(SimpleHistoryAdmin):
    list_display = ["generic_name", "brand_names", "biosimilar_of", "class_names"]
    list_filter = ["classes"]
    search_fields = ["generic_name", "names__name"]
    ordering = ["generic_name"]
    autocomplete_fields = ["biosimilar_of"]
    filter_horizontal = ["classes"]
    inlines = [DrugNameInline]

    def get_queryset(self, request):
        # __str__ and the columns read names and classes; fetch them once, not per row.
        return super().get_queryset(request).prefetch_related("names", "classes", "biosimilar_of__names")

    @admin.display(description="Brand names")
    def brand_names(self, obj):
        return ", ".join(n.name for n in obj.names.all() if n.kind == m.DrugName.Kind.BRAND)

    @admin.display(description="Classes")
    def class_names(self, obj):
        return ", ".join(c.name for c in obj.classes.all())


@admin.register(m.DrugName)
class DrugNameAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "drug"]
    list_filter = ["kind"]
    search_fields = ["name", "drug__generic_name"]
    ordering = ["name"]
    autocomplete_fields = ["drug"]
    readonly_fields = ["normalized"]
    list_select_related = ["drug"]


@admin.register(m.Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ["name", "drug", "strength_mg", "volume_ml", "form"]
    list_filter = ["form"]
    search_fields = ["name", "drug__generic_name"]
    ordering = ["drug__generic_name", "strength_mg"]
    autocomplete_fields = ["drug"]
    list_select_related = ["drug"]


class DiagnosisAliasInline(admin.TabularInline):
    model = m.DiagnosisAlias
    extra = 0


@admin.register(m.Diagnosis)
class DiagnosisAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "parent", "selectable", "order"]
    list_filter = ["selectable", "parent"]
    search_fields = ["name", "slug", "aliases__alias"]
    ordering = ["order", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    inlines = [DiagnosisAliasInline]


@admin.register(m.DiagnosisAlias)
class DiagnosisAliasAdmin(SimpleHistoryAdmin):
    list_display = ["alias", "diagnosis"]
    search_fields = ["alias", "diagnosis__name", "diagnosis__slug"]
    ordering = ["alias"]
    autocomplete_fields = ["diagnosis"]
    list_select_related = ["diagnosis"]


@admin.register(m.Question)
class QuestionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "wording", "order"]
    list_filter = ["diagnoses"]
    search_fields = ["code", "wording"]
    ordering = ["order", "code"]
    filter_horizontal = ["diagnoses"]


@admin.register(m.Specialty)
class SpecialtyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "order"]
    search_fields = ["code", "name"]
    ordering = ["order", "code"]
    filter_horizontal = ["diagnoses"]


# ---------------------------------------------------------------- version parts on their own pages


class VersionPartAdmin(DraftOnlyAdmin):
    """Shared columns and filters for things that belong to one policy version."""

    list_filter = ["version__policy", "version"]
    list_select_related = ["version__policy"]
    autocomplete_fields = ["version"]


@admin.register(m.Icd10Code)
class Icd10CodeAdmin(VersionPartAdmin):
    list_display = ["code_from", "code_to", "description", "version"]
    search_fields = ["code_from", "code_to", "description"]
    ordering = ["version", "code_from"]
    autocomplete_fields = ["version", "diagnoses"]


@admin.register(m.PolicyDiagnosis)
class PolicyDiagnosisAdmin(VersionPartAdmin):
    list_display = ["diagnosis", "status", "labeled_min_age", "fda_max_mg_per_day", "fda_max_mg_per_kg_day", "version"]
    list_filter = ["status", "version__policy", "version"]
    search_fields = ["diagnosis__name", "diagnosis__slug"]
    ordering = ["version", "diagnosis__order"]
    autocomplete_fields = ["version", "diagnosis"]
    list_select_related = ["version__policy", "diagnosis"]


class DrugListEntryInline(DraftOnlyInline, admin.TabularInline):
    model = m.DrugListEntry
    fields = ["order", "drug", "include_biosimilars", "preferred_biosimilars", "note", "route"]
    autocomplete_fields = ["drug", "preferred_biosimilars"]  # hundreds of drugs: search rather than a long select
    extra = 0


@admin.register(m.DrugList)
class DrugListAdmin(VersionPartAdmin):
    list_display = ["name", "code", "clause", "kind", "required_count", "entry_count", "class_names", "version"]
    list_filter = ["kind", "classes", "version__policy", "version"]
    search_fields = ["code", "name", "clause"]
    ordering = ["version", "order", "code"]
    # Classes are edited here beside the drugs listed one by one: a list may have both.
    autocomplete_fields = ["version", "diagnosis", "plans", "classes"]
    inlines = [DrugListEntryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_entries=Count("entries")).prefetch_related("classes")

    @admin.display(description="Drugs", ordering="n_entries")
    def entry_count(self, obj):
        return obj.n_entries

    @admin.display(description="Every drug of")
    def class_names(self, obj):
        return ", ".join(c.name for c in obj.classes.all())


@admin.register(m.DrugListEntry)
class DrugListEntryAdmin(DraftOnlyAdmin):
    list_display = ["drug", "drug_list", "include_biosimilars", "note", "route", "order"]
    list_filter = ["drug_list__kind", "drug_list__version__policy", "drug_list"]
    search_fields = ["drug__generic_name", "drug__names__name", "drug_list__code", "drug_list__name", "note"]
    ordering = ["drug_list", "order", "drug__generic_name"]
    autocomplete_fields = ["drug_list", "drug"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("drug_list").prefetch_related("drug__names")


class ClinicalListItemInline(DraftOnlyInline, admin.TabularInline):
    model = m.ClinicalListItem
    fields = ["order", "text"]
    extra = 0


@admin.register(m.ClinicalList)
class ClinicalListAdmin(VersionPartAdmin):
    list_display = ["title", "code", "clause", "version"]
    search_fields = ["code", "title", "clause"]
    ordering = ["version", "code"]
    inlines = [ClinicalListItemInline]


@admin.register(m.ClinicalListItem)
class ClinicalListItemAdmin(DraftOnlyAdmin):
    list_display = ["text", "clinical_list", "order"]
    list_filter = ["clinical_list"]
    search_fields = ["text", "clinical_list__title"]
    ordering = ["clinical_list", "order"]
    autocomplete_fields = ["clinical_list"]
    list_select_related = ["clinical_list"]


# ---------------------------------------------------------------- weight tables

ROW_FIELDS = ("weight_kg", "max_mg_per_day", "syringes_per_day", "retail_quantity", "home_delivery_quantity")


def weight_row_messages(rows: list[dict]) -> list[str]:
    # Rows are checked in weight order, the order the table is read and shown in, so a
    # pharmacist may add a missing weight at the bottom; a lighter row that allows more
    # than a heavier one, or two rows of one weight, is still rejected.
    return m.validate_weight_rows(sorted(rows, key=lambda row: row["weight_kg"]))


class WeightRowFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return  # each row's own errors come first; the order check needs whole rows
        rows = [
            {f: form.cleaned_data[f] for f in ROW_FIELDS}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        messages = weight_row_messages(rows)
        if messages:
            raise ValidationError(messages)


class WeightRowInline(DraftOnlyInline, admin.TabularInline):
    model = m.WeightRow
    formset = WeightRowFormSet
    extra = 0


@admin.register(m.WeightTable)
class WeightTableAdmin(VersionPartAdmin):
    list_display = ["title", "code", "clause", "base_sufficient_max_kg", "refer_above_kg", "version"]
    search_fields = ["code", "title", "clause"]
    ordering = ["version", "code"]
    inlines = [WeightRowInline]


class WeightRowForm(forms.ModelForm):
    """One row edited on its own page must still fit between its neighbours."""

    class Meta:
        model = m.WeightRow
        fields = "__all__"

    def clean(self):
        data = super().clean()
        table = data.get("table")
        if table is None or any(data.get(f) is None for f in ROW_FIELDS):
            return data
        others = table.rows.exclude(pk=self.instance.pk).values(*ROW_FIELDS)
        messages = weight_row_messages([*others, {f: data[f] for f in ROW_FIELDS}])
        if messages:
            raise ValidationError(messages)
        return data


@admin.register(m.WeightRow)
class WeightRowAdmin(DraftOnlyAdmin):
    form = WeightRowForm
    list_display = [
        "table",
        "weight_kg",
        "max_mg_per_day",
        "syringes_per_day",
        "retail_quantity",
        "home_delivery_quantity",
    ]
    list_filter = ["table"]
    search_fields = ["table__title", "table__code"]
    ordering = ["table", "weight_kg"]
    autocomplete_fields = ["table"]
    list_select_related = ["table"]


# ---------------------------------------------------------------- criteria


def params_help() -> str:
    """The leaf kinds with example parameters, so staff need not look them up in code."""
    leaves = format_html_join(
        "",
        "<li><code>{}</code> — {}: <code>{}</code></li>",
        ((kind, leaf.label, json.dumps(leaf.example)) for kind, leaf in LEAF_KINDS.items()),
    )
    inner = ", ".join(INNER_KINDS)
    return format_html(
        "Parameters of a leaf, as JSON. Inner kinds ({}) take <code>{{}}</code>, except “at least”, which takes "
        '<code>{{"n": 2}}</code>. Leaf kinds and example parameters:<ul>{}</ul>',
        inner,
        leaves,
    )


class CriterionChildInline(DraftOnlyInline, admin.TabularInline):
    """A read-only summary of the children; each opens on its own page to edit."""

    model = m.CriterionNode
    fk_name = "parent"
    fields = ["order", "clause", "kind", "key", "short_text", "gate"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = "child criterion"
    verbose_name_plural = "child criteria (open one to edit it)"

    def has_add_permission(self, request, obj=None):
        return False  # a child is added on its own page, where its version and params are chosen

    @admin.display(description="Text")
    def short_text(self, obj):
        return obj.text[:100]


@admin.register(m.CriterionNode)
class CriterionNodeAdmin(VersionPartAdmin):
    list_display = ["clause", "kind", "key", "short_text", "parent", "version"]
    list_filter = ["version", "kind", "root_for"]
    search_fields = ["clause", "text", "key"]
    ordering = ["version", "parent_id", "order", "id"]
    autocomplete_fields = ["version", "parent"]
    list_select_related = ["version__policy", "parent"]
    fields = [
        "editor_link",
        "version",
        "parent",
        "order",
        "key",
        "clause",
        "text",
        "kind",
        "params",
        "gate",
        "root_for",
    ]
    readonly_fields = ["editor_link"]
    inlines = [CriterionChildInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "params" in form.base_fields:  # absent when the version is read-only
            form.base_fields["params"].help_text = params_help()
        if obj is not None and "parent" in form.base_fields:
            # The parent is one of this version's criteria, never another version's look-alike.
            parent = form.base_fields["parent"]
            parent.queryset = parent.queryset.filter(version_id=obj.version_id).exclude(pk=obj.pk)
        return form

    @admin.display(description="Criteria editor")
    def editor_link(self, obj):
        if not obj or not obj.pk:
            return (
                "The criteria editor (Policy versions → the version → Edit criteria) adds criteria with typed fields."
            )
        url = reverse("authoring:criteria-edit", args=[obj.version_id, obj.pk])
        return format_html('<a href="{}">Edit this criterion with typed fields, in its tree</a>', url)

    @admin.display(description="Text")
    def short_text(self, obj):
        return obj.text[:80]


@admin.register(m.QuantityLimit)
class QuantityLimitAdmin(VersionPartAdmin):
    list_display = [
        "clause",
        "kind",
        "channel",
        "request_type",
        "quantity",
        "period_days",
        "condition",
        "order",
        "version",
    ]
    list_filter = ["kind", "channel", "request_type", "version__policy", "version"]
    search_fields = ["clause", "text"]
    ordering = ["version", "order"]
    autocomplete_fields = ["version", "diagnoses", "weight_table", "condition"]
    list_select_related = ["version__policy", "condition"]


@admin.register(m.ApprovalDuration)
class ApprovalDurationAdmin(VersionPartAdmin):
    list_display = ["clause", "request_type", "months", "days", "order", "version"]
    list_filter = ["request_type", "version__policy", "version"]
    search_fields = ["clause"]
    ordering = ["version", "order"]
    autocomplete_fields = ["version", "diagnoses"]
