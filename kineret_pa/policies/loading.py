"""Load the transcribed policies from `fixtures/` into the database.

Idempotent: shared vocabularies (drugs, diagnoses, questions, payers) are upserted by
their natural keys; a policy version that already exists is left exactly as policy
staff may have edited it, unless `replace=True` rebuilds it from the fixture.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from kineret_pa.engine.vocabulary import ValidationContext

from . import models as m
from .snapshots import revision_bumped_once

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _drug(generic: str) -> m.Drug:
    try:
        return m.Drug.objects.get(generic_name=generic)
    except m.Drug.DoesNotExist:
        raise ValidationError(f"Fixture names unknown drug {generic!r}") from None


def _named(model, field: str, codes: list[str], what: str) -> list:
    """The rows a fixture names by their codes, refused in words when one is unknown."""
    found = list(model.objects.filter(**{f"{field}__in": codes}))
    unknown = set(codes) - {getattr(row, field) for row in found}
    if unknown:
        raise ValidationError(f"Fixture names unknown {what} {sorted(unknown)}")
    return found


def _diagnoses(slugs: list[str]) -> list[m.Diagnosis]:
    return _named(m.Diagnosis, "slug", slugs, "diagnoses")


def _drug_classes(codes: list[str]) -> list[m.DrugClass]:
    return _named(m.DrugClass, "code", codes, "drug classes")


def _upsert(model, defaults: dict[str, Any], **lookup):
    """update_or_create that writes nothing when nothing differs (so no history row, no revision bump)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **defaults), True
    changed = [name for name, value in defaults.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, defaults[name])
        obj.save(update_fields=changed)
    return obj, False


def _set_m2m(manager, objects) -> None:
    wanted = {o.pk for o in objects}
    if set(manager.values_list("pk", flat=True)) != wanted:
        manager.set(objects)


def catalog_load(data: dict[str, Any]) -> None:
    for item in data["drug_classes"]:
        _upsert(m.DrugClass, {"name": item["name"]}, code=item["code"])
    classes = {c.code: c for c in m.DrugClass.objects.all()}
    # References first, so biosimilars can point at them.
    for item in sorted(data["drugs"], key=lambda d: d.get("biosimilar_of") is not None):
        drug, _ = _upsert(
            m.Drug,
            {"biosimilar_of": _drug(item["biosimilar_of"]) if item.get("biosimilar_of") else None},
            generic_name=item["generic"],
        )
        _set_m2m(drug.classes, [classes[c] for c in item.get("classes", [])])
        names = [(item["generic"], m.DrugName.Kind.GENERIC)]
        names += [(b, m.DrugName.Kind.BRAND) for b in item.get("brands", [])]
        names += [(a, m.DrugName.Kind.ALIAS) for a in item.get("aliases", [])]
        for name, kind in names:
            _upsert(m.DrugName, {"drug": drug, "name": name, "kind": kind}, normalized=m.normalize_name(name))
    for item in data["products"]:
        _upsert(
            m.Product,
            {
                "strength_mg": Decimal(str(item["strength_mg"])),
                "volume_ml": Decimal(str(item["volume_ml"])),
                "form": item["form"],
            },
            drug=_drug(item["drug"]),
            name=item["name"],
        )
    for order, item in enumerate(data["diagnoses"]):
        parent = m.Diagnosis.objects.get(slug=item["parent"]) if item.get("parent") else None
        diagnosis, _ = _upsert(
            m.Diagnosis,
            {"name": item["name"], "parent": parent, "selectable": item.get("selectable", True), "order": order},
            slug=item["slug"],
        )
        for alias in item.get("aliases", []):
            _upsert(m.DiagnosisAlias, {"diagnosis": diagnosis}, alias=alias)
    for order, item in enumerate(data["questions"]):
        question, _ = _upsert(m.Question, {"wording": item["wording"], "order": order}, code=item["code"])
        _set_m2m(question.diagnoses, _diagnoses(item["diagnoses"]))
    for order, item in enumerate(data.get("specialties", [])):
        specialty, _ = _upsert(m.Specialty, {"name": item["name"], "order": order}, code=item["code"])
        _set_m2m(specialty.diagnoses, _diagnoses(item["diagnoses"]))
    for item in data["payers"]:
        appeal = {name: item[name] for name in ("appeal_window_days", "appeal_contact") if name in item}
        payer, _ = _upsert(m.Payer, {"name": item["name"], **appeal}, slug=item["slug"])
        for plan in item.get("plans", []):
            _upsert(m.Plan, {"name": plan["name"]}, payer=payer, code=plan["code"])


def _nodes(version: m.PolicyVersion, items: list[dict], parent: m.CriterionNode | None, prefix: str) -> None:
    for order, item in enumerate(items, start=1):
        key = item.get("key") or (f"{prefix}_{order}" if prefix else f"node_{order}")
        node = m.CriterionNode(
            version=version,
            parent=parent,
            order=order,
            key=key,
            clause=item["clause"],
            text=item["text"],
            kind=item["kind"],
            params=item.get("params", {}),
            gate=item.get("gate", False),
            root_for=item.get("root_for", ""),
        )
        node.save()
        _nodes(version, item.get("children", []), node, key)


def _validate_nodes(version: m.PolicyVersion) -> None:
    nodes = list(version.criterionnode_set.select_related("version", "parent"))
    # What each criterion's params may name, read once for the version rather than four queries a criterion.
    context = ValidationContext(
        drug_lists=frozenset(version.druglist_set.values_list("code", flat=True)),
        diagnoses=frozenset(m.Diagnosis.objects.values_list("slug", flat=True)),
        questions=frozenset(m.Question.objects.values_list("code", flat=True)),
        node_keys=frozenset(node.key for node in nodes),
        fact_values=m.data_fact_codes(nodes),
    )
    for node in nodes:
        node.shared_context = context
        try:
            # Uniqueness and constraints were enforced by the database when the rows were saved.
            node.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            raise ValidationError(f"{version}: criterion {node.key} ({node.clause}): {error.messages}") from None


def version_load(policy: m.Policy, data: dict[str, Any], *, validate_criteria: bool = True) -> m.PolicyVersion:
    """A fixture version into the database. `validate_criteria=False` skips each criterion's own checks (four
    queries a criterion) for a copy of a version already in the database: a draft is checked as a whole before
    it is published, and a copy must be possible even of a draft that fails."""
    version = m.PolicyVersion.objects.create(
        policy=policy,
        effective_date=data["effective_date"],
        end_date=data.get("end_date"),
        status=data["status"],
        source_title=data["source_title"],
        source_file=data.get("source_file", ""),
        notes=data.get("notes", ""),
    )
    version.full_clean()
    plans = {p.code: p for p in m.Plan.objects.filter(payer=policy.payer)}
    for item in data.get("diagnoses", []):
        fields = {k: v for k, v in item.items() if k != "diagnosis"}
        m.PolicyDiagnosis.objects.create(version=version, diagnosis=_diagnoses([item["diagnosis"]])[0], **fields)
    for order, item in enumerate(data.get("drug_lists", [])):
        dl = m.DrugList.objects.create(
            version=version,
            code=item["code"],
            name=item["name"],
            clause=item["clause"],
            kind=item.get("kind", "general"),
            diagnosis=_diagnoses([item["diagnosis"]])[0] if item.get("diagnosis") else None,
            required_count=item.get("required_count"),
            order=order,
        )
        dl.plans.set([plans[code] for code in item.get("plans", [])])
        dl.classes.set(_drug_classes(item.get("classes", [])))
        for n, entry in enumerate(item.get("entries", [])):
            entry = {"drug": entry} if isinstance(entry, str) else entry
            created = m.DrugListEntry.objects.create(
                drug_list=dl,
                drug=_drug(entry["drug"]),
                include_biosimilars=entry.get("include_biosimilars", False),
                note=entry.get("note", ""),
                route=entry.get("route", ""),
                order=n,
            )
            if entry.get("preferred_biosimilars"):
                created.preferred_biosimilars.set([_drug(name) for name in entry["preferred_biosimilars"]])
    for item in data.get("clinical_lists", []):
        cl = m.ClinicalList.objects.create(
            version=version, code=item["code"], title=item["title"], clause=item["clause"]
        )
        m.ClinicalListItem.objects.bulk_create(
            m.ClinicalListItem(clinical_list=cl, order=n, text=text) for n, text in enumerate(item["items"], start=1)
        )
    for item in data.get("icd10", []):
        code = m.Icd10Code.objects.create(
            version=version, code_from=item["code"], code_to=item.get("through", ""), description=item["description"]
        )
        code.full_clean()
        code.diagnoses.set(_diagnoses(item["diagnoses"]))
    tables = {}
    for item in data.get("weight_tables", []):
        table = m.WeightTable.objects.create(
            version=version,
            code=item["code"],
            title=item["title"],
            clause=item["clause"],
            base_sufficient_max_kg=item["base_sufficient_max_kg"],
            refer_above_kg=item["refer_above_kg"],
        )
        columns = (
            "weight_kg",
            "max_mg_per_day",
            "syringes_per_day",
            "retail_quantity",
            "retail_days",
            "home_delivery_quantity",
            "home_delivery_days",
        )
        rows = [dict(zip(columns, row)) for row in item["rows"]]
        problems = m.validate_weight_rows(rows)
        if problems:
            raise ValidationError(problems)
        m.WeightRow.objects.bulk_create(m.WeightRow(table=table, **row) for row in rows)
        tables[table.code] = table
    _nodes(version, data.get("criteria", []), None, "")
    if validate_criteria:
        _validate_nodes(version)
    nodes = {n.key: n for n in version.criterionnode_set.all()}
    for order, item in enumerate(data.get("limits", []), start=1):
        limit = m.QuantityLimit.objects.create(
            version=version,
            order=order,
            clause=item["clause"],
            text=item["text"],
            request_type=item.get("request_type", ""),
            channel=item.get("channel", ""),
            kind=item["kind"],
            quantity=item.get("quantity"),
            period_days=item.get("period_days"),
            mg_per_kg_day=item.get("mg_per_kg_day"),
            weight_table=tables[item["weight_table"]] if item.get("weight_table") else None,
            one_time=item.get("one_time", False),
            grant=item.get("grant", "limit"),
            condition=nodes[item["condition"]] if item.get("condition") else None,
            duration_months=item.get("duration_months"),
            duration_days=item.get("duration_days"),
        )
        limit.full_clean()
        limit.diagnoses.set(_diagnoses(item.get("diagnoses", [])))
    for order, item in enumerate(data.get("durations", []), start=1):
        duration = m.ApprovalDuration.objects.create(
            version=version,
            order=order,
            clause=item["clause"],
            request_type=item.get("request_type", ""),
            months=item.get("months"),
            days=item.get("days"),
        )
        duration.full_clean()
        duration.diagnoses.set(_diagnoses(item.get("diagnoses", [])))
    return version


def policy_load(data: dict[str, Any], *, replace: bool) -> list[str]:
    payer = m.Payer.objects.get(slug=data["payer"])
    policy, _ = _upsert(
        m.Policy,
        {
            "payer": payer,
            "number": data["number"],
            "title": data["title"],
            "kind": data["kind"],
            "drug": _drug(data["drug"]),
        },
        code=data["code"],
    )
    _set_m2m(policy.plans, list(m.Plan.objects.filter(payer=payer, code__in=data.get("plans", []))))
    done = []
    for item in data["versions"]:
        existing = m.PolicyVersion.objects.filter(policy=policy, effective_date=item["effective_date"]).first()
        if existing and not replace:
            done.append(f"{existing} kept as it is")
            continue
        if existing:
            # Limits protect their condition criteria; remove them before the version.
            m.QuantityLimit.objects.filter(version=existing).delete()
            existing.delete()
        done.append(f"{version_load(policy, item)} loaded")
    return done


def policy_test_cases_load(path: Path, *, replace: bool = False) -> str:
    """A policy's test cases (`test_cases/<policy code>.json`) by name; order is the position in the file.

    A case that exists is kept as policy staff may have changed its expectation (recorded in its history),
    unless `replace=True` resets it to the file."""
    policy = m.Policy.objects.filter(code=path.stem).first()
    if policy is None:
        raise ValidationError(f"{path.name}: test cases for unknown policy {path.stem!r}")
    cases = _read(path)
    for order, item in enumerate(cases):
        expect = item["expect"]
        if expect["decision"] not in m.PolicyTestCase.Decision.values:
            raise ValidationError(
                f"{path.name}: test case {item['name']!r} expects unknown decision {expect['decision']!r}"
            )
        duration = expect.get("duration") or {}
        if not replace and m.PolicyTestCase.objects.filter(policy=policy, name=item["name"]).exists():
            continue
        _upsert(
            m.PolicyTestCase,
            {
                "clause": item.get("clause", ""),
                "request": item["request"],
                "expected_decision": expect["decision"],
                "expected_quantity": expect.get("quantity"),
                "expected_per_days": expect.get("per_days"),
                "expected_duration_months": duration.get("months"),
                "expected_duration_days": duration.get("days"),
                "order": order,
            },
            policy=policy,
            name=item["name"],
        )
    return f"{policy.code}: {len(cases)} test cases"


@transaction.atomic
def policies_load(*, directory: Path = FIXTURES, replace: bool = False) -> list[str]:
    with revision_bumped_once():
        catalog_load(_read(directory / "catalog.json"))
        done = []
        for path in sorted((directory / "policies").glob("*.json")):
            done.extend(policy_load(_read(path), replace=replace))
        for path in sorted((directory / "test_cases").glob("*.json")):
            done.append(policy_test_cases_load(path, replace=replace))
        return done
