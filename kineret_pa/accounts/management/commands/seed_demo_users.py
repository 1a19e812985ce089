"""Demo users, one per role, for development only; passwords are generated and printed."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from kineret_pa.accounts import roles

DEMO_USERS = [
    # username, role, is_staff (admin site access)
    ("prescriber", roles.PRESCRIBER, False),
    ("reviewer", roles.REVIEWER, False),
    ("policy", roles.POLICY_STAFF, True),
    ("admin", None, True),
]


class Command(BaseCommand):
    help = "Create or reset the demo users (prescriber, reviewer, policy, admin) and print their passwords."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Use this password for every demo user instead of random ones.")

    def handle(self, *args, password=None, **options):
        if not settings.DEBUG:
            raise CommandError("Demo users are for development only (DEBUG is off).")
        roles.roles_ensure()
        User = get_user_model()
        rows = []
        for username, role, is_staff in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            secret = password or secrets.token_urlsafe(9)
            user.set_password(secret)
            user.is_staff = is_staff
            user.is_superuser = role is None
            user.email = f"{username}@example.test"
            user.save()
            if role:
                user.groups.set([Group.objects.get(name=role)])
            rows.append((username, role or "Superuser", secret))
        self.stdout.write("Demo users (development only):")
        for username, role, secret in rows:
            self.stdout.write(f"  {role:<14} username: {username:<11} password: {secret}")
