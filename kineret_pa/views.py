from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from kineret_pa.accounts.roles import PRESCRIBER, user_has_role
from kineret_pa.policies.models import PolicyVersion


@login_required
def home(request):
    if user_has_role(request.user, PRESCRIBER) and not request.user.is_superuser:
        return redirect("pa-request-list")
    versions = PolicyVersion.objects.filter(status=PolicyVersion.Status.ACTIVE).select_related("policy__payer")
    return render(request, "home.html", {"versions": versions})
