"""Measurement and observation number their rows separately: one analyte can have a row in
each with the same day, time and id. The OMOP reader puts the measurement first, so the
interpreter takes it as the latest (and the observation as the earliest); the compiled SQL
must break the tie the same way on both engines instead of taking either."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from tests.builders import Bundle
from tests.compile.test_differential import run_backend
from tests.conftest import AS_OF

from eligo import Protocol
from eligo.data.fhir_r4 import read_bundle_bytes
from eligo.interpret.screen import screen_record
from eligo.omop.load import load_records
from eligo.omop.read import OmopReader

DAY = "2026-05-30"
# (ESSDAI in measurement, the same row's twin in observation): ≥ 5 meets pss.inc.essdai
PEOPLE = {"measurement-4": (4.0, 6.0), "measurement-6": (6.0, 4.0)}


@pytest.fixture(scope="module")
def cdm(tmp_path_factory: pytest.TempPathFactory, protocol: Protocol
        ) -> tuple[Path, dict[int, str]]:
    path = tmp_path_factory.mktemp("ties") / "cdm.duckdb"
    con = duckdb.connect(str(path))
    report = load_records([read_bundle_bytes(Bundle(pid=name).assess("essdai", m, DAY).bytes(),
                                             name) for name, (m, _) in PEOPLE.items()],
                          con, protocol)
    names = {p.person_id: p.source for p in report.persons}
    for mid, pid, concept, day in con.execute(
            "SELECT measurement_id, person_id, measurement_concept_id, measurement_date "
            "FROM measurement").fetchall():
        con.execute("INSERT INTO observation (observation_id, person_id, observation_concept_id,"
                    " observation_date, observation_type_concept_id, value_as_number) "
                    "VALUES (?, ?, ?, ?, 0, ?)",
                    [mid, pid, concept, day, PEOPLE[names[pid]][1]])
    con.close()
    return path, names


def test_a_tie_across_tables_goes_to_the_measurement(
        backend: str, protocol: Protocol, cdm: tuple[Path, dict[int, str]]) -> None:
    path, names = cdm
    reader = OmopReader.open(path)
    try:
        records = reader.records()
    finally:
        reader.close()
    expected = {names[pid]: screen_record(rec, protocol, AS_OF).criterion("pss.inc.essdai")
                .verdict.value for pid, rec in records.items()}
    assert expected == {"measurement-4": "not_met", "measurement-6": "met"}
    verdicts = run_backend(backend, protocol, path, AS_OF)
    got = {names[pid]: "unknown" if v["pss.inc.essdai"] is None
           else ("met" if v["pss.inc.essdai"] else "not_met") for pid, v in verdicts.items()}
    assert got == expected
