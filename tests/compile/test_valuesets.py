"""Value sets resolved in SQL (``eligo_vs``) hold exactly the concepts whose code the
interpreter's matcher accepts — exact codes, prefixes, ICD category ranges (C7A lies between
C00 and C96), exclusions, ICD codes with or without the dot and in any case — plus, as OMOP
adds, the descendants of SNOMED/ATC/RxNorm members and the concepts a member ``Maps to``.

The concept table is built from the protocol's own value sets: every entry's code, the
neighbours just inside and just outside it. Runs on every engine (``backend`` fixture)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlglot import exp

from eligo import Protocol
from eligo.omop.load import VOCABULARY_IDS
from eligo.omop.schema import CDM_TABLES, VOCABULARY_TABLES, ddl

URIS = {v: k for k, v in VOCABULARY_IDS.items()}
VOCABULARIES = {"loinc": ["LOINC"], "snomed": ["SNOMED"], "icd-10": ["ICD10", "ICD10CM"],
                "icd-10-cm": ["ICD10CM"], "atc": ["ATC"], "rxnorm": ["RxNorm"]}


def neighbours(code: str) -> set[str]:
    """The entry's code and codes just inside and outside it."""
    star = code.endswith("*")
    body = code[:-1] if star else code
    out = {body, body + "1", body[:-1], body + "9Z"}
    if "-" in body:
        lo, hi = body.split("-", 1)
        out |= {lo, hi, lo[:1] + "7A", lo[:1] + "7A.1", hi[:-1] + chr(ord(hi[-1]) + 1),
                lo[:-1] + chr(ord(lo[-1]) - 1) if lo[-1] > "0" else lo + "X"}
    if "." in body:
        out |= {body.replace(".", ""), body.lower()}
    return {c for c in out if c and "-" not in c}


@pytest.fixture(scope="module")
def vocabulary(tmp_path_factory: pytest.TempPathFactory, protocol: Protocol
               ) -> tuple[Path, dict[int, tuple[str, str]], dict[tuple[str, int], bool]]:
    """A CDM with only a vocabulary: concept id → (vocabulary, code), and the membership
    (value set, concept id) → True that the interpreter's matcher (and OMOP's hierarchy
    and mappings) say."""
    concepts: dict[tuple[str, str], int] = {}
    for vs in protocol.valuesets.values():
        for e in (*vs.include, *vs.exclude):
            for vocabulary in VOCABULARIES.get(e.system, []):
                for code in sorted(neighbours(e.code)):
                    concepts.setdefault((vocabulary, code), len(concepts) + 1)
    expected = {}
    by_id = {cid: key for key, cid in concepts.items()}
    for (vocabulary, code), cid in concepts.items():
        for vs in protocol.valuesets.values():
            if vs.match_coding(URIS[vocabulary], code) is not None:
                expected[(vs.id, cid)] = True
    # OMOP's additions: a SNOMED child of a SNOMED member, and a concept an ICD member maps to
    snomed_member = next(cid for (v, _), cid in concepts.items() if v == "SNOMED" and any(
        (vs, cid) in expected for vs in protocol.valuesets))
    icd_member = next(cid for (v, _), cid in concepts.items() if v == "ICD10CM" and any(
        (vs, cid) in expected for vs in protocol.valuesets))
    child, mapped = len(concepts) + 1, len(concepts) + 2
    by_id[child], by_id[mapped] = ("SNOMED", "999000001"), ("SNOMED", "999000002")
    for vs in protocol.valuesets:
        if (vs, snomed_member) in expected:
            expected[(vs, child)] = True
        if (vs, icd_member) in expected:
            expected[(vs, mapped)] = True
    path = tmp_path_factory.mktemp("vocab") / "vocab.duckdb"
    con = duckdb.connect(str(path))
    for table in (*VOCABULARY_TABLES, *CDM_TABLES):
        con.execute(ddl(table))
    con.executemany("INSERT INTO concept (concept_id, vocabulary_id, concept_code) "
                    "VALUES (?, ?, ?)", [(cid, v, c) for cid, (v, c) in by_id.items()])
    con.execute("INSERT INTO concept_ancestor VALUES (?, ?, 1, 1)", [snomed_member, child])
    con.execute("INSERT INTO concept_relationship (concept_id_1, concept_id_2, "
                "relationship_id) VALUES (?, ?, 'Maps to')", [icd_member, mapped])
    con.close()
    return path, by_id, expected


def resolved(backend: str, protocol: Protocol, path: Path) -> list[tuple[Any, ...]]:
    as_of = date(2026, 6, 1)
    if backend == "duckdb":
        from eligo.compile.engine import DuckDBEngine

        engine = DuckDBEngine.open(protocol, path)
        try:
            engine.stage(as_of, engine.compile(as_of))
            return engine.con.execute("SELECT valueset, concept_id FROM eligo_vs").fetchall()
        finally:
            engine.close()
    from eligo.compile.spark import SparkEngine

    spark = SparkEngine.local(protocol)
    try:
        spark.load_duckdb(path)
        spark.stage(as_of, spark.compile(as_of))
        return spark.fetch(exp.select("valueset", "concept_id").from_("eligo_vs"))
    finally:
        spark.stop()


def test_value_sets_resolve_as_the_interpreter_matches(
        backend: str, protocol: Protocol,
        vocabulary: tuple[Path, dict[int, tuple[str, str]], dict[tuple[str, int], bool]]
) -> None:
    path, by_id, expected = vocabulary
    got = {(vs, int(cid)) for vs, cid in resolved(backend, protocol, path)}
    want = set(expected)
    assert len(want) > 200  # the corpus exercises the value sets
    assert {by_id[cid][1] for vs, cid in want if vs == "malignancy"} >= {"C7A", "C00", "C96"}
    missing = sorted((vs, by_id[cid]) for vs, cid in want - got)
    extra = sorted((vs, by_id[cid]) for vs, cid in got - want)
    assert (missing, extra) == ([], [])
