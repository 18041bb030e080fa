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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from duckdb import func as duckdb_func
from duckdb import sqltypes
from sqlglot import exp

from eligo.calc import CALCULATORS, CalcInputError
from eligo.compile.compiler import (
    CALC_FUNCTION,
    VERDICT_TABLE,
    CalcUdf,
    CompiledProtocol,
    SqlCompiler,
)
from eligo.compile.dialect import DIALECTS
from eligo.compile.plan_cache import derived_key, plan_key
from eligo.compile.staging import Staging, sql, stage
from eligo.errors import UsageError
from eligo.interpret.context import SiteRange
from eligo.omop.local import local_concepts
from eligo.omop.source import SourceReport, normalize_views
from eligo.protocol.cache import cached
from eligo.protocol.model import Protocol

__all__ = ["DuckDBEngine", "calculators_function", "calculators_udf", "default_memory_limit"]


def default_memory_limit() -> str:
    """A quarter of the machine's physical memory, at least 2 GB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "4GB"
    return f"{max(total // 4, 2 << 30) >> 20}MB"


def calc_function(udf: CalcUdf) -> Callable[..., tuple[float | None, float | None]]:
    """The calculator behind a SQL call, on one person's arguments: [lo, hi] or [None, None].
    A score (a calculator with bounds: a sum of items) is memoised: most persons share the
    same arguments (most often: nothing recorded); a formula of measurements (Cockcroft–Gault)
    rarely sees the same numbers twice, so it is not."""
    calc = CALCULATORS[udf.calculator]
    names = [name for name, _ in udf.args]

    def call(*values: Any) -> tuple[float | None, float | None]:
        args = dict(zip(names, values, strict=True))
        if None in values:
            if calc.bounds is None:
                return calc.hull(args) or (None, None)
            lo, hi = calc.bounds(args)
            return (lo, None if math.isinf(hi) else hi)
        try:
            value = calc.value(args)
        except CalcInputError:
            return (None, None)
        return (value, value)

    return call if calc.bounds is None else lru_cache(maxsize=65536)(call)


def calculators_function(udfs: Mapping[str, CalcUdf]
                         ) -> Callable[..., tuple[list[float | None], ...]]:
    """:data:`~eligo.compile.compiler.CALC_FUNCTION` on one row's values (each column's
    guard, then its arguments): each column's [lo, hi], [None, None] where its guard is not
    true."""
    calls = [(calc_function(udf), len(udf.args)) for udf in udfs.values()]
    none: list[float | None] = [None, None]

    def row(*values: Any) -> tuple[list[float | None], ...]:
        out = []
        i = 0
        for call, n in calls:
            out.append(list(call(*values[i + 1:i + 1 + n])) if values[i] else none)
            i += 1 + n
        return tuple(out)

    return row


def calculators_udf(udfs: Mapping[str, CalcUdf]) -> Any:
    """:data:`~eligo.compile.compiler.CALC_FUNCTION` as a vectorised (Arrow) DuckDB function
    over whole columns of arguments, returning a struct of [lo, hi] lists."""
    calls = [(calc_function(udf), len(udf.args)) for udf in udfs.values()]
    names = list(udfs)

    def vectorised(*arrays: pa.Array) -> pa.Array:
        rows = len(arrays[0]) if arrays else 0
        fields = []
        i = 0
        for call, n in calls:
            when = pc.fill_null(arrays[i], False)
            # only the rows where this calculator matters reach Python (a few in ten)
            args = [pc.filter(a, when).to_pylist() for a in arrays[i + 1:i + 1 + n]]
            i += 1 + n
            flat: list[float | None] = [None] * (2 * rows)
            # (every calculator has inputs, so the rows are the arguments' zip)
            for r, values in zip(pc.indices_nonzero(when).to_pylist(), zip(*args, strict=True),
                                 strict=True):
                flat[2 * r], flat[2 * r + 1] = call(*values)
            # [lo, hi] per row: a flat array cut in pairs, not a Python list per row
            fields.append(pa.ListArray.from_arrays(
                pa.array(range(0, len(flat) + 1, 2), pa.int32()), pa.array(flat, pa.float64())))
        return pa.StructArray.from_arrays(fields, names=names)

    # DuckDB counts the function's parameters: give it one per SQL argument
    vectorised.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(f"a{k}", inspect.Parameter.POSITIONAL_ONLY)
         for k in range(sum(1 + n for _, n in calls))])
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
    def _table(self, name: str, query: exp.Expr | str) -> None:
        text = query if isinstance(query, str) else query.sql("duckdb")
        self.con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {text}')

    def stage(self, as_of: date, compiled: CompiledProtocol,
              site_ranges: Mapping[str, SiteRange] | None = None) -> None:
        """The staging tables the compiled plan reads (its horizons say which rows)."""
        stage(self, Staging(self.protocol, local_concepts()),
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
        key = plan_key(self.protocol, as_of, "duckdb")
        compiled = cached("plan", key, lambda: SqlCompiler(
            self.protocol, as_of, DIALECTS["duckdb"]).compile())
        compiled.key = key
        if compiled.calc_columns:
            types = {"number": sqltypes.DOUBLE, "boolean": sqltypes.BOOLEAN,
                     "choice": sqltypes.VARCHAR}
            with contextlib.suppress(duckdb.Error):
                self.con.remove_function(CALC_FUNCTION)
            self.con.create_function(
                CALC_FUNCTION, calculators_udf(compiled.calc_udfs()),
                [types[k] for k in compiled.calc_parameters()],
                duckdb.struct_type({name: duckdb.list_type(sqltypes.DOUBLE)
                                    for name in compiled.calc_columns}),
                type=duckdb_func.ARROW, null_handling=duckdb_func.SPECIAL, side_effects=False)
        return compiled

    def statements(self, compiled: CompiledProtocol) -> list[tuple[str, str]]:
        """The plan's statements (:meth:`CompiledProtocol.statements`) for this source's
        analytes, rendered for DuckDB — from the plan cache when rendered before."""
        present = self.present()

        def build() -> list[tuple[str, str]]:
            return [(table, query.sql("duckdb"))
                    for table, query in compiled.statements("eligo_person", present)]

        if compiled.key is None:
            return build()
        return cached("statements", derived_key(compiled.key, sorted(present)), build)

    def screen(self, as_of: date, site_ranges: Mapping[str, SiteRange] | None = None) -> str:
        """Compile, stage and run; the verdicts land in the temp table ``eligo_verdicts``
        (person_id + one nullable boolean per criterion)."""
        compiled = self.compile(as_of)
        self.stage(as_of, compiled, site_ranges)
        for table, query in self.statements(compiled):
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
