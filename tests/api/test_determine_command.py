"""`manage.py determine FILE|-`: stdout JSON, exit 0; invalid input on stderr, exit 2, nothing written."""

import io
import json
import subprocess
import sys

import pytest
from django.core.management import call_command

from tests.conftest import CIGNA, FEP_RA, build


def run(capsys, monkeypatch, payload, *, stdin=False, tmp_path=None):
    text = payload if isinstance(payload, str) else json.dumps(payload)
    if stdin:
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))
        target = "-"
    else:
        target = tmp_path / "request.json"
        target.write_text(text)
    try:
        call_command("determine", str(target))
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_file_prints_the_determination(capsys, monkeypatch, tmp_path, policy_data):
    code, out, err = run(capsys, monkeypatch, FEP_RA, tmp_path=tmp_path)
    assert code == 0 and err == ""
    assert json.loads(out)["decision"] == "approve"


def test_standard_input_is_read_with_a_dash(capsys, monkeypatch, policy_data):
    code, out, _ = run(capsys, monkeypatch, CIGNA, stdin=True)
    assert code == 0 and json.loads(out)["approved_quantity"] == 28


def test_invalid_request_names_each_bad_field_on_stderr_and_exits_2(capsys, monkeypatch, tmp_path, policy_data):
    from kineret_pa.policies.models import PolicyDataRevision

    before = list(PolicyDataRevision.objects.values_list("value", flat=True))
    data = build(FEP_RA, diagnosis="lupus", **{"patient.age_years": -1})
    code, out, err = run(capsys, monkeypatch, data, tmp_path=tmp_path)
    assert code == 2 and out == ""
    assert "diagnosis:" in err and "patient.age_years:" in err
    assert list(PolicyDataRevision.objects.values_list("value", flat=True)) == before


def test_array_gives_results_in_order_with_errors_in_place(capsys, monkeypatch, tmp_path, policy_data):
    batch = [FEP_RA, build(CIGNA, diagnosis="lupus"), CIGNA]
    code, out, err = run(capsys, monkeypatch, batch, tmp_path=tmp_path)
    results = json.loads(out)
    assert [r.get("decision") for r in results] == ["approve", None, "approve"]
    assert "diagnosis" in results[1]["errors"]
    assert code == 2 and "[1] diagnosis:" in err


def test_not_json_exits_2(capsys, monkeypatch, tmp_path, policy_data):
    code, out, err = run(capsys, monkeypatch, "{oops", tmp_path=tmp_path)
    assert code == 2 and out == "" and "not valid JSON" in err


def test_missing_file_exits_2(capsys, policy_data):
    with pytest.raises(SystemExit) as exit_:
        call_command("determine", "/nonexistent/request.json")
    assert exit_.value.code == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_cli_in_a_fresh_process_after_migrate_and_load(tmp_path):
    """migrate + load_policies is all `determine` needs (run as a separate process on the test database)."""
    import os

    from django.db import connection

    from kineret_pa.policies.loading import policies_load

    policies_load()
    settings = connection.settings_dict
    env = dict(os.environ)
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    else:
        pytest.skip("SQLite test databases live in memory; covered on PostgreSQL in CI")
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([FEP_RA] * 200))
    done = subprocess.run(
        [sys.executable, "manage.py", "determine", str(path)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 200
