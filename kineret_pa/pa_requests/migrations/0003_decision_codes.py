"""Reviewer decision codes are data; these are the ones the request's life defines."""
from django.db import migrations

CODES = [
    # code, label, resulting status, applies to, grants quantity, requires reasons
    ("approve", "Approve", "approved", "review", True, False),
    ("partial", "Approve a reduced quantity", "partially_approved", "review", True, False),
    ("deny", "Deny", "denied", "review", False, True),
    ("more_info", "Request more information", "info_requested", "review", False, False),
    ("overturn", "Overturn the denial (approve)", "overturned", "appeal", True, False),
    ("uphold", "Uphold the denial", "upheld", "appeal", False, True),
]


def create(apps, schema_editor):
    Code = apps.get_model("pa_requests", "ReviewDecisionCode")
    for order, (code, label, status, applies, grants, reasons) in enumerate(CODES):
        Code.objects.update_or_create(code=code, defaults=dict(
            label=label, resulting_status=status, applies_to=applies, grants_quantity=grants, requires_reasons=reasons, order=order))


def remove(apps, schema_editor):
    apps.get_model("pa_requests", "ReviewDecisionCode").objects.filter(code__in=[c[0] for c in CODES]).delete()


class Migration(migrations.Migration):
    dependencies = [("pa_requests", "0002_reviewdecisioncode_alter_parequest_options_and_more")]
    operations = [migrations.RunPython(create, remove)]
