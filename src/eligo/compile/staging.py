"""The staging tables every compiled criterion reads: one scan of the CDM per run.

``eligo_vs``      value-set members as concept ids (with the entry's attributes), resolved
                  from the entries (``eligo_vs_entries``) through ``concept``, ``Maps to`` and
                  ``concept_ancestor`` (docs/omop.md)
``eligo_keys``    the distinct (concept, source concept, unit) keys of measurement and
                  observation that belong to an analyte, with the factor to its unit computed
                  by the interpreter's unit code and the earliest day any criterion reads
``eligo_facts``   a view: the rows of those keys, converted (read where needed, never stored)
``eligo_rows``    the usable rows of the few analytes that leaves read row by row
``eligo_cond``    condition rows per value set;  ``eligo_drug`` drug rows per value set (both
                  through their (concept, source concept) pairs: ``eligo_cond_keys``, …)
``eligo_attest``  attestations;  ``eligo_allergy``, ``eligo_trial`` the local-concept facts

Everything here is built as sqlglot trees from fixed templates; user data only ever enters as
literals or column references.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, cast

import sqlglot
from sqlglot import exp

from eligo.data import units
from eligo.data.terminology import ValueSetEntry, normalize_code
from eligo.interpret.context import SiteRange
from eligo.omop.local import LocalConcepts
from eligo.protocol.model import Protocol

__all__ = ["ENTRY_COLUMNS", "KEY_COLUMNS", "KEY_TABLE_COLUMNS", "NEGATIVE_CODES",
           "POSITIVE_CODES", "Horizons", "Staging", "StagingTarget", "analyte_ids", "same_key",
           "sql", "stage", "staging_statements"]

_VOCABULARIES = {
    "loinc": ("LOINC",),
    "snomed": ("SNOMED",),
    "icd-10": ("ICD10", "ICD10CM"),
    "icd-10-cm": ("ICD10CM",),
    "atc": ("ATC",),
    "rxnorm": ("RxNorm", "RxNorm Extension"),
}
_DESCEND = {"snomed", "atc", "rxnorm"}  # hierarchies whose descendants belong to the entry
_ICD = {"icd-10", "icd-10-cm"}
_ICD_URI = "http://hl7.org/fhir/sid/icd-10"  # normalize_code reads ICD codes by their system
# what decides a measurement's or observation's analyte and unit factor (with its table)
KEY_COLUMNS = ("concept_id", "source_concept_id", "unit_concept_id", "unit_source_value")
_PAIR = ("concept_id", "source_concept_id")  # what decides a condition's or drug's value sets
# SNOMED codes of a qualitative result (OMOP 9191, 4126681 positive; 9189, 9190 negative)
POSITIVE_CODES = ("10828004", "260373001")
NEGATIVE_CODES = ("260385009", "260415000")
# the rows of each fact table as the analyte staging reads them: (table, query)
_FACTS = {
    "m": ("measurement", """
        SELECT 'm' AS src, measurement_id AS row_id, person_id,
               measurement_concept_id AS concept_id,
               measurement_source_concept_id AS source_concept_id,
               unit_concept_id, unit_source_value,
               measurement_date AS day, measurement_datetime AS ts,
               value_as_number AS value, operator_concept_id AS operator, range_high,
               value_as_concept_id, value_source_value AS value_string
        FROM :table WHERE measurement_date <= :as_of"""),
    "o": ("observation", """
        SELECT 'o' AS src, observation_id AS row_id, person_id,
               observation_concept_id AS concept_id,
               observation_source_concept_id AS source_concept_id,
               unit_concept_id, unit_source_value,
               observation_date AS day, observation_datetime AS ts,
               value_as_number AS value, CAST(NULL AS BIGINT) AS operator,
               CAST(NULL AS DOUBLE) AS range_high,
               value_as_concept_id, value_as_string AS value_string
        FROM :table WHERE observation_date <= :as_of"""),
}



@lru_cache(maxsize=512)
def _parsed(template: str) -> exp.Expr:
    """Parsing costs several times a copy: each template is parsed once (``transform``
    below works on a copy)."""
    return sqlglot.parse_one(template, read="duckdb")


def sql(template: str, **values: Any) -> exp.Expr:
    """A fixed SQL template with ``:name`` placeholders replaced by expressions or literals.
    A query put where a table goes (``FROM :rows AS r``) becomes a subquery."""
    tree = _parsed(template)
    converted = {k: v if isinstance(v, exp.Expr) else exp.convert(v)
                 for k, v in values.items()}

    def replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Placeholder) and node.name in converted:
            value = converted[node.name].copy()
            if isinstance(value, exp.Query) and not isinstance(node.parent, exp.CTE):
                return exp.Subquery(this=value)
            return value
        return node

    return tree.transform(replace)


@dataclass(frozen=True)
class Staging:
    protocol: Protocol
    local: LocalConcepts
    cdm: str = "cdm"  # the schema (or attached database) holding the CDM tables

    def t(self, table: str) -> exp.Table:
        return exp.table_(table, db=self.cdm) if self.cdm else exp.table_(table)

    # -- value sets ---------------------------------------------------------------------
    # Every value-set entry becomes a row of ``eligo_vs_entries`` (what to match, and the
    # entry's attributes); ``eligo_vs`` then reads ``concept`` once, joined to the entries by
    # vocabulary and code — equality for exact codes, equality on the first characters for
    # prefixes (one join per prefix length), a range test for ICD category ranges — as the
    # interpreter's matcher reads a coding (ICD codes upper case, without the dot).
    def entry_rows(self) -> list[tuple[Any, ...]]:
        """The rows of ``eligo_vs_entries`` (columns: :data:`ENTRY_COLUMNS`)."""
        rows = []
        for vs in self.protocol.valuesets.values():
            for excluded, part in ((False, vs.include), (True, vs.exclude)):
                for e in part:
                    attrs = e.attributes
                    factor = attrs.get("prednisone_mg_per_mg")
                    common = (str(attrs["drug"]) if "drug" in attrs else None,
                              str(attrs["mechanism"]) if "mechanism" in attrs else None,
                              None if factor is None else float(factor),
                              e.system in _DESCEND, excluded)
                    for match in self._matches(e):
                        rows.append((vs.id, e.code, *match, *common))
        return rows

    def _matches(self, e: ValueSetEntry) -> list[tuple[Any, ...]]:
        """(kind, vocabulary_id, code, prefix length, range low, range high, concept id) —
        one per vocabulary the entry's system is recorded in."""
        if e.system in ("assessment", "attestation", "medication"):
            cid = self.local.concept_id(e.system, e.code)
            return [] if cid is None else [("local", None, None, None, None, None, cid)]
        star = e.code.endswith("*")
        body = e.code[:-1] if star else e.code
        out: list[tuple[Any, ...]] = []
        for vocabulary in _VOCABULARIES.get(e.system, ()):
            if e.system in _ICD and "-" in body:
                lo, hi = (normalize_code(_ICD_URI, x)[:3] for x in body.split("-", 1))
                out.append(("range", vocabulary, None, None, lo, hi, None))
                continue
            code = normalize_code(_ICD_URI, body) if e.system in _ICD else body
            out.append(("prefix", vocabulary, code, len(code), None, None, None) if star
                       else ("exact", vocabulary, code, None, None, None, None))
        return out

    def valuesets(self, prefix_lengths: Iterable[int]) -> exp.Expr:
        """``eligo_vs``: (valueset, concept_id, drug, mechanism, factor) from
        ``eligo_vs_entries``: the concepts matched, less those an exclusion entry of the same
        value set matches, plus the descendants of SNOMED, ATC and RxNorm members and the
        standard concepts a member ``Maps to``."""
        icd = exp.Tuple(expressions=[exp.Literal.string(v) for v in ("ICD10", "ICD10CM")])
        vocabularies = sorted({v for vs in _VOCABULARIES.values() for v in vs})
        by_prefix = [sql(
            "SELECT e.*, c.concept_id FROM eligo_vs_entries AS e JOIN c "
            "ON c.vocabulary_id = e.vocabulary_id AND SUBSTRING(c.code, 1, :n) = e.code "
            "WHERE e.kind = 'prefix' AND e.prefix_length = :n", n=n)
            for n in sorted(set(prefix_lengths))]
        matched = _union([cast(exp.Select, q) for q in [
            sql("SELECT e.*, c.concept_id FROM eligo_vs_entries AS e JOIN c "
                "ON c.vocabulary_id = e.vocabulary_id AND c.code = e.code "
                "WHERE e.kind = 'exact'"),
            *by_prefix,
            sql("SELECT e.*, c.concept_id FROM eligo_vs_entries AS e JOIN c "
                "ON c.vocabulary_id = e.vocabulary_id "
                "AND SUBSTRING(c.code, 1, 3) BETWEEN e.range_low AND e.range_high "
                "WHERE e.kind = 'range'"),
            sql("SELECT e.*, c.concept_id FROM eligo_vs_entries AS e JOIN :concept AS c "
                "ON c.concept_id = e.local_id WHERE e.kind = 'local'",
                concept=self.t("concept")),
        ]])
        return sql(
            """
            WITH c AS (
              SELECT concept_id, vocabulary_id,
                     CASE WHEN vocabulary_id IN :icd
                          THEN UPPER(REPLACE(concept_code, '.', '')) ELSE concept_code
                     END AS code
              FROM :concept WHERE vocabulary_id IN :vocabularies
            ),
            matched AS (:matched),
            direct AS (
              SELECT i.* FROM matched AS i WHERE NOT i.excluded AND NOT EXISTS (
                SELECT 1 FROM matched AS x WHERE x.excluded AND x.valueset = i.valueset
                AND x.concept_id = i.concept_id)
            ),
            expanded AS (
              SELECT valueset, concept_id, drug, mechanism, factor FROM direct
              UNION ALL
              SELECT d.valueset, a.descendant_concept_id, d.drug, d.mechanism, d.factor
              FROM direct AS d JOIN :ancestor AS a ON a.ancestor_concept_id = d.concept_id
              WHERE d.descend AND a.descendant_concept_id <> d.concept_id
              UNION ALL
              SELECT d.valueset, r.concept_id_2, d.drug, d.mechanism, d.factor
              FROM direct AS d JOIN :rel AS r ON r.concept_id_1 = d.concept_id
              WHERE r.relationship_id = 'Maps to' AND r.concept_id_2 <> d.concept_id
            )
            SELECT valueset, concept_id, MIN(drug) AS drug, MIN(mechanism) AS mechanism,
                   MIN(factor) AS factor
            FROM expanded GROUP BY valueset, concept_id
            """,
            concept=self.t("concept"), icd=icd,
            vocabularies=exp.Tuple(expressions=[exp.Literal.string(v) for v in vocabularies]),
            matched=matched, ancestor=self.t("concept_ancestor"),
            rel=self.t("concept_relationship"),
        )

    # -- measurements and observations ---------------------------------------------------
    # The fact tables are read twice, each time in one pass: first their distinct keys
    # (concept, source concept, unit) — a few hundred rows that decide which analyte a row
    # belongs to and its unit factor — then the rows themselves, joined to those keys by
    # equality on all four columns. A row is thus matched, converted and dated against its
    # analyte's look-back in the scan, and the rows no criterion can read are never stored.
    def _facts(self, src: str, as_of: str) -> exp.Expr:
        table, template = _FACTS[src]
        return sql(template, table=self.t(table), as_of=_date(as_of))

    def fact_keys(self, as_of: str) -> exp.Expr:
        """``eligo_fact_keys``: the distinct (table, concept, source concept, unit concept,
        unit text) of measurement and observation up to the as-of date, with row counts."""
        return _union([
            cast(exp.Select, sql(
                "SELECT src, concept_id, source_concept_id, unit_concept_id, unit_source_value,"
                " COUNT(*) AS n_rows, COUNT(value) AS n_values FROM :facts AS f "
                "GROUP BY src, concept_id, source_concept_id, unit_concept_id, "
                "unit_source_value", facts=self._facts(src, as_of)))
            for src in _FACTS])

    def analyte_keys(self, analytes: Iterable[str]) -> exp.Expr:
        """The keys of ``eligo_fact_keys`` that belong to one of ``analytes`` — by the fact's
        standard or its source concept, each (key, analyte) once — with the unit's UCUM code
        (else the unit text) and the codes of both concepts (for site reference ranges)."""
        wanted = set(analytes)
        pairs = [(a.name, vid) for a in self.protocol.analytes.values() if a.name in wanted
                 for vid in a.valuesets]
        if not pairs:
            return sql("SELECT * FROM eligo_fact_keys WHERE FALSE")
        analyte_vs = _union([
            exp.select(exp.alias_(exp.Literal.string(a), "analyte"),
                       exp.alias_(exp.Literal.string(v), "valueset"))
            for a, v in pairs
        ])
        return sql(
            """
            WITH av AS (:analyte_vs),
            members AS (
              SELECT DISTINCT av.analyte, vs.concept_id
              FROM av JOIN eligo_vs AS vs ON vs.valueset = av.valueset
            ),
            matched AS (
              SELECT k.*, m.analyte FROM eligo_fact_keys AS k
              JOIN members AS m ON m.concept_id = k.concept_id
              UNION
              SELECT k.*, m.analyte FROM eligo_fact_keys AS k
              JOIN members AS m ON m.concept_id = k.source_concept_id
            )
            SELECT k.src, k.concept_id, k.source_concept_id, k.unit_concept_id,
                   k.unit_source_value, k.analyte,
                   COALESCE(u.concept_code, k.unit_source_value) AS unit_key,
                   c.concept_code AS code, s.concept_code AS source_code
            FROM matched AS k
            LEFT JOIN :concept AS u
              ON u.concept_id = k.unit_concept_id AND u.vocabulary_id = 'UCUM'
            LEFT JOIN :concept AS c ON c.concept_id = k.concept_id
            LEFT JOIN :concept AS s ON s.concept_id = k.source_concept_id
            """, analyte_vs=analyte_vs, concept=self.t("concept"))

    def qualitative_concepts(self) -> exp.Expr:
        """``eligo_qual``: the concepts whose code a qualitative result is read by."""
        codes = [*POSITIVE_CODES, *NEGATIVE_CODES]
        return sql("SELECT concept_id, concept_code FROM :concept WHERE concept_code IN :codes",
                   concept=self.t("concept"),
                   codes=exp.Tuple(expressions=[exp.Literal.string(c) for c in codes]))

    def facts(self, as_of: str) -> exp.Expr:
        """``eligo_facts`` (a view, never stored): every measurement and observation row of a
        key in ``eligo_keys`` dated on or after that key's horizon, value and ULN converted to
        the analyte's unit (a row without a factor is unusable, as in the interpreter), the
        ULN taken from the site's ranges where the row has none (SPEC §2.5)."""
        return sql(
            f"""
            SELECT k.analyte, k.aid, f.src, f.row_id, f.person_id, f.concept_id,
                   f.source_concept_id, f.day, f.ts, f.value, f.operator, f.range_high,
                   f.value_as_concept_id, f.value_string, q.concept_code AS value_code, k.factor,
                   f.value * k.factor AS value_conv,
                   COALESCE(f.range_high * k.factor, k.site_uln) AS uln_conv,
                   f.value IS NOT NULL AND k.factor IS NOT NULL AS usable,
                   k.agg_from, k.everyone_from, k.rows_from
            FROM (SELECT * FROM :m AS m UNION ALL SELECT * FROM :o AS o) AS f
            JOIN eligo_keys AS k ON k.src = f.src AND {same_key("k", "f")}
            LEFT JOIN eligo_qual AS q ON q.concept_id = f.value_as_concept_id
            WHERE f.day >= k.horizon
            """, m=self._facts("m", as_of), o=self._facts("o", as_of))

    def key_rows(self, keys: Iterable[Sequence[Any]], horizons: Horizons,
                 site_ranges: Mapping[str, SiteRange] | None) -> list[tuple[Any, ...]]:
        """The rows of ``eligo_keys`` from :meth:`analyte_keys`: each key with its factor to
        the analyte's unit, computed by the interpreter's own conversion code (a unit that
        does not convert gets none, so its rows are unusable exactly as in the interpreter),
        the site's ULN for it, and the earliest day any criterion reads."""
        site = self.site_ulns(site_ranges or {})
        ids = analyte_ids(self.protocol)
        factors: dict[tuple[str, str | None], float | None] = {}
        out = []
        for src, concept, source, unit_concept, unit_text, analyte, unit_key, code, \
                source_code in keys:
            agg_from, rows_from = horizons.aggregate.get(analyte), horizons.rows.get(analyte)
            if agg_from is None and rows_from is None:
                continue
            if (analyte, unit_key) not in factors:
                factors[analyte, unit_key] = self.unit_factor(analyte, unit_key)
            # the site's ULN for the row's concept, its source concept, else its analyte
            uln = site.get((analyte, code)) if code is not None else None
            if uln is None and source_code is not None and source != concept:
                uln = site.get((analyte, source_code))
            if uln is None:
                uln = site.get((analyte, analyte))
            out.append((src, concept, source, unit_concept, unit_text, analyte, ids[analyte],
                        factors[analyte, unit_key], uln,
                        min(d for d in (agg_from, rows_from) if d is not None),
                        agg_from, horizons.everyone.get(analyte, agg_from), rows_from))
        return out

    def site_ulns(self, site_ranges: Mapping[str, SiteRange]) -> dict[tuple[str, str], float]:
        """(analyte, key) → the ULN in the analyte's unit, for every site range (``key``: a
        code or an analyte name) convertible to an analyte's unit, by the interpreter's unit
        code."""
        out = {}
        for a in self.protocol.analytes.values():
            for key, site in site_ranges.items():
                try:
                    out[a.name, key] = units.convert(site.high, site.unit, a.unit,
                                                     a.equivalences)
                except units.UnitError:
                    continue
        return out

    def unit_factor(self, analyte: str, unit_key: str | None) -> float | None:
        """The factor from ``unit_key`` to the analyte's unit (None: not convertible)."""
        a = self.protocol.analytes[analyte]
        target = a.unit if a.unit is not None or a.positive_above_unit is None \
            else a.positive_above_unit
        try:
            return units.factor(unit_key, target, a.equivalences)
        except units.UnitError:
            return None


def analyte_ids(protocol: Protocol) -> dict[str, int]:
    """Each analyte's number (``aid``), in the protocol's order: what the analyte aggregates
    group and test by."""
    return {name: k for k, name in enumerate(protocol.analytes)}


@dataclass(frozen=True)
class Horizons:
    """The earliest day any criterion reads, per analyte: through ``eligo_analyte`` (its
    aggregates) and through ``eligo_rows`` (leaves that read rows one by one). ``everyone``:
    where the aggregates read further back only for some persons (those in the plan's
    ``eligo_guard``: an "ever" value inside a classification matters only where the
    person's diagnosis makes it), the day from which they read every person's rows."""

    aggregate: Mapping[str, date]
    rows: Mapping[str, date]
    everyone: Mapping[str, date] = field(default_factory=dict)


ENTRY_COLUMNS = (
    ("valueset", "VARCHAR"), ("entry", "VARCHAR"), ("kind", "VARCHAR"),
    ("vocabulary_id", "VARCHAR"), ("code", "VARCHAR"), ("prefix_length", "INTEGER"),
    ("range_low", "VARCHAR"), ("range_high", "VARCHAR"), ("local_id", "BIGINT"),
    ("drug", "VARCHAR"), ("mechanism", "VARCHAR"), ("factor", "DOUBLE"),
    ("descend", "BOOLEAN"), ("excluded", "BOOLEAN"))

KEY_TABLE_COLUMNS = (
    ("src", "VARCHAR"), ("concept_id", "BIGINT"), ("source_concept_id", "BIGINT"),
    ("unit_concept_id", "BIGINT"), ("unit_source_value", "VARCHAR"), ("analyte", "VARCHAR"),
    ("aid", "SMALLINT"), ("factor", "DOUBLE"), ("site_uln", "DOUBLE"), ("horizon", "DATE"),
    ("agg_from", "DATE"), ("everyone_from", "DATE"), ("rows_from", "DATE"))


def _union(selects: list[exp.Select]) -> exp.Expr:
    if not selects:
        raise ValueError("nothing to union")
    result: exp.Expr = selects[0]
    for s in selects[1:]:
        result = exp.union(result, s, distinct=False, copy=False)
    return result


def staging_statements(staging: Staging, as_of: str) -> Mapping[str, exp.Expr]:
    """The non-analyte staging tables (conditions, drugs, attestations, allergy, trials)."""
    local = staging.local
    return {
        # conditions and drugs: their distinct (concept, source concept) pairs are matched
        # to the value sets first (a few hundred), then the rows joined to those pairs
        "eligo_cond_keys": sql(
            """
            WITH pairs AS (
              SELECT condition_concept_id AS concept_id,
                     condition_source_concept_id AS source_concept_id
              FROM :co GROUP BY condition_concept_id, condition_source_concept_id
            )
            SELECT p.concept_id, p.source_concept_id, vs.valueset
            FROM pairs AS p JOIN eligo_vs AS vs ON vs.concept_id = p.concept_id
            UNION
            SELECT p.concept_id, p.source_concept_id, vs.valueset
            FROM pairs AS p JOIN eligo_vs AS vs ON vs.concept_id = p.source_concept_id
            """, co=staging.t("condition_occurrence")),
        "eligo_cond": sql(
            f"""
            SELECT k.valueset, c.person_id, c.condition_occurrence_id AS row_id,
                   c.condition_start_date AS start_day, c.condition_end_date AS end_day,
                   LOWER(c.condition_status_source_value) AS status
            FROM :co AS c
            JOIN eligo_cond_keys AS k ON {same_key("k", "c", _PAIR, "condition_")}
            WHERE c.condition_start_date IS NULL OR c.condition_start_date <= :as_of
            """, co=staging.t("condition_occurrence"), as_of=_date(as_of)),
        "eligo_drug_keys": sql(
            """
            WITH pairs AS (
              SELECT drug_concept_id AS concept_id, drug_source_concept_id AS source_concept_id
              FROM :de GROUP BY drug_concept_id, drug_source_concept_id
            ),
            matched AS (
              SELECT p.concept_id AS c, p.source_concept_id AS s, vs.*
              FROM pairs AS p JOIN eligo_vs AS vs ON vs.concept_id = p.concept_id
              UNION ALL
              SELECT p.concept_id, p.source_concept_id, vs.*
              FROM pairs AS p JOIN eligo_vs AS vs ON vs.concept_id = p.source_concept_id
              WHERE p.concept_id IS NULL OR p.source_concept_id <> p.concept_id
            )
            SELECT c AS concept_id, s AS source_concept_id, valueset,
                   COALESCE(MIN(drug), CAST(MIN(concept_id) AS VARCHAR)) AS drug,
                   MIN(mechanism) AS mechanism, MIN(factor) AS factor
            FROM matched GROUP BY c, s, valueset
            """, de=staging.t("drug_exposure")),
        "eligo_drug": sql(
            f"""
            SELECT k.valueset, d.person_id, d.drug_exposure_id AS row_id,
                   d.drug_exposure_start_date AS start_day, d.drug_exposure_end_date AS end_day,
                   d.stop_reason, CASE WHEN d.dose_unit_source_value = 'mg/d' THEN d.quantity
                   END AS daily_mg, k.drug, k.mechanism, k.factor
            FROM :de AS d JOIN eligo_drug_keys AS k ON {same_key("k", "d", _PAIR, "drug_")}
            WHERE d.drug_exposure_start_date <= :as_of
            """, de=staging.t("drug_exposure"), as_of=_date(as_of)),
        "eligo_attest": sql(
            """
            SELECT a.code, o.person_id, 'o' AS src, o.observation_id AS row_id,
                   o.observation_date AS day, o.observation_datetime AS ts,
                   CASE o.value_as_concept_id WHEN 4188539 THEN TRUE WHEN 4188540 THEN FALSE
                   END AS value
            FROM :obs AS o JOIN :codes AS a ON a.concept_id = o.observation_concept_id
            WHERE o.observation_date <= :as_of
            """, obs=staging.t("observation"), codes=_union([
                exp.select(exp.alias_(exp.Literal.string(code), "code"),
                           exp.alias_(exp.convert(cid), "concept_id"))
                for code in staging.protocol.attestations
                if (cid := local.concept_id("attestation", code)) is not None
            ]), as_of=_date(as_of)),
        "eligo_allergy": sql(
            """
            SELECT o.person_id, o.value_as_concept_id AS substance_concept_id,
                   COALESCE(o.qualifier_concept_id = :severe, FALSE) AS severe
            FROM :obs AS o WHERE o.observation_concept_id = :allergy
            """, obs=staging.t("observation"),
            severe=local.concept_id("special", "severe-allergy"),
            allergy=local.concept_id("special", "allergy")),
        "eligo_trial": sql(
            """
            SELECT o.person_id, o.observation_id AS row_id, o.observation_date AS start_day,
                   TRY_CAST(o.value_as_string AS DATE) AS end_day
            FROM :obs AS o WHERE o.observation_concept_id = :trial
            """, obs=staging.t("observation"),
            trial=local.concept_id("special", "trial-participation")),
    }


def same_key(a: str, b: str, columns: Sequence[str] = KEY_COLUMNS,
             prefix: str = "") -> str:
    """SQL text: the rows ``a`` and ``b`` have the same key, NULLs equal (an unmapped row has
    concept 0 in OMOP, but a messy CDM may leave it NULL); ``b``'s columns may be named
    ``<prefix><column>``. Still an equality join for the engine."""
    return " AND ".join(f"{a}.{c} IS NOT DISTINCT FROM {b}.{prefix}{c}" for c in columns)


def _date(iso: str) -> exp.Expr:
    return exp.cast(exp.Literal.string(iso), "DATE")


class StagingTarget(typing.Protocol):
    """What :func:`stage` needs from an engine (DuckDB, Spark)."""

    def create(self, name: str, query: exp.Expr) -> None:
        """Materialise ``query`` as the table ``name``."""

    def view(self, name: str, query: exp.Expr) -> None:
        """``query`` as the view ``name``: computed where it is read, never stored."""

    def fetch(self, query: exp.Expr) -> list[tuple[Any, ...]]:
        """The rows of a small query."""

    def values(self, name: str, columns: Sequence[tuple[str, str]],
               rows: Sequence[Sequence[Any]]) -> None:
        """A table ``name`` of rows computed in Python; ``columns``: (name, DuckDB type)."""


def stage(target: StagingTarget, staging: Staging, as_of: str, horizons: Horizons,
          site_ranges: Mapping[str, SiteRange] | None = None) -> None:
    """Every staging table, in order, on one engine: the value sets, the fact keys and their
    analytes, the view ``eligo_facts``, the rows leaves read one by one (``eligo_rows``),
    and the condition, drug, attestation, allergy and trial tables."""
    target.create("eligo_person", exp.select("*").from_(staging.t("person")))
    entries = staging.entry_rows()
    target.values("eligo_vs_entries", ENTRY_COLUMNS, entries)
    target.create("eligo_vs", staging.valuesets(
        r[5] for r in entries if r[2] == "prefix"))
    target.create("eligo_fact_keys", staging.fact_keys(as_of))
    keys = target.fetch(staging.analyte_keys({*horizons.aggregate, *horizons.rows}))
    key_rows = staging.key_rows(keys, horizons, site_ranges)
    target.values("eligo_keys", KEY_TABLE_COLUMNS, key_rows)
    target.create("eligo_qual", staging.qualitative_concepts())
    target.view("eligo_facts", staging.facts(as_of))
    if horizons.rows:  # usable rows only, and what the leaves that read them need
        rows = cast(exp.Select, sql(
            "SELECT analyte, person_id, src, row_id, day, ts, value_conv, operator, uln_conv, "
            "usable FROM eligo_facts WHERE rows_from IS NOT NULL AND day >= rows_from "
            "AND usable"))
        # the few analytes' concepts as a literal list: the engine drops every other row
        # while it scans, before the key join
        names = [c for c, _ in KEY_TABLE_COLUMNS]
        concept, since = names.index("concept_id"), names.index("rows_from")
        concepts = {k[concept] for k in key_rows if k[since] is not None}
        if concepts and None not in concepts:
            rows = rows.where(exp.In(this=exp.column("concept_id"), expressions=[
                exp.convert(c) for c in sorted(concepts)]), copy=False)
        target.create("eligo_rows", rows)
    for name, query in staging_statements(staging, as_of).items():
        target.create(name, query)
