"""The plan cache (eligo.compile.plan_cache): a cached plan is the plan compiled afresh, a
change of input is a new key, and a bad or unwritable cache never stops a screening."""

from __future__ import annotations

import dataclasses
import os
import pickle
from datetime import date
from pathlib import Path

import duckdb
import pytest
from tests.compile.test_guarded_history import PEOPLE
from tests.conftest import AS_OF

from eligo import Protocol
from eligo.compile.compiler import CompiledProtocol, SqlCompiler
from eligo.compile.dialect import DIALECTS
from eligo.compile.engine import DuckDBEngine
from eligo.compile.plan_cache import plan_key
from eligo.data.fhir_r4 import read_bundle_bytes
from eligo.omop.load import load_records
from eligo.protocol.cache import KEEP, cached


@pytest.fixture(scope="module")
def cdm(tmp_path_factory: pytest.TempPathFactory, protocol: Protocol) -> Path:
    path = tmp_path_factory.mktemp("plan-cache") / "cdm.duckdb"
    con = duckdb.connect(str(path))
    load_records([read_bundle_bytes(b.bytes(), n) for n, b in PEOPLE.items()], con, protocol)
    con.close()
    return path


Verdicts = dict[int, dict[str, bool | None]]


def _run(protocol: Protocol, cdm: Path) -> tuple[list[tuple[str, str]], Verdicts]:
    engine = DuckDBEngine.open(protocol, cdm)
    try:
        compiled = engine.compile(AS_OF)
        engine.stage(AS_OF, compiled)
        statements = engine.statements(compiled)
        for table, query in statements:
            engine._table(table, query)
        return statements, engine.verdicts()
    finally:
        engine.close()


def test_a_cached_plan_is_the_plan_compiled_afresh(
        protocol: Protocol, cdm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELIGO_CACHE_DIR", str(tmp_path))
    first, verdicts = _run(protocol, cdm)
    assert {p.name.split("-")[0] for p in tmp_path.iterdir()} == {"plan", "statements"}
    with monkeypatch.context() as m:  # from the cache: nothing is compiled or rendered
        def unexpected(*_: object, **__: object) -> None:
            raise AssertionError("compiled again despite the cache")

        m.setattr(SqlCompiler, "compile", unexpected)
        m.setattr(CompiledProtocol, "statements", unexpected)
        second, again = _run(protocol, cdm)
    fresh = SqlCompiler(protocol, AS_OF, DIALECTS["duckdb"]).compile()
    engine = DuckDBEngine.open(protocol, cdm)
    try:
        engine.stage(AS_OF, fresh)
        rendered = [(t, q.sql("duckdb"))
                    for t, q in fresh.statements("eligo_person", engine.present())]
    finally:
        engine.close()
    assert second == first == rendered
    assert again == verdicts


def test_every_input_is_in_the_key(protocol: Protocol) -> None:
    base = plan_key(protocol, AS_OF, "duckdb")
    assert plan_key(protocol, AS_OF, "duckdb") == base
    assert plan_key(protocol, date(2026, 6, 2), "duckdb") != base
    assert plan_key(protocol, AS_OF, "spark") != base
    other = dataclasses.replace(protocol, version=f"{protocol.version}-edited")
    assert plan_key(other, AS_OF, "duckdb") != base


def test_a_protocol_parsed_now_has_the_key_of_the_one_read_from_the_cache() -> None:
    """The first run parses the protocol, the next reads it from the protocol cache: the
    same protocol, and the same plan."""
    from eligo.protocol.loader import load_protocol, resolve_protocol_path

    fresh = load_protocol(resolve_protocol_path("cart-autoimmune"))
    read_back = pickle.loads(pickle.dumps(fresh, protocol=pickle.HIGHEST_PROTOCOL))
    assert plan_key(fresh, AS_OF, "duckdb") == plan_key(read_back, AS_OF, "duckdb")


def test_the_key_does_not_depend_on_what_was_matched_before(protocol: Protocol) -> None:
    """Value sets memoise their matches; the memo is not part of the protocol."""
    before = plan_key(protocol, AS_OF, "duckdb")
    for vs in protocol.valuesets.values():
        vs.match_coding("http://loinc.org", "1742-6")
        vs.match_coding("http://hl7.org/fhir/sid/icd-10-cm", "M33.90")
    assert plan_key(protocol, AS_OF, "duckdb") == before


def test_a_corrupt_entry_is_rebuilt(protocol: Protocol, cdm: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELIGO_CACHE_DIR", str(tmp_path))
    first, verdicts = _run(protocol, cdm)
    for entry in tmp_path.iterdir():
        entry.write_bytes(b"not a pickle")
    second, again = _run(protocol, cdm)
    assert second == first and again == verdicts


def test_an_unwritable_cache_only_costs_time(protocol: Protocol, cdm: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("ELIGO_CACHE_DIR", str(blocked / "cache"))
    statements, verdicts = _run(protocol, cdm)
    assert statements and len(verdicts) == len(PEOPLE)


def test_only_the_most_recently_used_entries_are_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan is keyed by its as-of date: screening every day must not grow the cache."""
    monkeypatch.setenv("ELIGO_CACHE_DIR", str(tmp_path))
    for k in range(KEEP):
        assert cached("plan", f"day{k}", lambda k=k: k) == k
        os.utime(tmp_path / f"plan-day{k}.pickle", ns=(k * 10**9, k * 10**9))  # day k
    assert cached("plan", "day0", lambda: -1) == 0  # read back, and now the most recent
    assert cached("plan", "another", lambda: 99) == 99  # one more than KEEP: prune
    kept = {p.name for p in tmp_path.iterdir()}
    assert len(kept) == KEEP
    assert {"plan-day0.pickle", "plan-another.pickle"} <= kept
    assert "plan-day1.pickle" not in kept  # the least recently used
