"""``eligo synth``: a valid, deterministic synthetic OMOP CDM (small N so the suite stays fast)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from eligo import Protocol
from eligo.cli import cli
from eligo.data.terminology import ICD10, ICD10CM, LOINC, SNOMED
from eligo.omop.schema import CDM_TABLES, VOCABULARY_TABLES
from eligo.omop.synth import designed_eligible, synthesize
from eligo.population.run import PopulationResult, screen_population

N = 1000
AS_OF = date(2026, 6, 1)
_URI = {"ICD10": ICD10, "ICD10CM": ICD10CM, "SNOMED": SNOMED, "LOINC": LOINC,
        "ATC": "http://www.whocc.no/atc", "RxNorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
        "eligo Assessment": "urn:eligo:assessment", "eligo Medication": "urn:eligo:medication"}
_IDS = {"person": "person_id", "observation_period": "observation_period_id",
        "measurement": "measurement_id", "observation": "observation_id",
        "condition_occurrence": "condition_occurrence_id", "drug_exposure": "drug_exposure_id",
        "concept": "concept_id"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("synth") / "a.duckdb"
    synthesize(str(path), N, 1, AS_OF)
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _checksums(path: Path) -> dict[str, tuple[int, int]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for table in (*VOCABULARY_TABLES, *CDM_TABLES):
            row = con.execute(f"SELECT count(*), coalesce(sum(hash(t)), 0)::HUGEINT "
                              f"FROM {table} t").fetchone()
            assert row is not None
            out[table] = (int(row[0]), int(row[1]))
        return out
    finally:
        con.close()


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0] or 0)


def test_deterministic_for_a_seed_and_different_for_another(tmp_path: Path) -> None:
    counts = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        counts[name] = synthesize(str(tmp_path / f"{name}.duckdb"), 300, seed, AS_OF)
    a, b, c = (_checksums(tmp_path / f"{n}.duckdb") for n in "abc")
    assert a == b
    assert counts["a"] == counts["b"] == {t: n for t, (n, _) in a.items()}
    for table in ("person", "measurement", "drug_exposure", "condition_occurrence"):
        assert a[table] != c[table], table
    assert a["concept"] == c["concept"]  # the vocabulary does not depend on the seed


def test_every_table_written_with_unique_ids(db: duckdb.DuckDBPyConnection) -> None:
    tables = {r[0] for r in db.execute("SELECT table_name FROM information_schema.tables")
              .fetchall()}
    assert set(CDM_TABLES) | set(VOCABULARY_TABLES) <= tables
    assert not {t for t in tables if t.startswith("synth_")}
    for table, col in _IDS.items():
        total = _one(db, f"SELECT count(*) FROM {table}")
        assert total == _one(db, f"SELECT count(DISTINCT {col}) FROM {table}"), table
        assert _one(db, f"SELECT count(*) FROM {table} WHERE {col} IS NULL") == 0


def test_row_counts_per_person(db: duckdb.DuckDBPyConnection) -> None:
    assert _one(db, "SELECT count(*) FROM person") == N
    assert _one(db, "SELECT count(*) FROM observation_period") == N
    for table, lo, hi in (("measurement", 35, 55), ("condition_occurrence", 6, 12),
                          ("drug_exposure", 8, 14), ("observation", 8, 14)):
        per = _one(db, f"SELECT count(*) FROM {table}") / N
        assert lo <= per <= hi, (table, per)


def test_every_concept_id_exists(db: duckdb.DuckDBPyConnection) -> None:
    for table, columns in CDM_TABLES.items():
        for col, _ in columns:
            if col.endswith("concept_id"):
                bad = _one(db, f"SELECT count(*) FROM {table} WHERE {col} IS NOT NULL AND "
                               f"{col} NOT IN (SELECT concept_id FROM concept)")
                assert bad == 0, (table, col)
    for col in ("concept_id_1", "concept_id_2"):
        assert _one(db, f"SELECT count(*) FROM concept_relationship WHERE {col} NOT IN "
                        "(SELECT concept_id FROM concept)") == 0
    for col in ("ancestor_concept_id", "descendant_concept_id"):
        assert _one(db, f"SELECT count(*) FROM concept_ancestor WHERE {col} NOT IN "
                        "(SELECT concept_id FROM concept)") == 0


def test_vocabulary_conventions(db: duckdb.DuckDBPyConnection) -> None:
    fixed = dict(db.execute("SELECT concept_id, concept_code FROM concept WHERE concept_id IN "
                            "(8507, 8532, 4188539, 4188540, 9191, 9189, 4126681, 9190)")
                 .fetchall())
    assert fixed == {8507: "M", 8532: "F", 4188539: "373066001", 4188540: "373067005",
                     9191: "10828004", 9189: "260385009", 4126681: "260373001",
                     9190: "260415000"}
    other = db.execute("SELECT min(concept_id), max(concept_id) FROM concept WHERE concept_id "
                       "> 10000000 AND concept_id < 2000000000").fetchone()
    assert other is not None and other[0] >= 1_000_000_000 and other[1] <= 1_899_999_999
    assert _one(db, "SELECT count(*) FROM concept WHERE vocabulary_id = 'eligo Attestation' "
                    "AND concept_id = 2000001001") == 1
    # M06.9 maps to rheumatoid arthritis; prednisone 5 mg tablets descend from prednisone
    assert _one(db, """SELECT count(*) FROM concept_relationship r
        JOIN concept a ON a.concept_id = r.concept_id_1 AND a.concept_code = 'M06.9'
         AND a.vocabulary_id = 'ICD10CM'
        JOIN concept b ON b.concept_id = r.concept_id_2 AND b.concept_code = '69896004'
        WHERE r.relationship_id = 'Maps to'""") == 1
    assert _one(db, """SELECT count(*) FROM concept_ancestor x
        JOIN concept a ON a.concept_id = x.ancestor_concept_id AND a.concept_code = '8640'
        JOIN concept d ON d.concept_id = x.descendant_concept_id
         AND d.concept_class_id = 'Clinical Drug'""") == 1
    assert _one(db, """SELECT count(*) FROM concept_ancestor x
        JOIN concept a ON a.concept_id = x.ancestor_concept_id AND a.concept_code = 'H02AB'
        JOIN concept d ON d.concept_id = x.descendant_concept_id AND d.concept_code = '8640'
        """) == 1
    assert _one(db, "SELECT count(*) FROM drug_exposure d JOIN concept c ON c.concept_id = "
                    "d.drug_concept_id WHERE c.concept_class_id = 'Clinical Drug'") > 0
    units = {r[0] for r in db.execute("SELECT DISTINCT c.vocabulary_id FROM measurement m "
                                      "JOIN concept c ON c.concept_id = m.unit_concept_id "
                                      "WHERE m.unit_concept_id <> 0").fetchall()}
    assert units == {"UCUM"}


def test_every_protocol_value_set_has_a_concept(db: duckdb.DuckDBPyConnection,
                                                protocol: Protocol) -> None:
    rows = db.execute("SELECT vocabulary_id, concept_code FROM concept").fetchall()
    codings = [(_URI[v], c) for v, c in rows if v in _URI]
    for vs in protocol.valuesets.values():
        assert any(vs.match_coding(s, c) is not None for s, c in codings), vs.id


def _cohort_persons(db: duckdb.DuckDBPyConnection, protocol: Protocol, vs_id: str) -> int:
    vs = protocol.valuesets[vs_id]
    rows = db.execute("""
        SELECT DISTINCT o.person_id, s.vocabulary_id, s.concept_code, t.concept_code
        FROM condition_occurrence o
        LEFT JOIN concept s ON s.concept_id = o.condition_source_concept_id
        LEFT JOIN concept t ON t.concept_id = o.condition_concept_id""").fetchall()
    persons = set()
    for pid, vocab, code, standard in rows:
        hit = vocab in _URI and vs.match_coding(_URI[vocab], code) is not None
        if hit or (standard is not None and vs.match_coding(SNOMED, standard) is not None):
            persons.add(pid)
    return len(persons)


@pytest.mark.parametrize("vs_id", ["sjogren-syndrome", "systemic-sclerosis",
                                   "inflammatory-myopathy", "rheumatoid-arthritis"])
def test_disease_prevalence(db: duckdb.DuckDBPyConnection, protocol: Protocol,
                            vs_id: str) -> None:
    share = _cohort_persons(db, protocol, vs_id) / N
    assert 0.012 <= share <= 0.06, share


def test_units_in_mixed_forms(db: duckdb.DuckDBPyConnection) -> None:
    def units(*codes: str) -> set[str]:
        marks = ", ".join(f"'{c}'" for c in codes)
        return {r[0] for r in db.execute(
            f"SELECT DISTINCT unit_source_value FROM measurement WHERE measurement_source_value"
            f" IN ({marks}) AND unit_source_value IS NOT NULL").fetchall()}

    assert {"mg/dL", "umol/L"} <= units("2160-0", "14682-9", "38483-4")
    assert {"g/L", "g/dL", "mmol/L"} <= units("718-7", "20509-6", "59260-0")
    assert {"kg", "[lb_av]"} <= units("29463-7", "3141-9")
    assert {"10*9/L", "10*3/uL", "/uL"} <= units("6690-2", "26464-8", "804-5")
    # the reference range is in the row's unit
    row = db.execute("SELECT min(range_high), max(range_high) FROM measurement "
                     "WHERE measurement_source_value = '2160-0' AND unit_source_value = "
                     "'umol/L'").fetchone()
    assert row is not None and row[0] > 50


def test_near_eligible_and_missing_data(db: duckdb.DuckDBPyConnection) -> None:
    window = f"measurement_date BETWEEN DATE '{AS_OF}' - 27 AND DATE '{AS_OF}'"
    screened = _one(db, f"""SELECT count(DISTINCT person_id) FROM measurement
        WHERE {window} AND measurement_source_value IN ('751-8', '26499-4', '753-4')""")
    with_inr = _one(db, f"""SELECT count(DISTINCT person_id) FROM measurement
        WHERE {window} AND measurement_source_value IN ('6301-6', '34714-6', '46418-0')""")
    assert screened > 0.1 * N * 0.5 and 0 < with_inr < screened
    no_uln = _one(db, f"""SELECT count(*) FROM measurement WHERE {window}
        AND measurement_source_value IN ('1742-6', '1920-8') AND range_high IS NULL""")
    assert no_uln > 0
    # attestations (Yes/No), steroid courses with daily doses, G-CSF for a few
    assert _one(db, "SELECT count(*) FROM observation WHERE observation_concept_id BETWEEN "
                    "2000001001 AND 2000001025 AND value_as_concept_id IN (4188539, "
                    "4188540)") > 0
    assert _one(db, """SELECT count(*) FROM drug_exposure d
        JOIN concept_ancestor x ON x.descendant_concept_id = d.drug_concept_id
        JOIN concept c ON c.concept_id = x.ancestor_concept_id AND c.concept_code = 'H02AB'
        WHERE d.dose_unit_source_value = 'mg/d' AND d.quantity > 0""") > 0
    assert _one(db, "SELECT count(*) FROM drug_exposure WHERE stop_reason = 'ongoing' AND "
                    "drug_exposure_end_date IS NULL") > 0
    # missing weight: some recently screened persons have no weight in 90 days
    no_weight = _one(db, f"""SELECT count(DISTINCT person_id) FROM measurement m
        WHERE {window} AND NOT EXISTS (SELECT 1 FROM measurement w
          WHERE w.person_id = m.person_id AND w.measurement_source_value IN ('29463-7', '3141-9')
            AND w.measurement_date >= DATE '{AS_OF}' - 89)""")
    assert no_weight > 0


def test_dates_consistent(db: duckdb.DuckDBPyConnection) -> None:
    for table, col in (("measurement", "measurement_date"), ("observation", "observation_date"),
                       ("condition_occurrence", "condition_start_date"),
                       ("condition_occurrence", "condition_end_date"),
                       ("drug_exposure", "drug_exposure_start_date"),
                       ("drug_exposure", "drug_exposure_end_date")):
        assert _one(db, f"SELECT count(*) FROM {table} WHERE {col} > DATE '2026-12-31'") == 0
    assert _one(db, "SELECT count(*) FROM drug_exposure WHERE drug_exposure_end_date < "
                    "drug_exposure_start_date") == 0
    assert _one(db, "SELECT count(*) FROM condition_occurrence WHERE condition_end_date < "
                    "condition_start_date") == 0
    assert _one(db, """SELECT count(*) FROM measurement m JOIN observation_period o
        USING (person_id) WHERE m.measurement_date < o.observation_period_start_date""") == 0
    assert _one(db, """SELECT count(*) FROM person WHERE birth_datetime IS NULL""") > 0 or N < 500


#: screened population: large enough for a few persons generated eligible in every cohort
#: (about 0.24 % of the persons per cohort), small enough to generate and screen in seconds
SCREEN_N, SCREEN_SEED = 2500, 2


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory, protocol: Protocol
             ) -> tuple[Path, PopulationResult, Path]:
    base = tmp_path_factory.mktemp("screened")
    path = base / "pop.duckdb"
    synthesize(str(path), SCREEN_N, SCREEN_SEED, AS_OF)
    result = screen_population(protocol, str(path), AS_OF, base / "out")
    return path, result, base / "out"


def test_screened_population_has_eligible_persons_in_every_cohort(
        screened: tuple[Path, PopulationResult, Path], protocol: Protocol) -> None:
    _, result, out = screened
    for cohort in protocol.cohorts:
        assert result.cohorts[cohort.id].get("eligible", 0) >= 1, (cohort.id,
                                                                  result.cohorts[cohort.id])
    # every person generated complete and eligible is eligible for their cohort
    designed = designed_eligible(SCREEN_N, SCREEN_SEED)
    assert set(designed.values()) == {c.id for c in protocol.cohorts}
    con = duckdb.connect()
    try:
        ids = [c.id for c in protocol.cohorts]
        rows = con.execute(f"SELECT person_id, {', '.join(f'status_{c}' for c in ids)} "
                           f"FROM '{out / 'status.parquet'}'").fetchall()
    finally:
        con.close()
    status = {int(r[0]): dict(zip(ids, r[1:], strict=True)) for r in rows}
    wrong = {pid: (cohort, status[pid][cohort]) for pid, cohort in designed.items()
             if status[pid][cohort] != "eligible"}
    assert not wrong
    # a plausible funnel: a small share eligible, more incomplete, most ineligible
    overall = result.overall
    assert len(designed) <= overall["eligible"] < overall["incomplete"] < overall["ineligible"]
    assert overall["eligible"] < 0.03 * SCREEN_N
    # and persons one criterion away from eligible, for the unlock and leave-one-out tables
    assert any(row["only_open_criterion"] > 0 for row in result.unlock)
    assert any(row["more_eligible_if_dropped"] > 0 for row in result.leave_one_out)


def test_screened_population_deterministic(screened: tuple[Path, PopulationResult, Path],
                                           tmp_path: Path) -> None:
    path, _, _ = screened
    again = tmp_path / "again.duckdb"
    synthesize(str(again), SCREEN_N, SCREEN_SEED, AS_OF)
    assert _checksums(again) == _checksums(path)
    assert designed_eligible(SCREEN_N, SCREEN_SEED) == designed_eligible(SCREEN_N, SCREEN_SEED)


def test_cli(tmp_path: Path) -> None:
    out = tmp_path / "pop.duckdb"
    runner = CliRunner()
    args = ["synth", "--persons", "50", "--seed", "3", "--out", str(out), "--no-progress"]
    ok = runner.invoke(cli, args)
    assert ok.exit_code == 0, ok.output
    assert "50 persons" in ok.output
    again = runner.invoke(cli, args)
    assert again.exit_code == 2 and "--force" in again.output
    forced = runner.invoke(cli, [*args, "--force", "--as-of", "2025-01-31"])
    assert forced.exit_code == 0, forced.output
    con = duckdb.connect(str(out), read_only=True)
    try:
        assert _one(con, "SELECT count(*) FROM measurement WHERE measurement_date > "
                         "DATE '2025-01-31'") == 0
    finally:
        con.close()
    bad = runner.invoke(cli, ["synth", "--persons", "10", "--out", str(tmp_path / "x.duckdb"),
                              "--as-of", "June"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    zero = runner.invoke(cli, ["synth", "--persons", "0", "--out", str(tmp_path / "y.duckdb")])
    assert zero.exit_code == 2
