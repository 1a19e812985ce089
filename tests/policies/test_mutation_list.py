"""bench/mutation.py's fixed list of mutants still applies to the source, so the list cannot silently rot.

Each mutant is applied to a copy of its one file (never the real file); a mutant whose text or JSON object
is gone raises MutantRotted, naming what to update. Running the mutants is bench/mutation.py's job.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _mutation_module():
    spec = importlib.util.spec_from_file_location("bench_mutation", ROOT / "bench" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


MUTATION = _mutation_module()


def test_the_list_has_at_least_16_mutants_with_distinct_names():
    names = [mutant.name for mutant in MUTATION.MUTANTS]
    assert len(names) >= 16
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("mutant", MUTATION.MUTANTS, ids=lambda mutant: mutant.name)
def test_mutant_still_applies_to_the_current_source_and_changes_it(mutant, tmp_path):
    copy = tmp_path / mutant.path
    copy.parent.mkdir(parents=True)
    shutil.copyfile(ROOT / mutant.path, copy)
    before = copy.read_bytes()
    mutant.change.apply(tmp_path)
    assert copy.read_bytes() != before
    assert (ROOT / mutant.path).read_bytes() == before  # the real file is untouched
    for test_path in mutant.tests:
        assert (ROOT / test_path).exists(), test_path
