"""The demo prescriber's profile, so a demo request can be submitted at once (development only)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kineret_pa.pa_requests.models import PrescriberProfile

# A made-up prescriber; 1234567893 passes the NPI check digit (Luhn with the 80840 prefix) and is no real NPI.
DEMO_PROFILE = {
    "full_name": "Dr Demo Prescriber",
    "specialty": "Rheumatology",
    "npi": "1234567893",
    "phone": "555-0100",
    "fax": "555-0101",
}


class Command(BaseCommand):
    help = "Give the demo prescriber (see seed_demo_users) a complete prescriber profile."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data is for development only (DEBUG is off).")
        user = get_user_model().objects.filter(username="prescriber").first()
        if user is None:
            raise CommandError("Run seed_demo_users first: there is no demo prescriber.")
        PrescriberProfile.objects.update_or_create(user=user, defaults=DEMO_PROFILE)
        self.stdout.write(f"Prescriber profile for {user.username}: {DEMO_PROFILE['full_name']}, NPI 1234567893")
