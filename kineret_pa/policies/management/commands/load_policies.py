from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kineret_pa.policies.loading import FIXTURES, policies_load


class Command(BaseCommand):
    help = "Load the transcribed policies from fixtures/ (idempotent; existing versions are kept unless --replace)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Rebuild existing versions from the fixtures, discarding admin edits.",
        )
        parser.add_argument("--directory", type=Path, default=FIXTURES)

    def handle(self, *args, replace, directory, **options):
        try:
            done = policies_load(directory=directory, replace=replace)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        for line in done:
            self.stdout.write(line)
