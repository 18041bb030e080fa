"""The command line: output formats, exit codes (SPEC §5) and bad input that never tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from eligo.cli import cli
from tests.conftest import EXAMPLES

RA = str(EXAMPLES / "ra-eligible.json")
INCOMPLETE = str(EXAMPLES / "ra-incomplete.json")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def lines(result: Result) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_json_one_line_per_file_in_input_order() -> None:
    r = run("screen", "--as-of", "2026-06-01", "--format", "json", INCOMPLETE, RA)
    assert r.exit_code == 0
    out = lines(r)
    assert [o["patient_id"] for o in out] == ["ra-incomplete", "ra-eligible"]
    assert out[1]["status"] == "eligible" and out[0]["status"] == "incomplete"
    first = out[0]
    assert set(first) == {"patient_id", "as_of", "source", "protocol", "status", "cohorts",
                          "criteria", "problems"}
    assert first["protocol"]["id"] == "cart-autoimmune"  # type: ignore[index]
    assert str(first["protocol"]["digest"]).startswith("sha256:")  # type: ignore[index]
    crit = first["criteria"][0]  # type: ignore[index]
    assert set(crit) == {"id", "kind", "cohort", "verdict", "explanation", "evidence", "missing"}


def test_unreadable_files_do_not_stop_the_others(tmp_path: Path) -> None:
    not_json = tmp_path / "broken.json"
    not_json.write_text("{ this is not json", "utf-8")
    not_bundle = tmp_path / "patient.json"
    not_bundle.write_text('{"resourceType": "Patient", "id": "p"}', "utf-8")
    two = tmp_path / "two.json"
    two.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "a"}},
        {"resource": {"resourceType": "Patient", "id": "b"}}]}), "utf-8")
    missing = tmp_path / "nowhere.json"
    r = run("screen", "--as-of", "2026-06-01", "--format", "json", str(not_json), RA,
            str(missing), str(not_bundle), str(two))
    assert r.exit_code == 1
    out = lines(r)
    assert len(out) == 5
    assert out[1]["patient_id"] == "ra-eligible"
    errors = [o for o in out if "error" in o]
    assert [e["source"] for e in errors] == [str(not_json), str(missing), str(not_bundle),
                                             str(two)]
    assert "not valid JSON" in str(errors[0]["error"])
    assert "no such file" in str(errors[1]["error"])
    assert "not a FHIR Bundle (resourceType: Patient)" in str(errors[2]["error"])
    assert "2 Patient resources" in str(errors[3]["error"])


def test_table_format_reports_errors_on_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("[]", "utf-8")
    r = run("screen", "--as-of", "2026-06-01", str(bad), INCOMPLETE)
    assert r.exit_code == 1
    assert f"{bad}: not a FHIR Bundle" in r.stderr
    assert "Traceback" not in r.output
    assert "ra.inc.inflammation" in r.stdout and "To finish screening" in r.stdout
    assert "CRP within 28 days before 2026-06-01" in r.stdout


@pytest.mark.parametrize("value", ["2026/06/01", "01-06-2026", "tomorrow", "2026-02-30"])
def test_bad_as_of_is_a_usage_error(value: str) -> None:
    r = run("screen", "--as-of", value, RA)
    assert r.exit_code == 2
    assert "expected a date as YYYY-MM-DD" in r.output and value in r.output


def test_usage_errors_exit_2() -> None:
    assert run("screen").exit_code == 2  # no file
    assert run("screen", "--format", "pdf", RA).exit_code == 2
    r = run("screen", "--protocol", "no-such-protocol", RA)
    assert r.exit_code == 2 and "no bundled protocol 'no-such-protocol'" in r.stderr


def test_reference_ranges_file(tmp_path: Path) -> None:
    ranges = tmp_path / "ranges.csv"
    ranges.write_text("code,high,unit\n1742-6,40,U/L\n", "utf-8")
    r = run("screen", "--as-of", "2026-06-01", "--reference-ranges", str(ranges),
            "--format", "json", RA)
    assert r.exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("code,high,unit\nalt,forty,U/L\n", "utf-8")
    r = run("screen", "--reference-ranges", str(bad), RA)
    assert r.exit_code == 2 and f"{bad}:2: high must be a number" in r.stderr


def test_html_is_one_self_contained_document() -> None:
    r = run("screen", "--as-of", "2026-06-01", "--format", "html", INCOMPLETE, RA)
    assert r.exit_code == 0
    html = r.stdout
    assert html.count("<html") == 1 and html.rstrip().endswith("</html>")
    assert "Patient ra-incomplete" in html and "Patient ra-eligible" in html
    assert "To finish screening" in html
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "&lt;" not in html.split("<body>")[0]  # the head is not double-escaped


def test_protocol_check_and_show() -> None:
    r = run("protocol", "check", "cart-autoimmune")
    assert r.exit_code == 0 and "54 criteria" in r.stdout and "0 error(s)" in r.stdout
    r = run("protocol", "show")
    assert r.exit_code == 0
    assert "inc.crcl" in r.stdout and "Cockcroft/Fault" in r.stdout
    assert "creatinine clearance ≥ 60 mL/min" in r.stdout


def test_protocol_check_reports_errors_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("id: x\nversion: 1\ncriteria: 3\n", "utf-8")
    r = run("protocol", "check", str(bad))
    assert r.exit_code == 2 and f"{bad}" in r.stdout and "error" in r.stdout


def test_demo_prints_the_summary() -> None:
    r = run("demo", "--examples", str(EXAMPLES))
    assert r.exit_code == 0
    assert "Screening summary" in r.stdout
    for f in EXAMPLES.glob("*.json"):
        assert f.stem in r.stdout


def test_console_script_end_to_end(tmp_path: Path) -> None:
    """The installed entry point, as a user runs it (a real process)."""
    exe = Path(sys.executable).parent / "eligo"
    env = {**os.environ, "ELIGO_CACHE_DIR": str(tmp_path)}
    proc = subprocess.run([str(exe), "screen", "--as-of", "2026-06-01", "--format", "json", RA,
                           str(tmp_path / "missing.json")], capture_output=True, text=True,
                          env=env, check=False)
    assert proc.returncode == 1
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert out[0]["status"] == "eligible" and "error" in out[1]
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.glob("protocol-*.pickle")), "the compiled protocol was cached"
