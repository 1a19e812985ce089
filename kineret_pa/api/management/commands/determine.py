"""`manage.py determine FILE|-`: the determination contract on the command line."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand

from kineret_pa.policies.services import determination_compute
from kineret_pa.policies.snapshots import policy_data_get

EXIT_INVALID = 2
MSG_NOT_JSON = "request: not valid JSON: {problem}"
MSG_TOO_DEEP = "request: not valid JSON: nested too deeply"


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


class Command(BaseCommand):
    help = "Determine one request (a JSON object) or many (a JSON array) from FILE, or '-' for standard input."
    requires_system_checks = []  # start-up time matters for batch use

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to a JSON file, or - for standard input")

    def _fail(self, lines: list[str]) -> None:
        for line in lines:
            self.stderr.write(line)
        sys.exit(EXIT_INVALID)

    def _read(self, name: str):
        try:
            if name == "-":
                text = sys.stdin.read()
            else:
                with open(name, encoding="utf-8") as handle:
                    text = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            self._fail([f"file: cannot read {name}: {error}"])
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except RecursionError:  # json.loads recurses once per level of nesting
            self._fail([MSG_TOO_DEEP])
        except ValueError as error:
            self._fail([MSG_NOT_JSON.format(problem=error)])

    @staticmethod
    def _messages(errors: dict[str, list[str]], prefix: str = "") -> list[str]:
        return [f"{prefix}{path}: {message}" for path, messages in errors.items() for message in messages]

    def handle(self, *args, file, **options):
        data = self._read(file)
        policy_data = policy_data_get()  # one revision for the whole batch: no request decided on a mix
        if isinstance(data, list):
            results, problems = [], []
            for index, item in enumerate(data):
                determination, _, errors = determination_compute(data=item, policy_data=policy_data)
                if errors:
                    results.append({"errors": errors})
                    problems += self._messages(errors, f"[{index}] ")
                else:
                    results.append(determination.as_dict())
            self.stdout.write(json.dumps(results, indent=2, ensure_ascii=False))
            if problems:
                self._fail(problems)
            return
        determination, _, errors = determination_compute(data=data, policy_data=policy_data)
        if errors:
            self._fail(self._messages(errors))
        self.stdout.write(json.dumps(determination.as_dict(), indent=2, ensure_ascii=False))
