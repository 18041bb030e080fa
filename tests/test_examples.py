"""The example patients: expected statuses (examples/README.md, worked out by hand from SPEC)
and golden JSON results (tests/golden/, reviewed; regenerate with ELIGO_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from eligo import Protocol, screen
from tests.conftest import AS_OF, EXAMPLES

GOLDEN = Path(__file__).parent / "golden"
FILES = sorted(EXAMPLES.glob("*.json"))


def expected_rows() -> dict[str, dict[str, str]]:
    """The README table: file → {overall, pss, ssc, iim, ra}."""
    rows = {}
    for line in (EXAMPLES / "README.md").read_text("utf-8").splitlines():
        m = re.match(r"^\| `([\w-]+)\.json` \| \w+ \| (\w+) \| (.+?) \| (.+?) \| (.+?) \| (.+?) \|",
                     line)
        if m:
            statuses = [s.strip("* ") for s in m.groups()[2:6]]
            rows[m.group(1)] = dict(zip(["overall", "pss", "ssc", "iim", "ra"],
                                        [m.group(2), *statuses], strict=True))
    return rows


def test_there_are_enough_examples() -> None:
    rows = expected_rows()
    assert len(FILES) >= 16
    assert {f.stem for f in FILES} == set(rows)
    for cohort in ("pss", "ssc", "iim", "ra"):
        for status in ("eligible", "ineligible", "incomplete"):
            assert any(r[cohort] == status and r["overall"] == status for r in rows.values()), (
                cohort, status)


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_statuses_match_the_hand_worked_expectation(path: Path, protocol: Protocol) -> None:
    expected = expected_rows()[path.stem]
    result = screen(path, protocol, as_of=AS_OF)
    got = {"overall": result.status, **{c.id: c.status for c in result.cohorts}}
    assert got == expected


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_golden_json(path: Path, protocol: Protocol) -> None:
    result = screen(path, protocol, as_of=AS_OF).to_json()
    result["source"] = path.name
    result["protocol"]["digest"] = "<digest>"  # changes with any protocol edit
    golden = GOLDEN / f"{path.stem}.json"
    if os.environ.get("ELIGO_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", "utf-8")
    assert result == json.loads(golden.read_text("utf-8"))


def test_every_result_lists_every_criterion_and_cohort(protocol: Protocol) -> None:
    ids = [c.id for c in protocol.criteria]
    for path in FILES:
        r = screen(path, protocol, as_of=AS_OF)
        assert [c.id for c in r.criteria] == ids
        assert [c.id for c in r.cohorts] == ["pss", "ssc", "iim", "ra"]
        for c in r.criteria:
            assert (c.verdict.value == "unknown") == bool(c.missing), (path.stem, c.id)
            assert c.explanation, (path.stem, c.id)
