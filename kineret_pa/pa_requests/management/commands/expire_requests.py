from django.core.management.base import BaseCommand
from django.utils import timezone

from kineret_pa.pa_requests.services import pa_requests_expire


class Command(BaseCommand):
    help = "Mark approvals whose duration has ended as expired (run daily)."

    def handle(self, *args, **options):
        count = pa_requests_expire(today=timezone.localdate())
        self.stdout.write(f"{count} approval(s) expired.")
