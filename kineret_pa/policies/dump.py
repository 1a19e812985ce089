"""Policy data back to the fixture format that `loading.py` reads.

One representation serves three needs: `export_policies` writes it to files, "Copy as new draft" loads a dump
of a version as a new version (so a copy is exactly what an export and a load would give), and the version
diff compares two dumps. Every key written here is one the loader reads; values the loader would default are
still written, so a dump says everything about a version.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import models as m


def _number(value: Decimal | None) -> int | float | None:
    """Decimals as the fixtures write them: whole numbers without a fraction."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _entry(e: m.DrugListEntry) -> dict[str, Any] | str:
    """A list entry as the fixtures write it: the drug's name alone unless it says more."""
    preferred = sorted(d.generic_name for d in e.preferred_biosimilars.all())
    if not (e.include_biosimilars or e.note or e.route or preferred):
        return e.drug.generic_name
    item: dict[str, Any] = {"drug": e.drug.generic_name, "include_biosimilars": e.include_biosimilars, "note": e.note}
    if e.route:
        item["route"] = e.route
    if preferred:
        item["preferred_biosimilars"] = preferred
    return item


def _slugs(manager) -> list[str]:
    return sorted(d.slug for d in manager.all())


def _criteria(version: m.PolicyVersion) -> list[dict[str, Any]]:
    rows = list(m.CriterionNode.objects.filter(version=version).order_by("order", "id"))
    children: dict[int | None, list[m.CriterionNode]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)

    def item(row: m.CriterionNode, depth: int) -> dict[str, Any]:
        if depth > 50:  # a cycle cannot be written as a tree; the checks report it
            raise ValueError(f"criterion {row.key} is inside itself")
        data: dict[str, Any] = {"key": row.key, "clause": row.clause, "text": row.text, "kind": row.kind}
        if row.params:
            data["params"] = row.params
        if row.gate:
            data["gate"] = True
        if row.root_for:
            data["root_for"] = row.root_for
        kids = children.get(row.id, [])
        if kids:
            data["children"] = [item(kid, depth + 1) for kid in kids]
        return data

    return [item(row, 0) for row in children.get(None, [])]


def version_dump(version: m.PolicyVersion) -> dict[str, Any]:
    """One version as a fixture "versions" item."""
    diagnoses = []
    for pd in m.PolicyDiagnosis.objects.filter(version=version).select_related("diagnosis"):
        item: dict[str, Any] = {"diagnosis": pd.diagnosis.slug, "status": pd.status}
        for name in (
            "labeled_min_age",
            "labeled_max_age",
            "fda_max_mg_per_day",
            "fda_max_mg_per_kg_day",
            "compendia_max_mg_per_day",
            "compendia_max_mg_per_kg_day",
        ):
            if getattr(pd, name) is not None:
                item[name] = _number(getattr(pd, name))
        if pd.source:
            item["source"] = pd.source
        diagnoses.append(item)

    drug_lists = []
    for dl in (
        m.DrugList.objects.filter(version=version)
        .select_related("diagnosis")
        .prefetch_related("plans", "classes", "entries__drug", "entries__preferred_biosimilars")
        .order_by("order", "id")
    ):
        item = {"code": dl.code, "name": dl.name, "clause": dl.clause, "kind": dl.kind}
        if dl.diagnosis_id:
            item["diagnosis"] = dl.diagnosis.slug
        if dl.required_count is not None:
            item["required_count"] = dl.required_count
        plans = sorted(p.code for p in dl.plans.all())
        if plans:
            item["plans"] = plans
        classes = sorted(c.code for c in dl.classes.all())
        if classes:
            item["classes"] = classes
        item["entries"] = [_entry(e) for e in sorted(dl.entries.all(), key=lambda e: (e.order, e.id))]
        drug_lists.append(item)

    clinical_lists = [
        {"code": cl.code, "title": cl.title, "clause": cl.clause, "items": [i.text for i in cl.items.all()]}
        for cl in m.ClinicalList.objects.filter(version=version).prefetch_related("items")
    ]
    icd10 = []
    for code in m.Icd10Code.objects.filter(version=version).prefetch_related("diagnoses"):
        item = {"code": code.code_from, "description": code.description, "diagnoses": _slugs(code.diagnoses)}
        if code.code_to:
            item["through"] = code.code_to
        icd10.append(item)
    weight_tables = [
        {
            "code": t.code,
            "title": t.title,
            "clause": t.clause,
            "base_sufficient_max_kg": _number(t.base_sufficient_max_kg),
            "refer_above_kg": _number(t.refer_above_kg),
            "rows": [
                [
                    _number(r.weight_kg),
                    _number(r.max_mg_per_day),
                    r.syringes_per_day,
                    r.retail_quantity,
                    r.retail_days,
                    r.home_delivery_quantity,
                    r.home_delivery_days,
                ]
                for r in t.rows.all()
            ],
        }
        for t in m.WeightTable.objects.filter(version=version).prefetch_related("rows")
    ]
    limits = []
    for limit in (
        m.QuantityLimit.objects.filter(version=version)
        .select_related("weight_table", "condition")
        .prefetch_related("diagnoses")
        .order_by("order", "id")
    ):
        item = {"clause": limit.clause, "text": limit.text, "kind": limit.kind, "grant": limit.grant}
        optional = {
            "request_type": limit.request_type,
            "channel": limit.channel,
            "quantity": limit.quantity,
            "period_days": limit.period_days,
            "mg_per_kg_day": _number(limit.mg_per_kg_day),
            "weight_table": limit.weight_table.code if limit.weight_table_id else None,
            "one_time": limit.one_time,
            "condition": limit.condition.key if limit.condition_id else None,
            "duration_months": limit.duration_months,
            "duration_days": limit.duration_days,
            "diagnoses": _slugs(limit.diagnoses),
        }
        item.update({k: v for k, v in optional.items() if v not in (None, "", False, [])})
        limits.append(item)
    durations = []
    for d in m.ApprovalDuration.objects.filter(version=version).prefetch_related("diagnoses").order_by("order", "id"):
        item = {"clause": d.clause}
        optional = {
            "request_type": d.request_type,
            "months": d.months,
            "days": d.days,
            "diagnoses": _slugs(d.diagnoses),
        }
        item.update({k: v for k, v in optional.items() if v not in (None, "", [])})
        durations.append(item)

    data: dict[str, Any] = {
        "effective_date": version.effective_date.isoformat(),
        "status": version.status,
        "source_title": version.source_title,
        "source_file": version.source_file,
        "notes": version.notes,
    }
    if version.end_date:
        data["end_date"] = version.end_date.isoformat()
    data.update(
        diagnoses=diagnoses,
        drug_lists=drug_lists,
        clinical_lists=clinical_lists,
        icd10=icd10,
        weight_tables=weight_tables,
        criteria=_criteria(version),
        limits=limits,
        durations=durations,
    )
    return data


def policy_dump(policy: m.Policy) -> dict[str, Any]:
    """One policy file: the policy and every version of it, oldest first."""
    return {
        "payer": policy.payer.slug,
        "code": policy.code,
        "number": policy.number,
        "title": policy.title,
        "kind": policy.kind,
        "drug": policy.drug.generic_name,
        "plans": sorted(p.code for p in policy.plans.all()),
        "versions": [version_dump(v) for v in policy.versions.order_by("effective_date")],
    }


def catalog_dump() -> dict[str, Any]:
    """The shared vocabularies: drug classes, drugs, products, diagnoses, questions, specialties, payers and
    plans."""
    drugs = []
    for drug in m.Drug.objects.select_related("biosimilar_of").prefetch_related("names", "classes").order_by("id"):
        item: dict[str, Any] = {"generic": drug.generic_name}
        names = sorted(drug.names.all(), key=lambda n: n.id)
        brands = [n.name for n in names if n.kind == m.DrugName.Kind.BRAND]
        aliases = [n.name for n in names if n.kind == m.DrugName.Kind.ALIAS]
        if brands:
            item["brands"] = brands
        if aliases:
            item["aliases"] = aliases
        classes = sorted(c.code for c in drug.classes.all())
        if classes:
            item["classes"] = classes
        if drug.biosimilar_of_id:
            item["biosimilar_of"] = drug.biosimilar_of.generic_name
        drugs.append(item)
    diagnoses = []
    for d in m.Diagnosis.objects.select_related("parent").prefetch_related("aliases").order_by("order", "id"):
        item = {"slug": d.slug, "name": d.name}
        if d.parent_id:
            item["parent"] = d.parent.slug
        if not d.selectable:
            item["selectable"] = False
        aliases = sorted(a.alias for a in d.aliases.all())
        if aliases:
            item["aliases"] = aliases
        diagnoses.append(item)
    payers = []
    for payer in m.Payer.objects.prefetch_related("plans").order_by("id"):
        item = {
            "slug": payer.slug,
            "name": payer.name,
            "appeal_window_days": payer.appeal_window_days,
            "appeal_contact": payer.appeal_contact,
        }
        plans = [{"code": p.code, "name": p.name} for p in sorted(payer.plans.all(), key=lambda p: p.id)]
        if plans:
            item["plans"] = plans
        payers.append(item)
    return {
        "drug_classes": [{"code": c.code, "name": c.name} for c in m.DrugClass.objects.order_by("id")],
        "drugs": drugs,
        "products": [
            {
                "drug": p.drug.generic_name,
                "name": p.name,
                "strength_mg": _number(p.strength_mg),
                "volume_ml": _number(p.volume_ml),
                "form": p.form,
            }
            for p in m.Product.objects.select_related("drug").order_by("id")
        ],
        "diagnoses": diagnoses,
        "questions": [
            {"code": q.code, "wording": q.wording, "diagnoses": _slugs(q.diagnoses)}
            for q in m.Question.objects.prefetch_related("diagnoses").order_by("order", "id")
        ],
        "specialties": [
            {"code": sp.code, "name": sp.name, "diagnoses": _slugs(sp.diagnoses)}
            for sp in m.Specialty.objects.prefetch_related("diagnoses").order_by("order", "id")
        ],
        "payers": payers,
    }


def test_cases_dump(policy: m.Policy) -> list[dict[str, Any]]:
    """A policy's test cases as `fixtures/test_cases/<policy code>.json` holds them."""
    cases = []
    for case in policy.test_cases.order_by("order", "name"):
        duration = None
        if case.expected_duration_months:
            duration = {"months": case.expected_duration_months}
        elif case.expected_duration_days:
            duration = {"days": case.expected_duration_days}
        expect = {
            "decision": case.expected_decision,
            "quantity": case.expected_quantity,
            "per_days": case.expected_per_days,
            "duration": duration,
        }
        cases.append({"name": case.name, "clause": case.clause, "request": case.request, "expect": expect})
    return cases


test_cases_dump.__test__ = False  # a service, not a test for pytest to collect
