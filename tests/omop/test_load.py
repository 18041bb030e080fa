"""FHIR → OMOP loader (``eligo omop load``): every fact written by docs/omop.md, or warned."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from eligo.cli import cli
from eligo.data import facts as f
from eligo.data.fhir_r4 import read_bundle
from eligo.omop.load import (
    FIXED_CONCEPTS,
    LoadReport,
    hashed_concept_id,
    load_records,
    vocabulary_id,
)
from eligo.omop.local import local_concepts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BUNDLES = sorted(EXAMPLES.glob("*.json"))
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ATC = "http://www.whocc.no/atc"
ATTESTATION = "urn:eligo:attestation"
ASSESSMENT = "urn:eligo:assessment"
DAY = date(2026, 5, 1)


# -- helpers ------------------------------------------------------------------------------
@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    yield c
    c.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def scalar(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> Any:
    return con.execute(sql, list(params)).fetchall()[0][0]


def concept_of(con: duckdb.DuckDBPyConnection, c: f.Coding) -> int:
    if c.system.startswith("urn:eligo:"):
        cid = local_concepts().concept_id(c.system.rsplit(":", 1)[1], c.code)
        assert cid is not None
        return cid
    found = rows(con, "SELECT concept_id FROM concept WHERE vocabulary_id = ? AND "
                 "concept_code = ?", vocabulary_id(c.system), c.code)
    assert len(found) == 1, (c, found)
    return int(found[0]["concept_id"])


def writable(c: f.Coding) -> bool:
    if not c.system.startswith("urn:eligo:"):
        return True
    return local_concepts().concept_id(c.system.rsplit(":", 1)[1], c.code) is not None


def is_attestation(o: f.Observation) -> bool:
    return any(c.system == ATTESTATION for c in o.codings)


def record(*, observations: list[f.Observation] | None = None,
           conditions: list[f.Condition] | None = None,
           medications: list[f.MedicationUse] | None = None,
           allergies: list[f.Allergy] | None = None,
           research_subjects: list[f.ResearchSubject] | None = None,
           patient: f.Patient | None = None) -> f.PatientRecord:
    return f.PatientRecord(
        source="made.json", patient=patient or f.Patient("p1", date(1980, 3, 15), "female"),
        observations=observations or [], conditions=conditions or [],
        medications=medications or [], allergies=allergies or [],
        research_subjects=research_subjects or [])


def obs(ref: str, system: str, code: str, **kw: Any) -> f.Observation:
    return f.Observation(f"Observation/{ref}", (f.Coding(system, code),), DAY,
                         datetime(2026, 5, 1, 8, 30), None, **kw)


def load_one(con: duckdb.DuckDBPyConnection, rec: f.PatientRecord) -> LoadReport:
    return load_records([rec], con)


def measurement(con: duckdb.DuckDBPyConnection, source_value: str) -> dict[str, Any]:
    found = rows(con, "SELECT * FROM measurement WHERE measurement_source_value = ?",
                 source_value)
    assert len(found) == 1
    return found[0]


# -- every example bundle -----------------------------------------------------------------
@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[duckdb.DuckDBPyConnection, list[f.PatientRecord], LoadReport]]:
    db = tmp_path_factory.mktemp("omop") / "examples.duckdb"
    c = duckdb.connect(str(db))
    records = [read_bundle(p) for p in BUNDLES]
    report = load_records(records, c)
    yield c, records, report
    c.close()


def test_every_example_patient_is_a_person(examples: Any) -> None:
    con, records, report = examples
    assert len(BUNDLES) >= 17
    assert [p.person_id for p in report.persons] == list(range(1, len(records) + 1))
    for rec, loaded in zip(records, report.persons, strict=True):
        (person,) = rows(con, "SELECT * FROM person WHERE person_id = ?", loaded.person_id)
        assert person["person_source_value"] == rec.patient.id
        assert person["gender_concept_id"] == {"male": 8507, "female": 8532}[rec.patient.gender]
        b = rec.patient.birth_date
        assert (person["year_of_birth"], person["month_of_birth"], person["day_of_birth"]) == \
            (b.year, b.month, b.day)
        assert person["birth_datetime"] == datetime(b.year, b.month, b.day)


def test_counts_per_table_equal_the_fact_counts(examples: Any) -> None:
    con, records, report = examples
    skipped: set[tuple[str, str]] = set()
    for rec, loaded in zip(records, report.persons, strict=True):
        pid = loaded.person_id
        attest = [o for o in rec.observations if is_attestation(o)]
        measured = [o for o in rec.observations if not is_attestation(o)]
        written = [o for o in measured if writable(o.codings[0])]
        skipped |= {(rec.source, o.reference) for o in measured if not writable(o.codings[0])}

        def count(table: str, pid: int = pid) -> int:
            return int(scalar(con, f"SELECT count(*) FROM {table} WHERE person_id = ?", pid))

        assert count("measurement") == len(written)
        assert count("observation") == len(attest) + len(rec.allergies) + \
            len(rec.research_subjects)
        assert count("condition_occurrence") == len(rec.conditions)
        assert count("drug_exposure") == len(rec.medications)
    # the only facts not written are eligo codes missing from local-concepts.yaml, each warned
    assert {(w.file, w.reference) for w in report.warnings} == skipped
    assert all("not in the eligo local vocabulary" in w.why for w in report.warnings)
    totals = {t: int(scalar(con, f"SELECT count(*) FROM {t}"))
              for t in report.rows}
    assert totals == report.rows


def test_every_coding_is_found_by_vocabulary_and_code(examples: Any) -> None:
    con, records, report = examples
    for rec, loaded in zip(records, report.persons, strict=True):
        pid = loaded.person_id
        got = sorted(
            (r["measurement_source_value"], r["measurement_concept_id"], r["measurement_date"],
             r["measurement_datetime"] or datetime.min, r["value_as_number"] or 0.0)
            for r in rows(con, "SELECT * FROM measurement WHERE person_id = ?", pid))
        want = []
        for o in rec.observations:
            if is_attestation(o) or not writable(o.codings[0]):
                continue
            want.append((o.codings[0].code, concept_of(con, o.codings[0]), o.day,
                         o.effective or datetime.min, o.value or 0.0))
            for c in o.value_codings:
                concept_of(con, c)
        assert got == sorted(want)
        conds = rows(con, "SELECT * FROM condition_occurrence WHERE person_id = ? "
                     "ORDER BY condition_occurrence_id", pid)
        for c, row in zip(rec.conditions, conds, strict=True):
            assert row["condition_source_concept_id"] == concept_of(con, c.codings[0])
            assert row["condition_source_value"] == c.codings[0].code
            assert row["condition_start_date"] == c.onset_lo
            assert row["condition_status_source_value"] == c.clinical_status
        drugs = rows(con, "SELECT * FROM drug_exposure WHERE person_id = ? "
                     "ORDER BY drug_exposure_id", pid)
        for m, row in zip(rec.medications, drugs, strict=True):
            assert row["drug_concept_id"] == concept_of(con, m.codings[0])
            assert row["drug_exposure_start_date"] == m.start
            assert row["drug_exposure_end_date"] == m.end
            assert row["stop_reason"] == ("ongoing" if m.open_end == "ongoing" else None)


def test_units_range_high_and_results_follow_the_conventions(examples: Any) -> None:
    con, records, report = examples
    by_person = {p.person_id: rec for p, rec in zip(report.persons, records, strict=True)}
    seen_units = 0
    for row in rows(con, "SELECT m.*, c.vocabulary_id AS unit_vocabulary, "
                    "c.concept_code AS unit_code FROM measurement m "
                    "LEFT JOIN concept c ON c.concept_id = m.unit_concept_id"):
        rec = by_person[row["person_id"]]
        (o,) = {x for x in rec.observations if (x.codings[0].code, x.day, x.value) ==
                (row["measurement_source_value"], row["measurement_date"],
                 row["value_as_number"])}
        assert row["unit_source_value"] == o.unit
        if o.unit is None:
            assert row["unit_concept_id"] is None
        else:
            seen_units += 1
            assert (row["unit_vocabulary"], row["unit_code"]) == ("UCUM", o.unit)
        assert row["range_high"] == o.ref_high  # examples give ULNs in the result's unit
        codes = {c.code for c in o.value_codings}
        if "260385009" in codes:
            assert row["value_as_concept_id"] == 9189
        if "10828004" in codes:
            assert row["value_as_concept_id"] == 9191
    assert seen_units > 100
    yes_no = rows(con, "SELECT value_as_concept_id, count(*) AS n FROM observation "
                  "GROUP BY ALL ORDER BY 1")
    assert {r["value_as_concept_id"] for r in yes_no} == {4188539, 4188540}


def test_local_concepts_are_written_with_their_ids(examples: Any) -> None:
    con, _, _ = examples
    local = rows(con, "SELECT * FROM concept WHERE vocabulary_id LIKE 'eligo%'")
    assert len(local) == len(local_concepts().rows())
    assert all(r["concept_id"] >= 2_000_000_000 for r in local)
    assert all(r["concept_class_id"] == "eligo" and r["standard_concept"] == "S"
               for r in local)
    (consent,) = rows(con, "SELECT concept_id FROM concept WHERE vocabulary_id = "
                      "'eligo Attestation' AND concept_code = 'informed-consent'")
    assert consent["concept_id"] == 2000001001
    made = rows(con, "SELECT concept_id FROM concept WHERE concept_class_id = 'eligo load'")
    assert made and all(1_000_000_000 <= r["concept_id"] < 1_900_000_000 for r in made)
    for fixed in FIXED_CONCEPTS:
        (row,) = rows(con, "SELECT * FROM concept WHERE concept_id = ?", fixed.concept_id)
        assert (row["vocabulary_id"], row["concept_code"]) == (fixed.vocabulary_id,
                                                               fixed.concept_code)


def test_loading_twice_reuses_concepts_and_appends_persons(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "twice.duckdb"))
    records = [read_bundle(p) for p in BUNDLES]
    first = load_records(records, con)
    n_concepts = scalar(con, "SELECT count(*) FROM concept")
    n_meas = scalar(con, "SELECT count(*) FROM measurement")
    second = load_records(records, con)
    assert second.rows["concept"] == 0
    assert scalar(con, "SELECT count(*) FROM concept") == n_concepts
    dupes = scalar(con, "SELECT count(*) FROM (SELECT vocabulary_id, concept_code FROM "
                        "concept GROUP BY ALL HAVING count(*) > 1)")
    assert dupes == 0
    n = len(records)
    assert [p.person_id for p in second.persons] == list(range(n + 1, 2 * n + 1))
    assert scalar(con, "SELECT count(*) FROM measurement") == 2 * n_meas
    ids = con.execute("SELECT count(DISTINCT measurement_id), max(measurement_id) "
                      "FROM measurement").fetchone()
    assert ids == (2 * n_meas, 2 * n_meas)
    assert first.rows["measurement"] == second.rows["measurement"] == n_meas
    con.close()


# -- the conventions, fact by fact --------------------------------------------------------
def test_person_without_birth_date_or_binary_gender(con: duckdb.DuckDBPyConnection) -> None:
    load_one(con, record(patient=f.Patient("x", None, "other")))
    (p,) = rows(con, "SELECT * FROM person")
    assert p["gender_concept_id"] == 0
    assert p["gender_source_value"] == "other"
    assert p["birth_datetime"] is None and p["year_of_birth"] is None
    assert p["day_of_birth"] is None


def test_comparators_become_operator_concepts(con: duckdb.DuckDBPyConnection) -> None:
    ops = {"<": 4171756, "<=": 4171754, ">": 4172704, ">=": 4171755}
    load_one(con, record(observations=[
        obs(f"o{i}", LOINC, f"code-{i}", value=5.0, comparator=op, unit="mg/L")
        for i, op in enumerate([*ops, None])]))
    for i, op in enumerate([*ops, None]):
        row = measurement(con, f"code-{i}")
        assert row["operator_concept_id"] == (ops[op] if op else None)
        assert row["value_as_number"] == 5.0


def test_range_high_is_converted_to_the_result_unit(con: duckdb.DuckDBPyConnection) -> None:
    report = load_one(con, record(observations=[
        obs("same", LOINC, "same", value=1.0, unit="mg/dL", ref_high=1.2, ref_high_unit="mg/dL"),
        obs("none", LOINC, "none", value=1.0, unit="mg/dL", ref_high=1.2),
        obs("conv", LOINC, "conv", value=1.0, unit="mg/dL", ref_high=0.012, ref_high_unit="g/L"),
        obs("bad", LOINC, "bad", value=90.0, unit="umol/L", ref_high=1.2,
            ref_high_unit="mg/dL"),
    ]))
    assert measurement(con, "same")["range_high"] == 1.2
    assert measurement(con, "none")["range_high"] == 1.2
    assert measurement(con, "conv")["range_high"] == pytest.approx(1.2)
    assert measurement(con, "bad")["range_high"] is None
    assert [(w.reference, "range_high left empty" in w.why) for w in report.warnings] == \
        [("Observation/bad", True)]
    units = rows(con, "SELECT DISTINCT c.concept_code FROM measurement m JOIN concept c ON "
                 "c.concept_id = m.unit_concept_id WHERE c.vocabulary_id = 'UCUM' ORDER BY 1")
    assert [u["concept_code"] for u in units] == ["mg/dL", "umol/L"]


def test_qualitative_results(con: duckdb.DuckDBPyConnection) -> None:
    def qual(ref: str, *codes: str, **kw: Any) -> f.Observation:
        return obs(ref, LOINC, ref, value_codings=tuple(f.Coding(SNOMED, c) for c in codes),
                   **kw)

    report = load_one(con, record(observations=[
        qual("pos", "10828004"), qual("neg", "260385009"), qual("det", "260373001"),
        qual("nd", "260415000"), qual("other", "123456"),
        qual("flag-pos", interpretation=("POS",)), qual("flag-h", interpretation=("H",)),
        qual("flag-n", interpretation=("N",)), qual("word", value_string="Reactive"),
        qual("bool", value_boolean=True),
        qual("both", "123456", "260385009"),
    ]))
    got = {r: measurement(con, r) for r in ("pos", "neg", "det", "nd", "other", "flag-pos",
                                            "flag-h", "flag-n", "word", "bool", "both")}
    assert got["pos"]["value_as_concept_id"] == 9191
    assert got["neg"]["value_as_concept_id"] == 9189
    assert got["det"]["value_as_concept_id"] == 4126681
    assert got["nd"]["value_as_concept_id"] == 9190
    other = concept_of(con, f.Coding(SNOMED, "123456"))
    assert got["other"]["value_as_concept_id"] == other >= 1_000_000_000
    assert got["flag-pos"]["value_source_value"] == "positive"
    assert got["flag-h"]["value_source_value"] == "positive"
    assert got["flag-n"]["value_source_value"] == "negative"
    assert got["word"]["value_source_value"] == "Reactive"
    assert got["bool"]["value_as_concept_id"] == 4188539
    assert got["bool"]["value_source_value"] == "positive"
    # a negative code among the value codings decides, as in the interpreter
    assert got["both"]["value_as_concept_id"] == 9189
    assert [w.reference for w in report.warnings] == ["Observation/both"]


def test_attestations_are_yes_no_observations(con: duckdb.DuckDBPyConnection) -> None:
    report = load_one(con, record(observations=[
        obs("a1", ATTESTATION, "informed-consent", value_boolean=True),
        obs("a2", ATTESTATION, "lactating", value_boolean=False),
        obs("a3", ATTESTATION, "informed-consent"),
        obs("a4", ATTESTATION, "no-such-attestation", value_boolean=True),
    ]))
    got = rows(con, "SELECT * FROM observation ORDER BY observation_concept_id")
    assert [(r["observation_concept_id"], r["value_as_concept_id"]) for r in got] == \
        [(2000001001, 4188539), (2000001005, 4188540)]
    assert got[0]["observation_date"] == DAY
    assert got[0]["observation_datetime"] == datetime(2026, 5, 1, 8, 30)
    assert rows(con, "SELECT count(*) AS n FROM measurement")[0]["n"] == 0
    warned = {w.reference: w.why for w in report.warnings}
    assert set(warned) == {"Observation/a3", "Observation/a4"}
    assert "valueBoolean" in warned["Observation/a3"]
    assert "no-such-attestation" in warned["Observation/a4"]


def test_assessments_use_local_concepts(con: duckdb.DuckDBPyConnection) -> None:
    report = load_one(con, record(observations=[
        obs("cdai", ASSESSMENT, "cdai", value=12.0),
        obs("nope", ASSESSMENT, "not-a-local-code", value=1.0),
        obs("weird", "urn:eligo:whatever", "cdai", value=1.0),
    ]))
    assert measurement(con, "cdai")["measurement_concept_id"] == 2000002002
    assert {w.reference for w in report.warnings} == {"Observation/nope", "Observation/weird"}
    assert report.rows["measurement"] == 1


def test_second_coding_is_the_source_concept(con: duckdb.DuckDBPyConnection) -> None:
    o = f.Observation("Observation/two", (f.Coding(LOINC, "2160-0"), f.Coding(SNOMED, "113075003"),
                                         f.Coding(LOINC, "38483-4")), DAY, None, None, value=1.0)
    report = load_one(con, record(observations=[o]))
    row = measurement(con, "2160-0")
    assert row["measurement_concept_id"] == concept_of(con, o.codings[0])
    assert row["measurement_source_concept_id"] == concept_of(con, o.codings[1])
    assert [w.why for w in report.warnings] == [
        "coding http://loinc.org|38483-4 not written (only the first 2 codings of a record "
        "are kept)"]
    load_one(con, record(observations=[obs("one", LOINC, "718-7", value=1.0)]))
    assert measurement(con, "718-7")["measurement_source_concept_id"] == 0


def test_conditions(con: duckdb.DuckDBPyConnection) -> None:
    report = load_one(con, record(conditions=[
        f.Condition("Condition/c1", (f.Coding(ICD10CM, "M06.9"), f.Coding(SNOMED, "69896004")),
                    date(2019, 4, 2), date(2019, 4, 2), None, "active"),
        f.Condition("Condition/c2", (f.Coding(SNOMED, "69896004"),), date(2019, 1, 1),
                    date(2019, 12, 31), date(2020, 3, 31), "resolved"),
        f.Condition("Condition/c3", (f.Coding(ICD10CM, "M35.0"),), None, None, None, None),
    ]))
    c1, c2, c3 = rows(con, "SELECT * FROM condition_occurrence ORDER BY 1")
    ra = concept_of(con, f.Coding(SNOMED, "69896004"))
    assert c1["condition_source_concept_id"] == concept_of(con, f.Coding(ICD10CM, "M06.9"))
    assert c1["condition_concept_id"] == ra
    assert c1["condition_source_value"] == "M06.9"
    assert c2["condition_concept_id"] == c2["condition_source_concept_id"] == ra
    assert c2["condition_start_date"] == date(2019, 1, 1)
    assert c2["condition_end_date"] == date(2020, 3, 31)
    assert c2["condition_status_source_value"] == "resolved"
    assert c3["condition_concept_id"] == 0 and c3["condition_start_date"] is None
    assert [w.reference for w in report.warnings] == ["Condition/c2"]  # partial onset
    assert "partial onset" in report.warnings[0].why


def test_medications_daily_dose_and_open_ends(con: duckdb.DuckDBPyConnection) -> None:
    def med(ref: str, **kw: Any) -> f.MedicationUse:
        return f.MedicationUse(f"MedicationStatement/{ref}", (f.Coding(ATC, ref),),
                               date(2026, 1, 1), kw.pop("end", None), **kw)

    report = load_one(con, record(medications=[
        med("A", end=date(2026, 2, 1), dose_value=5.0, dose_unit="mg", per_day=2.0),
        med("B", open_end="ongoing", dose_value=500.0, dose_unit="ug", per_day=1.0),
        med("C", open_end="unknown", dose_value=1.0, dose_unit="{tablet}", per_day=1.0),
        med("D", dose_value=7.5, per_day=None),
        med("E", dose_value=2.0, dose_unit=None, per_day=1.0),
    ]))
    got = {r["drug_source_value"]: r for r in rows(con, "SELECT * FROM drug_exposure")}
    assert got["A"]["quantity"] == 10.0 and got["A"]["dose_unit_source_value"] == "mg/d"
    assert got["A"]["drug_exposure_end_date"] == date(2026, 2, 1)
    assert got["A"]["stop_reason"] is None
    assert got["B"]["quantity"] == pytest.approx(0.5)
    assert got["B"]["stop_reason"] == "ongoing" and got["B"]["drug_exposure_end_date"] is None
    assert got["C"]["quantity"] is None and got["C"]["dose_unit_source_value"] is None
    assert got["C"]["stop_reason"] is None
    assert got["D"]["quantity"] is None
    assert got["E"]["quantity"] == 2.0  # a dose without a unit is mg, as the interpreter reads
    assert got["A"]["drug_concept_id"] == concept_of(con, f.Coding(ATC, "A"))
    assert got["A"]["drug_source_concept_id"] == 0
    assert [w.reference for w in report.warnings] == ["MedicationStatement/C"]


def test_allergies_and_trial_participation(con: duckdb.DuckDBPyConnection) -> None:
    load_one(con, record(
        allergies=[
            f.Allergy("AllergyIntolerance/a1", (f.Coding(SNOMED, "91936005"),), "high", False),
            f.Allergy("AllergyIntolerance/a2", (f.Coding(SNOMED, "300916003"),), "low", False),
            f.Allergy("AllergyIntolerance/a3", (), None, True),
        ],
        research_subjects=[
            f.ResearchSubject("ResearchSubject/r1", "on-study", date(2025, 1, 1), None),
            f.ResearchSubject("ResearchSubject/r2", "off-study", date(2024, 1, 1),
                              date(2024, 6, 30)),
        ]))
    a1, a2, a3, r1, r2 = rows(con, "SELECT * FROM observation ORDER BY observation_id")
    assert {a["observation_concept_id"] for a in (a1, a2, a3)} == {2000000001}
    assert a1["value_as_concept_id"] == concept_of(con, f.Coding(SNOMED, "91936005"))
    assert a1["qualifier_concept_id"] == 2000000002
    assert a2["qualifier_concept_id"] is None
    assert a3["qualifier_concept_id"] == 2000000002 and a3["value_as_concept_id"] is None
    assert r1["observation_concept_id"] == r2["observation_concept_id"] == 2000000003
    assert (r1["observation_date"], r1["value_as_string"]) == (date(2025, 1, 1), None)
    assert (r2["observation_date"], r2["value_as_string"]) == (date(2024, 1, 1), "2024-06-30")


def test_reader_problems_are_reported(con: duckdb.DuckDBPyConnection) -> None:
    rec = record()
    rec.problems.append(f.Problem("Observation/x", "effective[x]", "", "no date"))
    report = load_one(con, rec)
    assert [(w.file, w.reference) for w in report.warnings] == [("made.json", "Observation/x")]


# -- concept ids --------------------------------------------------------------------------
def test_hashed_ids_are_deterministic_and_skip_collisions(
        con: duckdb.DuckDBPyConnection) -> None:
    first = hashed_concept_id("LOINC", "718-7")
    assert first == 1_000_000_000 + zlib.crc32(b"LOINC|718-7") % 900_000_000
    load_one(con, record(observations=[obs("h", LOINC, "9999-9", value=1.0)]))
    taken = hashed_concept_id("LOINC", "718-7")
    con.execute("INSERT INTO concept (concept_id, vocabulary_id, concept_code) "
                "VALUES (?, 'Other', 'x')", [taken])
    load_one(con, record(observations=[obs("g", LOINC, "718-7", value=1.0)]))
    assert concept_of(con, f.Coding(LOINC, "718-7")) == taken + 1
    assert concept_of(con, f.Coding(LOINC, "9999-9")) == hashed_concept_id("LOINC", "9999-9")


def test_concepts_already_in_the_database_are_reused(con: duckdb.DuckDBPyConnection) -> None:
    load_one(con, record())  # creates the tables
    con.execute("INSERT INTO concept (concept_id, concept_name, vocabulary_id, concept_code) "
                "VALUES (3016723, 'Creatinine', 'LOINC', '2160-0'), (8840, 'mg/dL', 'UCUM', "
                "'mg/dL')")
    load_one(con, record(observations=[obs("cr", LOINC, "2160-0", value=1.0, unit="mg/dL")]))
    row = measurement(con, "2160-0")
    assert (row["measurement_concept_id"], row["unit_concept_id"]) == (3016723, 8840)


def test_other_systems_are_their_own_vocabulary(con: duckdb.DuckDBPyConnection) -> None:
    load_one(con, record(observations=[obs("l", "http://example.org/labs", "K1", value=1.0)]))
    (c,) = rows(con, "SELECT * FROM concept WHERE concept_code = 'K1'")
    assert c["vocabulary_id"] == "http://example.org/labs"


# -- the command line ---------------------------------------------------------------------
def test_cli_load_creates_the_database(tmp_path: Path) -> None:
    db = tmp_path / "cdm.duckdb"
    files = [str(p) for p in BUNDLES[:3]]
    res = CliRunner().invoke(cli, ["omop", "load", *files, "--into", str(db)])
    assert res.exit_code == 0, res.output
    assert f"{db}: 3 persons loaded" in res.output
    assert "measurement:" in res.output and "warning" in res.output
    con = duckdb.connect(str(db))
    assert scalar(con, "SELECT count(*) FROM person") == 3
    con.close()


def test_cli_bad_bundles_are_named_and_the_rest_loaded(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    missing = tmp_path / "missing.json"
    db = tmp_path / "cdm.duckdb"
    res = CliRunner().invoke(cli, ["omop", "load", str(BUNDLES[0]), str(bad), str(missing),
                                   str(BUNDLES[1]), "--into", str(db)])
    assert res.exit_code == 1
    assert f"eligo: {bad}: not valid JSON" in res.stderr
    assert f"eligo: {missing}:" in res.stderr
    assert "2 persons loaded, 2 bundles failed" in res.stdout
    con = duckdb.connect(str(db))
    assert scalar(con, "SELECT count(*) FROM person") == 2
    con.close()


def test_cli_usage_and_unopenable_database(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["omop", "load", str(BUNDLES[0])])
    assert res.exit_code == 2 and "--into" in res.output
    res = CliRunner().invoke(cli, ["omop", "load", str(BUNDLES[0]), "--into",
                                   str(tmp_path / "no" / "such" / "dir.duckdb")])
    assert res.exit_code == 1
    assert "cannot open the database" in res.stderr
