"""The interpreter and the compiled SQL give the same verdict, for every criterion, on every
example patient and every conformance case (tests/cases: the bundles of the per-criterion
suite, recorded with ELIGO_RECORD_CASES=1), loaded through the FHIR→OMOP loader.

One ``backend`` fixture runs the whole corpus through each engine (ibis habit)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tests.conftest import AS_OF, EXAMPLES

from eligo import Protocol
from eligo.data.fhir_r4 import read_bundle_bytes
from eligo.interpret.screen import screen_record
from eligo.omop.load import load_records

CASES = Path(__file__).resolve().parents[1] / "cases"


def corpus() -> dict[date, list[tuple[str, bytes]]]:
    """as-of date → [(name, bundle bytes)]."""
    out: dict[date, list[tuple[str, bytes]]] = defaultdict(list)
    for f in sorted(EXAMPLES.glob("*.json")):
        out[AS_OF].append((f.name, f.read_bytes()))
    for f in sorted(CASES.glob("*.json")):
        out[date.fromisoformat(f.name.split("__")[0])].append((f.name, f.read_bytes()))
    return out


@pytest.fixture(scope="module")
def omop(tmp_path_factory: pytest.TempPathFactory, protocol: Protocol
         ) -> Iterator[tuple[Path, dict[int, Any]]]:
    """Every case in one CDM; person_id → (name, as-of, record)."""
    path = tmp_path_factory.mktemp("omop") / "corpus.duckdb"
    records = {}
    ordered = []
    for as_of, items in corpus().items():
        for name, raw in items:
            record = read_bundle_bytes(raw, name)
            ordered.append(record)
            records[name] = (as_of, record)
    con = duckdb.connect(str(path))
    report = load_records(ordered, con, protocol)
    con.close()
    by_person = {p.person_id: (p.source, *records[p.source]) for p in report.persons}
    assert len(by_person) == len(records), "every case became one person"
    yield path, by_person


# (persons with analyte rows, persons) per DuckDB run: the verdict statement joins the analyte
# slices to the first only and gives the others constants (SqlCompiler._split)
LAB_SPLIT: list[tuple[int, int, bool]] = []


def run_backend(backend: str, protocol: Protocol, path: Path, as_of: date
                ) -> dict[int, dict[str, bool | None]]:
    if backend == "duckdb":
        from eligo.compile.engine import DuckDBEngine

        engine = DuckDBEngine.open(protocol, path)
        engine.screen(as_of)
        verdicts = engine.verdicts()
        row = engine.con.execute("SELECT COUNT(DISTINCT person_id) FROM eligo_analyte"
                                 ).fetchall()[0]
        statements = dict(engine.statements(engine.compile(as_of)))
        split = "NOT EXISTS(SELECT 1 FROM eligo_analyte" in statements["eligo_verdicts"]
        LAB_SPLIT.append((int(row[0]) if row else 0, len(verdicts), split))
        return verdicts
    from eligo.compile.spark import SparkEngine

    spark = SparkEngine.local(protocol)
    try:
        spark.load_duckdb(path)
        spark.screen(as_of)
        return spark.verdicts()
    finally:
        spark.stop()


def test_backend_agrees_with_interpreter(backend: str, protocol: Protocol,
                                         omop: tuple[Path, dict[int, Any]]) -> None:
    path, people = omop
    mismatches = []
    compared = 0
    for as_of in sorted({a for _, a, _ in people.values()}):
        verdicts = run_backend(backend, protocol, path, as_of)
        for person_id, (name, case_as_of, record) in people.items():
            if case_as_of != as_of:
                continue
            expected = screen_record(record, protocol, as_of)
            got = verdicts[person_id]
            for c in expected.criteria:
                v = got[c.id]
                value = "unknown" if v is None else ("met" if v else "not_met")
                compared += 1
                if value != c.verdict.value:
                    mismatches.append(f"{name} {c.id}: {backend} {value}, interpreter "
                                      f"{c.verdict.value}")
    assert compared > 40_000
    if backend == "duckdb":  # the split was taken, and both its sides were compared
        assert any(split and 0 < labs < persons for labs, persons, split in LAB_SPLIT), \
            LAB_SPLIT
    assert mismatches == [], json.dumps(mismatches[:40], indent=1)
