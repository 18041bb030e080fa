"""The other direction of the differential tests (issue 4, point 7): a synthetic OMOP population
(``eligo synth``) screened by the compiled SQL, and each of its persons read back from OMOP
into the fact model (``eligo.omop.read``) and screened by the interpreter, at the same as-of
date. Every (person, criterion) verdict must be the same.

test_differential.py starts from FHIR bundles written by the loader; here the CDM is one the
loader did not write — clinical drugs under their ingredients, ICD codes mapped to SNOMED,
units only in ``unit_source_value``, detection limits, assessments in ``observation``,
unknown ends and doses — so the reader must give the interpreter what staging reads through
the vocabulary tables. Both sides read the same file, so the test holds whatever the
generator writes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.conftest import AS_OF

from eligo import Protocol
from eligo.compile.engine import DuckDBEngine
from eligo.data.facts import PatientRecord
from eligo.interpret.screen import screen_record
from eligo.omop.read import OmopReader
from eligo.omop.synth import synthesize

#: small enough to run in seconds; large enough that clinical drugs without an ATC source,
#: measurements with a detection limit and SNOMED-only diagnoses decide some verdicts
PERSONS = 1000
SEED = 11


@dataclass
class Population:
    path: Path
    sql: dict[int, dict[str, bool | None]]  # person_id → criterion → verdict (NULL = unknown)
    records: dict[int, PatientRecord]


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory, protocol: Protocol
               ) -> Iterator[Population]:
    path = tmp_path_factory.mktemp("synth") / "population.duckdb"
    synthesize(str(path), PERSONS, SEED, AS_OF)
    engine = DuckDBEngine.open(protocol, path)
    try:
        engine.screen(AS_OF)
        verdicts = engine.verdicts()
        # the reader reads the engine's own typed views of the CDM: the same rows
        records = OmopReader(engine.con).records()
    finally:
        engine.con.close()
    yield Population(path, verdicts, records)


def _word(v: bool | None) -> str:
    return "unknown" if v is None else ("met" if v else "not_met")


def test_every_person_read_back(population: Population) -> None:
    assert len(population.records) == PERSONS
    assert set(population.records) == set(population.sql)


def test_interpreter_on_read_back_persons_agrees_with_sql(population: Population,
                                                         protocol: Protocol) -> None:
    mismatches: list[str] = []
    seen: Counter[str] = Counter()
    for person_id, record in sorted(population.records.items()):
        result = screen_record(record, protocol, AS_OF)
        sql = population.sql[person_id]
        for c in result.criteria:
            got = _word(sql[c.id])
            seen[c.verdict.value] += 1
            if got != c.verdict.value:
                mismatches.append(
                    f"person {person_id} ({record.patient.id}) {c.id}: SQL {got}, interpreter "
                    f"{c.verdict.value} — {c.explanation}"
                    + (f" [missing: {'; '.join(c.missing)}]" if c.missing else ""))
    assert sum(seen.values()) == PERSONS * len(protocol.criteria)
    assert set(seen) == {"met", "not_met", "unknown"}, seen
    assert mismatches == [], (f"{len(mismatches)} of {sum(seen.values())} verdicts differ:\n"
                              + "\n".join(mismatches[:30]))
