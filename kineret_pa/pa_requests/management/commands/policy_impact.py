"""`manage.py policy_impact POLICY --version ID`: how a version would decide the policy's past requests."""

from __future__ import annotations

import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError

from kineret_pa.pa_requests.impact import ImpactReport, impact_replay
from kineret_pa.pa_requests.models import PARequest
from kineret_pa.policies.models import Policy, PolicyVersion
from kineret_pa.policies.services import MSG_UNKNOWN_POLICY

MSG_BAD_VERSION = "--version must be a version's number (its ID), not {value!r}."
MSG_NO_VERSION = "There is no policy version {id}."
MSG_OTHER_POLICY = "Version {id} belongs to {other}, not to {code}: give a version of {code}."
MSG_BAD_DATE = "{option} must be a date as YYYY-MM-DD, not {value!r}."
MSG_DATES_REVERSED = "--since ({since}) is after --until ({until}): no request can be in between."
MSG_BAD_WORKERS = "--workers must be a whole number from 1 up, not {value!r}."
FAILURES_SHOWN = 10
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(MSG_BAD_DATE.format(option=option, value=value)) from None


class Command(BaseCommand):
    help = (
        "Decide every request submitted under POLICY again against a version (a draft before it is published) "
        "and count the requests it would decide otherwise, by the clause that makes the difference."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Django's --version (its own version number) gives way to this command's --version ID.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("policy", help="the policy's code, e.g. floridablue-09-J0000-45")
        parser.add_argument("--version", required=True, help="the ID of the version to replay against")
        parser.add_argument("--since", help="only requests submitted on or after this date (YYYY-MM-DD)")
        parser.add_argument("--until", help="only requests submitted on or before this date (YYYY-MM-DD)")
        parser.add_argument("--workers", default="1", help="processes deciding requests (2 uses both cores)")

    def handle(self, *args, policy, version, since, until, workers, **options):
        target = self._version(code=policy, value=str(version))
        since_on, until_on = _date("--since", since), _date("--until", until)
        if since_on and until_on and since_on > until_on:
            raise CommandError(MSG_DATES_REVERSED.format(since=since_on, until=until_on))
        if not str(workers).isdigit() or int(workers) < 1:
            raise CommandError(MSG_BAD_WORKERS.format(value=workers))
        report = impact_replay(version=target, since=since_on, until=until_on, workers=int(workers))
        self._print(target, since_on, until_on, report)

    @staticmethod
    def _version(*, code: str, value: str) -> PolicyVersion:
        policy = Policy.objects.filter(code=code).first()
        if policy is None:
            raise CommandError(MSG_UNKNOWN_POLICY.format(code=code))
        if not value.isdigit():
            raise CommandError(MSG_BAD_VERSION.format(value=value))
        version = PolicyVersion.objects.select_related("policy").filter(pk=int(value)).first()
        if version is None:
            raise CommandError(MSG_NO_VERSION.format(id=value))
        if version.policy_id != policy.pk:
            raise CommandError(MSG_OTHER_POLICY.format(id=value, other=version.policy.code, code=code))
        return version

    def _print(self, version: PolicyVersion, since, until, report: ImpactReport) -> None:
        span = f", requests submitted from {since or 'the first'} to {until or 'the last'}" if since or until else ""
        self.stdout.write(
            f"{version.policy.code}, version {version.label} ({version.get_status_display().lower()}){span}"
        )
        self.stdout.write(f"Replayed: {report.total:,}")
        self.stdout.write(f"Unchanged: {report.unchanged:,}")
        self.stdout.write(f"Changed: {report.changed:,}")
        self.stdout.write(f"Could not replay: {report.could_not_replay:,}")
        rows = [(clause, flip, f"{n:,}") for clause, flips in report.by_clause.items() for flip, n in flips.items()]
        if rows:
            header = ("Clause", "Change", "Requests")
            widths = [max(len(row[i]) for row in [header, *rows]) for i in range(2)]
            self.stdout.write("")
            for clause, flip, n in [header, *rows]:
                self.stdout.write(f"{clause:<{widths[0]}}  {flip:<{widths[1]}}  {n}")
        if report.failures:
            number_for = PARequest.number_for  # the number people quote
            self.stdout.write("")
            self.stdout.write("Could not replay (the stored request does not validate under this version):")
            for failure in report.failures[:FAILURES_SHOWN]:
                self.stdout.write(f"{number_for(failure.request_id)}: {'; '.join(failure.messages)}")
            if report.could_not_replay > FAILURES_SHOWN:
                self.stdout.write(f"… and {report.could_not_replay - FAILURES_SHOWN:,} more.")
