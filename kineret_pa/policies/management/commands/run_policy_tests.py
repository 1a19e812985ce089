"""`manage.py run_policy_tests [POLICY ...] [--version ID]`: each policy's test cases against a version."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kineret_pa.policies.models import Policy, PolicyVersion
from kineret_pa.policies.snapshots import policy_data_get
from kineret_pa.policies.testcases import testcases_run

EXIT_FAILED = 1
MSG_UNKNOWN_POLICY = "Unknown policy {codes}."
MSG_UNKNOWN_VERSION = "No policy version has id {id}."
MSG_VERSION_OF_OTHER = "Version {id} is a version of {code}, not of the policies named."
MSG_NO_VERSION = "{code}: no version is in force today ({today}); no case was run."
MSG_HEADING = "{version}: {n} cases"
MSG_PASS = "PASS  {name}"
MSG_FAIL = "FAIL  {name}: {differences}"
MSG_COUNT = "{passed} passed, {failed} failed, of {total} cases."


class Command(BaseCommand):
    help = "Run the policies' test cases against the version in force today (or --version) and report each case."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Django's own --version (its version number) gives way to this command's --version ID.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("policies", nargs="*", metavar="POLICY", help="policy codes; all policies when none")
        parser.add_argument("--version", type=int, help="the id of the version to run (a draft, for instance)")

    def handle(self, *args, policies, version, **options):
        chosen = self._policies(policies)
        if version is not None:
            versions, missing = [self._version(version, chosen, named=bool(policies))], False
        else:
            versions, missing = self._in_force(chosen)
        policy_data = policy_data_get()  # one revision for the whole run
        passed = failed = 0
        for run_version in versions:
            runs = testcases_run(policy=run_version.policy, versions=[run_version], policy_data=policy_data)
            self.stdout.write(MSG_HEADING.format(version=run_version, n=len(runs)))
            for run in runs:
                outcome = run.outcomes[run_version.id]
                if outcome.passed:
                    passed += 1
                    self.stdout.write(MSG_PASS.format(name=run.case.name))
                else:
                    failed += 1
                    self.stdout.write(MSG_FAIL.format(name=run.case.name, differences="; ".join(outcome.differences)))
        self.stdout.write(MSG_COUNT.format(passed=passed, failed=failed, total=passed + failed))
        if failed or missing:
            sys.exit(EXIT_FAILED)

    def _in_force(self, policies: list[Policy]) -> tuple[list[PolicyVersion], bool]:
        today = timezone.localdate()
        versions, missing = [], False
        for policy in policies:
            version = policy.versions.in_force(today).select_related("policy").first()
            if version is None:
                self.stdout.write(MSG_NO_VERSION.format(code=policy.code, today=today.isoformat()))
                missing = True
            else:
                versions.append(version)
        return versions, missing

    @staticmethod
    def _policies(codes: list[str]) -> list[Policy]:
        if not codes:
            return list(Policy.objects.order_by("code"))
        found = {p.code: p for p in Policy.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise CommandError(MSG_UNKNOWN_POLICY.format(codes=", ".join(unknown)))
        return [found[code] for code in dict.fromkeys(codes)]

    @staticmethod
    def _version(version_id: int, policies: list[Policy], *, named: bool) -> PolicyVersion:
        version = PolicyVersion.objects.select_related("policy").filter(pk=version_id).first()
        if version is None:
            raise CommandError(MSG_UNKNOWN_VERSION.format(id=version_id))
        if named and version.policy_id not in {p.pk for p in policies}:
            raise CommandError(MSG_VERSION_OF_OTHER.format(id=version_id, code=version.policy.code))
        return version
