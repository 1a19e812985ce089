"""The demo prescriber can submit at once: bin/dev gives them a complete profile."""

import pytest
from django.core.management import CommandError, call_command

from kineret_pa.pa_requests.models import PrescriberProfile


@pytest.mark.django_db
def test_the_demo_prescriber_gets_a_complete_profile(settings):
    settings.DEBUG = True
    call_command("seed_demo_users", password="demo-pass-9x!")
    call_command("seed_demo_profiles")
    call_command("seed_demo_profiles")  # again: still one profile

    profile = PrescriberProfile.objects.get(user__username="prescriber")
    assert (profile.full_name, profile.specialty, profile.npi, profile.phone, profile.fax) == (
        "Dr Demo Prescriber",
        "Rheumatology",
        "1234567893",
        "555-0100",
        "555-0101",
    )
    profile.full_clean()  # the NPI passes its check digit
    assert PrescriberProfile.objects.count() == 1


@pytest.mark.django_db
def test_demo_profiles_are_refused_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("seed_demo_profiles")
