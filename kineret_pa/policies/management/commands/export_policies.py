"""Write the policy data to a directory in the fixture format `load_policies` reads.

    python manage.py export_policies DIR

DIR/catalog.json, DIR/policies/<policy code>.json (every version) and DIR/test_cases/<policy code>.json.
Loading DIR into an empty database (`load_policies --dir DIR`) gives the same determinations.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kineret_pa.policies import models as m
from kineret_pa.policies.dump import catalog_dump, policy_dump, test_cases_dump


def _write(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


class Command(BaseCommand):
    help = "Write the policy data (catalog, policies with every version, test cases) as fixture files."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Where to write catalog.json, policies/ and test_cases/.")

    def handle(self, *args, directory, **options):
        root = Path(directory)
        if root.exists() and not root.is_dir():
            raise CommandError(f"{root} is a file, not a directory.")
        _write(root / "catalog.json", catalog_dump())
        policies = m.Policy.objects.select_related("payer", "drug").prefetch_related("plans").order_by("code")
        for policy in policies:
            _write(root / "policies" / f"{policy.code}.json", policy_dump(policy))
            _write(root / "test_cases" / f"{policy.code}.json", test_cases_dump(policy))
            self.stdout.write(
                f"{policy.code}: {policy.versions.count()} version(s), {policy.test_cases.count()} test case(s)"
            )
        self.stdout.write(f"Written to {root}")
