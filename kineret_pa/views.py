from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from kineret_pa.accounts.roles import PRESCRIBER, user_has_role
from kineret_pa.policies.models import PolicyVersion


@login_required
def home(request):
    if user_has_role(request.user, PRESCRIBER) and not request.user.is_superuser:
        return redirect("pa-request-list")
    versions = PolicyVersion.objects.filter(status=PolicyVersion.Status.ACTIVE).select_related("policy__payer")
    return render(request, "home.html", {"versions": versions})


def healthz(request):
    """Liveness for load balancers, and the benchmarks' reference: no database, no session, no template."""
    return HttpResponse("ok", content_type="text/plain")
