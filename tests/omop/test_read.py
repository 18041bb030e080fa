"""OMOP CDM → patient records (``eligo.omop.read``): each convention of docs/omop.md read back
as staging reads it, on a hand-built CDM; and loader-then-reader keeps every interpreter
verdict of the example and conformance corpus."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tests.conftest import AS_OF, EXAMPLES

from eligo import Protocol
from eligo.data import facts as f
from eligo.data.fhir_r4 import read_bundle_bytes
from eligo.interpret.screen import screen_record
from eligo.omop.load import load_records
from eligo.omop.local import local_concepts
from eligo.omop.read import OmopReader
from eligo.omop.schema import CDM_TABLES, VOCABULARY_TABLES, ddl

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CASES = Path(__file__).resolve().parents[1] / "cases"
LOCAL = local_concepts()

# concept ids of the hand-built vocabulary
ATC_H02AB, ATC_H02AB07, PREDNISONE, PRED_5MG = 101, 102, 103, 104
SJOGREN, M350, M3501 = 201, 202, 203
CREAT, CREAT_UMOL = 301, 302
MG_DL, UMOL_L, NOT_UCUM = 401, 402, 403
POSITIVE = 9191
YES, NO = 4188539, 4188540
ATT_CONSENT = LOCAL.concept_id("attestation", "informed-consent")
ATT_LACTATING = LOCAL.concept_id("attestation", "lactating")
ASS_MRSS = LOCAL.concept_id("assessment", "mrss")
ALLERGY = LOCAL.concept_id("special", "allergy")
SEVERE = LOCAL.concept_id("special", "severe-allergy")
TRIAL = LOCAL.concept_id("special", "trial-participation")

CONCEPTS = [
    (ATC_H02AB, "Glucocorticoids", "Drug", "ATC", "ATC 4th", "C", "H02AB"),
    (ATC_H02AB07, "prednisone", "Drug", "ATC", "ATC 5th", "C", "H02AB07"),
    (PREDNISONE, "prednisone", "Drug", "RxNorm", "Ingredient", "S", "8640"),
    (PRED_5MG, "prednisone 5 MG Oral Tablet", "Drug", "RxNorm", "Clinical Drug", "S", "312617"),
    (SJOGREN, "Sjögren's syndrome", "Condition", "SNOMED", "Clinical Finding", "S", "83901003"),
    (M350, "Sjögren syndrome", "Condition", "ICD10CM", "ICD10 code", None, "M35.0"),
    (M3501, "Sjögren syndrome with keratoconjunctivitis", "Condition", "ICD10CM", "ICD10 code",
     None, "M35.01"),
    (CREAT, "Creatinine [Mass/volume]", "Measurement", "LOINC", "Lab Test", "S", "2160-0"),
    (CREAT_UMOL, "Creatinine [Moles/volume]", "Measurement", "LOINC", "Lab Test", "S",
     "14682-9"),
    (MG_DL, "mg/dL", "Unit", "UCUM", "Unit", "S", "mg/dL"),
    (UMOL_L, "umol/L", "Unit", "UCUM", "Unit", "S", "umol/L"),
    (NOT_UCUM, "milligram per decilitre", "Unit", "SNOMED", "Unit", "S", "258797006"),
    (POSITIVE, "Positive", "Meas Value", "SNOMED", "Qualifier Value", "S", "10828004"),
    (YES, "Yes", "Meas Value", "SNOMED", "Qualifier Value", "S", "373066001"),
    (NO, "No", "Meas Value", "SNOMED", "Qualifier Value", "S", "373067005"),
    # the local concepts, except the attestation 'lactating' (staging needs no row for it)
    *((r.concept_id, r.concept_name, r.domain_id, r.vocabulary_id, r.concept_class_id,
       r.standard_concept, r.concept_code) for r in LOCAL.rows()
      if r.concept_id != ATT_LACTATING),
]
ANCESTORS = [  # (ancestor, descendant, level), self rows included as in real vocabularies
    (ATC_H02AB, ATC_H02AB07, 1), (ATC_H02AB, PREDNISONE, 2), (ATC_H02AB, PRED_5MG, 3),
    (ATC_H02AB07, PREDNISONE, 1), (ATC_H02AB07, PRED_5MG, 2), (PREDNISONE, PRED_5MG, 1),
    (PRED_5MG, PRED_5MG, 0), (PREDNISONE, PREDNISONE, 0), (SJOGREN, SJOGREN, 0),
    # an ancestor in a vocabulary whose descendants staging does not add: no coding
    (CREAT_UMOL, CREAT, 1),
]
MAPS = [(M350, SJOGREN), (M3501, SJOGREN), (SJOGREN, SJOGREN)]


def insert(con: duckdb.DuckDBPyConnection, table: str, **values: Any) -> None:
    names = [c for c, _ in CDM_TABLES.get(table) or VOCABULARY_TABLES[table]]
    unknown = set(values) - set(names)
    assert not unknown, unknown
    con.execute(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in names)})",
                [values.get(n) for n in names])


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OmopReader]:
    path = tmp_path_factory.mktemp("read") / "cdm.duckdb"
    con = duckdb.connect(str(path))
    for table in (*VOCABULARY_TABLES, *CDM_TABLES):
        con.execute(ddl(table))
    for row in CONCEPTS:
        insert(con, "concept", **dict(zip(
            ("concept_id", "concept_name", "domain_id", "vocabulary_id", "concept_class_id",
             "standard_concept", "concept_code"), row, strict=True)))
    for a, d, level in ANCESTORS:
        insert(con, "concept_ancestor", ancestor_concept_id=a, descendant_concept_id=d,
               min_levels_of_separation=level, max_levels_of_separation=level)
    for a, b in MAPS:
        insert(con, "concept_relationship", concept_id_1=a, concept_id_2=b,
               relationship_id="Maps to")
    # person 1: everything; person 2: a partial birth date, no gender
    insert(con, "person", person_id=1, gender_concept_id=8532, year_of_birth=1970,
           month_of_birth=1, day_of_birth=1, birth_datetime=datetime(1971, 3, 9),
           person_source_value="p-one")
    insert(con, "person", person_id=2, gender_concept_id=0, year_of_birth=1980,
           month_of_birth=5)
    day = date(2026, 5, 20)
    # drugs: a clinical drug alone; an ingredient with an ATC source; open ends
    insert(con, "drug_exposure", drug_exposure_id=10, person_id=1, drug_concept_id=PRED_5MG,
           drug_source_concept_id=0, drug_exposure_start_date=date(2026, 1, 1),
           drug_exposure_end_date=date(2026, 2, 1), quantity=60.0,
           dose_unit_source_value="mg/d", days_supply=999, sig="2 tablets thrice daily")
    insert(con, "drug_exposure", drug_exposure_id=11, person_id=1, drug_concept_id=PREDNISONE,
           drug_source_concept_id=ATC_H02AB07, drug_exposure_start_date=date(2026, 3, 1),
           stop_reason="ongoing", quantity=7.5, dose_unit_source_value="tablets")
    insert(con, "drug_exposure", drug_exposure_id=12, person_id=1, drug_concept_id=PREDNISONE,
           drug_exposure_start_date=date(2026, 4, 1))
    insert(con, "drug_exposure", drug_exposure_id=13, person_id=1, drug_concept_id=PREDNISONE)
    # measurements: a UCUM unit concept; a unit only as source value; a unit concept that is
    # not UCUM; an operator; a qualitative value; a local assessment; an undated row
    insert(con, "measurement", measurement_id=20, person_id=1, measurement_concept_id=CREAT,
           measurement_source_concept_id=CREAT_UMOL, measurement_date=day,
           measurement_datetime=datetime(2026, 5, 20, 8, 30), value_as_number=0.9,
           unit_concept_id=MG_DL, unit_source_value="umol/L", range_high=1.1,
           operator_concept_id=4171756)
    insert(con, "measurement", measurement_id=21, person_id=1, measurement_concept_id=CREAT,
           measurement_date=day, value_as_number=80.0, unit_concept_id=0,
           unit_source_value="umol/L", operator_concept_id=4172703)
    insert(con, "measurement", measurement_id=22, person_id=1, measurement_concept_id=CREAT,
           measurement_date=day, value_as_number=1.0, unit_concept_id=NOT_UCUM,
           unit_source_value="mg/dL", value_as_concept_id=POSITIVE,
           value_source_value="Positive")
    insert(con, "measurement", measurement_id=23, person_id=1,
           measurement_concept_id=ASS_MRSS, measurement_date=day, value_as_number=14.0)
    insert(con, "measurement", measurement_id=24, person_id=1, measurement_concept_id=CREAT,
           value_as_number=1.0)
    insert(con, "measurement", measurement_id=25, person_id=1,
           measurement_concept_id=ATT_CONSENT, measurement_date=day, value_as_concept_id=YES)
    # observations: attestations (one without a concept row), allergy, trials
    insert(con, "observation", observation_id=30, person_id=1,
           observation_concept_id=ATT_CONSENT, observation_date=day, value_as_concept_id=YES)
    insert(con, "observation", observation_id=31, person_id=1,
           observation_concept_id=ATT_LACTATING, observation_date=day, value_as_concept_id=NO)
    insert(con, "observation", observation_id=32, person_id=1, observation_concept_id=ALLERGY,
           value_as_concept_id=PRED_5MG, qualifier_concept_id=SEVERE)
    insert(con, "observation", observation_id=33, person_id=1, observation_concept_id=TRIAL,
           observation_date=date(2025, 1, 1), value_as_string="2025-06-30",
           observation_source_value="off-study")
    insert(con, "observation", observation_id=34, person_id=1, observation_concept_id=TRIAL,
           value_as_string="not a date")
    # conditions: SNOMED only (the ICD codes come from Maps to); an ICD source, resolved
    insert(con, "condition_occurrence", condition_occurrence_id=40, person_id=1,
           condition_concept_id=SJOGREN, condition_source_concept_id=0,
           condition_start_date=date(2020, 2, 3))
    insert(con, "condition_occurrence", condition_occurrence_id=41, person_id=1,
           condition_concept_id=0, condition_source_concept_id=M3501,
           condition_start_date=date(2019, 1, 1), condition_end_date=date(2019, 6, 1),
           condition_status_source_value="Resolved")
    con.close()
    r = OmopReader.open(path)
    yield r
    r.close()


@pytest.fixture(scope="module")
def one(reader: OmopReader) -> f.PatientRecord:
    return reader.record(1)


def by_ref(items: Any, ref: str) -> Any:
    return next(i for i in items if i.reference == ref)


def test_person(reader: OmopReader) -> None:
    assert reader.person_ids() == [1, 2]
    records = reader.records()
    assert records[1].patient == f.Patient("p-one", date(1971, 3, 9), "female")
    assert records[1].source == "omop:person/1"
    # birth_datetime wins over the year/month/day columns; a missing day: the month it may be
    assert records[2].patient == f.Patient("2", None, None,
                                           (date(1980, 5, 1), date(1980, 5, 31)))


def test_clinical_drug_gets_its_ingredient_and_atc_classes(one: f.PatientRecord,
                                                           protocol: Protocol) -> None:
    m = by_ref(one.medications, "drug_exposure/10")
    assert m.codings == (
        f.Coding(RXNORM, "312617", "prednisone 5 MG Oral Tablet"),
        f.Coding(RXNORM, "8640", "prednisone"),  # nearest ancestor first
        f.Coding(ATC, "H02AB07", "prednisone"),
        f.Coding(ATC, "H02AB", "Glucocorticoids"),
    )
    entry = protocol.valuesets["glucocorticoids"].match(m.codings)
    assert entry is not None and entry.attributes["drug"] == "prednisone"


def test_drug_periods_and_daily_dose(one: f.PatientRecord) -> None:
    closed = by_ref(one.medications, "drug_exposure/10")
    # the daily dose is quantity in mg/d; days_supply and sig are not read (staging does not)
    assert (closed.start, closed.end, closed.open_end) == (date(2026, 1, 1), date(2026, 2, 1),
                                                           None)
    assert (closed.dose_value, closed.dose_unit, closed.per_day) == (60.0, "mg", 1.0)
    ongoing = by_ref(one.medications, "drug_exposure/11")
    assert (ongoing.end, ongoing.open_end) == (None, "ongoing")
    assert ongoing.dose_value is None  # a quantity not in mg/d is not a daily dose
    assert ongoing.codings[:2] == (f.Coding(RXNORM, "8640", "prednisone"),
                                   f.Coding(ATC, "H02AB07", "prednisone"))
    unknown = by_ref(one.medications, "drug_exposure/12")
    assert (unknown.end, unknown.open_end) == (None, "unknown")
    assert [m.reference for m in one.medications] == [
        "drug_exposure/10", "drug_exposure/11", "drug_exposure/12"]
    assert any(p.reference == "drug_exposure/13" for p in one.problems)


def test_units_operators_and_ranges(one: f.PatientRecord) -> None:
    first = by_ref(one.observations, "measurement/20")
    # the UCUM concept decides, not unit_source_value; < from operator_concept_id
    assert (first.value, first.unit, first.comparator, first.ref_high) == (0.9, "mg/dL", "<",
                                                                          1.1)
    assert first.codings == (f.Coding(LOINC, "2160-0", "Creatinine [Mass/volume]"),
                             f.Coding(LOINC, "14682-9", "Creatinine [Moles/volume]"))
    assert first.effective == datetime(2026, 5, 20, 8, 30)
    assert first.issued is None
    source_only = by_ref(one.observations, "measurement/21")
    assert (source_only.unit, source_only.comparator) == ("umol/L", None)  # '=': exact
    # no LOINC code from the (non-descending) LOINC ancestor in concept_ancestor
    assert source_only.codings == (f.Coding(LOINC, "2160-0", "Creatinine [Mass/volume]"),)
    not_ucum = by_ref(one.observations, "measurement/22")
    assert not_ucum.unit == "mg/dL"
    assert not_ucum.value_codings == (f.Coding(SNOMED, "10828004", "Positive"),)
    assert (not_ucum.value_string, not_ucum.value_boolean) == ("Positive", None)
    mrss = by_ref(one.observations, "measurement/23")
    assert mrss.codings[0].system == "urn:eligo:assessment" and mrss.codings[0].code == "mrss"
    assert mrss.unit is None
    assert any(p.reference == "measurement/24" for p in one.problems)
    # ties go to the higher row id: the reader lists it first, as the interpreter keeps order
    refs = [o.reference for o in one.observations]
    assert refs.index("measurement/22") < refs.index("measurement/21") \
        < refs.index("measurement/20")


def test_local_attestation_concept_becomes_its_eligo_code(one: f.PatientRecord) -> None:
    consent = by_ref(one.observations, "observation/30")
    assert [(c.system, c.code) for c in consent.codings] == [
        ("urn:eligo:attestation", "informed-consent")]
    assert consent.value_boolean is True
    # staging reads an attestation by its local id, with or without a concept row
    lactating = by_ref(one.observations, "observation/31")
    assert [(c.system, c.code) for c in lactating.codings] == [
        ("urn:eligo:attestation", "lactating")]
    assert lactating.value_boolean is False
    # staging reads attestations from observation only
    in_measurement = by_ref(one.observations, "measurement/25")
    assert in_measurement.codings == ()


def test_condition_gets_the_codes_mapped_to_its_concept(one: f.PatientRecord,
                                                        protocol: Protocol) -> None:
    snomed_only = by_ref(one.conditions, "condition_occurrence/40")
    assert [(c.system, c.code) for c in snomed_only.codings] == [
        (SNOMED, "83901003"), (ICD10CM, "M35.0"), (ICD10CM, "M35.01")]
    assert (snomed_only.onset_lo, snomed_only.onset_hi) == (date(2020, 2, 3), date(2020, 2, 3))
    assert snomed_only.clinical_status is None
    icd = by_ref(one.conditions, "condition_occurrence/41")
    assert [(c.system, c.code) for c in icd.codings] == [(ICD10CM, "M35.01")]
    assert (icd.abatement, icd.clinical_status) == (date(2019, 6, 1), "resolved")
    assert protocol.valuesets["sjogren-syndrome"].match(icd.codings) is not None


def test_allergy_and_trials(one: f.PatientRecord) -> None:
    (allergy,) = one.allergies
    assert allergy.criticality == "high" and not allergy.severe_reaction
    assert (RXNORM, "8640") in {(c.system, c.code) for c in allergy.codings}
    trials = {rs.reference: rs for rs in one.research_subjects}
    assert trials["observation/33"] == f.ResearchSubject(
        "observation/33", "off-study", date(2025, 1, 1), date(2025, 6, 30))
    # an end that is not a date reads as NULL, as in staging: ongoing
    assert trials["observation/34"] == f.ResearchSubject("observation/34", None, None, None)
    assert not any(o.reference in ("observation/32", "observation/33")
                   for o in one.observations)


def test_missing_database_is_a_usage_error(tmp_path: Path) -> None:
    from eligo.errors import UsageError

    with pytest.raises(UsageError):
        OmopReader.open(tmp_path / "nope.duckdb")


# -- the loader read back ------------------------------------------------------------------
def test_loader_then_reader_keeps_every_verdict(tmp_path: Path, protocol: Protocol) -> None:
    """Every example and conformance case, written by the loader and read back, gets the
    interpreter verdicts of its FHIR bundle (no case has a partial onset date)."""
    originals: dict[str, tuple[date, f.PatientRecord]] = {}
    for file in sorted(EXAMPLES.glob("*.json")):
        originals[file.name] = (AS_OF, read_bundle_bytes(file.read_bytes(), file.name))
    for file in sorted(CASES.glob("*.json")):
        originals[file.name] = (date.fromisoformat(file.name.split("__")[0]),
                                read_bundle_bytes(file.read_bytes(), file.name))
    path = tmp_path / "corpus.duckdb"
    con = duckdb.connect(str(path))
    report = load_records([r for _, r in originals.values()], con, protocol)
    con.close()
    with OmopReader.open(path) as reader:
        back = reader.records()
    compared = 0
    mismatches = []
    for p in report.persons:
        as_of, original = originals[p.source]
        read = back[p.person_id]
        assert read.patient.id == original.patient.id
        expected = screen_record(original, protocol, as_of)
        got = {c.id: c for c in screen_record(read, protocol, as_of).criteria}
        for c in expected.criteria:
            compared += 1
            if got[c.id].verdict is not c.verdict:
                mismatches.append(f"{p.source} {c.id}: read back {got[c.id].verdict.value} "
                                  f"({got[c.id].explanation}), bundle {c.verdict.value} "
                                  f"({c.explanation})")
    assert compared > 40_000
    assert mismatches == [], "\n".join(mismatches[:20])
