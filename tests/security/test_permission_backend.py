"""Permissions read in one query give exactly Django's answers."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from kineret_pa.accounts.backends import OneQueryModelBackend


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # no per-request permission cache carried over


@pytest.fixture
def mixed_user(django_user_model):
    user = django_user_model.objects.create_user("mixed", password="x")
    group = Group.objects.create(name="reviewers-and-more")
    group.permissions.add(Permission.objects.get(codename="review_parequest"))
    user.groups.add(group)
    user.user_permissions.add(Permission.objects.get(codename="view_metrics"))
    return user


@pytest.mark.parametrize("kind", ["own and group", "none", "superuser", "inactive"])
def test_one_query_backend_answers_as_djangos(mixed_user, django_user_model, kind):
    user = {
        "own and group": mixed_user,
        "none": django_user_model.objects.create_user("plain"),
        "superuser": django_user_model.objects.create_superuser("root", password="x"),
        "inactive": mixed_user,
    }[kind]
    if kind == "inactive":
        user.is_active = False
        user.save()
    expected = ModelBackend().get_all_permissions(_fresh(user))
    assert OneQueryModelBackend().get_all_permissions(_fresh(user)) == expected
    if kind == "own and group":
        assert {"pa_requests.review_parequest", "pa_requests.view_metrics"} <= expected


def test_permissions_are_read_once_per_request_in_one_query(mixed_user, django_assert_num_queries):
    user = _fresh(mixed_user)
    with django_assert_num_queries(1):
        assert user.has_perm("pa_requests.review_parequest")
        assert user.has_perm("pa_requests.view_metrics")
        assert not user.has_perm("policies.change_policy")
