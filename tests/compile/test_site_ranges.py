"""Site reference ranges (``--reference-ranges``) in population screening: a row without its own
``range_high`` takes the site's ULN for its code, else for its analyte — the same verdict as
the interpreter given the same ranges (SPEC §2.5), on every criterion, on each backend."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from tests.builders import AS_OF, Bundle

from eligo import Protocol
from eligo.compile.engine import DuckDBEngine
from eligo.data.fhir_r4 import read_bundle_bytes
from eligo.interpret.context import SiteRange
from eligo.interpret.screen import screen_record
from eligo.omop.load import load_records

D = "2026-05-20"
EXEMPT = "liver-abnormality-disease-related"
SITE = {
    "6301-6": SiteRange(1.1, "1", "site.csv"),         # INR, by LOINC code
    "5902-2": SiteRange(0.2, "min", "site.csv"),       # PT, by code, in minutes (12 s)
    "alt": SiteRange(40, "U/L", "site.csv"),           # ALT, by analyte name
    "1920-8": SiteRange(40, "[IU]/L", "site.csv"),     # AST, by code, another spelling
}


def patients() -> list[tuple[str, Bundle]]:
    def base() -> Bundle:
        return Bundle().attest(EXEMPT, False)
    return [
        ("at-thresholds", base().lab("6301-6", 1.64, "{INR}", D).lab("5902-2", 17.9, "s", D)
         .lab("1742-6", 120, "U/L", D).lab("1920-8", 120, "U/L", D)),
        ("just-over", base().lab("6301-6", 1.65, "{INR}", D).lab("5902-2", 18.1, "s", D)
         .lab("1742-6", 120.1, "U/L", D).lab("1920-8", 121, "U/L", D)),
        # the observation's own range comes first: ALT 150 with its own ULN 40 is over
        # 3 × ULN, AST 150 with its own ULN 100 is within (the site's 40 would say over)
        ("own-range-first", base().lab("1742-6", 150, "U/L", D, high=40)
         .lab("1920-8", 150, "U/L", D, high=100)),
        # another ALT code: the site range by analyte name still applies; AST by another code
        # has no site range (the site file names 1920-8 only)
        ("other-codes", base().lab("1743-4", 121, "U/L", D).lab("30239-8", 100, "U/L", D)),
    ]


def _screen(backend: str, protocol: Protocol, path: Path, as_of: date
            ) -> dict[int, dict[str, bool | None]]:
    if backend == "duckdb":
        engine = DuckDBEngine.open(protocol, path)
        engine.screen(as_of, SITE)
        return engine.verdicts()
    from eligo.compile.spark import SparkEngine

    spark = SparkEngine.local(protocol)
    try:
        spark.load_duckdb(path)
        spark.screen(as_of, SITE)
        return spark.verdicts()
    finally:
        spark.stop()


def test_site_ranges_agree_with_interpreter(backend: str, protocol: Protocol,
                                            tmp_path: Path) -> None:
    records = [read_bundle_bytes(b.bytes(), name) for name, b in patients()]
    con = duckdb.connect(str(tmp_path / "site.duckdb"))
    report = load_records(records, con, protocol)
    con.close()
    verdicts = _screen(backend, protocol, tmp_path / "site.duckdb", AS_OF)
    by_name = {r.source: r for r in records}
    decided = {}
    mismatches = []
    for person in report.persons:
        expected = screen_record(by_name[person.source], protocol, AS_OF, SITE)
        for c in expected.criteria:
            v = verdicts[person.person_id][c.id]
            got = "unknown" if v is None else ("met" if v else "not_met")
            if got != c.verdict.value:
                mismatches.append(f"{person.source} {c.id}: {backend} {got}, interpreter "
                                  f"{c.verdict.value} ({c.explanation})")
            decided[(person.source, c.id)] = got
    assert mismatches == []
    # the site ranges decided what would otherwise be unknown (ULN missing)
    assert decided[("at-thresholds", "inc.inr")] == "met"
    assert decided[("just-over", "inc.inr")] == "not_met"
    assert decided[("at-thresholds", "inc.pt")] == "met"
    assert decided[("just-over", "inc.pt")] == "not_met"
    assert decided[("at-thresholds", "inc.alt")] == "met"
    assert decided[("just-over", "inc.alt")] == "not_met"
    assert decided[("at-thresholds", "inc.ast")] == "met"
    assert decided[("just-over", "inc.ast")] == "not_met"
    assert decided[("own-range-first", "inc.alt")] == "not_met"
    assert decided[("own-range-first", "inc.ast")] == "met"
    assert decided[("other-codes", "inc.alt")] == "not_met"
    assert decided[("other-codes", "inc.ast")] == "unknown"


def test_without_site_ranges_the_uln_stays_missing(protocol: Protocol, tmp_path: Path) -> None:
    records = [read_bundle_bytes(b.bytes(), name) for name, b in patients()[:1]]
    con = duckdb.connect(str(tmp_path / "plain.duckdb"))
    load_records(records, con, protocol)
    con.close()
    engine = DuckDBEngine.open(protocol, tmp_path / "plain.duckdb")
    engine.screen(AS_OF)
    got = next(iter(engine.verdicts().values()))
    assert [got[c] for c in ("inc.inr", "inc.pt", "inc.alt", "inc.ast")] == [None] * 4


@pytest.mark.parametrize("bad", ["code,high,unit\n6301-6,1.1,furlongs\n", "code,high\n"])
def test_population_cli_names_a_bad_reference_range_file(bad: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from eligo.population.cli import population

    ranges = tmp_path / "ranges.csv"
    ranges.write_text(bad)
    result = CliRunner().invoke(population, ["--omop", str(tmp_path / "none.duckdb"),
                                             "--out", str(tmp_path / "out"),
                                             "--reference-ranges", str(ranges)])
    assert result.exit_code == 2
    assert "ranges.csv" in result.output
    assert "Traceback" not in result.output
