"""The staging tables every compiled criterion reads: one scan of the CDM per run.

``eligo_vs``      value-set members as concept ids (with the entry's attributes), resolved
                  through ``concept``, ``Maps to`` and ``concept_ancestor`` (docs/omop.md)
``eligo_rows``    every measurement/observation row of an analyte, value and ULN converted
                  to the analyte's unit with factors computed by the interpreter's unit code
``eligo_cond``    condition rows per value set;  ``eligo_drug`` drug rows per value set
``eligo_attest``  attestations;  ``eligo_allergy``, ``eligo_trial`` the local-concept facts

Everything here is built as sqlglot trees from fixed templates; user data only ever enters as
literals or column references.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from eligo.compile.dialect import Dialect
from eligo.data import units
from eligo.data.terminology import ValueSet, ValueSetEntry, normalize_code
from eligo.interpret.context import SiteRange
from eligo.omop.local import LocalConcepts
from eligo.protocol.model import Protocol

__all__ = ["Staging", "StagingTarget", "sql", "stage", "staging_statements"]

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



def sql(template: str, **values: Any) -> exp.Expr:
    """A fixed SQL template with ``:name`` placeholders replaced by expressions or literals.
    A query put where a table goes (``FROM :rows AS r``) becomes a subquery."""
    tree = sqlglot.parse_one(template, read="duckdb")
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


def _s(value: str | None) -> exp.Expr:
    return exp.null() if value is None else exp.Literal.string(value)


@dataclass(frozen=True)
class Staging:
    protocol: Protocol
    local: LocalConcepts
    dialect: Dialect
    cdm: str = "cdm"  # the schema (or attached database) holding the CDM tables

    def t(self, table: str) -> exp.Table:
        return exp.table_(table, db=self.cdm) if self.cdm else exp.table_(table)

    # -- value sets ---------------------------------------------------------------------
    def _entry_condition(self, e: ValueSetEntry) -> exp.Expr | None:
        """A predicate on ``concept`` (alias c) selecting the entry's concepts."""
        if e.system in ("assessment", "attestation", "medication"):
            cid = self.local.concept_id(e.system, e.code)
            return None if cid is None else sql("c.concept_id = :id", id=cid)
        vocabularies = _VOCABULARIES.get(e.system)
        if vocabularies is None:
            return None
        vocab = exp.In(this=exp.column("vocabulary_id", "c"),
                       expressions=[exp.Literal.string(v) for v in vocabularies])
        code = e.code
        star = code.endswith("*")
        body = code[:-1] if star else code
        if e.system in _ICD:
            plain = sql("REPLACE(c.concept_code, '.', '')")
            if "-" in body:
                lo, hi = body.split("-", 1)
                lo_n, hi_n = normalize_code("http://hl7.org/fhir/sid/icd-10", lo)[:3], \
                    normalize_code("http://hl7.org/fhir/sid/icd-10", hi)[:3]
                match = sql("SUBSTRING(:p, 1, 3) BETWEEN :lo AND :hi", p=plain, lo=lo_n, hi=hi_n)
            elif star:
                match = sql(":p LIKE :pattern", p=plain, pattern=body.replace(".", "") + "%")
            else:
                match = sql(":p = :code", p=plain, code=body.replace(".", "").upper())
        elif star:
            match = sql("c.concept_code LIKE :pattern", pattern=body + "%")
        else:
            match = sql("c.concept_code = :code", code=body)
        return exp.and_(vocab, match)

    def _members(self, vs: ValueSet, part: tuple[ValueSetEntry, ...]
                 ) -> list[tuple[list[exp.Expr], exp.Expr]]:
        """One branch per entry: its select list over ``concept`` (alias c) and its condition."""
        branches = []
        for e in part:
            cond = self._entry_condition(e)
            if cond is None:
                continue
            attrs = e.attributes
            factor = attrs.get("prednisone_mg_per_mg")
            branches.append(([
                exp.alias_(exp.Literal.string(vs.id), "valueset"),
                exp.alias_(exp.column("concept_id", "c"), "concept_id"),
                exp.alias_(_s(str(attrs["drug"]) if "drug" in attrs else None), "drug"),
                exp.alias_(_s(str(attrs["mechanism"]) if "mechanism" in attrs else None),
                           "mechanism"),
                exp.alias_(exp.cast(exp.convert(float(factor)) if factor is not None
                                    else exp.null(), "DOUBLE"), "factor"),
                exp.alias_(exp.Literal.string(e.code), "entry"),
                exp.alias_(exp.convert(e.system in _DESCEND), "descend"),
            ], cond))
        return branches

    def valuesets(self) -> exp.Expr:
        """``eligo_vs``: (valueset, concept_id, drug, mechanism, factor)."""
        include: list[tuple[list[exp.Expr], exp.Expr]] = []
        exclude: list[tuple[list[exp.Expr], exp.Expr]] = []
        for vs in self.protocol.valuesets.values():
            include += self._members(vs, vs.include)
            exclude += self._members(vs, vs.exclude)
        concept = exp.alias_(self.t("concept"), "c")
        base = self.dialect.filtered_union(concept, include)
        excluded = self.dialect.filtered_union(concept, exclude) if exclude else None
        direct = exp.select("i.*").from_(exp.alias_(exp.Subquery(this=base), "i"))
        if excluded is not None:
            direct = direct.where(sql(
                "NOT EXISTS (SELECT 1 FROM :x AS x WHERE x.valueset = i.valueset "
                "AND x.concept_id = i.concept_id)", x=exp.Subquery(this=excluded)))
        return sql(
            """
            WITH direct AS (:direct),
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
            direct=direct, ancestor=self.t("concept_ancestor"),
            rel=self.t("concept_relationship"),
        )

    # -- measurements and observations ---------------------------------------------------
    _FACTS = """
        SELECT 'm' AS src, measurement_id AS row_id, person_id,
               measurement_concept_id AS concept_id,
               measurement_source_concept_id AS source_concept_id,
               measurement_date AS day, measurement_datetime AS ts,
               value_as_number AS value, operator_concept_id AS operator,
               unit_concept_id, unit_source_value, range_high,
               value_as_concept_id, value_source_value AS value_string
        FROM :measurement WHERE measurement_date <= :as_of
        UNION ALL
        SELECT 'o', observation_id, person_id, observation_concept_id,
               observation_source_concept_id, observation_date, observation_datetime,
               value_as_number, NULL, unit_concept_id, unit_source_value, NULL,
               value_as_concept_id, value_as_string
        FROM :observation WHERE observation_date <= :as_of"""
    _UNITS = """
        SELECT measurement_concept_id AS concept_id,
               measurement_source_concept_id AS source_concept_id,
               unit_concept_id, unit_source_value
        FROM :measurement WHERE measurement_date <= :as_of GROUP BY ALL
        UNION
        SELECT observation_concept_id, observation_source_concept_id, unit_concept_id,
               unit_source_value
        FROM :observation WHERE observation_date <= :as_of GROUP BY ALL"""

    def _matched(self, as_of: str, facts: str, select: str) -> exp.Expr:
        """``facts`` (rows with concept_id, source_concept_id, unit columns) matched to the
        protocol's analytes through their value sets, ``select`` over them (alias f) with the
        unit's UCUM concept (alias u) and the value's concept (alias vc) joined."""
        pairs = [(a.name, vid) for a in self.protocol.analytes.values() for vid in a.valuesets]
        analyte_vs = _union([
            exp.select(exp.alias_(exp.Literal.string(a), "analyte"),
                       exp.alias_(exp.Literal.string(v), "valueset"))
            for a, v in pairs
        ])
        return sql(
            f"""
            WITH av AS (:analyte_vs),
            members AS (
              SELECT DISTINCT av.analyte, vs.concept_id
              FROM av JOIN eligo_vs AS vs ON vs.valueset = av.valueset
            ),
            matched AS (
              -- a fact matches by its standard or its source concept: two equality joins
              -- (an OR join runs as a nested loop), the second only for rows whose standard
              -- concept did not already match that analyte (no DISTINCT over millions of rows).
              -- The facts are written out in each branch, not as a CTE: an engine would keep
              -- a CTE read twice in memory (~5 GB for 50 M rows) instead of scanning twice.
              SELECT m.analyte, f.* FROM ({facts}) AS f JOIN members AS m
                ON m.concept_id = f.concept_id
              UNION ALL
              SELECT m.analyte, f.* FROM ({facts}) AS f JOIN members AS m
                ON m.concept_id = f.source_concept_id
              WHERE f.source_concept_id <> f.concept_id AND NOT EXISTS (
                SELECT 1 FROM members AS s WHERE s.analyte = m.analyte
                  AND s.concept_id = f.concept_id)
            )
            SELECT {select}
            FROM matched AS f
            LEFT JOIN :concept AS u
              ON u.concept_id = f.unit_concept_id AND u.vocabulary_id = 'UCUM'
            """,
            analyte_vs=analyte_vs, measurement=self.t("measurement"),
            observation=self.t("observation"), concept=self.t("concept"),
            as_of=_date(as_of),
        )

    def unit_keys(self, as_of: str) -> exp.Expr:
        """(analyte, unit key) pairs present in the data, from one grouped pass over the unit
        columns alone: what :meth:`unit_factors` needs before the rows are gathered."""
        return self._matched(as_of, self._UNITS, "DISTINCT f.analyte, "
                             "COALESCE(u.concept_code, f.unit_source_value) AS unit_key")

    def analyte_rows(self, as_of: str) -> exp.Expr:
        """Every row of every analyte, unconverted, with its unit key."""
        rows = self._matched(as_of, self._FACTS, """
            f.analyte, f.src, f.row_id, f.person_id, f.concept_id, f.source_concept_id,
            f.day, f.ts, f.value, f.operator,
            COALESCE(u.concept_code, f.unit_source_value) AS unit_key, f.range_high,
            f.value_as_concept_id, f.value_string""")
        # the value's concept code (positive/negative SNOMED codes), joined after the match
        return sql("SELECT r.*, vc.concept_code AS value_code FROM :rows AS r "
                   "LEFT JOIN :concept AS vc ON vc.concept_id = r.value_as_concept_id",
                   rows=rows, concept=self.t("concept"))

    def converted_rows(self, raw: exp.Expr, site_ranges: bool = False) -> exp.Expr:
        """``eligo_rows``: the analyte rows (``raw``, a query or a table) with value and ULN
        converted by the factors in
        ``eligo_units`` (analyte, unit_key, factor); a row without a factor is unusable.
        With ``site_ranges`` (tables ``eligo_site_keys`` from :meth:`site_ulns` and
        ``eligo_site_concept`` from :meth:`site_concepts`), a row without its own
        ``range_high`` takes the site's ULN for its concept, its source concept, else its
        analyte — the interpreter's order (SPEC §2.5)."""
        if not site_ranges:
            return sql(
                """
                SELECT r.*, u.factor, r.value * u.factor AS value_conv,
                       r.range_high * u.factor AS uln_conv,
                       r.value IS NOT NULL AND u.factor IS NOT NULL AS usable
                FROM :raw AS r LEFT JOIN eligo_units AS u
                  ON u.analyte = r.analyte AND u.unit_key = COALESCE(r.unit_key, '')
                """, raw=raw)
        return sql(
            """
            SELECT r.*, u.factor, r.value * u.factor AS value_conv,
                   COALESCE(r.range_high * u.factor, s1.uln, s2.uln, sa.uln) AS uln_conv,
                   r.value IS NOT NULL AND u.factor IS NOT NULL AS usable
            FROM :raw AS r LEFT JOIN eligo_units AS u
              ON u.analyte = r.analyte AND u.unit_key = COALESCE(r.unit_key, '')
            LEFT JOIN eligo_site_concept AS s1
              ON s1.analyte = r.analyte AND s1.concept_id = r.concept_id
            LEFT JOIN eligo_site_concept AS s2
              ON s2.analyte = r.analyte AND s2.concept_id = r.source_concept_id
             AND r.source_concept_id <> r.concept_id
            LEFT JOIN eligo_site_keys AS sa ON sa.analyte = r.analyte AND sa.key = r.analyte
            """, raw=raw)

    def site_ulns(self, site_ranges: Mapping[str, SiteRange]) -> list[tuple[str, str, float]]:
        """(analyte, key, ULN in the analyte's unit) for every site range (``key``: a code or
        an analyte name) convertible to an analyte's unit, by the interpreter's unit code."""
        out = []
        for a in self.protocol.analytes.values():
            for key, site in site_ranges.items():
                try:
                    out.append((a.name, key, units.convert(site.high, site.unit, a.unit,
                                                           a.equivalences)))
                except units.UnitError:
                    continue
        return out

    def site_concepts(self) -> exp.Expr:
        """``eligo_site_concept``: the site ULNs keyed by the concept whose code is the key."""
        return sql(
            """
            SELECT s.analyte, c.concept_id, MIN(s.uln) AS uln
            FROM eligo_site_keys AS s JOIN :concept AS c ON c.concept_code = s.key
            GROUP BY s.analyte, c.concept_id
            """, concept=self.t("concept"))

    def unit_factors(self, present: Iterable[tuple[str, str | None]]) -> list[tuple[str, str,
                                                                                  float]]:
        """(analyte, unit key, factor to the analyte's unit) for the units found in the data,
        computed by the interpreter's own conversion code; unconvertible units are left out,
        so their rows are unusable exactly as in the interpreter."""
        out = []
        for analyte_name, unit_key in present:
            a = self.protocol.analytes[analyte_name]
            target = a.unit if a.unit is not None or a.positive_above_unit is None \
                else a.positive_above_unit
            try:
                f = units.factor(unit_key, target, a.equivalences)
            except units.UnitError:
                continue
            out.append((analyte_name, unit_key if unit_key is not None else "", f))
        return out


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
        "eligo_cond": sql(
            """
            SELECT DISTINCT vs.valueset, c.person_id, c.condition_occurrence_id AS row_id,
                   c.condition_start_date AS start_day, c.condition_end_date AS end_day,
                   LOWER(c.condition_status_source_value) AS status
            FROM (SELECT x.*, x.condition_concept_id AS match_id FROM :co AS x
                  UNION ALL
                  SELECT x.*, x.condition_source_concept_id FROM :co2 AS x
                  WHERE x.condition_source_concept_id <> x.condition_concept_id) AS c
            JOIN eligo_vs AS vs ON vs.concept_id = c.match_id
            WHERE c.condition_start_date IS NULL OR c.condition_start_date <= :as_of
            """, co=staging.t("condition_occurrence"), co2=staging.t("condition_occurrence"),
            as_of=_date(as_of)),
        "eligo_drug": sql(
            """
            SELECT vs.valueset, d.person_id, d.drug_exposure_id AS row_id,
                   d.drug_exposure_start_date AS start_day, d.drug_exposure_end_date AS end_day,
                   d.stop_reason, CASE WHEN d.dose_unit_source_value = 'mg/d' THEN d.quantity
                   END AS daily_mg,
                   COALESCE(MIN(vs.drug), CAST(MIN(vs.concept_id) AS VARCHAR)) AS drug,
                   MIN(vs.mechanism) AS mechanism, MIN(vs.factor) AS factor
            FROM (SELECT x.*, x.drug_concept_id AS match_id FROM :de AS x
                  UNION ALL
                  SELECT x.*, x.drug_source_concept_id FROM :de2 AS x
                  WHERE x.drug_source_concept_id <> x.drug_concept_id) AS d
            JOIN eligo_vs AS vs ON vs.concept_id = d.match_id
            WHERE d.drug_exposure_start_date <= :as_of
            GROUP BY vs.valueset, d.person_id, d.drug_exposure_id, d.drug_exposure_start_date,
                     d.drug_exposure_end_date, d.stop_reason, d.dose_unit_source_value,
                     d.quantity
            """, de=staging.t("drug_exposure"), de2=staging.t("drug_exposure"),
            as_of=_date(as_of)),
        "eligo_attest": sql(
            """
            SELECT a.code, o.person_id, o.observation_id AS row_id,
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


def _date(iso: str) -> exp.Expr:
    return exp.cast(exp.Literal.string(iso), "DATE")


class StagingTarget(typing.Protocol):
    """What :func:`stage` needs from an engine (DuckDB, Spark)."""

    def create(self, name: str, query: exp.Expr) -> None:
        """Materialise ``query`` as the table (or view) ``name``."""

    def fetch(self, query: exp.Expr) -> list[tuple[Any, ...]]:
        """The rows of a small query."""

    def values(self, name: str, columns: tuple[str, str, str],
               rows: list[tuple[str, str, float]]) -> None:
        """A table ``name`` of (text, text, double) rows computed in Python."""


def stage(target: StagingTarget, staging: Staging, as_of: str,
          site_ranges: Mapping[str, SiteRange] | None = None) -> None:
    """Every staging table, in order, on one engine."""
    target.create("eligo_person", exp.select("*").from_(staging.t("person")))
    target.create("eligo_vs", staging.valuesets())
    present = [(row[0], row[1]) for row in target.fetch(staging.unit_keys(as_of))]
    target.values("eligo_units", ("analyte", "unit_key", "factor"),
                  staging.unit_factors(present))
    if site_ranges:
        target.values("eligo_site_keys", ("analyte", "key", "uln"),
                      staging.site_ulns(site_ranges))
        target.create("eligo_site_concept", staging.site_concepts())
    # the rows gathered and converted in one statement: no second copy of millions of rows
    target.create("eligo_rows", staging.converted_rows(staging.analyte_rows(as_of),
                                                       site_ranges=bool(site_ranges)))
    for name, query in staging_statements(staging, as_of).items():
        target.create(name, query)
