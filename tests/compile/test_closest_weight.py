"""The weight closest to a glucocorticoid course (dose per kg, ``*.inc.refractory``): where
two weights tie on distance, SQL picks the interpreter's — the earlier day; on one day the
most recent, by time, then by the first in the record (docs/decisions.md "Ties"). Before,
two weights of one day gave either, run to run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from tests.builders import Bundle
from tests.compile.test_differential import run_backend
from tests.conftest import AS_OF

from eligo import Protocol
from eligo.data.fhir_r4 import read_bundle_bytes
from eligo.interpret.screen import screen_record
from eligo.omop.load import load_records

REFRACTORY = ["pss.inc.refractory", "ssc.inc.refractory", "iim.inc.refractory"]


def course(weights: list[tuple[str, float]]) -> Bundle:
    """Prednisone 60 mg/day from 2025-01-01 (1 mg/kg/day at 60 kg, 0.98 at 61 kg),
    cyclophosphamide, methotrexate for 183 days, attested ineffective; ``weights`` in record
    order as (effective date or date-time, kg)."""
    b = Bundle()
    for when, kg in weights:
        b.lab("29463-7", kg, "kg", when)
    b.med_statement("H02AB07", "2025-01-01", "2025-02-01", dose_mg=60)
    b.med_admin("L01AA01", "2025-03-01")
    b.med_statement("L04AX03", "2025-01-01", "2025-07-02")
    b.attest("conventional-treatment-ineffective", True)
    b.attest("relapse-after-remission", False)
    return b


PEOPLE = {  # name → (bundle, the weight the interpreter must use)
    "same-day-60-first": (course([("2024-12-28", 60), ("2024-12-28", 61)]), 60),
    "same-day-61-first": (course([("2024-12-28", 61), ("2024-12-28", 60)]), 61),
    "same-day-later-time-60": (course([("2024-12-28T08:00:00Z", 61),
                                       ("2024-12-28T18:00:00Z", 60)]), 60),
    "equidistant-earlier-61": (course([("2025-01-04", 60), ("2024-12-29", 61)]), 61),
}


@pytest.fixture(scope="module")
def cdm(tmp_path_factory: pytest.TempPathFactory, protocol: Protocol
        ) -> tuple[Path, dict[int, str], dict[str, Any]]:
    path = tmp_path_factory.mktemp("closest") / "cdm.duckdb"
    records = {name: read_bundle_bytes(b.bytes(), name) for name, (b, _) in PEOPLE.items()}
    con = duckdb.connect(str(path))
    report = load_records(list(records.values()), con, protocol)
    con.close()
    return path, {p.person_id: p.source for p in report.persons}, records


def test_tied_weights_are_broken_as_in_the_interpreter(
        backend: str, protocol: Protocol, cdm: tuple[Path, dict[int, str], dict[str, Any]]
) -> None:
    path, names, records = cdm
    expected = {name: {c: screen_record(records[name], protocol, AS_OF).criterion(c)
                       .verdict.value for c in REFRACTORY} for name in names.values()}
    # the chosen weight decides: 60 kg makes 1 mg/kg/day, 61 kg does not
    for name, (_, kg) in PEOPLE.items():
        assert set(expected[name].values()) == {"met" if kg == 60 else "not_met"}, name
    for _ in range(3):  # the same answer every run
        verdicts = run_backend(backend, protocol, path, AS_OF)
        got = {name: {c: "unknown" if verdicts[pid][c] is None
                      else ("met" if verdicts[pid][c] else "not_met") for c in REFRACTORY}
               for pid, name in names.items()}
        assert got == expected
