"""OMOP CDM → patient records (:class:`~eligo.data.facts.PatientRecord`): the loader read back.

The per-patient interpreter screens the fact model; the SQL compiler screens OMOP rows through
its staging tables (:mod:`eligo.compile.staging`). This reader gives the interpreter what
staging reads, row for row, so one CDM can be screened both ways and the verdicts compared
(``tests/compile/test_synthetic_roundtrip.py``). It reads the typed lower-case views of
:mod:`eligo.omop.source` (schema ``cdm``), or any schema with the CDM's tables and columns.

What each staging table reads, and what the reader makes of it:

* **Concepts → codings.** ``vocabulary_id`` → FHIR system (the inverse of
  :data:`eligo.omop.load.VOCABULARY_IDS`; ``RxNorm Extension`` is RxNorm too, as staging reads
  it; any other vocabulary is its own system, which no value set names); a local concept
  (id ≥ 2,000,000,000 in ``protocols/omop/local-concepts.yaml``) → its ``urn:eligo:<kind>``
  code. Staging resolves a value set to concept ids and then adds every *descendant* of a
  SNOMED, ATC or RxNorm member (``concept_ancestor``) and every concept a member ``Maps to``
  (``concept_relationship``), whereas the interpreter matches only the codings a fact carries.
  So a fact's concept is given as: its own coding, then the codings of its SNOMED/ATC/RxNorm
  ancestors (nearest first: a clinical drug brings its RxNorm ingredient and ATC classes), then
  the codings of the concepts that map to it (a SNOMED condition brings the ICD-10 codes mapped
  to it). A fact matches a value set on either side exactly when one of these codings does.
  A concept missing from ``concept`` has no coding of its own (staging cannot match it either).
* **Measurements and observations** (``eligo_rows``): ``*_concept_id`` then
  ``*_source_concept_id`` codings; day ``*_date``, ties by ``*_datetime``; ``value_as_number``;
  ``operator_concept_id`` → comparator (``<``, ``<=``, ``>``, ``>=``; others: none);
  unit = the UCUM ``concept_code`` of ``unit_concept_id``, else ``unit_source_value`` (None:
  unitless); ``range_high`` → ``ref_high`` in the row's unit (measurement only);
  ``value_as_concept_id`` → a value coding (its own only), and Yes/No (4188539/4188540) also
  ``value_boolean``; ``value_source_value`` (measurement) / ``value_as_string`` (observation)
  → ``value_string``. Observation rows carry no operator and no ``range_high``, as staging
  reads them.
* **Attestations** (``eligo_attest``): observation rows whose concept is a local attestation
  concept, ``value_boolean`` from Yes/No. Staging reads attestations from ``observation``
  only, so an attestation concept in ``measurement`` loses its attestation coding here.
* **Conditions** (``eligo_cond``): concept then source concept codings; onset = end-of-range =
  ``condition_start_date``; ``condition_end_date`` → abatement; clinical status =
  ``condition_status_source_value`` in lower case (NULL = active).
* **Drugs** (``eligo_drug``): concept then source concept codings (with their ancestors:
  ingredient, ATC); ``drug_exposure_start_date`` … ``drug_exposure_end_date``; no end date with
  ``stop_reason = 'ongoing'`` → an open, ongoing exposure, otherwise an unknown end. The daily
  dose is ``quantity`` when ``dose_unit_source_value = 'mg/d'``: read as one dose of
  ``quantity`` mg once a day. ``days_supply``, ``sig`` and ``verbatim_end_date`` are not read,
  because staging does not read them (an end date is only ever ``drug_exposure_end_date``).
* **Allergies** (``eligo_allergy``): observation rows of the local ``allergy`` concept, the
  substance from ``value_as_concept_id`` (with ancestors and mapped-from codings), criticality
  ``high`` when ``qualifier_concept_id`` is the local ``severe-allergy``.
* **Trial participation** (``eligo_trial``): observation rows of the local
  ``trial-participation`` concept: start ``observation_date``, end ``value_as_string`` cast to
  a date (a string that is not a date reads as NULL = ongoing, as in staging), status
  ``observation_source_value``.
* **Person**: birth date from ``birth_datetime``, else ``year/month/day_of_birth``, component
  by component as staging reads it (no day: the year, or the month, it may be — an age
  interval; no year, or an impossible date: no birth date); gender 8507 male, 8532 female,
  anything else not recorded; id ``person_source_value``, else the ``person_id``.

What OMOP cannot say that the fact model can (and so never reaches the interpreter from here):

* a partial condition onset (``2019``): OMOP has one start day, read as both ends of the onset;
* ``issued`` (none in OMOP) — same-day, same-time ties go to the higher row id, which the
  reader puts first because the interpreter keeps record order among equal keys (the loader
  numbers rows by recency for the same reason);
* a reference range in another unit than the value (``range_high`` is in the row's unit);
* interpretation flags (the loader folds them into ``value_source_value`` words);
* dose and frequency separately (only mg per day), the FHIR resource type of a medication
  record, the criticality levels below ``high`` and reactions of an allergy, allergy dates,
  administrative genders other than male and female;
* records without a date: a measurement, observation or attestation without ``*_date`` and a
  drug exposure without a start date are not facts staging reads either; each becomes a
  :class:`~eligo.data.facts.Problem` of the record, not a fact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
from sqlglot import exp

from eligo.compile.staging import sql
from eligo.data import facts as f
from eligo.data.fhir_r4 import parse_fhir_date
from eligo.errors import UsageError
from eligo.omop.local import (
    ALLERGY,
    SEVERE_ALLERGY,
    TRIAL_PARTICIPATION,
    LocalConcepts,
    local_concepts,
)
from eligo.omop.source import SourceReport, normalize_views

__all__ = [
    "DESCEND_VOCABULARIES",
    "SYSTEMS",
    "OmopReader",
]

#: OMOP vocabulary_id → FHIR system URI (the inverse of ``eligo.omop.load.VOCABULARY_IDS``)
SYSTEMS: dict[str, str] = {
    "LOINC": "http://loinc.org",
    "SNOMED": "http://snomed.info/sct",
    "ICD10CM": "http://hl7.org/fhir/sid/icd-10-cm",
    "ICD10": "http://hl7.org/fhir/sid/icd-10",
    "ATC": "http://www.whocc.no/atc",
    "RxNorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "RxNorm Extension": "http://www.nlm.nih.gov/research/umls/rxnorm",
}
#: vocabularies whose descendants staging adds to a value-set member (value-set systems
#: snomed, atc, rxnorm); an ancestor in any other vocabulary gives a fact no coding
DESCEND_VOCABULARIES: tuple[str, ...] = ("SNOMED", "ATC", "RxNorm", "RxNorm Extension")

YES, NO = 4188539, 4188540
MALE, FEMALE = 8507, 8532
OPERATORS: dict[int, str] = {4171756: "<", 4171754: "<=", 4172704: ">", 4171755: ">="}
ATTESTATION_SYSTEM = "urn:eligo:attestation"
_BATCH = 10_000  # persons per query batch (a list parameter; bounds memory)

Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _ConceptRow:
    concept_id: int
    vocabulary_id: str | None
    code: str | None
    name: str | None


class _Concepts:
    """Concept id → codings, as staging would match it; looked up in bulk and cached."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str, local: LocalConcepts
                 ) -> None:
        self.con = con
        self.schema = schema
        self.local: dict[int, f.Coding] = {}
        kinds = {v.vocabulary_id: k for k, v in local.vocabularies.items()}
        for r in local.rows():
            kind = kinds[r.vocabulary_id]
            if kind != "special":
                self.local[r.concept_id] = f.Coding(f"urn:eligo:{kind}", r.concept_code,
                                                    r.concept_name)
        self._value: dict[int, f.Coding | None] = {}
        self._covering: dict[int, tuple[f.Coding, ...]] = {}

    def t(self, table: str) -> str:
        return exp.table_(table, db=self.schema or None).sql("duckdb")

    def coding(self, row: _ConceptRow) -> f.Coding | None:
        """The coding a value set would match this concept row by (None: none can)."""
        local = self.local.get(row.concept_id)
        if local is not None:
            return local
        if row.code is None or row.vocabulary_id is None:
            return None
        system = SYSTEMS.get(row.vocabulary_id, row.vocabulary_id)
        return f.Coding(system, row.code, row.name)

    def load(self, ids: Iterable[int | None]) -> None:
        """Resolve every id not resolved yet (one query for all)."""
        todo = sorted({int(i) for i in ids if i is not None and i != 0
                       and i not in self._covering})
        if not todo:
            return
        concept, ancestor, rel = self.t("concept"), self.t("concept_ancestor"), \
            self.t("concept_relationship")
        descend = ", ".join(f"'{v}'" for v in DESCEND_VOCABULARIES)
        rows = self.con.execute(
            f"""
            WITH ids AS (SELECT UNNEST(?::BIGINT[]) AS id)
            SELECT ids.id, 0 AS kind, 0 AS level, c.concept_id, c.vocabulary_id,
                   c.concept_code, c.concept_name
            FROM ids JOIN {concept} AS c ON c.concept_id = ids.id
            UNION ALL
            SELECT ids.id, 1, COALESCE(a.min_levels_of_separation, 0), c.concept_id,
                   c.vocabulary_id, c.concept_code, c.concept_name
            FROM ids JOIN {ancestor} AS a ON a.descendant_concept_id = ids.id
              AND a.ancestor_concept_id <> ids.id
            JOIN {concept} AS c ON c.concept_id = a.ancestor_concept_id
            WHERE c.vocabulary_id IN ({descend})
            UNION ALL
            SELECT ids.id, 2, 0, c.concept_id, c.vocabulary_id, c.concept_code, c.concept_name
            FROM ids JOIN {rel} AS r ON r.concept_id_2 = ids.id
              AND r.relationship_id = 'Maps to' AND r.concept_id_1 <> ids.id
            JOIN {concept} AS c ON c.concept_id = r.concept_id_1
            """, [todo]).fetchall()
        found: dict[int, list[tuple[int, int, int, f.Coding | None]]] = defaultdict(list)
        for cid, kind, level, other, vocab, code, name in rows:
            coding = self.coding(_ConceptRow(int(other), vocab, code, name))
            found[int(cid)].append((int(kind), int(level), int(other), coding))
            if kind == 0:
                self._value[int(cid)] = None if code is None else f.Coding(
                    SYSTEMS.get(vocab or "", vocab or ""), str(code), name)
        for cid in todo:
            ordered = sorted(found.get(cid, []), key=lambda x: (x[0], x[1], x[2]))
            out: dict[f.Coding, None] = {}
            for _, _, _, coding in ordered:
                if coding is not None:
                    out.setdefault(coding, None)
            self._covering[cid] = tuple(out)
            self._value.setdefault(cid, None)

    def covering(self, cid: int | None) -> tuple[f.Coding, ...]:
        """The concept's own coding, its ancestors' and those of concepts mapped to it."""
        if cid is None or cid == 0:
            return ()
        hit = self._covering.get(cid)
        if hit is None:
            self.load([cid])
            hit = self._covering[cid]
        return hit

    def value(self, cid: int | None) -> f.Coding | None:
        """A value concept as staging reads it: its ``concept_code`` (any vocabulary)."""
        if cid is None or cid == 0:
            return None
        if cid not in self._value:
            self.load([cid])
        return self._value[cid]


def _codings(*parts: tuple[f.Coding, ...]) -> tuple[f.Coding, ...]:
    out: dict[f.Coding, None] = {}
    for part in parts:
        for c in part:
            out.setdefault(c, None)
    return tuple(out)


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"not a date: {value!r}")


def _ts(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise TypeError(f"not a timestamp: {value!r}")


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


class OmopReader:
    """Reads persons of an OMOP CDM as patient records.

    ``con`` holds the CDM tables in ``schema`` — typically the connection of a
    :class:`~eligo.compile.engine.DuckDBEngine` (schema ``cdm``: the normalised views), or one
    from :meth:`open`.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str = "cdm",
                 local: LocalConcepts | None = None) -> None:
        self.con = con
        self.schema = schema
        self.local = local or local_concepts()
        self.concepts = _Concepts(con, schema, self.local)
        self.source_report = SourceReport()
        self._owned = False
        #: local attestation concept id → its coding (staging needs no concept row for them)
        self._attestations = {cid: c for cid, c in self.concepts.local.items()
                              if c.system == ATTESTATION_SYSTEM}
        special = {code: self.local.concept_id("special", code)
                   for code in (ALLERGY, SEVERE_ALLERGY, TRIAL_PARTICIPATION)}
        if any(v is None for v in special.values()):
            raise ValueError("local-concepts.yaml lacks a special concept the reader needs")
        self._allergy = int(special[ALLERGY] or 0)
        self._severe = int(special[SEVERE_ALLERGY] or 0)
        self._trial = int(special[TRIAL_PARTICIPATION] or 0)

    @classmethod
    def open(cls, path: str | Path) -> OmopReader:
        """A DuckDB CDM file, attached read-only and read through the typed views."""
        p = Path(path)
        if not p.is_file():
            raise UsageError(f"{path}: no such OMOP database")
        con = duckdb.connect(":memory:")
        try:
            con.execute(sql("ATTACH :p AS src (READ_ONLY)", p=str(p)).sql("duckdb"))
            report = normalize_views(con, "src", "cdm")
        except duckdb.Error as exc:
            con.close()
            raise UsageError(f"{path}: cannot open as an OMOP CDM ({exc})") from None
        reader = cls(con, "cdm")
        reader.source_report = report
        reader._owned = True
        return reader

    def close(self) -> None:
        """Close the connection if :meth:`open` made it."""
        if self._owned:
            self.con.close()

    def __enter__(self) -> OmopReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- queries ------------------------------------------------------------------------------
    def t(self, table: str) -> str:
        return self.concepts.t(table)

    def _rows(self, query: str, ids: Sequence[int]) -> list[Row]:
        return self.con.execute(query, [list(ids)]).fetchall()

    def person_ids(self) -> list[int]:
        """Every person id, ascending."""
        return [int(r[0]) for r in self.con.execute(
            f"SELECT person_id FROM {self.t('person')} WHERE person_id IS NOT NULL "
            "ORDER BY person_id").fetchall()]

    def record(self, person_id: int) -> f.PatientRecord:
        """One person; KeyError if the CDM has no such person."""
        return self.records([person_id])[person_id]

    def records(self, person_ids: Iterable[int] | None = None) -> dict[int, f.PatientRecord]:
        """person_id → record, for the given persons (default: all)."""
        return dict(self.iter_records(person_ids))

    def iter_records(self, person_ids: Iterable[int] | None = None, batch: int = _BATCH
                     ) -> Iterator[tuple[int, f.PatientRecord]]:
        """(person_id, record) in batches of ``batch`` persons (a few queries per batch)."""
        ids = self.person_ids() if person_ids is None else [int(i) for i in person_ids]
        for k in range(0, len(ids), batch):
            yield from self._batch(ids[k:k + batch])

    # -- one batch ------------------------------------------------------------------------------
    def _batch(self, ids: Sequence[int]) -> Iterator[tuple[int, f.PatientRecord]]:
        where = "person_id IN (SELECT UNNEST(?::BIGINT[]))"
        persons = self._rows(
            f"""
            SELECT person_id, person_source_value, gender_concept_id,
                   COALESCE(YEAR(birth_datetime), year_of_birth),
                   COALESCE(MONTH(birth_datetime), month_of_birth),
                   COALESCE(DAY(birth_datetime), day_of_birth)
            FROM {self.t('person')} WHERE {where}
            """, ids)
        meas = self._rows(
            f"""
            SELECT m.person_id, m.measurement_id, m.measurement_concept_id,
                   m.measurement_source_concept_id, m.measurement_date,
                   m.measurement_datetime, m.value_as_number, m.operator_concept_id,
                   COALESCE(u.concept_code, m.unit_source_value), m.range_high,
                   m.value_as_concept_id, m.value_source_value
            FROM {self.t('measurement')} AS m
            LEFT JOIN {self.t('concept')} AS u
              ON u.concept_id = m.unit_concept_id AND u.vocabulary_id = 'UCUM'
            WHERE m.{where}
            """, ids)
        obs = self._rows(
            f"""
            SELECT o.person_id, o.observation_id, o.observation_concept_id,
                   o.observation_source_concept_id, o.observation_date,
                   o.observation_datetime, o.value_as_number,
                   COALESCE(u.concept_code, o.unit_source_value), o.value_as_concept_id,
                   o.value_as_string, o.qualifier_concept_id,
                   TRY_CAST(o.value_as_string AS DATE), o.observation_source_value
            FROM {self.t('observation')} AS o
            LEFT JOIN {self.t('concept')} AS u
              ON u.concept_id = o.unit_concept_id AND u.vocabulary_id = 'UCUM'
            WHERE o.{where}
            """, ids)
        conds = self._rows(
            f"""
            SELECT person_id, condition_occurrence_id, condition_concept_id,
                   condition_source_concept_id, condition_start_date, condition_end_date,
                   LOWER(condition_status_source_value)
            FROM {self.t('condition_occurrence')} WHERE {where}
            """, ids)
        drugs = self._rows(
            f"""
            SELECT person_id, drug_exposure_id, drug_concept_id, drug_source_concept_id,
                   drug_exposure_start_date, drug_exposure_end_date, stop_reason,
                   CASE WHEN dose_unit_source_value = 'mg/d' THEN quantity END
            FROM {self.t('drug_exposure')} WHERE {where}
            """, ids)
        self.concepts.load(
            [r[2] for r in meas] + [r[3] for r in meas] + [r[10] for r in meas]
            + [r[2] for r in obs] + [r[3] for r in obs] + [r[8] for r in obs]
            + [r[2] for r in conds] + [r[3] for r in conds]
            + [r[2] for r in drugs] + [r[3] for r in drugs])

        records: dict[int, f.PatientRecord] = {}
        for pid, source_value, gender, y, m, d in persons:
            records[int(pid)] = f.PatientRecord(
                source=f"omop:person/{int(pid)}",
                patient=f.Patient(str(source_value) if source_value else str(int(pid)),
                                  _birth(y, m, d),
                                  {MALE: "male", FEMALE: "female"}.get(_int(gender) or 0),
                                  _birth_range(y, m, d)))
        # observations of both tables, most recent row id first (same-day ties: see above)
        observations: list[tuple[int, int, int, f.Observation]] = []
        for rank, (rows, read) in enumerate(((meas, self._measurement),
                                             (obs, self._observation))):
            for r in rows:
                rec = records.get(int(r[0]))
                o = read(rec, r) if rec is not None else None
                if o is not None:
                    observations.append((-int(r[1]), rank, int(r[0]), o))
        observations.sort(key=lambda x: (x[0], x[1]))
        for _, _, pid, o in observations:
            records[pid].observations.append(o)
        for r in sorted(conds, key=lambda r: int(r[1])):
            rec = records.get(int(r[0]))
            if rec is not None:
                rec.conditions.append(self._condition(r))
        for r in sorted(drugs, key=lambda r: int(r[1])):
            rec = records.get(int(r[0]))
            if rec is not None:
                use = self._drug(rec, r)
                if use is not None:
                    rec.medications.append(use)
        for pid in ids:
            if pid in records:
                yield pid, records[pid]

    def _measurement(self, rec: f.PatientRecord, r: Row) -> f.Observation | None:
        (_, rid, concept, source, day, ts, value, operator, unit, range_high, value_concept,
         value_source) = r
        ref = f"measurement/{int(rid)}"
        if day is None:
            rec.problems.append(f.Problem(ref, "measurement_date", "", "no date: not read"))
            return None
        codings = tuple(c for c in _codings(self.concepts.covering(_int(concept)),
                                            self.concepts.covering(_int(source)))
                        if c.system != ATTESTATION_SYSTEM)
        return self._obs(ref, codings, day, ts, value, OPERATORS.get(_int(operator) or 0),
                         unit, range_high, value_concept, value_source)

    def _observation(self, rec: f.PatientRecord, r: Row) -> f.Observation | None:
        """An observation row: an allergy, a trial participation or an observation."""
        (_, rid, concept, source, day, ts, value, unit, value_concept, value_string,
         qualifier, end, status) = r
        ref = f"observation/{int(rid)}"
        cid = _int(concept)
        if cid == self._allergy:
            substance = _int(value_concept)
            rec.allergies.append(f.Allergy(
                ref, self.concepts.covering(substance),
                "high" if _int(qualifier) == self._severe else None, False))
            return None
        if cid == self._trial:
            rec.research_subjects.append(f.ResearchSubject(
                ref, None if status is None else str(status), _day(day), _day(end)))
            return None
        if day is None:
            rec.problems.append(f.Problem(ref, "observation_date", "", "no date: not read"))
            return None
        codings = _codings(self.concepts.covering(cid), self.concepts.covering(_int(source)))
        attestation = self._attestations.get(cid or 0)
        if attestation is not None and attestation not in codings:
            codings = (attestation, *codings)
        return self._obs(ref, codings, day, ts, value, None, unit, None, value_concept,
                         value_string)

    def _obs(self, ref: str, codings: tuple[f.Coding, ...], day: Any, ts: Any, value: Any,
             comparator: str | None, unit: Any, range_high: Any, value_concept: Any,
             value_string: Any) -> f.Observation:
        vcid = _int(value_concept)
        vcoding = self.concepts.value(vcid)
        return f.Observation(
            reference=ref, codings=codings, day=_day(day), effective=_ts(ts), issued=None,
            value=_float(value), comparator=comparator,
            unit=None if unit is None else str(unit), ref_high=_float(range_high),
            value_codings=(vcoding,) if vcoding is not None else (),
            value_string=None if value_string is None else str(value_string),
            value_boolean=True if vcid == YES else False if vcid == NO else None)

    def _condition(self, r: Row) -> f.Condition:
        _, rid, concept, source, start, end, status = r
        onset = _day(start)
        return f.Condition(
            f"condition_occurrence/{int(rid)}",
            _codings(self.concepts.covering(_int(concept)), self.concepts.covering(_int(source))),
            onset, onset, _day(end), None if status is None else str(status))

    def _drug(self, rec: f.PatientRecord, r: Row) -> f.MedicationUse | None:
        _, rid, concept, source, start, end, stop_reason, daily_mg = r
        ref = f"drug_exposure/{int(rid)}"
        first = _day(start)
        if first is None:
            rec.problems.append(f.Problem(ref, "drug_exposure_start_date", "",
                                          "no start date: not read"))
            return None
        last = _day(end)
        open_end: Literal["ongoing", "unknown"] | None = None
        if last is None:
            open_end = "ongoing" if stop_reason == "ongoing" else "unknown"
        mg = _float(daily_mg)
        return f.MedicationUse(
            ref, _codings(self.concepts.covering(_int(concept)),
                          self.concepts.covering(_int(source))),
            first, last, open_end, dose_value=mg, dose_unit="mg" if mg is not None else None,
            per_day=1.0 if mg is not None else None)


def _birth_range(y: Any, m: Any, d: Any) -> tuple[date, date] | None:
    """A year (and month) of birth without its day: the first and last day it may mean, as
    the FHIR reader reads a birthDate "1990" or "1990-07"."""
    if y is None or d is not None:
        return None
    try:
        first, last, _ = parse_fhir_date(f"{int(y):04d}" + ("" if m is None
                                                               else f"-{int(m):02d}"))
    except ValueError:
        return None
    return first, last


def _birth(y: Any, m: Any, d: Any) -> date | None:
    if y is None or m is None or d is None:
        return None
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None
