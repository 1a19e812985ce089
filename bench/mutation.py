"""A small mutation run: does the suite notice when the engine, the policy data or the expiry arithmetic is wrong?

    .venv/bin/python bench/mutation.py                 # every mutant (a few minutes)
    .venv/bin/python bench/mutation.py rescale-removed fep-age-19   # some, by name
    .venv/bin/python bench/mutation.py --list          # the mutants and their focused tests

Each mutant is one deliberate fault from a fixed list: a code change (an exact text, found once, replaced) or a
fixture change (one value of one JSON object, or one member dropped from a list). The tree is copied once to a
temporary directory and every mutant is applied there, run against its focused tests with `pytest -x`, and
undone: the real files are never touched. A mutant is *killed* when a test fails, *survived* when all pass.
The score and the killing test of each mutant go to docs/testing.md (by hand, from this output).

Not part of the suite (it runs pytest dozens of times); tests/policies/test_mutation_list.py checks only that
every mutant still applies to the current source, so the list cannot silently rot.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"

ENGINE_TESTS = (
    "tests/engine",
    "tests/policies/test_cigna_clauses.py",
    "tests/policies/test_fep_clauses.py",
    "tests/policies/test_floridablue_clauses.py",
)
CIGNA_TESTS = ("tests/policies/test_fixtures.py", "tests/policies/test_cigna_clauses.py")
FEP_TESTS = ("tests/policies/test_fixtures.py", "tests/policies/test_fep_clauses.py")
FB_TESTS = ("tests/policies/test_fixtures.py", "tests/policies/test_floridablue_clauses.py")
EXPIRY_TESTS = ("tests/review/test_expiry_dates.py", "tests/review/test_decide.py", "tests/review/test_appeal.py")

CIGNA = "fixtures/policies/cigna-dqm008.json"
FEP = "fixtures/policies/fep-5.70.050.json"
FB = "fixtures/policies/floridablue-09-J0000-45.json"
EVALUATE = "kineret_pa/engine/evaluate.py"
VOCABULARY = "kineret_pa/engine/vocabulary.py"
SERVICES = "kineret_pa/pa_requests/services.py"


class MutantRotted(Exception):
    """The source no longer holds what the mutant changes: update the mutant."""


@dataclass(frozen=True)
class Text:
    """Replace `search`, which must occur exactly once in `path`."""

    path: str
    search: str
    replace: str

    def apply(self, root: Path) -> None:
        file = root / self.path
        source = file.read_text(encoding="utf-8")
        found = source.count(self.search)
        if found != 1:
            raise MutantRotted(f"{self.path}: {self.search!r} occurs {found} times, not once")
        file.write_text(source.replace(self.search, self.replace), encoding="utf-8")


def _objects(value: Any):
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _objects(child)
    elif isinstance(value, list):
        for child in value:
            yield from _objects(child)


def _identity(member: Any) -> Any:
    if isinstance(member, dict):
        return member.get("drug")
    if isinstance(member, list):
        return member[0]
    return member


@dataclass(frozen=True)
class Json:
    """In the one JSON object whose items include `where`, set `key` (a dotted path) from `old` to `new`,
    or, with `drop`, remove that member from the list at `key` (a generic name, a {"drug": ...} entry, or a table row
    named by its first cell)."""

    path: str
    where: dict
    key: str
    old: Any = None
    new: Any = None
    drop: Any = None

    def apply(self, root: Path) -> None:
        file = root / self.path
        data = json.loads(file.read_text(encoding="utf-8"))
        matches = [o for o in _objects(data) if all(o.get(k) == v for k, v in self.where.items())]
        if len(matches) != 1:
            raise MutantRotted(f"{self.path}: {self.where} matches {len(matches)} objects, not one")
        *parents, leaf = self.key.split(".")
        target = matches[0]
        for part in parents:
            target = target[part]
        if self.drop is not None:
            members = target[leaf]
            kept = [e for e in members if _identity(e) != self.drop]
            if len(kept) != len(members) - 1:
                raise MutantRotted(f"{self.path}: {self.drop!r} is not once in {self.where} {self.key}")
            target[leaf] = kept
        else:
            if target.get(leaf) != self.old:
                raise MutantRotted(f"{self.path}: {self.where} {self.key} is {target.get(leaf)!r}, not {self.old!r}")
            target[leaf] = self.new
        file.write_text(json.dumps(data, indent=1), encoding="utf-8")


@dataclass(frozen=True)
class Mutant:
    name: str
    why: str
    change: Text | Json
    tests: tuple[str, ...]

    @property
    def path(self) -> str:
        return self.change.path


MUTANTS: list[Mutant] = [
    # ---- the engine's quantity arithmetic
    Mutant(
        "rescale-removed",
        "the requested quantity is not rescaled to the limit's period (14 for 14 days -> 14/28)",
        Text(
            EVALUATE,
            "return min(cap.quantity, math.ceil(quantity * cap.period_days / days - EPS)), cap.period_days",
            "return min(cap.quantity, quantity), cap.period_days",
        ),
        ENGINE_TESTS,
    ),
    Mutant(
        "rescale-rounds-down",
        "a rescaled quantity is rounded down (10 for 12 days -> 23/28, not 24/28)",
        Text(
            EVALUATE,
            "math.ceil(quantity * cap.period_days / days - EPS)",
            "math.floor(quantity * cap.period_days / days + EPS)",
        ),
        ENGINE_TESTS,
    ),
    Mutant(
        "rate-compared-as-total",
        "a request is compared with a limit as a total, not as a rate",
        Text(
            EVALUATE, "return quantity / days <= limit_quantity / limit_days + EPS", "return quantity <= limit_quantity"
        ),
        ENGINE_TESTS,
    ),
    Mutant(
        "one-time-as-rate",
        "a one-time override caps a rate instead of the total",
        Text(EVALUATE, "return quantity <= cap.quantity  # a one-time override caps the total, not a rate", "pass"),
        ENGINE_TESTS,
    ),
    Mutant(
        "syringes-rounded",
        "syringes per day rounded to nearest instead of up (104 mg -> 1 syringe)",
        Text(
            VOCABULARY,
            "return max(1, math.ceil(mg_per_day / strength_mg - 1e-9))",
            "return max(1, round(mg_per_day / strength_mg))",
        ),
        ENGINE_TESTS,
    ),
    Mutant(
        "weight-row-strictly-above",
        "between two weights: a row strictly above the weight (25 kg -> 30 kg row)",
        Text(EVALUATE, "r.weight_kg >= weight - EPS", "r.weight_kg > weight + EPS"),
        ENGINE_TESTS,
    ),
    Mutant(
        "base-sufficient-below-10-kg",
        "<= 10 kg becomes < 10 kg (10 kg reads the 15 kg row)",
        Text(EVALUATE, "if weight <= table.base_sufficient_max_kg:", "if weight < table.base_sufficient_max_kg:"),
        ENGINE_TESTS,
    ),
    # ---- the engine's logic
    Mutant(
        "refer-beats-deny",
        "an ALL with one unmet and one referred child refers instead of denying",
        Text(
            EVALUATE,
            "status = NOT_MET if not_met else (REFER if referred else MET)",
            "status = REFER if referred else (NOT_MET if not_met else MET)",
        ),
        ENGINE_TESTS,
    ),
    Mutant(
        "at-least-off-by-one",
        "AT LEAST n needs n + 1",
        Text(EVALUATE, "status = MET if met >= n else", "status = MET if met > n else"),
        ENGINE_TESTS,
    ),
    Mutant(
        "ge-operator-flipped",
        "the >= comparator is strict (age 18 fails 'at least 18')",
        Text(VOCABULARY, '">=": lambda a, b: a >= b,', '">=": lambda a, b: a > b,'),
        ENGINE_TESTS,
    ),
    Mutant(
        "mg-per-kg-strict",
        "'at most 8 mg/kg/day' becomes 'less than 8'",
        Text(VOCABULARY, "met = per_kg <= limit + 1e-9", "met = per_kg < limit - 1e-9"),
        ENGINE_TESTS,
    ),
    Mutant(
        "trial-months-strict",
        "a trial of exactly the minimum months (3) no longer counts",
        Text(VOCABULARY, "if trial.months < min_months:", "if trial.months <= min_months:"),
        ENGINE_TESTS,
    ),
    Mutant(
        "biosimilars-ignored",
        "a biosimilar no longer counts as its reference product's entry",
        Text(
            VOCABULARY,
            "            if reference == entry_drug and (with_biosimilars is True or drug_id in with_biosimilars):\n",
            "            if reference == entry_drug and False:\n",
        ),
        ENGINE_TESTS,
    ),
    # ---- the drug lists (a member dropped)
    Mutant(
        "fb-biologic-history-drops-sarilumab",
        "Florida Blue Table 1 RA 1.e loses sarilumab",
        Json(FB, {"code": "fb-ra-biologic-history"}, "entries", drop="sarilumab"),
        FB_TESTS,
    ),
    Mutant(
        "fb-not-permitted-drops-brodalumab",
        "Florida Blue's not-permitted list loses brodalumab",
        Json(FB, {"code": "fb-not-permitted"}, "entries", drop="brodalumab"),
        FB_TESTS,
    ),
    Mutant(
        "fb-preferred-drops-simlandi",
        "Florida Blue's preferred RA products lose Simlandi",
        Json(FB, {"code": "fb-ra-preferred"}, "entries", drop="adalimumab-ryvk"),
        FB_TESTS,
    ),
    Mutant(
        "fep-biologic-drops-sarilumab",
        "FEP Appendix 2 biologics lose sarilumab",
        Json(FEP, {"code": "fep-app2-biologic"}, "entries", drop="sarilumab"),
        FEP_TESTS,
    ),
    Mutant(
        "fep-conventional-drops-mycophenolate",
        "FEP Appendix 2 conventional DMARDs lose mycophenolate",
        Json(FEP, {"code": "fep-app2-conventional"}, "entries", drop="mycophenolate"),
        FEP_TESTS,
    ),
    Mutant(
        "cigna-car-t-drops-yescarta",
        "Cigna's CAR T-cell examples lose Yescarta",
        Json(CIGNA, {"code": "cigna-car-t-examples"}, "entries", drop="axicabtagene ciloleucel"),
        CIGNA_TESTS,
    ),
    # ---- tables and thresholds (a row dropped, a value off by one)
    Mutant(
        "cigna-table-1-drops-35-kg",
        "Cigna Table 1 loses its 35 kg row (31 kg then reads the 40 kg row)",
        Json(CIGNA, {"code": "cigna-table-1"}, "rows", drop=35),
        CIGNA_TESTS,
    ),
    Mutant(
        "cigna-criteria-2-cap-55",
        "Cigna Criteria 2 retail cap 56 -> 55",
        Json(CIGNA, {"clause": "Criteria 2", "channel": "retail"}, "quantity", 56, 55),
        CIGNA_TESTS,
    ),
    Mutant(
        "cigna-one-time-113",
        "Cigna Criteria 3 one-time cap 112 -> 113",
        Json(CIGNA, {"clause": "Criteria 3", "kind": "fixed"}, "quantity", 112, 113),
        CIGNA_TESTS,
    ),
    Mutant(
        "fep-age-19",
        "FEP Diagnoses 1.a '18 years of age or older' -> 19",
        Json(FEP, {"clause": "Prior-Approval Requirements, Diagnoses 1.a"}, "params.value", 18, 19),
        FEP_TESTS,
    ),
    Mutant(
        "fep-tb-in-treatment-fails",
        "FEP AND ALL 1 no longer passes 'receiving treatment' for latent TB",
        Json(
            FEP,
            {"clause": "Prior-Approval Requirements, AND ALL 1"},
            "params.values",
            ["negative", "positive_treated", "positive_in_treatment"],
            ["negative", "positive_treated"],
        ),
        FEP_TESTS,
    ),
    Mutant(
        "fep-renewal-12-months",
        "FEP renewal duration 18 -> 12 months",
        Json(FEP, {"clause": "Prior-Approval Renewal Limits, Duration"}, "months", 18, 12),
        FEP_TESTS,
    ),
    Mutant(
        "fb-ql-29",
        "Florida Blue QL 28 -> 29 syringes per 28 days (initiation)",
        Json(FB, {"clause": "Initiation 5.a", "kind": "fixed"}, "quantity", 28, 29),
        FB_TESTS,
    ),
    Mutant(
        "fb-mis-c-under-19",
        "Florida Blue MIS-C 'less than 18 years of age' -> 19",
        Json(FB, {"clause": "Table 1 MIS-C 1"}, "params.value", 18, 19),
        FB_TESTS,
    ),
    # ---- approval expiry (pa_requests.services._expiry)
    Mutant(
        "expiry-clamped-to-28th",
        "months clamp the day to the 28th (2026-03-30 + 12 months -> 2027-03-28)",
        Text(
            SERVICES,
            'return start + relativedelta(months=duration["months"])',
            'return (start + relativedelta(months=duration["months"])).replace(day=min(start.day, 28))',
        ),
        EXPIRY_TESTS,
    ),
    Mutant(
        "expiry-days-one-short",
        "a duration in days ends a day early (30 days -> 29)",
        Text(
            SERVICES,
            'return start + dt.timedelta(days=duration["days"])',
            'return start + dt.timedelta(days=duration["days"] - 1)',
        ),
        EXPIRY_TESTS,
    ),
    Mutant(
        "expiry-months-one-day-late",
        "a duration in months ends a day late",
        Text(
            SERVICES,
            'return start + relativedelta(months=duration["months"])',
            'return start + relativedelta(months=duration["months"], days=1)',
        ),
        EXPIRY_TESTS,
    ),
    Mutant(
        "expiry-from-utc-date",
        "an auto-approval's expiry starts from the UTC date, not the local one",
        Text(
            SERVICES,
            "pa.expires_on = _expiry(timezone.localdate(now), determination.duration)",
            "pa.expires_on = _expiry(now.date(), determination.duration)",
        ),
        EXPIRY_TESTS,
    ),
]


def copy_tree(target: Path) -> Path:
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "var", "node_modules", "__pycache__", "*.egg-info", ".pytest_cache"
    )
    shutil.copytree(ROOT, target, ignore=ignore)
    (target / "var").mkdir(exist_ok=True)
    return target


def run_tests(
    tree: Path, tests: tuple[str, ...], *, stop_first: bool = True, skip: tuple[str, ...] = ()
) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # SQLite, never a shared server
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    args = [
        str(PYTHON),
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-m",
        "not browser",
        "-rfE",
        "-W",
        "ignore",
        *(["-x"] if stop_first else []),
        *(f"--deselect={t}" for t in skip),
        *tests,
    ]
    done = subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def failures(output: str) -> list[str]:
    return re.findall(r"^(?:FAILED|ERROR) (.+?)(?: - .*)?$", output, re.M)  # an id may hold spaces


def first_failure(output: str) -> str:
    found = failures(output)
    return found[0] if found else "(no test named: see the output)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="mutants to run (all when none)")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    options = parser.parse_args()
    chosen = [m for m in MUTANTS if not options.names or m.name in options.names]
    if options.list:
        for m in chosen:
            print(f"{m.name:38} {m.path:52} {' '.join(m.tests)}")
        return 0

    with tempfile.TemporaryDirectory(prefix="kineret-mutation-") as tmp:
        tree = copy_tree(Path(tmp) / "tree")
        # The copy, not the editable install, must be what the tests import.
        where = subprocess.run(
            [str(PYTHON), "-c", "import kineret_pa; print(kineret_pa.__file__)"],
            cwd=tree,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not where.startswith(str(tree)):
            print(f"the copy imports kineret_pa from {where}, not from {tree}", file=sys.stderr)
            return 2
        focused = sorted({t for m in chosen for t in m.tests})
        started = time.monotonic()
        code, output = run_tests(tree, tuple(focused), stop_first=False)
        # Tests already failing without a mutant (work in progress elsewhere) cannot kill one: they are left out.
        broken = tuple(failures(output))
        if code != 0 and not broken:
            print(f"the unmutated tree does not run its tests:\n{output[-3000:]}", file=sys.stderr)
            return 2
        print(
            f"baseline: {len(focused)} test paths ({time.monotonic() - started:.0f} s)"
            + (f"; {len(broken)} failing without a mutant, left out: {', '.join(broken)}" if broken else "; all pass")
        )
        print()

        killed, rotted = [], []
        for mutant in chosen:
            original = (tree / mutant.path).read_bytes()
            started = time.monotonic()
            try:
                mutant.change.apply(tree)
                code, output = run_tests(tree, mutant.tests, skip=broken)
            except MutantRotted as rot:
                rotted.append(mutant)
                print(f"ROTTED   {mutant.name:38} {rot}")
                continue
            finally:
                (tree / mutant.path).write_bytes(original)
            seconds = time.monotonic() - started
            if code == 0:
                print(f"SURVIVED {mutant.name:38} {seconds:5.0f} s  {mutant.why}")
            else:
                killed.append(mutant)
                print(f"killed   {mutant.name:38} {seconds:5.0f} s  by {first_failure(output)}")
            sys.stdout.flush()
    measured = len(chosen) - len(rotted)
    print(
        f"\nscore: {len(killed)} of {measured} mutants killed ({100 * len(killed) / max(measured, 1):.0f} %)"
        + (f"; {len(rotted)} no longer apply: update them" if rotted else "")
    )
    return 0 if len(killed) == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main())
