"""Every policy-data page opens for policy staff; user administration and other roles stay out."""

import pytest
from django.contrib import admin
from django.urls import reverse

from kineret_pa.policies import models as m

from .forms import login

POLICY_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label == "policies"), key=lambda model: model.__name__
)


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:policies_{model._meta.model_name}_{view}", args=args)


def test_every_policy_model_but_the_revision_is_registered():
    registered = {model.__name__ for model in POLICY_MODELS}
    models = m.PolicyVersion._meta.apps.get_app_config("policies").get_models()
    expected = {model.__name__ for model in models if not model.__name__.startswith("Historical")}
    assert registered == expected - {"PolicyDataRevision"}


@pytest.mark.parametrize("model", POLICY_MODELS, ids=lambda model: model.__name__)
def test_policy_staff_open_every_list_search_and_add_page(client, policy_staff, policy_data, model):
    login(client, policy_staff)
    for url in (_url(model, "changelist"), _url(model, "changelist") + "?q=ra", _url(model, "add")):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "model, lookup",
    [
        (m.PolicyVersion, {"policy__code": "fep-5.70.050"}),
        (m.DrugList, {"code": "fep-app3-ra-blue-focus"}),
        (m.WeightTable, {"code": "cigna-table-1"}),
        (m.CriterionNode, {"key": "fep-initial"}),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_policy_staff_open_a_loaded_change_page(client, policy_staff, policy_data, model, lookup):
    login(client, policy_staff)
    obj = model.objects.get(**lookup)
    response = client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200


def test_version_page_shows_its_parts_inline_with_a_link_to_each_drug_list(client, policy_staff, policy_data):
    login(client, policy_staff)
    version = m.PolicyVersion.objects.get(policy__code="fep-5.70.050")
    response = client.get(_url(m.PolicyVersion, "change", version.pk))
    inline_models = {inline.formset.model for inline in response.context["inline_admin_formsets"]}
    assert inline_models == {
        m.PolicyDiagnosis,
        m.DrugList,
        m.ClinicalList,
        m.WeightTable,
        m.QuantityLimit,
        m.ApprovalDuration,
        m.Icd10Code,
    }
    blue_focus = m.DrugList.objects.get(version=version, code="fep-app3-ra-blue-focus")
    assert _url(m.DrugList, "change", blue_focus.pk) in response.content.decode()


def test_criterion_page_shows_its_children_and_the_leaf_kinds_help(client, policy_staff, policy_data):
    import datetime as dt

    from kineret_pa.policies.versions import version_copy_as_draft

    login(client, policy_staff)
    version = m.PolicyVersion.objects.get(policy__code="fep-5.70.050", status="active")
    draft = version_copy_as_draft(version=version, effective_date=dt.date(2027, 1, 1), user=policy_staff)
    root = m.CriterionNode.objects.get(version=draft, key="fep-initial")
    response = client.get(_url(m.CriterionNode, "change", root.pk))
    page = response.content.decode()
    child = root.children.first()
    assert _url(m.CriterionNode, "change", child.pk) in page
    assert "At least N trials from drug lists" in page and "min_months" in page


def test_policy_staff_are_refused_the_user_admin(client, policy_staff):
    login(client, policy_staff)
    assert client.get("/admin/auth/user/").status_code == 403


def test_policy_staff_do_not_see_the_auth_app_on_the_admin_index(client, policy_staff):
    login(client, policy_staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    apps = {app["app_label"] for app in response.context["app_list"]}
    assert "policies" in apps and "auth" not in apps
    assert "/admin/auth/user/" not in response.content.decode()


def test_superuser_still_sees_user_administration(client, superuser):
    login(client, superuser)
    assert client.get("/admin/auth/user/").status_code == 200


@pytest.mark.parametrize("role", ["reviewer", "prescriber"])
def test_users_who_are_not_staff_are_sent_to_the_admin_login(client, request, role):
    user = request.getfixturevalue(role)
    login(client, user)
    for url in (reverse("admin:index"), _url(m.PolicyVersion, "changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
