"""Bootstrap 5 markup for the form's fields, written in Python.

crispy-forms renders a field through its Bootstrap template and then Django's widget
templates (a template per radio button, another per attribute list): on the guided form's
steps that was about a third of a page's time. These filters write the same markup as
crispy-forms' Bootstrap 5 pack for the widgets the app uses (inputs, selects, radio
buttons, checkboxes, text areas) and hand any other widget to crispy-forms.
"""

from __future__ import annotations

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.forms.utils import flatatt
from django.forms.widgets import Input
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def bootstrap_form(form: forms.BaseForm) -> SafeString:
    errors = form.non_field_errors()
    alert = (
        format_html(
            '<div class="alert alert-block alert-danger"><ul class="m-0">{}</ul></div>',
            format_html_join("", "<li>{}</li>", ((e,) for e in errors)),
        )
        if errors
        else ""
    )
    return mark_safe(alert + "".join(bootstrap_field(field) for field in form))


@register.filter
def bootstrap_field(field: forms.BoundField) -> SafeString:
    widget = field.field.widget
    if field.is_hidden:
        return field.as_widget()
    if isinstance(widget, forms.RadioSelect):  # CheckboxSelectMultiple is one too
        return _choices(field)
    if isinstance(widget, forms.CheckboxInput):
        return _checkbox(field)
    if isinstance(widget, forms.Select) and not widget.allow_multiple_selected:
        return _control(field, "select form-select", _select)
    if isinstance(widget, forms.Textarea):
        return _control(field, "textarea form-control", _textarea)
    if isinstance(widget, Input) and not isinstance(widget, forms.FileInput):
        return _control(field, f"{type(widget).__name__.lower()} form-control", _input)
    return as_crispy_field(field)


def _widget(field: forms.BoundField, css_class: str) -> dict:
    """The widget's context, with the attributes BoundField.as_widget would give it."""
    widget = field.field.widget
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs["id"] = field.auto_id
    css = " ".join(filter(None, [widget.attrs.get("class"), css_class, "is-invalid" if field.errors else ""]))
    return widget.get_context(field.html_name, field.value(), {**attrs, "class": css})["widget"]


def _input(w: dict) -> SafeString:
    value = format_html(' value="{}"', w["value"]) if w["value"] is not None else ""
    return format_html('<input type="{}" name="{}"{}{}>', w["type"], w["name"], value, flatatt(w["attrs"]))


def _textarea(w: dict) -> SafeString:
    return format_html('<textarea name="{}"{}>\n{}</textarea>', w["name"], flatatt(w["attrs"]), w["value"] or "")


def _option(o: dict) -> SafeString:
    return format_html('<option value="{}"{}>{}</option>', o["value"], flatatt(o["attrs"]), o["label"])


def _select(w: dict) -> SafeString:
    groups = []
    for name, options, _ in w["optgroups"]:
        inner = mark_safe("".join(_option(o) for o in options))
        groups.append(format_html('<optgroup label="{}">{}</optgroup>', name, inner) if name else inner)
    return format_html('<select name="{}"{}>{}</select>', w["name"], flatatt(w["attrs"]), mark_safe("".join(groups)))


def _label(field: forms.BoundField, tag: str, css: str, css_after: str = "") -> SafeString:
    if not field.label:
        return mark_safe("")
    required = field.field.required
    css += (" requiredField" if required else "") + css_after
    star = mark_safe('<span class="asteriskField">*</span>') if required else ""
    target = format_html(' for="{}"', field.id_for_label) if tag == "label" and field.id_for_label else ""
    return format_html('<{}{} class="{}">{}{}</{}>', tag, target, css, field.label, star, tag)


def _errors(field: forms.BoundField) -> SafeString:
    """Shown by Bootstrap when they follow an input marked is-invalid; the id is the one the
    widget's aria-describedby names."""
    if not field.errors:
        return mark_safe("")
    return format_html(
        '<div id="{}_error" class="invalid-feedback">{}</div>',
        field.auto_id,
        format_html_join(
            "",
            '<p id="error_{}_{}"><strong>{}</strong></p>',
            ((n, field.auto_id, e) for n, e in enumerate(field.errors, 1)),
        ),
    )


def _help(field: forms.BoundField) -> SafeString:
    if not field.help_text:
        return mark_safe("")
    return format_html('<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, mark_safe(field.help_text))


def _after(field: forms.BoundField) -> SafeString:
    return _errors(field) + _help(field)


def _control(field: forms.BoundField, css_class: str, render) -> SafeString:
    return format_html(
        '<div id="div_{}" class="mb-3">{}{}{}</div>',
        field.auto_id,
        _label(field, "label", "form-label"),
        render(_widget(field, css_class)),
        _after(field),
    )


def _checkbox(field: forms.BoundField) -> SafeString:
    return format_html(
        '<div class="mb-3"><div id="div_{}" class="form-check">{}{}{}</div></div>',
        field.auto_id,
        _input(_widget(field, "checkboxinput form-check-input")),
        _label(field, "label", "form-check-label"),
        _after(field),
    )


def _choices(field: forms.BoundField) -> SafeString:
    w = _widget(field, "")
    invalid = " is-invalid" if field.errors else ""
    options = [o for _, group, _ in w["optgroups"] for o in group]
    rendered = []
    for n, o in enumerate(options, 1):
        attrs = flatatt({k: v for k, v in o["attrs"].items() if k != "class"})
        errors = _errors(field) if n == len(options) else ""  # after the last button, where Bootstrap shows them
        rendered.append(
            format_html(
                '<div class="form-check"><input type="{}" class="form-check-input{}" name="{}" value="{}"{}>'
                '<label for="{}" class="form-check-label">{}</label>{}</div>',
                o["type"],
                invalid,
                o["name"],
                o["value"],
                attrs,
                o["attrs"].get("id", ""),
                o["label"],
                errors,
            )
        )
    described = format_html(' aria-describedby="{}"', field.aria_describedby) if field.aria_describedby else ""
    return format_html(
        '<div id="div_{}" class="mb-3"><fieldset{}>{}<div>{}</div>{}</fieldset></div>',
        field.auto_id,
        described,
        _label(field, "legend", "form-label", " fs-6"),
        mark_safe("".join(rendered)),
        _help(field),
    )
