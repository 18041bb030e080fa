"""Patient records → OMOP CDM tables in DuckDB (``eligo omop load``).

The loader works from the fact model (:class:`~eligo.data.facts.PatientRecord`), not from raw
FHIR: what it writes is exactly what the interpreter read, so a patient can be screened both
ways and the verdicts compared. The layout follows ``docs/omop.md`` ("Loader notes" there
records the choices this module makes where the conventions leave room).

Concepts are looked up by ``(vocabulary_id, concept_code)``; one already in the database is
reused, else a new row is written with a deterministic id in 1,000,000,000–1,899,999,999
(CRC-32 of ``vocabulary_id|code``, bumped past collisions). Every fact that cannot be written
as it was read becomes a :class:`LoadWarning`; nothing is dropped silently.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, TypeVar

from eligo.data import facts as f
from eligo.data import units
from eligo.ir.nodes import Equivalence
from eligo.omop.local import (
    ALLERGY,
    SEVERE_ALLERGY,
    TRIAL_PARTICIPATION,
    ConceptRow,
    local_concepts,
)
from eligo.omop.schema import CDM_TABLES, VOCABULARY_TABLES, ddl
from eligo.protocol.model import Protocol

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

__all__ = [
    "FIXED_CONCEPTS",
    "VOCABULARY_IDS",
    "LoadReport",
    "LoadWarning",
    "LoadedPerson",
    "hashed_concept_id",
    "load_records",
    "vocabulary_id",
]

ATTESTATION_SYSTEM = "urn:eligo:attestation"
#: FHIR system URI → OMOP vocabulary_id; any other non-eligo system is its own vocabulary_id
VOCABULARY_IDS: dict[str, str] = {
    "http://loinc.org": "LOINC",
    "http://snomed.info/sct": "SNOMED",
    "http://hl7.org/fhir/sid/icd-10-cm": "ICD10CM",
    "http://hl7.org/fhir/sid/icd-10": "ICD10",
    "http://www.whocc.no/atc": "ATC",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
}
_STANDARD = {"LOINC": "S", "SNOMED": "S", "RxNorm": "S", "UCUM": "S", "ATC": "C"}

YES, NO = 4188539, 4188540
MALE, FEMALE = 8507, 8532
EHR = 32817  # Type Concept "EHR": the type of every row the loader writes
OPERATORS = {"<": 4171756, "<=": 4171754, ">": 4172704, ">=": 4171755}
#: standard OMOP concepts the conventions name, with their real ids
FIXED_CONCEPTS: tuple[ConceptRow, ...] = (
    ConceptRow(YES, "Yes", "Meas Value", "SNOMED", "Qualifier Value", "S", "373066001"),
    ConceptRow(NO, "No", "Meas Value", "SNOMED", "Qualifier Value", "S", "373067005"),
    ConceptRow(9191, "Positive", "Meas Value", "SNOMED", "Qualifier Value", "S", "10828004"),
    ConceptRow(9189, "Negative", "Meas Value", "SNOMED", "Qualifier Value", "S", "260385009"),
    ConceptRow(4126681, "Detected", "Meas Value", "SNOMED", "Qualifier Value", "S",
               "260373001"),
    ConceptRow(9190, "Not detected", "Meas Value", "SNOMED", "Qualifier Value", "S",
               "260415000"),
    ConceptRow(MALE, "MALE", "Gender", "Gender", "Gender", "S", "M"),
    ConceptRow(FEMALE, "FEMALE", "Gender", "Gender", "Gender", "S", "F"),
    ConceptRow(4171756, "<", "Meas Value Operator", "SNOMED", "Qualifier Value", "S",
               "276139006"),
    ConceptRow(4171754, "<=", "Meas Value Operator", "SNOMED", "Qualifier Value", "S",
               "276137008"),
    ConceptRow(4172704, ">", "Meas Value Operator", "SNOMED", "Qualifier Value", "S",
               "276140008"),
    ConceptRow(4171755, ">=", "Meas Value Operator", "SNOMED", "Qualifier Value", "S",
               "276138003"),
    ConceptRow(EHR, "EHR", "Type Concept", "Type Concept", "Type Concept", "S",
               "OMOP4976890"),
)
#: qualitative SNOMED results the interpreter reads (SPEC §2.7), positive ones first
_POSITIVE_CODES = ("10828004", "260373001")
_NEGATIVE_CODES = ("260385009", "260415000")
_POSITIVE_FLAGS = {"POS", "DET", "H", "HH"}
_NEGATIVE_FLAGS = {"NEG", "ND", "N"}

_HASH_BASE = 1_000_000_000
_HASH_SPAN = 900_000_000
_FLUSH_ROWS = 50_000
_VALID_START, _VALID_END = date(1970, 1, 1), date(2099, 12, 31)
_TABLES = ("person", "measurement", "observation", "condition_occurrence", "drug_exposure")
_ID_COLUMN = {t: CDM_TABLES[t][0][0] for t in _TABLES}


@dataclass(frozen=True, slots=True)
class LoadWarning:
    """A fact (or part of one) that could not be written as the interpreter read it."""

    file: str
    reference: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reference}: {self.why}"


@dataclass(frozen=True, slots=True)
class LoadedPerson:
    source: str  # the bundle file
    patient_id: str  # person_source_value
    person_id: int


@dataclass(slots=True)
class LoadReport:
    persons: list[LoadedPerson] = field(default_factory=list)
    #: rows written per table, ``concept`` included
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("concept", *_TABLES), 0))
    warnings: list[LoadWarning] = field(default_factory=list)


_F = TypeVar("_F", f.Observation, f.Condition, f.MedicationUse, f.Allergy, f.ResearchSubject)


class _Skip(Exception):
    """The fact cannot be written; ``args[0]`` says why."""


def vocabulary_id(system: str) -> str:
    """The OMOP vocabulary_id of a (non-eligo) FHIR system URI."""
    return VOCABULARY_IDS.get(system, system)


def hashed_concept_id(vocabulary: str, code: str) -> int:
    """The first id tried for a concept the database does not hold (before collisions)."""
    return _HASH_BASE + zlib.crc32(f"{vocabulary}|{code}".encode()) % _HASH_SPAN


def _arrow_type(kind: str) -> pa.DataType:
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    return {
        "BIGINT": pa.int64(), "INTEGER": pa.int32(), "DOUBLE": pa.float64(),
        "VARCHAR": pa.string(), "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us"),
    }[kind]


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    # fetchall, never fetchone: DuckDB refuses other work on a connection with a result
    # left unfinished
    rows = con.execute(sql, params).fetchall()
    return rows[0][0] if rows else None


def _existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT lower(table_name) FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_catalog = current_database()"
    ).fetchall()
    return {r[0] for r in rows}


class _Writer:
    def __init__(self, con: duckdb.DuckDBPyConnection, report: LoadReport,
                 protocol: Protocol | None = None) -> None:
        self.con = con
        self.report = report
        self.protocol = protocol
        self._equivalences: dict[tuple[f.Coding, ...], tuple[Equivalence, ...]] = {}
        self.local = local_concepts()
        have = _existing_tables(con)
        for table in (*VOCABULARY_TABLES, *CDM_TABLES):
            if table not in have:
                con.execute(ddl(table))
        self.next_id: dict[str, int] = {}
        for table, column in _ID_COLUMN.items():
            top = _scalar(con, f"SELECT max({column}) FROM {table}")
            self.next_id[table] = int(top) + 1 if top is not None else 1
        self.buffers: dict[str, list[tuple[Any, ...]]] = {t: [] for t in ("concept", *_TABLES)}
        self.buffered = 0
        self.concepts: dict[tuple[str, str], int] = {}  # (vocabulary_id, code) → id
        self.new_ids: set[int] = set()
        self._seed((*FIXED_CONCEPTS, *self.local.rows()))

    # -- concepts ----------------------------------------------------------------------
    def equivalences(self, codings: tuple[f.Coding, ...]) -> tuple[Equivalence, ...]:
        """The equivalences of the protocol analyte these codings measure (none without)."""
        if self.protocol is None:
            return ()
        hit = self._equivalences.get(codings)
        if hit is None:
            hit = ()
            for a in self.protocol.analytes.values():
                if a.equivalences and any(self.protocol.valuesets[v].match(codings)
                                          for v in a.valuesets):
                    hit = a.equivalences
                    break
            self._equivalences[codings] = hit
        return hit

    def _seed(self, rows: Sequence[ConceptRow]) -> None:
        """Write the fixed and local concepts a database lacks (by id), once."""
        ids = [r.concept_id for r in rows]
        held = {int(r[0]) for r in self.con.execute(
            "SELECT concept_id FROM concept WHERE concept_id IN (SELECT unnest(?))", [ids]
        ).fetchall()}
        for r in rows:
            self.concepts[(r.vocabulary_id, r.concept_code)] = r.concept_id
            if r.concept_id not in held:
                self._concept_row(r)

    def _concept_row(self, r: ConceptRow) -> None:
        self.new_ids.add(r.concept_id)
        self._add("concept", (r.concept_id, r.concept_name, r.domain_id, r.vocabulary_id,
                              r.concept_class_id, r.standard_concept, r.concept_code,
                              _VALID_START, _VALID_END, None))

    def concept(self, vocabulary: str, code: str, name: str | None, domain: str) -> int:
        key = (vocabulary, code)
        hit = self.concepts.get(key)
        if hit is not None:
            return hit
        held = _scalar(self.con, "SELECT min(concept_id) FROM concept "
                       "WHERE vocabulary_id = ? AND concept_code = ?", [vocabulary, code])
        if held is not None:
            self.concepts[key] = int(held)
            return int(held)
        cid = hashed_concept_id(vocabulary, code)
        while cid in self.new_ids or _scalar(
                self.con, "SELECT count(*) FROM concept WHERE concept_id = ?", [cid]):
            cid = _HASH_BASE + (cid - _HASH_BASE + 1) % _HASH_SPAN
        self._concept_row(ConceptRow(cid, name or code, domain, vocabulary, "eligo load",
                                     _STANDARD.get(vocabulary), code))
        self.concepts[key] = cid
        return cid

    def coding(self, c: f.Coding, domain: str) -> int:
        """The concept of a coding; raises _Skip for an eligo code the vocabulary lacks."""
        if c.system.startswith("urn:eligo:"):
            kind = self.local.kind_of_system(c.system)
            cid = self.local.concept_id(kind, c.code) if kind else None
            if cid is None:
                raise _Skip(f"{c.system} code '{c.code}' is not in the eligo local vocabulary "
                            "(protocols/omop/local-concepts.yaml)")
            return cid
        return self.concept(vocabulary_id(c.system), c.code, c.display, domain)

    def unit(self, u: str | None) -> int | None:
        return None if u is None else self.concept("UCUM", u, u, "Unit")

    def special(self, code: str) -> int:
        cid = self.local.concept_id("special", code)
        assert cid is not None, code
        return cid

    # -- rows --------------------------------------------------------------------------
    def _add(self, table: str, row: tuple[Any, ...]) -> None:
        self.buffers[table].append(row)
        self.report.rows[table] += 1
        self.buffered += 1
        if self.buffered >= _FLUSH_ROWS:
            self.flush()

    def add(self, table: str, row: tuple[Any, ...]) -> int:
        """Append a row whose first column is the table's id; returns that id."""
        rid = self.next_id[table]
        self.next_id[table] = rid + 1
        self._add(table, (rid, *row))
        return rid

    def flush(self) -> None:
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

        for table, rows in self.buffers.items():
            if not rows:
                continue
            columns = CDM_TABLES.get(table) or VOCABULARY_TABLES[table]
            names = [name for name, _ in columns]
            data = pa.table(
                [pa.array([r[i] for r in rows], type=_arrow_type(kind))
                 for i, (_, kind) in enumerate(columns)],
                names=names)
            view = f"_eligo_load_{table}"
            self.con.register(view, data)
            try:
                cols = ", ".join(names)
                self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {view}")
            finally:
                self.con.unregister(view)
            rows.clear()
        self.buffered = 0


class _Record:
    """Writes one patient's facts."""

    def __init__(self, w: _Writer, record: f.PatientRecord) -> None:
        self.w = w
        self.record = record

    def warn(self, reference: str, why: str) -> None:
        self.w.report.warnings.append(LoadWarning(self.record.source, reference, why))

    def write(self) -> None:
        rec = self.record
        for p in rec.problems:
            self.warn(p.reference, f"not read from the bundle ({p.field}: {p.why}), not written")
        person_id = self.person(rec.patient)
        self.w.report.persons.append(LoadedPerson(rec.source, rec.patient.id, person_id))
        # ids follow recency, so a SQL tie-break on the row id picks what the interpreter picks
        # (the later effective time, then the later issued, then the first in the bundle):
        # OMOP has no "issued" column to sort on.
        order = sorted(range(len(rec.observations)), key=lambda i: (
            _recency(rec.observations[i]), -i))
        self.each(person_id, [rec.observations[i] for i in order], self.observation)
        self.each(person_id, rec.conditions, self.condition)
        self.each(person_id, rec.medications, self.medication)
        self.each(person_id, rec.allergies, self.allergy)
        self.each(person_id, rec.research_subjects, self.research_subject)

    def each(self, person_id: int, items: Sequence[_F], write: Callable[[int, _F], None]
             ) -> None:
        for item in items:
            try:
                write(person_id, item)
            except _Skip as skip:
                self.warn(item.reference, f"not written: {skip.args[0]}")

    def person(self, p: f.Patient) -> int:
        gender = {"male": MALE, "female": FEMALE}.get(p.gender or "", 0)
        b = p.birth_date
        if b is None and p.birth_range is not None:  # a year (and month) of birth only
            first, last = p.birth_range
            return self.w.add("person", (
                gender, first.year, first.month if first.month == last.month else None, None,
                None, 0, 0, p.id, p.gender))
        return self.w.add("person", (
            gender, b.year if b else None, b.month if b else None, b.day if b else None,
            datetime.combine(b, time()) if b else None, 0, 0, p.id, p.gender))

    def extra(self, reference: str, codings: Sequence[f.Coding], used: int) -> None:
        for c in codings[used:]:
            self.warn(reference, f"coding {c.system}|{c.code} not written (only the first "
                      f"{used} coding{'s' if used > 1 else ''} of a record are kept)")

    def source_concept(self, reference: str, codings: Sequence[f.Coding], domain: str) -> int:
        """The second coding's concept (0 if none or it has no concept)."""
        if len(codings) < 2:
            return 0
        try:
            return self.w.coding(codings[1], domain)
        except _Skip as skip:
            self.warn(reference, f"second coding not written: {skip.args[0]}")
            return 0

    # -- observations ------------------------------------------------------------------
    def observation(self, person_id: int, o: f.Observation) -> None:
        if not o.codings:
            raise _Skip("no code")
        if o.day is None:
            raise _Skip("no date")
        attest = next((c for c in o.codings if c.system == ATTESTATION_SYSTEM), None)
        if attest is not None:
            self.attestation(person_id, o, attest)
        else:
            self.measurement(person_id, o)

    def attestation(self, person_id: int, o: f.Observation, c: f.Coding) -> None:
        if o.value_boolean is None:
            raise _Skip("an attestation needs valueBoolean")
        cid = self.w.coding(c, "Observation")
        others = [x for x in o.codings if x is not c]
        for x in others:
            self.warn(o.reference, f"coding {x.system}|{x.code} of an attestation not written")
        self.w.add("observation", (
            person_id, cid, o.day, o.effective, EHR, None, None,
            YES if o.value_boolean else NO, None, None, c.code, 0, None))

    def measurement(self, person_id: int, o: f.Observation) -> None:
        cid = self.w.coding(o.codings[0], "Measurement")
        source = self.source_concept(o.reference, o.codings, "Measurement")
        self.extra(o.reference, o.codings, 2)
        operator = OPERATORS.get(o.comparator or "")
        range_high = o.ref_high
        if o.ref_high is not None and o.ref_high_unit is not None and o.ref_high_unit != o.unit:
            try:
                range_high = units.convert(o.ref_high, o.ref_high_unit, o.unit,
                                           self.w.equivalences(o.codings))
            except units.UnitError:
                range_high = None
                self.warn(o.reference, f"reference range high {o.ref_high:g} "
                          f"{o.ref_high_unit} cannot be converted to the result's unit "
                          f"({o.unit or 'unitless'}): range_high left empty")
        value_concept, value_source = self.qualitative(o)
        self.w.add("measurement", (
            person_id, cid, o.day, o.effective, EHR, operator, o.value, value_concept,
            self.w.unit(o.unit), None, range_high, o.codings[0].code, source, o.unit,
            value_source))

    def qualitative(self, o: f.Observation) -> tuple[int | None, str | None]:
        """(value_as_concept_id, value_source_value) read by SQL as the interpreter reads
        the observation: boolean, SNOMED result codes, interpretation flags, words."""
        concept: int | None = None
        decided = False
        if o.value_codings:
            codes = [c.code for c in o.value_codings if c.system == "http://snomed.info/sct"]
            hit = next((code for code in (*_POSITIVE_CODES, *_NEGATIVE_CODES) if code in codes),
                       None)
            if hit is not None:
                concept = self.w.concepts[("SNOMED", hit)]
                decided = True
            else:
                try:
                    concept = self.w.coding(o.value_codings[0], "Meas Value")
                except _Skip as skip:
                    self.warn(o.reference, f"value coding not written: {skip.args[0]}")
            shown = next((c for c in o.value_codings if c.code == hit), o.value_codings[0])
            for c in o.value_codings:
                if c is not shown:
                    self.warn(o.reference, f"value coding {c.system}|{c.code} not written")
        if o.value_boolean is not None:
            return (YES if o.value_boolean else NO), ("positive" if o.value_boolean
                                                       else "negative")
        if not decided:
            flags = set(o.interpretation)
            word = ("positive" if flags & _POSITIVE_FLAGS else
                    "negative" if flags & _NEGATIVE_FLAGS else None)
            if word is not None:
                if o.value_string is not None and o.value_string.strip().lower() != word:
                    self.warn(o.reference, f"valueString '{o.value_string}' written as "
                              f"'{word}', the interpretation flag that decides the result")
                return concept, word
        return concept, o.value_string

    # -- conditions, medications, allergies, trials ----------------------------------------
    def condition(self, person_id: int, c: f.Condition) -> None:
        if not c.codings:
            raise _Skip("no code")
        first = c.codings[0]
        source = self.w.coding(first, "Condition")
        snomed = next((x for x in c.codings if x.system == "http://snomed.info/sct"), None)
        standard = 0
        if snomed is not None:
            standard = source if snomed is first else self.w.coding(snomed, "Condition")
        for x in c.codings[1:]:
            if x is not snomed:
                self.warn(c.reference, f"coding {x.system}|{x.code} not written (a condition "
                          "keeps its first coding and a SNOMED coding)")
        if c.onset_lo != c.onset_hi:
            self.warn(c.reference, f"partial onset date ({c.onset_lo} … {c.onset_hi}) written "
                      "as its first day")
        self.w.add("condition_occurrence", (
            person_id, standard, c.onset_lo, None, c.abatement, EHR, None, None, first.code,
            source, c.clinical_status))

    def medication(self, person_id: int, m: f.MedicationUse) -> None:
        if not m.codings:
            raise _Skip("no medication code")
        cid = self.w.coding(m.codings[0], "Drug")
        source = self.source_concept(m.reference, m.codings, "Drug")
        self.extra(m.reference, m.codings, 2)
        mg_per_day: float | None = None
        if m.dose_value is not None and m.per_day is not None:
            try:
                # a dose without a unit is read as mg, as the interpreter reads it
                mg_per_day = units.convert(m.dose_value, m.dose_unit or "mg", "mg") * m.per_day
            except units.UnitError:
                self.warn(m.reference, f"dose unit '{m.dose_unit}' is not a mass: daily dose "
                          "left empty")
        self.w.add("drug_exposure", (
            person_id, cid, m.start, None, m.end, m.end, EHR,
            "ongoing" if m.open_end == "ongoing" else None, None, mg_per_day, None, None, None,
            m.codings[0].code, source, "mg/d" if mg_per_day is not None else None))

    def allergy(self, person_id: int, a: f.Allergy) -> None:
        substance: int | None = None
        if a.codings:
            substance = self.w.coding(a.codings[0], "Observation")
            self.extra(a.reference, a.codings, 1)
        severe = a.criticality == "high" or a.severe_reaction
        self.w.add("observation", (
            person_id, self.w.special(ALLERGY), None, None, EHR, None, None, substance,
            self.w.special(SEVERE_ALLERGY) if severe else None, None,
            a.codings[0].code if a.codings else None, 0, None))

    def research_subject(self, person_id: int, rs: f.ResearchSubject) -> None:
        self.w.add("observation", (
            person_id, self.w.special(TRIAL_PARTICIPATION), rs.start, None, EHR, None,
            rs.end.isoformat() if rs.end else None, None, None, None, rs.status, 0, None))


def _recency(o: f.Observation) -> tuple[date, str, str]:
    return (o.day or date.min, o.effective.isoformat() if o.effective else "",
            o.issued.isoformat() if o.issued else "")


def load_records(records: Iterable[f.PatientRecord],
                 con: duckdb.DuckDBPyConnection, protocol: Protocol | None = None
                 ) -> LoadReport:
    """Write each record as a new person (ids after the database's largest) into ``con``.

    The CDM and vocabulary tables are created when missing. Everything is written in one
    transaction: an error leaves the database as it was.
    """
    report = LoadReport()
    con.execute("BEGIN TRANSACTION")
    try:
        w = _Writer(con, report, protocol)
        for record in records:
            _Record(w, record).write()
        w.flush()
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return report
