"""The criteria editor: policy staff edit a draft version's criteria tree on one page.

Thin views: the forms are in editor_forms.py, every change is a service of editor.py (which refuses anything
but a draft and records the user on each history row). A version that is not a draft is shown read-only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from kineret_pa.accounts.roles import policy_staff_required
from kineret_pa.engine.vocabulary import ALL_KINDS, INNER_KINDS

from . import editor
from . import models as m
from .checks import version_problems
from .editor_forms import CriterionForm, MoveIntoForm, editor_choices, form_carried, node_initial
from .readback import ReadbackLine, version_readback
from .versions import MSG_NOT_DRAFT

MSG_SAVED = "Saved “{clause}”."
MSG_ADDED = "Added “{clause}”."
MSG_MOVED = "Moved “{clause}”."
MSG_COPIED = "Copied “{clause}” and everything under it, right after it, as {key}."
MSG_DELETED = "Deleted “{clause}” and everything under it ({n} criteria)."
DEFAULT_KIND = "all"


@dataclass(frozen=True)
class TreeRow:
    line: ReadbackLine
    problems: list[str]
    pk: int
    inner: bool
    first: bool  # first among its siblings: nothing to move up past
    last: bool


def _version(pk: int) -> m.PolicyVersion:
    return get_object_or_404(m.PolicyVersion.objects.select_related("policy__payer"), pk=pk)


def _node(version: m.PolicyVersion, node_pk: int) -> m.CriterionNode:
    # Only a criterion of this version: another version's is a 404 here, whatever its pk.
    node = get_object_or_404(m.CriterionNode.objects.select_related("parent"), pk=node_pk, version=version)
    node.version = version
    return node


def _tree_url(version: m.PolicyVersion, key: str | None = None) -> str:
    url = reverse("authoring:criteria", args=[version.pk])
    return f"{url}#node-{key}" if key else url


def _not_draft(request: HttpRequest, version: m.PolicyVersion) -> HttpResponse | None:
    """Back to the read-only tree, saying why, for anything that would change a version that is not a draft."""
    if version.is_draft:
        return None
    messages.error(request, MSG_NOT_DRAFT.format(version=version, status=version.get_status_display().lower()))
    return redirect(_tree_url(version))


def _errors_shown(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# ---------------------------------------------------------------- the tree


def _tree_rows(version: m.PolicyVersion) -> tuple[list[TreeRow], list[str]]:
    """Each criterion as read back, with its problems, and the problems of the version as a whole."""
    problems: dict[str | None, list[str]] = defaultdict(list)
    for problem in version_problems(version=version):
        problems[problem.node_key].append(problem.message)
    nodes = m.CriterionNode.objects.filter(version=version).order_by("order", "id")
    siblings: dict[int | None, list[str]] = defaultdict(list)
    by_key = {}
    for key, pk, kind, parent_id in nodes.values_list("key", "pk", "kind", "parent_id"):
        siblings[parent_id].append(key)
        by_key[key] = (pk, kind, parent_id)
    rows = []
    for line in version_readback(version=version):
        pk, kind, parent_id = by_key[line.key]
        around = siblings[parent_id]
        first, last = around[0] == line.key, around[-1] == line.key
        rows.append(TreeRow(line, problems.pop(line.key, []), pk, kind in INNER_KINDS, first, last))
    # The version's own problems, and those of criteria the tree cannot show (inside a circle of parents).
    return rows, [message for found in problems.values() for message in found]


@policy_staff_required
def criteria_tree(request, pk):
    version = _version(pk)
    rows, version_wide = _tree_rows(version)
    context = {
        "version": version,
        "rows": rows,
        "version_wide": version_wide,
        "mismatches": sum(1 for row in rows if row.line.mismatch),
        "problem_count": len(version_wide) + sum(len(row.problems) for row in rows),
        "editable": version.is_draft,
    }
    return render(request, "policies/editor_tree.html", context)


# ---------------------------------------------------------------- one criterion's form


def _kind_asked(request: HttpRequest, fallback: str) -> str:
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind", "")
    return kind if kind in ALL_KINDS else fallback


def _criterion_form(
    request: HttpRequest, version: m.PolicyVersion, *, node: m.CriterionNode | None, parent: m.CriterionNode | None
) -> CriterionForm:
    """The form as asked: the criterion's or a blank one (GET; ?kind= another kind), bound to what was posted, or,
    for "_refresh", what was posted shown again unbound for the kind and question now chosen (nothing lost)."""
    if node is not None:
        initial = node_initial(node)
    else:
        initial = {"key": editor.criterion_key_suggest(version=version, parent=parent), "kind": DEFAULT_KIND}
    kind = _kind_asked(request, initial["kind"])
    initial["kind"] = kind
    options = {
        "kind": kind,
        "choices": editor_choices(version=version, node=node),
        "top_level": parent is None,
        "previous_params": node.params if node is not None and node.kind == kind else None,
    }
    if request.method != "POST":
        return CriterionForm(initial=initial, **options)
    posted = CriterionForm(request.POST, initial=initial, **options)
    if "_refresh" in request.POST:
        return CriterionForm(initial=form_carried(posted), **options)
    return posted


def _criterion_page(
    request: HttpRequest,
    version: m.PolicyVersion,
    *,
    node: m.CriterionNode | None,
    parent: m.CriterionNode | None,
    save,
    heading: str,
    success: str,
) -> HttpResponse:
    """The add and edit pages; a valid form is saved through `save(fields)`, whose messages go on the fields."""
    refused = _not_draft(request, version)
    if refused:
        return refused
    form = _criterion_form(request, version, node=node, parent=parent)
    if form.is_bound and form.is_valid():
        try:
            saved = save(form.criterion_fields())
        except ValidationError as error:
            form.errors_apply(error)
        else:
            messages.success(request, success.format(clause=saved.clause))
            return redirect(_tree_url(version, saved.key))
    context = {
        "version": version,
        "node": node,
        "parent": parent,
        "form": form,
        "heading": heading,
        "kind_label": ALL_KINDS[form.kind],
        "back": _tree_url(version, node.key if node else parent.key if parent else None),
    }
    return render(request, "policies/editor_form.html", context)


@policy_staff_required
def criterion_edit(request, pk, node_pk):
    version = _version(pk)
    node = _node(version, node_pk)
    return _criterion_page(
        request,
        version,
        node=node,
        parent=node.parent,
        save=lambda fields: editor.criterion_update(node=node, fields=fields, user=request.user),
        heading=f"Edit “{node.clause}”",
        success=MSG_SAVED,
    )


@policy_staff_required
def criterion_add_child(request, pk, node_pk):
    version = _version(pk)
    parent = _node(version, node_pk)
    return _criterion_page(
        request,
        version,
        node=None,
        parent=parent,
        save=lambda fields: editor.criterion_add_child(parent=parent, fields=fields, user=request.user),
        heading=f"Add a criterion under “{parent.clause}”",
        success=MSG_ADDED,
    )


@policy_staff_required
def criterion_add_sibling(request, pk, node_pk):
    version = _version(pk)
    sibling = _node(version, node_pk)
    return _criterion_page(
        request,
        version,
        node=None,
        parent=sibling.parent,
        save=lambda fields: editor.criterion_add_sibling(sibling=sibling, fields=fields, user=request.user),
        heading=f"Add a criterion after “{sibling.clause}”",
        success=MSG_ADDED,
    )


@policy_staff_required
def criterion_add_top(request, pk):
    version = _version(pk)
    return _criterion_page(
        request,
        version,
        node=None,
        parent=None,
        save=lambda fields: editor.criterion_add_top(version=version, fields=fields, user=request.user),
        heading="Add a criterion with no parent",
        success=MSG_ADDED,
    )


# ---------------------------------------------------------------- move, copy, delete


@policy_staff_required
@require_POST
def criterion_move(request, pk, node_pk):
    version = _version(pk)
    node = _node(version, node_pk)
    refused = _not_draft(request, version)
    if refused:
        return refused
    step = {"up": -1, "down": 1}.get(request.POST.get("direction", ""), 0)
    try:
        editor.criterion_move(node=node, step=step, user=request.user)
    except ValidationError as error:
        _errors_shown(request, error)
    else:
        messages.success(request, MSG_MOVED.format(clause=node.clause))
    return redirect(_tree_url(version, node.key))


@policy_staff_required
def criterion_move_into(request, pk, node_pk):
    version = _version(pk)
    node = _node(version, node_pk)
    refused = _not_draft(request, version)
    if refused:
        return refused
    form = MoveIntoForm(request.POST or None, candidates=editor.criterion_parent_choices(node=node))
    if request.method == "POST" and form.is_valid():
        try:
            editor.criterion_move_into(node=node, parent=form.cleaned_data["parent"], user=request.user)
        except ValidationError as error:
            form.add_error(None, error.messages)  # e.g. a request type's root cannot go under another criterion
        else:
            messages.success(request, MSG_MOVED.format(clause=node.clause))
            return redirect(_tree_url(version, node.key))
    context = {"version": version, "node": node, "form": form, "back": _tree_url(version, node.key)}
    return render(request, "policies/editor_move.html", context)


@policy_staff_required
@require_POST
def criterion_copy(request, pk, node_pk):
    version = _version(pk)
    node = _node(version, node_pk)
    refused = _not_draft(request, version)
    if refused:
        return refused
    try:
        copy = editor.criterion_copy_branch(node=node, user=request.user)
    except ValidationError as error:
        _errors_shown(request, error)
        return redirect(_tree_url(version, node.key))
    messages.success(request, MSG_COPIED.format(clause=node.clause, key=copy.key))
    return redirect(_tree_url(version, copy.key))


@policy_staff_required
def criterion_delete(request, pk, node_pk):
    version = _version(pk)
    node = _node(version, node_pk)
    refused = _not_draft(request, version)
    if refused:
        return refused
    if request.method == "POST":
        try:
            count = editor.criterion_delete_branch(node=node, user=request.user)
        except ValidationError as error:
            _errors_shown(request, error)
            return redirect(_tree_url(version, node.key))
        messages.success(request, MSG_DELETED.format(clause=node.clause, n=count))
        return redirect(_tree_url(version, node.parent.key if node.parent else None))
    context = {
        "version": version,
        "node": node,
        "branch": editor.criterion_branch(node=node),
        "blockers": editor.criterion_delete_blockers(node=node),
        "back": _tree_url(version, node.key),
    }
    return render(request, "policies/editor_delete.html", context)


_NODE = "versions/<int:pk>/criteria/<int:node_pk>"

urlpatterns = [
    path("versions/<int:pk>/criteria/", criteria_tree, name="criteria"),
    path("versions/<int:pk>/criteria/add/", criterion_add_top, name="criteria-add-top"),
    path(f"{_NODE}/edit/", criterion_edit, name="criteria-edit"),
    path(f"{_NODE}/add-child/", criterion_add_child, name="criteria-add-child"),
    path(f"{_NODE}/add-sibling/", criterion_add_sibling, name="criteria-add-sibling"),
    path(f"{_NODE}/move/", criterion_move, name="criteria-move"),
    path(f"{_NODE}/move-into/", criterion_move_into, name="criteria-move-into"),
    path(f"{_NODE}/copy/", criterion_copy, name="criteria-copy"),
    path(f"{_NODE}/delete/", criterion_delete, name="criteria-delete"),
]
