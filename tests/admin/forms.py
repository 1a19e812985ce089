"""Post admin forms the way a browser would: every field as rendered, plus the changes."""

from __future__ import annotations

from django import forms

PASSWORD = "{}-pass-9x!"  # the conftest users' password pattern


def login(client, user) -> None:
    # force_login: the lockout backend (django-axes) needs the request that client.login() does not pass.
    client.force_login(user)


def _field_data(form) -> dict:
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"  # an unticked checkbox is simply absent
        elif isinstance(value, (list, tuple)):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = "" if value is None else str(value)
    return data


def rendered_data(response) -> dict:
    """The POST data of an admin add/change page exactly as it was rendered."""
    data = _field_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_field_data(formset.management_form))
        for form in formset.forms:
            data.update(_field_data(form))
    return data


def inline_prefix(response, model) -> tuple[str, list]:
    """The prefix and forms of the inline formset editing `model` on a rendered page."""
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is model:
            return inline.formset.prefix, inline.formset.forms
    raise AssertionError(f"no inline for {model.__name__}")


def post_form(client, url: str, **changes):
    """GET an admin page, then POST it back with `changes` applied, like a pharmacist saving it."""
    page = client.get(url)
    assert page.status_code == 200
    data = rendered_data(page)
    data.update({key: str(value) for key, value in changes.items()})
    return client.post(url, data)
