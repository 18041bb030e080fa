"""The OHDSI peer for bench_population.py: a criteria subset as eligo protocol and Circe cohort.

``run(db, as_of, circe_python, env)``

1. writes a subset protocol (a copy of cart-autoimmune with its value sets and source text,
   cohorts cut to ``ra``, criteria cut to what Circe can express: age 18–65, RA diagnosis,
   seven labs in the 28-day window, three exclusion diagnoses; value sets and analytes cut to
   the ones these criteria read, so eligo stages nothing else);
2. resolves every value set to OMOP concept ids *with eligo's own staging* on the same CDM
   (``eligo_vs``), and every unit present for the labs with eligo's unit factors, so both tools
   look for the same rows;
3. writes the equivalent Circe cohort definition (JSON, Java field names), has ohdsi-circepy
   (in its own venv: it pins its own sqlglot) build the cohort SQL, render it with its SqlRender
   port and translate it to DuckDB;
4. runs that SQL on the CDM (attached read-only, results in memory) and ``eligo population
   --protocol subset.yaml`` on the same file, timing both, and compares the counts.

What Circe cannot say is replaced by its nearest expression and listed in ``NOTES``.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL_DIR = ROOT / "src" / "eligo" / "protocols"
WINDOW = 28

# (id, kind, statement, absent, rule, source-from) — the subset, in eligo's rule language.
# Rules are the protocol's own minus what Circe cannot express (attestation alternatives,
# Gilbert's 3 × ULN, the G-CSF wash-out, Cockcroft–Gault): those parts are cut on both sides.
SUBSET = [
    ("sub.age", "inclusion", "18 ≤ age ≤ 65 years", "open", "age >= 18 and age <= 65",
     "inc.age"),
    ("sub.ra", "inclusion", "rheumatoid arthritis diagnosis", "closed",
     "condition(rheumatoid-arthritis)", "ra.inc.classification"),
    ("sub.wbc", "inclusion", "WBC ≥ 3 × 10^9/L", "open", "latest(wbc) >= 3 '10*9/L'", "inc.wbc"),
    ("sub.anc", "inclusion", "neutrophils ≥ 1 × 10^9/L", "open", "latest(anc) >= 1 '10*9/L'",
     "inc.anc"),
    ("sub.hgb", "inclusion", "hemoglobin ≥ 60 g/L", "open", "latest(hgb) >= 60 'g/L'", "inc.hgb"),
    ("sub.alt", "inclusion", "ALT ≤ 3 × ULN", "open", "latest(alt) <= 3 x uln", "inc.alt"),
    ("sub.ast", "inclusion", "AST ≤ 3 × ULN", "open", "latest(ast) <= 3 x uln", "inc.ast"),
    ("sub.tbil", "inclusion", "total bilirubin ≤ 1.5 × ULN", "open", "latest(tbil) <= 1.5 x uln",
     "inc.tbil"),
    ("sub.creatinine", "inclusion", "serum creatinine ≤ 1.5 × ULN", "open",
     "latest(creatinine) <= 1.5 x uln", "inc.crcl"),
    ("sub.cardiac", "exclusion", "serious heart disease", "closed",
     "condition(serious-heart-disease)", "exc.cardiac"),
    ("sub.malignancy", "exclusion", "malignant tumour", "closed", "condition(malignancy)",
     "exc.malignancy"),
    ("sub.hiv", "exclusion", "HIV diagnosis", "closed", "condition(hiv)", "exc.hiv"),
]

# analyte, value set, kind of threshold, Circe operator, threshold (in the analyte's unit)
LABS = [
    ("wbc", "leukocytes", "value", "gte", 3.0),
    ("anc", "neutrophils", "value", "gte", 1.0),
    ("hgb", "hemoglobin", "value", "gte", 60.0),
    ("alt", "alt", "uln", "lte", 3.0),
    ("ast", "ast", "uln", "lte", 3.0),
    ("tbil", "bilirubin-total", "uln", "lte", 1.5),
    ("creatinine", "creatinine", "uln", "lte", 1.5),
]
DIAGNOSES = [("rheumatoid-arthritis", "RA"), ("serious-heart-disease", "heart disease"),
             ("malignancy", "malignancy"), ("hiv", "HIV")]

NOTES = [
    "no as-of date in Circe: every window is relative to an index event, so the index is a "
    "user-defined observation period starting on the as-of date (the RA diagnosis becomes an "
    "inclusion rule 'any time before'; with the RA diagnosis as index the 28-day lab window "
    "would count from the diagnosis date)",
    "'latest value in the window' is not expressible (Circe has 'first' occurrence, not last): "
    "'at least one value in the window meets the threshold' is used instead",
    "unit conversion: none; each unit present in the data is enumerated with a hand-converted "
    "threshold (Unit filter on unit_concept_id), rows with only a unit_source_value are lost",
    "× ULN: expressible as RangeHighRatio (value_as_number / range_high); a row without "
    "range_high simply fails",
    "source-coded rows (condition_concept_id 0, source concept set): one extra criterion per "
    "value set on *_source_concept_id, OR-ed in a group",
    "unknown vs false: none — a person with no lab in the window is simply not in the cohort",
    "not attempted: attestation alternatives (disease-related liver abnormality), Gilbert's "
    "3 × ULN, the 14-day G-CSF wash-out before the ANC sample (relative to the sample, not the "
    "index), Cockcroft–Gault creatinine clearance (arithmetic over age, weight, sex), the "
    "malignancy exceptions ('disease-free > 5 years'), the HIV antibody test; age is "
    "year(index) − year_of_birth in Circe, completed years in eligo",
]


def subset_protocol(dest: Path) -> Path:
    """A copy of the bundled protocol with only the subset criteria and the ``ra`` cohort."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copytree(PROTOCOL_DIR / "valuesets", dest / "valuesets")
    if (PROTOCOL_DIR / "omop").exists():
        shutil.copytree(PROTOCOL_DIR / "omop", dest / "omop")
    shutil.copy(PROTOCOL_DIR / "cart-autoimmune.source.txt", dest / "cart-autoimmune.source.txt")
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    y.allow_unicode = True
    y.sort_base_mapping_type_on_output = False  # type: ignore[attr-defined]
    doc = y.load((PROTOCOL_DIR / "cart-autoimmune.yaml").read_text())
    sources = {c["id"]: c["source"] for c in doc["criteria"]}
    doc["id"] = "cart-autoimmune-circe-subset"
    doc["title"] = "CAR-T autoimmune — subset expressible in OHDSI Circe (benchmark)"
    doc["cohorts"] = [c for c in doc["cohorts"] if c["id"] == "ra"]
    # only what the subset reads: staging then scans for these analytes and value sets alone
    used_vs = {v for _, v, *_ in LABS} | {d for d, _ in DIAGNOSES}
    doc["valuesets"] = [v for v in doc["valuesets"] if v in used_vs]
    doc["analytes"] = {k: v for k, v in doc["analytes"].items() if k in {a for a, *_ in LABS}}
    doc["criteria"] = [
        {"id": cid, "kind": kind, "cohort": "common", "statement": st, "source": sources[src],
         "absent": absent, "rule": rule}
        for cid, kind, st, absent, rule, src in SUBSET
    ]
    path = dest / "subset.yaml"
    with path.open("w") as f:
        y.dump(doc, f)
    return path


def resolve(protocol_path: Path, db: str, as_of: date) -> dict[str, Any]:
    """Concept ids per value set and (unit concept id, factor) per lab, from eligo's staging."""
    from eligo import load_protocol
    from eligo.compile.engine import DuckDBEngine

    protocol = load_protocol(protocol_path)
    eng = DuckDBEngine.open(protocol, db)
    eng.stage(as_of, eng.compile(as_of))
    con = eng.con
    vs = {name: [r[0] for r in con.execute(
        "SELECT DISTINCT concept_id FROM eligo_vs WHERE valueset = ? ORDER BY 1", [name]
    ).fetchall()] for name in [v for _, v, *_ in LABS] + [d for d, _ in DIAGNOSES]}
    units: dict[str, list[tuple[int, float]]] = {}
    for analyte, *_ in LABS:
        # the unit concepts of the lab's keys with a factor (Circe filters unit_concept_id,
        # so a unit given only as text cannot be matched there)
        units[analyte] = [(int(u), float(f)) for u, f in con.execute(
            """SELECT DISTINCT unit_concept_id, factor FROM eligo_keys
               WHERE analyte = ? AND factor IS NOT NULL AND unit_concept_id <> 0
               ORDER BY 1""", [analyte]
        ).fetchall()]
    con.close()
    return {"vs": vs, "units": units}


def _concept_set(i: int, name: str, ids: list[int]) -> dict[str, Any]:
    return {"id": i, "name": name, "expression": {"items": [
        {"concept": {"CONCEPT_ID": c, "CONCEPT_NAME": "", "STANDARD_CONCEPT": "S",
                     "CONCEPT_CODE": "", "DOMAIN_ID": "", "VOCABULARY_ID": "",
                     "CONCEPT_CLASS_ID": "", "INVALID_REASON": "V"},
         "isExcluded": False, "includeDescendants": False, "includeMapped": False}
        for c in ids]}}


def _window(days_before: int | None) -> dict[str, Any]:
    start = {"Coeff": -1} if days_before is None else {"Days": days_before, "Coeff": -1}
    return {"Start": start, "End": {"Days": 0, "Coeff": 1}, "UseEventEnd": False}


def _correlated(criteria: dict[str, Any], days_before: int | None, count: int = 1,
                kind: int = 2) -> dict[str, Any]:
    # Occurrence Type: 0 = exactly, 1 = at most, 2 = at least
    return {"Criteria": criteria, "StartWindow": _window(days_before), "RestrictVisit": False,
            "IgnoreObservationPeriod": True, "Occurrence": {"Type": kind, "Count": count}}


def circe_definition(res: dict[str, Any], as_of: date) -> dict[str, Any]:
    sets, ids = [], {}
    for name in res["vs"]:
        ids[name] = len(sets)
        sets.append(_concept_set(len(sets), name, res["vs"][name]))

    def cond_any(name: str) -> dict[str, Any]:
        cs = ids[name]
        return {"Type": "ANY", "CriteriaList": [
            _correlated({"ConditionOccurrence": {"CodesetId": cs}}, None),
            _correlated({"ConditionOccurrence": {"ConditionSourceConcept": cs}}, None)],
            "DemographicCriteriaList": [], "Groups": []}

    rules = [
        {"name": "age 18-65", "expression": {
            "Type": "ALL", "CriteriaList": [], "Groups": [],
            "DemographicCriteriaList": [{"Age": {"Value": 18, "Op": "bt", "Extent": 65}}]}},
        {"name": "RA diagnosis", "expression": cond_any("rheumatoid-arthritis")},
    ]
    for analyte, vsname, kind, op, thr in LABS:
        cs = ids[vsname]
        crit = []
        for attr in ("CodesetId", "MeasurementSourceConcept"):
            if kind == "uln":
                crit.append({"Measurement": {attr: cs, "RangeHighRatio": {"Value": thr, "Op": op}}})
            else:
                for unit, factor in res["units"][analyte]:
                    crit.append({"Measurement": {
                        attr: cs, "Unit": [{"CONCEPT_ID": unit, "CONCEPT_NAME": ""}],
                        "ValueAsNumber": {"Value": round(thr / factor, 6), "Op": op}}})
        rules.append({"name": f"{analyte} in window", "expression": {
            "Type": "ANY", "CriteriaList": [_correlated(c, WINDOW) for c in crit],
            "DemographicCriteriaList": [], "Groups": []}})
    for name, label in DIAGNOSES[1:]:
        cs = ids[name]
        rules.append({"name": f"no {label}", "expression": {
            "Type": "ALL", "DemographicCriteriaList": [], "Groups": [],
            "CriteriaList": [
                _correlated({"ConditionOccurrence": {"CodesetId": cs}}, None, 0, 0),
                _correlated({"ConditionOccurrence": {"ConditionSourceConcept": cs}}, None, 0, 0)]}})
    return {
        "ConceptSets": sets,
        "PrimaryCriteria": {
            "CriteriaList": [{"ObservationPeriod": {"UserDefinedPeriod": {
                "StartDate": as_of.isoformat(), "EndDate": as_of.isoformat()}}}],
            "ObservationWindow": {"PriorDays": 0, "PostDays": 0},
            "PrimaryCriteriaLimit": {"Type": "First"}},
        "QualifiedLimit": {"Type": "First"},
        "ExpressionLimit": {"Type": "First"},
        "InclusionRules": rules,
        "CensoringCriteria": [],
        "CollapseSettings": {"CollapseType": "ERA", "EraPad": 0},
        "CensorWindow": {},
        "cdmVersionRange": ">=5.0.0",
    }


GEN_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
from circe.api import cohort_expression_from_json, build_cohort_query
from circe.cohortdefinition import BuildExpressionQueryOptions
from circe.sqlrender import render, translate, split_sql
src, out = sys.argv[1], sys.argv[2]
expr = cohort_expression_from_json(open(src).read())
o = BuildExpressionQueryOptions()
o.cdm_schema = "cdm"; o.vocabulary_schema = "cdm"; o.target_table = "main.cohort"
o.cohort_id = 1; o.generate_stats = False
sql = build_cohort_query(expr, o)
sql = render(sql, cdm_database_schema="cdm", vocabulary_database_schema="cdm",
             target_database_schema="main", target_cohort_table="cohort", target_cohort_id=1,
             results_database_schema="main")
sql = translate(sql, "duckdb")
stmts = [s for s in split_sql(sql) if s.strip()]
json.dump({"sql": stmts, "seconds": time.perf_counter() - t0}, open(out, "w"))
"""


def circe_sql(definition: Path, circe_python: str, work: Path) -> tuple[list[str], float, float]:
    script = work / "gen_circe.py"
    script.write_text(GEN_SCRIPT)
    out = work / "circe_sql.json"
    t0 = time.perf_counter()
    p = subprocess.run([circe_python, str(script), str(definition), str(out)],
                       capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"Circe SQL generation failed: {p.stderr[-1500:]}")
    data = json.loads(out.read_text())
    (work / "circe_duckdb.sql").write_text(";\n\n".join(data["sql"]) + ";\n")
    return data["sql"], data["seconds"], wall


# OMOP CDM 5.4 columns of the tables Circe reads; the synthetic CDM leaves some out
CDM54 = {
    "person": "person_id gender_concept_id year_of_birth month_of_birth day_of_birth "
              "birth_datetime race_concept_id ethnicity_concept_id location_id provider_id "
              "care_site_id person_source_value gender_source_value gender_source_concept_id "
              "race_source_value race_source_concept_id ethnicity_source_value "
              "ethnicity_source_concept_id",
    "condition_occurrence": "condition_occurrence_id person_id condition_concept_id "
              "condition_start_date condition_start_datetime condition_end_date "
              "condition_end_datetime condition_type_concept_id condition_status_concept_id "
              "stop_reason provider_id visit_occurrence_id visit_detail_id "
              "condition_source_value condition_source_concept_id condition_status_source_value",
    "measurement": "measurement_id person_id measurement_concept_id measurement_date "
              "measurement_datetime measurement_time measurement_type_concept_id "
              "operator_concept_id value_as_number value_as_concept_id unit_concept_id range_low "
              "range_high provider_id visit_occurrence_id visit_detail_id "
              "measurement_source_value measurement_source_concept_id unit_source_value "
              "unit_source_concept_id value_source_value measurement_event_id "
              "meas_event_field_concept_id",
}


def cdm_views(con: Any) -> None:
    """Schema ``cdm``: a view per source table, CDM 5.4 columns it lacks added as NULL."""
    con.execute("CREATE SCHEMA IF NOT EXISTS cdm")
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'src'").fetchall()]
    for t in tables:
        have = {r[0] for r in con.execute(f"DESCRIBE src.main.{t}").fetchall()}
        extra = []
        for col in CDM54.get(t, "").split():
            if col in have:
                continue
            typ = ("TIMESTAMP" if col.endswith("_datetime") else
                   "VARCHAR" if col.endswith(("_value", "_time")) else "BIGINT")
            extra.append(f", CAST(NULL AS {typ}) AS {col}")
        con.execute(f"CREATE VIEW cdm.{t} AS SELECT *{''.join(extra)} FROM src.main.{t}")


def run_circe_sql(db: str, stmts: list[str]) -> tuple[float, int, set[int]]:
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH '{db}' AS src (READ_ONLY)")
    cdm_views(con)
    con.execute("CREATE TABLE main.cohort (cohort_definition_id BIGINT, subject_id BIGINT, "
                "cohort_start_date DATE, cohort_end_date DATE)")
    for s in stmts:
        con.execute(s)
    n = con.execute("SELECT count(DISTINCT subject_id) FROM main.cohort").fetchone()[0]
    secs = time.perf_counter() - t0
    ids = {r[0] for r in con.execute("SELECT DISTINCT subject_id FROM main.cohort").fetchall()}
    con.close()
    return secs, n, ids


def eligo_counts(out: Path) -> dict[str, Any]:
    import duckdb

    st = dict(duckdb.sql(f"SELECT status_ra, count(*) FROM '{out}/status.parquet' "
                         "GROUP BY 1").fetchall())
    per = duckdb.sql(f"SELECT criterion, verdict, count(*) FROM (UNPIVOT "
                     f"'{out}/verdicts.parquet' ON COLUMNS(* EXCLUDE (person_id, "
                     "person_source_value)) INTO NAME criterion VALUE verdict) "
                     "GROUP BY ALL ORDER BY 1, 2").fetchall()
    crit: dict[str, dict[str, int]] = {}
    for c, v, k in per:
        crit.setdefault(c, {})[v] = k
    # the people Circe's 'exists a passing value' could admit: nothing known false
    eligible = {r[0] for r in duckdb.sql(f"SELECT person_id FROM '{out}/status.parquet' "
                                          "WHERE status_ra = 'eligible'").fetchall()}
    return {"status": st, "criteria": crit, "eligible": eligible}


def run(db: str, as_of: date, circe_python: str, env: dict[str, str], runs: int = 3
        ) -> dict[str, Any]:
    import bench_population as bp

    t_start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="eligo-circe-"))
    if not Path(circe_python).exists():
        raise RuntimeError(f"{circe_python} not found: python3.11 -m venv /tmp/circe-venv && "
                           "/tmp/circe-venv/bin/pip install ohdsi-circepy")
    protocol = subset_protocol(work / "protocol")
    t0 = time.perf_counter()
    res = resolve(protocol, db, as_of)
    resolve_s = time.perf_counter() - t0
    definition = work / "circe-ra-subset.json"
    definition.write_text(json.dumps(circe_definition(res, as_of), indent=1))
    stmts, gen_s, gen_wall = circe_sql(definition, circe_python, work)
    circe_runs = [run_circe_sql(db, stmts) for _ in range(runs)]
    circe_s = statistics.median(r[0] for r in circe_runs)
    circe_n = circe_runs[0][1]
    keep = work / "eligo-subset-out"
    sub_runs = bp.time_population(db, runs, env, protocol=str(protocol), keep=keep)
    sub = bp.median_run(sub_runs)
    counts = eligo_counts(keep)
    full = bp.median_run(bp.time_population(db, 1, env))
    st = counts["status"]
    persons = sum(st.values())
    circe_ids = circe_runs[0][2]
    only_eligo = counts["eligible"] - circe_ids
    only_circe = circe_ids - counts["eligible"]
    unit0 = 0
    if only_eligo:  # why: lab rows whose unit is only in unit_source_value (unit_concept_id 0)
        import duckdb

        con = duckdb.connect(":memory:")
        con.execute(f"ATTACH '{db}' AS src (READ_ONLY)")
        lab_ids = sorted({c for _, v, *_ in LABS for c in res["vs"][v]})
        ids = ",".join(map(str, sorted(only_eligo)))
        unit0 = con.execute(
            f"""SELECT count(DISTINCT person_id) FROM src.measurement
                WHERE person_id IN ({ids}) AND unit_concept_id = 0
                  AND measurement_concept_id IN ({",".join(map(str, lab_ids))})
                  AND measurement_date BETWEEN DATE '{as_of - timedelta(days=WINDOW)}'
                                           AND DATE '{as_of}'""").fetchone()[0]
        con.close()
    elig, inc, inel = st.get("eligible", 0), st.get("incomplete", 0), st.get("ineligible", 0)
    # like for like with Circe's SQL run: eligo's own SQL work (no process start, no outputs)
    engine = sum(sub.phases.get(k, 0.0) for k in ("compile", "stage", "screen"))
    lines = [
        f"subset protocol {protocol} ({len(SUBSET)} criteria), Circe definition {definition}",
        f"concept sets resolved with eligo's staging in {resolve_s:.1f} s: "
        + ", ".join(f"{k} {len(v)}" for k, v in res["vs"].items()),
        f"Circe SQL: {len(stmts)} statements, built + rendered + translated to DuckDB in "
        f"{gen_s:.2f} s ({gen_wall:.2f} s with the venv's start-up); {work / 'circe_duckdb.sql'}",
        f"Circe SQL on DuckDB: {circe_s:.2f} s (runs: "
        f"{', '.join(f'{r[0]:.2f}' for r in circe_runs)}) → cohort of {circe_n:,} persons",
        f"eligo population, subset protocol: {sub.wall:.2f} s wall (runs: "
        f"{', '.join(f'{r.wall:.2f}' for r in sub_runs)}); phases "
        + ", ".join(f"{k} {v:.2f} s" for k, v in sub.phases.items()),
        f"eligo population, full protocol (1 run): {full.wall:.2f} s",
        f"eligo subset verdicts (ra cohort): {elig:,} eligible (all met), {inc:,} incomplete "
        f"(nothing failed, something unknown), {inel:,} ineligible",
        f"eligo eligible but not in Circe's cohort: {len(only_eligo):,} ({unit0:,} of them with "
        f"a lab row in the window whose unit is only in unit_source_value, unit_concept_id 0); "
        f"in Circe's cohort but not eligo-eligible: {len(only_circe):,}",
        "per criterion met / not_met / unknown: " + "; ".join(
            f"{c} {v.get('met', 0):,}/{v.get('not_met', 0):,}/{v.get('unknown', 0):,}"
            for c, v in counts["criteria"].items()),
        "Circe could not express: " + " | ".join(NOTES),
        f"(peer total {time.perf_counter() - t_start:.0f} s)",
    ]
    rows = [
        ("OHDSI Circe (ohdsi-circepy 0.3.0) cohort SQL on DuckDB, RA subset, "
         f"{persons:,} persons",
         f"{circe_s:.2f} s (SQL generation {gen_s:.2f} s); cohort {circe_n:,}", "—"),
        ("`eligo population --protocol subset.yaml`, same subset and file",
         f"{sub.wall:.2f} s wall; compile + stage + screen {engine:.2f} s (compile "
         f"{sub.phases.get('compile', 0):.2f}, stage {sub.phases.get('stage', 0):.2f}, screen "
         f"{sub.phases.get('screen', 0):.2f}); full protocol {full.wall:.2f} s",
         "faster than Circe: " + ("✓ met" if engine < circe_s else "✗ MISSED")
         + f" (SQL work {engine:.2f} s vs {circe_s:.2f} s; CLI wall "
         + ("also faster" if sub.wall < circe_s else "slower: start-up and outputs") + ")"),
        ("counts: Circe cohort vs eligo eligible / incomplete / ineligible",
         f"{circe_n:,} vs {elig:,} / {inc:,} / {inel:,}; eligible not in Circe "
         f"{len(only_eligo):,} ({unit0:,} with a unit only as source value), in Circe not "
         f"eligible {len(only_circe):,}", "—"),
    ]
    return {"circe_s": circe_s, "circe_n": circe_n, "gen_s": gen_s, "subset_wall": sub.wall,
            "subset_phases": sub.phases, "subset_engine": engine, "full_wall": full.wall,
            "status": st,
            "criteria": counts["criteria"], "only_eligo": len(only_eligo),
            "only_circe": len(only_circe), "only_eligo_unit0": unit0, "lines": lines,
            "rows": rows, "work": str(work)}


if __name__ == "__main__":  # quick check: python benchmarks/circe_peer.py /tmp/…/pop-10000.duckdb
    import os
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    r = run(sys.argv[1], date(2026, 6, 1), "/tmp/circe-venv/bin/python", dict(os.environ),
            runs=1)
    print("\n".join(r["lines"]))
