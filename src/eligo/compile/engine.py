"""Run a compiled protocol on an OMOP CDM with DuckDB.

The user's database is never written to: a DuckDB file is ATTACHed read-only as ``cdm``, a
Parquet folder becomes read-only views, and all working state (staging tables, results) lives
in eligo's own connection (in memory, or a scratch file for populations that outgrow memory).
"""

from __future__ import annotations

import contextlib
import inspect
import math
import os
import shutil
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from duckdb import func as duckdb_func
from duckdb import sqltypes
from sqlglot import exp

from eligo.calc import CALCULATORS, CalcInputError
from eligo.compile.compiler import VERDICT_TABLE, CalcUdf, CompiledProtocol, SqlCompiler
from eligo.compile.dialect import DIALECTS
from eligo.compile.staging import Staging, sql, stage
from eligo.errors import UsageError
from eligo.interpret.context import SiteRange
from eligo.omop.local import local_concepts
from eligo.omop.source import SourceReport, normalize_views
from eligo.protocol.model import Protocol

__all__ = ["DuckDBEngine", "calc_udf", "default_memory_limit"]


def default_memory_limit() -> str:
    """A quarter of the machine's physical memory, at least 2 GB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "4GB"
    return f"{max(total // 4, 2 << 30) >> 20}MB"


def calc_function(udf: CalcUdf) -> Any:
    """The calculator behind a SQL call, on one person's arguments: [lo, hi] or [None, None].
    Memoised: most persons share the same arguments (most often: nothing recorded)."""
    calc = CALCULATORS[udf.calculator]
    names = [name for name, _ in udf.args]

    @lru_cache(maxsize=65536)
    def call(*values: Any) -> tuple[float | None, float | None]:
        args = dict(zip(names, values, strict=True))
        if any(v is None for v in values):
            if calc.bounds is None:
                return (None, None)
            lo, hi = calc.bounds(args)
            return (lo, None if math.isinf(hi) else hi)
        try:
            value = calc.value(args)
        except CalcInputError:
            return (None, None)
        return (value, value)

    return call


def calc_udf(udf: CalcUdf) -> Any:
    """A vectorised (Arrow) DuckDB function over whole columns of arguments."""
    call = calc_function(udf)

    def vectorised(*columns: pa.Array) -> pa.Array:
        flat: list[float | None] = []
        for row in zip(*(c.to_pylist() for c in columns), strict=True):
            flat += call(*row)
        # [lo, hi] per row: a flat array cut in pairs, not a Python list per row
        return pa.ListArray.from_arrays(pa.array(range(0, len(flat) + 1, 2), pa.int32()),
                                        pa.array(flat, pa.float64()))

    # DuckDB counts the function's parameters: give it one per SQL argument
    vectorised.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_ONLY) for name, _ in udf.args])
    return vectorised


@dataclass
class DuckDBEngine:
    """Screens every person of one OMOP source. ``open_*`` attach the source read-only."""

    protocol: Protocol
    con: duckdb.DuckDBPyConnection
    source_report: SourceReport = field(default_factory=SourceReport)

    spill: str | None = None  # DuckDB's temporary folder, removed by close()

    @classmethod
    def open(cls, protocol: Protocol, source: str | Path, *, scratch: str | None = None,
             memory_limit: str | None = None) -> DuckDBEngine:
        """``memory_limit``: DuckDB's working memory (``"6GB"``); beyond it DuckDB spills to
        a temporary folder. Default: a quarter of this machine's RAM (DuckDB's own default,
        80 %, keeps whole source files cached and crowds out everything else)."""
        # DuckDB creates the folder only if it has to spill; close() removes it
        spill = os.path.join(tempfile.gettempdir(), f"eligo-spill-{uuid.uuid4().hex}")
        config: dict[str, str | bool | int | float | list[str]] = {
            # results are keyed by person_id, never by row order: dropping insertion order
            # lets big CREATE TABLE AS statements stream in parallel with less memory
            "preserve_insertion_order": False,
            "memory_limit": memory_limit or default_memory_limit(),
            "temp_directory": spill,
        }
        try:
            con = duckdb.connect(scratch or ":memory:", config=config)
        except duckdb.Error as exc:
            shutil.rmtree(spill, ignore_errors=True)
            raise UsageError(f"cannot start DuckDB with memory limit {config['memory_limit']} "
                             f"({exc})") from None
        path = Path(source)
        try:
            if str(source).startswith(("postgresql://", "postgres://")):
                con.execute("INSTALL postgres; LOAD postgres")
                con.execute(sql("ATTACH :dsn AS src (TYPE postgres, READ_ONLY)",
                                dsn=str(source)).sql("duckdb"))
                report = normalize_views(con, "src", "cdm", schema="public")
            elif path.is_dir():
                con.execute("CREATE SCHEMA raw")
                for file in sorted(path.glob("*.parquet")) + sorted(path.glob("*/")):
                    table = file.stem if file.is_file() else file.name
                    files = [file] if file.is_file() else sorted(file.glob("*.parquet"))
                    if not files:
                        continue
                    con.execute(exp.Create(
                        this=exp.table_(table, db="raw"), kind="VIEW",
                        expression=sql("SELECT * FROM read_parquet(:f)",
                                       f=exp.Array(expressions=[exp.Literal.string(str(x))
                                                                for x in files])),
                    ).sql("duckdb"))
                report = normalize_views(con, "memory", "cdm", schema="raw")
            else:
                if not path.exists():
                    raise UsageError(f"{source}: no such OMOP database")
                con.execute(sql("ATTACH :p AS src (READ_ONLY)", p=str(path)).sql("duckdb"))
                report = normalize_views(con, "src", "cdm")
        except (duckdb.Error, UsageError) as exc:
            con.close()
            shutil.rmtree(spill, ignore_errors=True)
            if isinstance(exc, UsageError):
                raise
            raise UsageError(f"{source}: cannot open as an OMOP CDM ({exc})") from None
        engine = cls(protocol, con)
        engine.source_report = report
        engine.spill = spill
        return engine

    def close(self) -> None:
        self.con.close()
        if self.spill:
            shutil.rmtree(self.spill, ignore_errors=True)

    # -- stages --------------------------------------------------------------------------------
    def _table(self, name: str, query: exp.Expr) -> None:
        self.con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {query.sql("duckdb")}')

    def stage(self, as_of: date, compiled: CompiledProtocol,
              site_ranges: Mapping[str, SiteRange] | None = None) -> None:
        """The staging tables the compiled plan reads (its horizons say which rows)."""
        stage(self, Staging(self.protocol, local_concepts(), DIALECTS["duckdb"]),
              as_of.isoformat(), compiled.horizons, site_ranges)

    def present(self) -> set[str]:
        """The analytes with rows for ``eligo_analyte`` (the others are joined as NULLs)."""
        return {r[0] for r in self.con.execute(
            "SELECT DISTINCT analyte FROM eligo_keys WHERE agg_from IS NOT NULL").fetchall()}

    # -- StagingTarget -------------------------------------------------------------------------
    def create(self, name: str, query: exp.Expr) -> None:
        self._table(name, query)

    def view(self, name: str, query: exp.Expr) -> None:
        self.con.execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {query.sql("duckdb")}')

    def fetch(self, query: exp.Expr) -> list[tuple[Any, ...]]:
        return self.con.execute(query.sql("duckdb")).fetchall()

    def values(self, name: str, columns: Sequence[tuple[str, str]],
               rows: Sequence[Sequence[Any]]) -> None:
        self.con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" ('
                         + ", ".join(f"{c} {kind}" for c, kind in columns) + ")")
        if rows:  # one Arrow table, not a statement per row
            data = pa.table({c: [r[i] for r in rows] for i, (c, _) in enumerate(columns)})
            self.con.register("eligo_values", data)
            try:
                self.con.execute(f'INSERT INTO "{name}" SELECT * FROM eligo_values')
            finally:
                self.con.unregister("eligo_values")

    def compile(self, as_of: date) -> CompiledProtocol:
        compiled = SqlCompiler(self.protocol, as_of, DIALECTS["duckdb"]).compile()
        for udf in compiled.calculators.values():
            types = {"number": sqltypes.DOUBLE, "boolean": sqltypes.BOOLEAN,
                     "choice": sqltypes.VARCHAR}
            with contextlib.suppress(duckdb.Error):
                self.con.remove_function(udf.function)
            self.con.create_function(
                udf.function, calc_udf(udf), [types[k] for _, k in udf.args],
                duckdb.list_type(sqltypes.DOUBLE), type=duckdb_func.ARROW,
                null_handling=duckdb_func.SPECIAL, side_effects=False)
        return compiled

    def screen(self, as_of: date, site_ranges: Mapping[str, SiteRange] | None = None) -> str:
        """Compile, stage and run; the verdicts land in the temp table ``eligo_verdicts``
        (person_id + one nullable boolean per criterion)."""
        compiled = self.compile(as_of)
        self.stage(as_of, compiled, site_ranges)
        for table, query in compiled.statements("eligo_person", self.present()):
            self._table(table, query)
        return VERDICT_TABLE

    def verdicts(self) -> dict[int, dict[str, bool | None]]:
        cols = [c.id for c in self.protocol.criteria]
        rows = self.con.execute("SELECT * FROM eligo_verdicts").fetchall()
        names = [d[0] for d in self.con.description or []]
        out = {}
        for row in rows:
            rec = dict(zip(names, row, strict=True))
            out[int(rec["person_id"])] = {c: rec[c] for c in cols}
        return out

    def person_sources(self) -> Mapping[int, str]:
        return dict(self.con.execute(
            "SELECT person_id, person_source_value FROM eligo_person").fetchall())
