"""An offline check of a FHIR resource (or extension) against a StructureDefinition of a published package.

Small on purpose: for each element of the profile's snapshot whose parent is present in the instance, its
cardinality (min/max per parent), its fixed[x] and pattern[x] value, and each `constraint.expression`, evaluated
with fhirpathpy (R4 model) where fhirpathpy can evaluate it. Slices are told apart by their value/pattern
discriminators (extensions by `url`). Not checked: types, bindings, references, primitive-level invariants
(FHIRPath's hasValue(), htmlChecks() are not in fhirpathpy, nor the rule that a one-item collection is true
where a boolean is expected, which CRD's crd-ci-q2 and crd-ci-q4 rely on: such keys are reported as skipped,
never counted as passed). Pure Python, no Django: the packages are read straight from their .tgz files.
"""

from __future__ import annotations

import functools
import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fhirpathpy import compile as fhirpath_compile
from fhirpathpy.models import models as fhirpath_models

# ../shared/fhir beside the checkout, as the issue names it; FHIR_PACKAGES_DIR points elsewhere.
PACKAGES_DIR = Path(os.environ.get("FHIR_PACKAGES_DIR", Path(__file__).resolve().parents[3] / "shared" / "fhir"))
CRD_PACKAGE = "davinci-crd-2.0.1.tgz"
COVERAGE_INFORMATION_URL = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"

MSG_TOO_FEW = "{count} present, at least {min} required"
MSG_TOO_MANY = "{count} present, at most {max} allowed"
MSG_FIXED = "must be exactly {expected}, found {found}"
MSG_PATTERN = "must match the pattern {expected}, found {found}"
MSG_CONSTRAINT = "invariant {key} fails: {human}"

_R4 = fhirpath_models["r4"]
# Types whose instances fhirpathpy cannot name by their type alone: their element path names them instead.
_PATH_TYPED = {"BackboneElement", "Element"}


@dataclass(frozen=True)
class Problem:
    element: str  # the snapshot element id, e.g. Extension.extension:covered
    message: str

    def __str__(self) -> str:
        return f"{self.element}: {self.message}"


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    evaluated: set[str] = field(default_factory=set)  # constraint keys fhirpathpy evaluated at least once
    skipped: set[str] = field(default_factory=set)  # constraint keys fhirpathpy could not evaluate
    warnings: list[Problem] = field(default_factory=list)  # failed invariants of severity "warning" (e.g. dom-6)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Package:
    name: str
    profiles: dict[str, dict]  # canonical url -> StructureDefinition
    examples: dict[str, dict]  # file name under package/example/ -> resource


@functools.cache
def package_load(file_name: str = CRD_PACKAGE) -> Package:
    profiles: dict[str, dict] = {}
    examples: dict[str, dict] = {}
    with tarfile.open(PACKAGES_DIR / file_name) as archive:
        for member in archive.getmembers():
            if not member.isfile() or not member.name.endswith(".json"):
                continue
            parts = member.name.split("/")
            if parts[1:2] == ["example"] and len(parts) == 3:
                examples[parts[2]] = json.load(archive.extractfile(member))
            elif len(parts) == 2 and parts[1].startswith("StructureDefinition-"):
                definition = json.load(archive.extractfile(member))
                profiles[definition["url"]] = definition
    return Package(file_name, profiles, examples)


def _fixed_or_pattern(element: dict) -> tuple[str, Any] | None:
    for key, value in element.items():
        if key.startswith("fixed") or key.startswith("pattern"):
            return key, value
    return None


def _matches_pattern(value: Any, pattern: Any) -> bool:
    """FHIR's pattern rule: every property of the pattern is in the value; each pattern list item matches one."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and _matches_pattern(value[k], p) for k, p in pattern.items())
    if isinstance(pattern, list):
        items = value if isinstance(value, list) else [value]
        return all(any(_matches_pattern(item, p) for item in items) for p in pattern)
    return value == pattern


def _children(parent: Any, name: str, type_slice: str) -> list:
    """The values of a child element, as a list: name[x] gathers valueCode, valueReference, ..."""
    if not isinstance(parent, dict):
        return []
    if name.endswith("[x]"):
        prefix = name[:-3]
        keys = (
            [type_slice]
            if type_slice
            else [k for k in parent if k.startswith(prefix) and k[len(prefix) :][:1].isupper()]
        )
        values: list = []
        for key in keys:
            found = parent.get(key)
            values.extend(found if isinstance(found, list) else [] if found is None else [found])
        return values
    found = parent.get(name)
    return found if isinstance(found, list) else [] if found is None else [found]


def _path_value(value: Any, path: str) -> list:
    if path == "$this":
        return [value]
    current = [value]
    for step in path.split("."):
        current = [child for item in current for child in _children(item, step, "")]
    return current


def _slice_filter(values: list, element: dict, by_id: dict[str, dict]) -> list | None:
    """The values that belong to this slice, or None when its discriminators are not of a kind read here."""
    sliced_id = element["id"].rpartition(":")[0]
    slicing = by_id.get(sliced_id, {}).get("slicing", {})
    wanted: list[tuple[str, Any]] = []
    for discriminator in slicing.get("discriminator", []):
        if discriminator.get("type") not in ("value", "pattern"):
            return None
        path = discriminator["path"]
        target = element if path == "$this" else by_id.get(f"{element['id']}.{path}")
        fixed = _fixed_or_pattern(target or {})
        if fixed is None:
            return None
        wanted.append((path, fixed[1]))
    if not wanted:
        return None
    return [v for v in values if all(any(_matches_pattern(x, p) for x in _path_value(v, path)) for path, p in wanted)]


@functools.lru_cache(maxsize=512)
def _compiled(expression: str):
    # dom-3 calls trace(), which fhirpathpy prints to standard output unless given a callback.
    return fhirpath_compile(expression, _R4, {"traceFn": _no_trace})


def _no_trace(label, value) -> None:
    return None


def _typed(node: dict, element: dict, root_type: str, is_root: bool) -> dict:
    """fhirpathpy resolves value[x] and the like from the node's type, which it reads from resourceType."""
    if "resourceType" in node:
        return node
    if is_root:
        return {"resourceType": root_type, **node}
    codes = [t.get("code", "") for t in element.get("type", [])]
    name = codes[0] if len(codes) == 1 and codes[0][:1].isupper() and codes[0] not in _PATH_TYPED else element["path"]
    return {"resourceType": name, **node}


def conformance_check(instance: dict, definition: dict) -> CheckResult:
    """Check one resource (or, for an extension's profile, one extension) against a StructureDefinition."""
    result = CheckResult()
    elements = definition["snapshot"]["element"]
    by_id = {e["id"]: e for e in elements}
    root = elements[0]
    present: dict[str, list] = {root["id"]: [instance]}
    context = {"resource": instance, "rootResource": instance}
    for element in elements:
        element_id = element["id"]
        if element is not root:
            parent_id, _, last = element_id.rpartition(".")
            parents = present.get(parent_id, [])
            name, _, slice_name = last.partition(":")
            type_slice = slice_name if name.endswith("[x]") else ""
            found_all: list = []
            for parent in parents:
                values = _children(parent, name, type_slice)
                if slice_name and not type_slice:
                    values = _slice_filter(values, element, by_id)
                    if values is None:  # a discriminator not read here: the slice is not judged
                        break
                _cardinality(element, len(values), result)
                found_all.extend(values)
            present[element_id] = found_all
            _fixed(element, found_all, result)
        for constraint in element.get("constraint", []):
            expression = constraint.get("expression")
            if not expression:
                continue
            for node in present.get(element_id, []):
                if not isinstance(node, dict):  # a primitive's invariants use hasValue(), which fhirpathpy lacks
                    continue
                typed = _typed(node, element, definition["type"], element is root)
                _evaluate(element_id, constraint, typed, context, result)
    return result


def _cardinality(element: dict, count: int, result: CheckResult) -> None:
    low, high = element.get("min", 0), element.get("max", "*")
    if count < low:
        result.problems.append(Problem(element["id"], MSG_TOO_FEW.format(count=count, min=low)))
    if high != "*" and count > int(high):
        result.problems.append(Problem(element["id"], MSG_TOO_MANY.format(count=count, max=high)))


def _fixed(element: dict, values: list, result: CheckResult) -> None:
    rule = _fixed_or_pattern(element)
    if rule is None:
        return
    key, expected = rule
    for value in values:
        if key.startswith("fixed") and value != expected:
            result.problems.append(Problem(element["id"], MSG_FIXED.format(expected=expected, found=value)))
        elif key.startswith("pattern") and not _matches_pattern(value, expected):
            result.problems.append(Problem(element["id"], MSG_PATTERN.format(expected=expected, found=value)))


def _evaluate(element_id: str, constraint: dict, node: dict, context: dict, result: CheckResult) -> None:
    key = constraint["key"]
    try:
        outcome = _compiled(constraint["expression"])(node, context)
    except Exception:  # fhirpathpy raises bare Exceptions for functions it lacks (hasValue, htmlChecks, ...)
        result.skipped.add(key)
        return
    result.evaluated.add(key)
    if outcome == [False]:  # an empty result is not a failure (FHIR's rule for invariants)
        message = MSG_CONSTRAINT.format(key=key, human=constraint.get("human", ""))
        # An invariant of severity "warning" (dom-6: "should have narrative") advises; only an error refuses.
        kept = result.warnings if constraint.get("severity") == "warning" else result.problems
        kept.append(Problem(element_id, message))
