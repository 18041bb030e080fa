"""History read only where it can matter (``eligo_guard``, ``Horizons.everyone``).

The IIM classification reads the latest ALT/AST/CK/LDH *ever*, the RA classification the
latest CRP/ESR ever; elsewhere those labs are read inside the 28-day screening window. The
compiled plan reads their older rows only for the persons whose diagnosis (and missing
attestation) lets the classification matter. These persons are built so that an old ALT row
decides the IIM classification: the SQL must read it for them, may skip it for the others,
and must agree with the interpreter on every criterion either way."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tests.builders import ASSESSMENT, Bundle
from tests.compile.test_differential import run_backend
from tests.conftest import AS_OF

from eligo import Protocol
from eligo.compile.compiler import SqlCompiler
from eligo.compile.dialect import DIALECTS
from eligo.compile.engine import DuckDBEngine
from eligo.data.fhir_r4 import read_bundle_bytes
from eligo.interpret.screen import screen_record
from eligo.omop.load import load_records

OLD = "2024-01-10"  # long before the screening window
ITEMS = ["iim-weakness-upper", "iim-weakness-lower", "iim-neck-flexors-weaker",
         "iim-legs-proximal-weaker", "iim-heliotrope-rash", "iim-gottron-papules",
         "iim-gottron-sign", "iim-dysphagia", "muscle-biopsy", "iim-finger-flexor-weakness",
         "iim-treatment-unresponsive"]


def person(pid: str, *, iim: bool, old_alt: float | None) -> Bundle:
    """Onset ≥ 40 (2.1) + heliotrope rash (3.1) = 5.2: 47 % — below 55 % unless the
    enzymes count as elevated (+1.3 → 6.5: 76 %), which only the old ALT can make them."""
    b = Bundle(pid=pid, birth="1970-03-15")
    if iim:
        b.condition("M33.90", "2022-01-01")
    b.assess("iim-onset-age", 45, OLD, unit="a")
    for code in ITEMS:
        o: dict[str, Any] = {"resourceType": "Observation", "status": "final",
                             "code": {"coding": [{"system": ASSESSMENT, "code": code}]},
                             "effectiveDateTime": OLD,
                             "valueBoolean": code == "iim-heliotrope-rash"}
        b.add(o)
    b.qual("33571-1", "negative", OLD)  # anti-Jo-1
    b.lab("2157-6", 100, "U/L", OLD, high=200)  # CK normal
    if old_alt is not None:  # the latest ALT ever; none in the window
        b.lab("1742-6", old_alt, "U/L", OLD, high=40)
    return b


PEOPLE = {
    "iim-old-alt-high": person("a", iim=True, old_alt=120),
    "iim-old-alt-normal": person("b", iim=True, old_alt=20),
    "no-iim-old-alt-high": person("c", iim=False, old_alt=120),
}


@pytest.fixture(scope="module")
def cdm(tmp_path_factory: pytest.TempPathFactory, protocol: Protocol
        ) -> tuple[Path, dict[int, str], dict[str, Any]]:
    path = tmp_path_factory.mktemp("guarded") / "cdm.duckdb"
    records = {name: read_bundle_bytes(b.bytes(), name) for name, b in PEOPLE.items()}
    con = duckdb.connect(str(path))
    report = load_records(list(records.values()), con, protocol)
    con.close()
    return path, {p.person_id: p.source for p in report.persons}, records


def test_the_plan_reads_old_enzyme_rows_only_under_a_guard(protocol: Protocol) -> None:
    compiled = SqlCompiler(protocol, AS_OF, DIALECTS["duckdb"]).compile()
    everyone = compiled.horizons.everyone
    assert {"alt", "ast", "crp", "esr"} <= set(everyone)
    assert all(everyone[a] > compiled.horizons.aggregate[a] for a in everyone)
    assert compiled.guards  # the diagnoses that let the classifications matter


def test_old_alt_decides_the_iim_classification_in_sql_too(
        backend: str, protocol: Protocol, cdm: tuple[Path, dict[int, str], dict[str, Any]]
) -> None:
    path, names, records = cdm
    verdicts = run_backend(backend, protocol, path, AS_OF)
    mismatches = []
    for person_id, name in names.items():
        for c in screen_record(records[name], protocol, AS_OF).criteria:
            v = verdicts[person_id][c.id]
            got = "unknown" if v is None else ("met" if v else "not_met")
            if got != c.verdict.value:
                mismatches.append(f"{name} {c.id}: {backend} {got}, interpreter "
                                  f"{c.verdict.value}")
    assert mismatches == []
    by_name = {name: verdicts[pid] for pid, name in names.items()}
    # the old row is what separates the first two: both paths must have read it
    assert by_name["iim-old-alt-high"]["iim.inc.classification"] is True
    assert by_name["iim-old-alt-normal"]["iim.inc.classification"] is False
    assert by_name["no-iim-old-alt-high"]["iim.inc.classification"] is False


def test_old_rows_are_skipped_for_persons_outside_the_guard(
        protocol: Protocol, cdm: tuple[Path, dict[int, str], dict[str, Any]]) -> None:
    path, names, _ = cdm
    engine = DuckDBEngine.open(protocol, path)
    try:
        engine.screen(AS_OF)
        guarded = {names[r[0]] for r in engine.con.execute(
            "SELECT person_id FROM eligo_guard").fetchall()}
        alt_days = {(names[p], d) for p, d in engine.con.execute(
            "SELECT person_id, lday FROM eligo_analyte AS a JOIN eligo_keys AS k "
            "ON k.aid = a.aid WHERE k.analyte = 'alt' GROUP BY ALL").fetchall()}
    finally:
        engine.close()
    assert guarded == {"iim-old-alt-high", "iim-old-alt-normal"}
    # the third person's only ALT is older than the window: not read at all
    assert {(name, d.isoformat()) for name, d in alt_days} == {
        ("iim-old-alt-high", OLD), ("iim-old-alt-normal", OLD)}


def test_a_negated_guard_keeps_its_meaning(
        protocol: Protocol, cdm: tuple[Path, dict[int, str], dict[str, Any]]) -> None:
    """``first(not attested(x), …)``: the second item matters where ``not attested(x)`` is
    unknown. SQL reads ``NOT (x) IS NULL`` as ``NOT ((x) IS NULL)``; the guard must not."""
    from eligo.protocol.rules import Scope, parse_rule

    text = ("condition(inflammatory-myopathy) and first(not attested(iim-classification-met), "
            "latest(alt, ever) > 1 x uln)")
    scope = Scope(protocol.analytes, protocol.valuesets, protocol.attestations,
                  protocol.windows, {c.id for c in protocol.criteria})
    variant = dataclasses.replace(protocol, criteria=tuple(
        dataclasses.replace(c, rule=parse_rule(text, scope), rule_text=text)
        if c.id == "iim.inc.classification" else c for c in protocol.criteria))
    path, names, records = cdm
    verdicts = run_backend("duckdb", variant, path, AS_OF)
    by_name = {name: verdicts[pid]["iim.inc.classification"] for pid, name in names.items()}
    expected = {name: screen_record(records[name], variant, AS_OF).criterion(
        "iim.inc.classification").verdict.value for name in names.values()}
    assert expected["iim-old-alt-high"] == "met"  # only the old ALT row makes it so
    assert {n: "unknown" if v is None else ("met" if v else "not_met")
            for n, v in by_name.items()} == expected
