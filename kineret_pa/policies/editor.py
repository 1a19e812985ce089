"""Editing a draft version's criteria tree: add, change, move, copy and delete criteria.

Every change goes through these services, which refuse anything but a draft, validate the criterion as the
admin does (CriterionNode.full_clean, which runs the vocabulary's checks), then save it with the user on its
history row. One change bumps the policy data revision once, however many rows it saves.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from kineret_pa.engine.vocabulary import INNER_KINDS

from . import models as m
from .snapshots import revision_bumped_once
from .versions import version_require_draft

MSG_KEY_TAKEN = "Another criterion of this version already has the key “{key}”. Choose another, e.g. “{suggestion}”."
MSG_PARENT_NOT_INNER = (
    "“{clause}” is a single test and cannot have criteria under it. Choose an ALL, ANY, NOT or AT LEAST criterion."
)
MSG_PARENT_INSIDE = "“{clause}” cannot go inside its own branch. Choose a criterion outside it."
MSG_PARENT_OTHER_VERSION = "The new place must be a criterion of the same policy version."
MSG_ROOT_STAYS_TOP = (
    "“{clause}” is where {request_types} requests start, so it cannot go under another criterion. Clear “Where a "
    "request type starts” on it first, or move the criteria under it instead."
)
MSG_DELETE_LIMIT = (
    "“{clause}” cannot be deleted: the quantity limit {limit} uses “{condition}” in this branch as its condition. "
    "Choose another condition for that limit first."
)
MSG_DELETE_SAME_AS = (
    "“{clause}” cannot be deleted: “{ref_clause}” ({ref_key}) outside this branch is “Same as” “{target}” in it. "
    "Point that criterion elsewhere or delete it first."
)
KEY_MAX_LENGTH = m.CriterionNode._meta.get_field("key").max_length


@dataclass(frozen=True)
class CriterionFields:
    """What policy staff enter for one criterion."""

    clause: str
    text: str
    key: str
    kind: str
    params: dict
    gate: bool = False
    root_for: str = ""


def _history_user(obj, user) -> None:
    # simple_history records this user on the history row of the next save or delete.
    obj._history_user = user


def _save(node: m.CriterionNode, user, **kwargs) -> None:
    _history_user(node, user)
    node.save(**kwargs)


# ---------------------------------------------------------------- keys


def criterion_key_free(*, version: m.PolicyVersion, key: str, taken: set[str] | None = None) -> str:
    """`key`, or `key-2`, `key-3`… where it is taken in the version, within the key's length."""
    taken = (
        set(m.CriterionNode.objects.filter(version=version).values_list("key", flat=True)) if taken is None else taken
    )
    candidate, n = key[:KEY_MAX_LENGTH], 1
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        candidate = key[: KEY_MAX_LENGTH - len(suffix)] + suffix
    return candidate


def criterion_key_suggest(*, version: m.PolicyVersion, parent: m.CriterionNode | None) -> str:
    """A new criterion's key, after its parent's as the loaded policies write them: t1-ra_4 → t1-ra_4_7."""
    siblings = m.CriterionNode.objects.filter(version=version, parent=parent).count()
    base = f"{parent.key}_{siblings + 1}" if parent else f"{version.policy.code}-{siblings + 1}"
    return criterion_key_free(version=version, key=base)


def _key_require_free(*, version: m.PolicyVersion, key: str, node: m.CriterionNode | None) -> None:
    others = m.CriterionNode.objects.filter(version=version, key=key)
    if node is not None and node.pk:
        others = others.exclude(pk=node.pk)
    if others.exists():
        suggestion = criterion_key_free(version=version, key=key)
        raise ValidationError({"key": MSG_KEY_TAKEN.format(key=key, suggestion=suggestion)})


# ---------------------------------------------------------------- siblings


def _siblings(*, version_id: int, parent_id: int | None) -> list[m.CriterionNode]:
    return list(m.CriterionNode.objects.filter(version_id=version_id, parent_id=parent_id).order_by("order", "id"))


def _siblings_number(siblings: list[m.CriterionNode], user) -> None:
    """Orders 1, 2, 3… in the list's order, saving a new criterion and those whose order changes."""
    for order, node in enumerate(siblings, start=1):
        if node.pk is None:
            node.order = order
            _save(node, user)
        elif node.order != order:
            node.order = order
            _save(node, user, update_fields=["order"])


def _fields_apply(node: m.CriterionNode, fields: CriterionFields) -> None:
    node.clause = fields.clause
    node.text = fields.text
    node.key = fields.key
    node.kind = fields.kind
    node.params = fields.params
    node.gate = fields.gate
    node.root_for = fields.root_for if node.parent_id is None else ""


def _insert(
    *, version: m.PolicyVersion, parent: m.CriterionNode | None, position: int, fields: CriterionFields, user
) -> m.CriterionNode:
    version_require_draft(version)
    node = m.CriterionNode(version=version, parent=parent)
    _fields_apply(node, fields)
    _key_require_free(version=version, key=node.key, node=None)
    siblings = _siblings(version_id=version.pk, parent_id=parent.pk if parent else None)
    node.order = position + 1
    node.full_clean()
    with revision_bumped_once():
        _siblings_number(siblings[:position] + [node] + siblings[position:], user)
    return node


@transaction.atomic
def criterion_add_child(*, parent: m.CriterionNode, fields: CriterionFields, user) -> m.CriterionNode:
    """A new criterion, last under `parent`."""
    if parent.kind not in INNER_KINDS:
        raise ValidationError(MSG_PARENT_NOT_INNER.format(clause=parent.clause))
    position = m.CriterionNode.objects.filter(parent=parent).count()
    return _insert(version=parent.version, parent=parent, position=position, fields=fields, user=user)


@transaction.atomic
def criterion_add_top(*, version: m.PolicyVersion, fields: CriterionFields, user) -> m.CriterionNode:
    """A new criterion with no parent (a request type's root, or a quantity limit's condition), placed last."""
    position = m.CriterionNode.objects.filter(version=version, parent=None).count()
    return _insert(version=version, parent=None, position=position, fields=fields, user=user)


@transaction.atomic
def criterion_add_sibling(*, sibling: m.CriterionNode, fields: CriterionFields, user) -> m.CriterionNode:
    """A new criterion right after `sibling`, under the same parent."""
    siblings = _siblings(version_id=sibling.version_id, parent_id=sibling.parent_id)
    position = [s.pk for s in siblings].index(sibling.pk) + 1
    return _insert(version=sibling.version, parent=sibling.parent, position=position, fields=fields, user=user)


# ---------------------------------------------------------------- change


def _refs_to(*, version_id: int, key: str) -> list[m.CriterionNode]:
    nodes = m.CriterionNode.objects.filter(version_id=version_id, kind="ref")
    return [node for node in nodes if isinstance(node.params, dict) and node.params.get("node") == key]


@transaction.atomic
def criterion_update(*, node: m.CriterionNode, fields: CriterionFields, user) -> m.CriterionNode:
    """Change a criterion; "Same as" criteria that named its old key name the new one."""
    version_require_draft(node.version)
    old_key = m.CriterionNode.objects.values_list("key", flat=True).get(pk=node.pk)
    _fields_apply(node, fields)
    _key_require_free(version=node.version, key=node.key, node=node)
    node.full_clean()
    with revision_bumped_once():
        _save(node, user)
        if node.key != old_key:
            for ref in _refs_to(version_id=node.version_id, key=old_key):
                ref.params = {**ref.params, "node": node.key}
                _save(ref, user, update_fields=["params"])
    return node


# ---------------------------------------------------------------- move


@transaction.atomic
def criterion_move(*, node: m.CriterionNode, step: int, user) -> m.CriterionNode:
    """One place up (step -1) or down (step +1) among its siblings; nothing at either end."""
    version_require_draft(node.version)
    siblings = _siblings(version_id=node.version_id, parent_id=node.parent_id)
    here = [s.pk for s in siblings].index(node.pk)
    there = here + step
    if step not in (-1, 1) or not 0 <= there < len(siblings):
        return node
    siblings[here], siblings[there] = siblings[there], siblings[here]
    with revision_bumped_once():
        _siblings_number(siblings, user)
    node.refresh_from_db(fields=["order"])
    return node


def criterion_branch(*, node: m.CriterionNode) -> list[m.CriterionNode]:
    """The criterion and everything under it, parents before children, in one query."""
    children: dict[int | None, list[m.CriterionNode]] = {}
    for row in m.CriterionNode.objects.filter(version_id=node.version_id).order_by("order", "id"):
        children.setdefault(row.parent_id, []).append(row)
    branch, stack, seen = [], [node], set()
    while stack:
        current = stack.pop(0)
        if current.pk in seen:  # a circle of parents: the tree checks report it
            continue
        seen.add(current.pk)
        branch.append(current)
        stack.extend(children.get(current.pk, []))
    return branch


def criterion_parent_choices(*, node: m.CriterionNode) -> list[m.CriterionNode]:
    """Where a criterion can move: this version's ALL/ANY/NOT/AT LEAST criteria outside its own branch."""
    inside = {row.pk for row in criterion_branch(node=node)}
    inner = m.CriterionNode.objects.filter(version_id=node.version_id, kind__in=INNER_KINDS).order_by("clause", "key")
    return [row for row in inner if row.pk not in inside]


@transaction.atomic
def criterion_move_into(*, node: m.CriterionNode, parent: m.CriterionNode | None, user) -> m.CriterionNode:
    """Last under a new parent (None: a criterion with no parent)."""
    version_require_draft(node.version)
    if parent is not None:
        if node.root_for:
            starts = " and ".join(m.ROOT_REQUEST_TYPES.get(node.root_for, (node.root_for,)))
            raise ValidationError(MSG_ROOT_STAYS_TOP.format(clause=node.clause, request_types=starts))
        if parent.version_id != node.version_id:
            raise ValidationError(MSG_PARENT_OTHER_VERSION)
        if parent.kind not in INNER_KINDS:
            raise ValidationError(MSG_PARENT_NOT_INNER.format(clause=parent.clause))
        if parent.pk in {row.pk for row in criterion_branch(node=node)}:
            raise ValidationError(MSG_PARENT_INSIDE.format(clause=node.clause))
    old_parent_id = node.parent_id
    node.parent = parent
    node.order = m.CriterionNode.objects.filter(version_id=node.version_id, parent=parent).count() + 1
    node.full_clean()
    with revision_bumped_once():
        _save(node, user)
        _siblings_number(_siblings(version_id=node.version_id, parent_id=old_parent_id), user)
    return node


# ---------------------------------------------------------------- copy


def _copy_key(key: str, root_key: str, new_root_key: str) -> str:
    # t1-ra_4 copied as t1-ra_4-copy: its t1-ra_4_1 becomes t1-ra_4-copy_1, so the copy reads as one branch.
    if key.startswith(root_key):
        return new_root_key + key[len(root_key) :]
    return f"{key}-copy"


@transaction.atomic
def criterion_copy_branch(*, node: m.CriterionNode, user) -> m.CriterionNode:
    """A deep copy of the criterion and everything under it, right after it, with new keys unique in the version.

    A "Same as" inside the branch that names a criterion of the branch names its copy; the copy is never a root
    (a request type starts at one criterion)."""
    version_require_draft(node.version)
    branch = criterion_branch(node=node)
    taken = set(m.CriterionNode.objects.filter(version_id=node.version_id).values_list("key", flat=True))
    new_root_key = criterion_key_free(version=node.version, key=f"{node.key}-copy", taken=taken)
    new_keys: dict[str, str] = {}
    for row in branch:
        new_keys[row.key] = criterion_key_free(
            version=node.version, key=_copy_key(row.key, node.key, new_root_key), taken=taken
        )
        taken.add(new_keys[row.key])
    siblings = _siblings(version_id=node.version_id, parent_id=node.parent_id)
    position = [s.pk for s in siblings].index(node.pk) + 1
    copies: dict[int, m.CriterionNode] = {}
    with revision_bumped_once():
        for row in branch:  # parents before children, so each copy's parent is saved first
            params = row.params
            if row.kind == "ref" and isinstance(params, dict) and params.get("node") in new_keys:
                params = {**params, "node": new_keys[params["node"]]}
            copy = m.CriterionNode(
                version_id=row.version_id,
                parent=node.parent if row is node else copies[row.parent_id],
                order=row.order,
                key=new_keys[row.key],
                clause=row.clause,
                text=row.text,
                kind=row.kind,
                params=params,
                gate=row.gate,
                root_for="",
            )
            copies[row.pk] = copy
            if row is node:
                _siblings_number(siblings[:position] + [copy] + siblings[position:], user)
            else:
                _save(copy, user)
    return copies[node.pk]


# ---------------------------------------------------------------- delete


def criterion_delete_blockers(*, node: m.CriterionNode) -> list[str]:
    """Why the branch cannot be deleted, in words; empty when it can."""
    branch = criterion_branch(node=node)
    ids = {row.pk for row in branch}
    keys = {row.key: row for row in branch}
    problems = []
    limits = m.QuantityLimit.objects.filter(condition_id__in=ids).select_related("condition").order_by("order", "id")
    for limit in limits:
        words = f"{limit.clause} (“{limit.text}”)"
        problems.append(MSG_DELETE_LIMIT.format(clause=node.clause, limit=words, condition=limit.condition.clause))
    outside = m.CriterionNode.objects.filter(version_id=node.version_id, kind="ref").exclude(pk__in=ids)
    for ref in outside:
        target = ref.params.get("node") if isinstance(ref.params, dict) else None
        if target in keys:
            problems.append(
                MSG_DELETE_SAME_AS.format(
                    clause=node.clause, ref_clause=ref.clause, ref_key=ref.key, target=keys[target].clause
                )
            )
    return problems


@transaction.atomic
def criterion_delete_branch(*, node: m.CriterionNode, user) -> int:
    """Delete the criterion and everything under it, each with its history row; how many were deleted."""
    version_require_draft(node.version)
    problems = criterion_delete_blockers(node=node)
    if problems:
        raise ValidationError(problems)
    branch = criterion_branch(node=node)
    with revision_bumped_once():
        # Children first, one by one: a cascade would leave their history rows without the user.
        for row in reversed(branch):
            _history_user(row, user)
            row.delete()
        _siblings_number(_siblings(version_id=node.version_id, parent_id=node.parent_id), user)
    return len(branch)
