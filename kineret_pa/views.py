from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from kineret_pa.policies.models import PolicyVersion


@login_required
def home(request):
    versions = PolicyVersion.objects.filter(status=PolicyVersion.Status.ACTIVE).select_related("policy__payer")
    return render(request, "home.html", {"versions": versions})
