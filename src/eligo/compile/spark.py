"""Run a compiled protocol on Apache Spark, for OMOP data held as Parquet.

The plan is the one :class:`~eligo.compile.engine.DuckDBEngine` runs — the same staging
templates and compiled criteria, generated for Spark SQL through
:data:`~eligo.compile.dialect.DIALECTS` ``["spark"]`` — so the verdicts are the same.

The CDM tables become temp views of the engine's own Spark session under their plain names
(``person``, ``concept``, …; Spark has no schemas for temp views), typed and lower-cased as
:mod:`eligo.omop.source` does for DuckDB: a missing table reads as empty, a missing column as
NULL, a text column whose value does not cast as NULL. Every staging table and every step of the
plan is materialised (``localCheckpoint``) as soon as it is built; a leaf is a view, computed
once inside the batch that joins it to the persons. Calculators run as Python UDFs returning
``array<double>`` ([lo, hi]), memoised per worker like DuckDB's.

pyspark is an optional dependency (``pip install eligo[spark]``): it is imported only when a
Spark engine is created.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from sqlglot import exp

from eligo.compile.compiler import (
    CALC_FUNCTION,
    VERDICT_TABLE,
    CalcUdf,
    CompiledProtocol,
    SqlCompiler,
)
from eligo.compile.dialect import DIALECTS
from eligo.compile.engine import calculators_function
from eligo.compile.staging import Staging, sql, stage
from eligo.errors import UsageError
from eligo.interpret.context import SiteRange
from eligo.omop.local import local_concepts
from eligo.omop.schema import CDM_TABLES, VOCABULARY_TABLES
from eligo.omop.source import SourceReport, normalize_views
from eligo.protocol.model import Protocol

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SparkEngine"]

DIALECT = DIALECTS["spark"]

# CDM column type (eligo.omop.schema, DuckDB names) → Spark SQL type
_SPARK_TYPES = {"BIGINT": "bigint", "INTEGER": "int", "DOUBLE": "double", "VARCHAR": "string",
                "SMALLINT": "smallint", "BOOLEAN": "boolean", "DATE": "date",
                "TIMESTAMP": "timestamp_ntz"}
# Spark types that already hold a CDM type's values without a cast
_SAME = {"timestamp_ntz": {"timestamp_ntz", "timestamp"}}

_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = error
# a value-set scan or the verdicts can outgrow Java's 64 KB method limit: Spark then runs that
# stage without whole-stage code generation, after logging the compiler's error at length
logger.codegen.name = org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator
logger.codegen.level = fatal
"""


class _Calculators:
    """The calculators as one Spark UDF: picklable (only the :class:`CalcUdf` of each column
    travels to the Python workers; the guards and arguments are SQL), the memoised functions
    built on first use in each worker."""

    def __init__(self, udfs: Mapping[str, CalcUdf]) -> None:
        self.udfs = dict(udfs)
        self._row: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"udfs": self.udfs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.udfs = state["udfs"]
        self._row = None

    def __call__(self, *values: Any) -> tuple[list[float | None], ...]:
        if self._row is None:
            self._row = calculators_function(self.udfs)
        return tuple(self._row(*values))


@dataclass
class SparkEngine:
    """Screens every person of one OMOP source on Spark. ``local`` starts a local Spark (or a
    new session of the Spark already running in this process); ``load_*`` give it the CDM."""

    protocol: Protocol
    spark: SparkSession
    owns_context: bool = True
    source_report: SourceReport = field(default_factory=SourceReport)
    scratch: Path | None = None
    _frames: dict[str, DataFrame] = field(default_factory=dict)

    @classmethod
    def local(cls, protocol: Protocol, master: str = "local[2]", *,
              config: Mapping[str, str] | None = None) -> SparkEngine:
        """A Spark in this process: small shuffles, no UI, quiet logs, loopback only. If this
        process already runs Spark, the engine gets a new session of it (its own views and
        functions) and :meth:`stop` leaves that Spark running."""
        try:
            from pyspark.sql import SparkSession
        except ImportError:  # pragma: no cover - depends on the installed extras
            raise UsageError("--engine spark needs pyspark: pip install 'eligo[spark]'"
                             ) from None
        active = SparkSession.getActiveSession()
        if active is not None:
            return cls(protocol, active.newSession(), owns_context=False)
        scratch = Path(tempfile.mkdtemp(prefix="eligo-spark-"))
        log4j = scratch / "log4j2.properties"
        log4j.write_text(_LOG4J)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers must import eligo
        java_opts = f"-Dlog4j2.configurationFile=file:{log4j}"
        settings = {
            "spark.app.name": "eligo",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.shuffle.partitions": "4",
            "spark.default.parallelism": "4",
            "spark.sql.session.timeZone": "UTC",
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.driver.memory": "4g",
            "spark.driver.extraJavaOptions": java_opts,
            "spark.local.dir": str(scratch / "local"),
            "spark.sql.warehouse.dir": str(scratch / "warehouse"),
            "spark.pyspark.python": sys.executable,
            "spark.pyspark.driver.python": sys.executable,
            **(config or {}),
        }
        builder = SparkSession.builder.master(master)
        for key, value in settings.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        return cls(protocol, session, owns_context=True, scratch=scratch)

    def stop(self) -> None:
        """Drop what this engine cached; stop Spark if this engine started it."""
        for frame in self._frames.values():
            frame.unpersist()
        self._frames.clear()
        if self.owns_context:
            self.spark.stop()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    # -- sources -------------------------------------------------------------------------
    def _scratch(self) -> Path:
        if self.scratch is None:
            self.scratch = Path(tempfile.mkdtemp(prefix="eligo-spark-"))
        return self.scratch

    def load_duckdb(self, path: str | Path) -> SparkEngine:
        """Every CDM and vocabulary table of a DuckDB file, read (read-only) through the same
        typed views as DuckDB reads it, handed to Spark as Parquet in a scratch folder."""
        source = Path(path)
        if not source.is_file():
            raise UsageError(f"{path}: no such OMOP database")
        out = self._scratch() / "cdm"
        out.mkdir(exist_ok=True)
        con = duckdb.connect(":memory:")
        try:
            con.execute(sql("ATTACH :p AS src (READ_ONLY)", p=str(source)).sql("duckdb"))
            report = normalize_views(con, "src", "cdm")
            for table in (*CDM_TABLES, *VOCABULARY_TABLES):
                con.execute(sql("COPY (SELECT * FROM :t) TO :f (FORMAT parquet)",
                                t=exp.table_(table, db="cdm"),
                                f=str(out / f"{table}.parquet")).sql("duckdb"))
        except duckdb.Error as exc:
            raise UsageError(f"{path}: cannot open as an OMOP CDM ({exc})") from None
        finally:
            con.close()
        self.load_parquet(out)
        self.source_report = report
        return self

    def load_parquet(self, folder: str | Path) -> SparkEngine:
        """A folder of ``<table>.parquet`` files or ``<table>/`` folders of Parquet files (any
        case); every CDM and vocabulary table becomes a typed temp view."""
        root = Path(folder)
        if not root.is_dir():
            raise UsageError(f"{folder}: no such folder of Parquet files")
        found: dict[str, list[str]] = {}
        for item in sorted(root.iterdir()):
            if item.is_file() and item.suffix == ".parquet":
                found.setdefault(item.stem.lower(), []).append(str(item))
            elif item.is_dir() and any(item.glob("*.parquet")):
                found.setdefault(item.name.lower(), []).append(str(item))
        report = SourceReport()
        for table, columns in {**CDM_TABLES, **VOCABULARY_TABLES}.items():
            raw = self.spark.read.parquet(*found[table]) if table in found else None
            if raw is None:
                report.missing_tables.append(table)
            self._typed(table, columns, raw, report).createOrReplaceTempView(table)
        self.source_report = report
        return self

    def _typed(self, table: str, columns: list[tuple[str, str]], raw: DataFrame | None,
               report: SourceReport) -> DataFrame:
        """The CDM table with its documented columns and types (as ``normalize_views``)."""
        from pyspark.sql import functions as F

        if raw is None:
            schema = ", ".join(f"`{name}` {_SPARK_TYPES[kind]}" for name, kind in columns)
            return self.spark.createDataFrame([], schema)
        have = {f.name.lower(): (f.name, f.dataType.simpleString()) for f in raw.schema.fields}
        selects = []
        for name, kind in columns:
            target = _SPARK_TYPES[kind]
            if name not in have:
                report.missing_columns.setdefault(table, []).append(name)
                selects.append(F.lit(None).cast(target).alias(name))
                continue
            actual, actual_kind = have[name]
            column = F.col(f"`{actual}`")
            if actual_kind in _SAME.get(target, {target}):
                selects.append(column.cast(target).alias(name))
            else:
                if actual_kind == "string":
                    report.cast_columns.setdefault(table, []).append(name)
                selects.append(column.try_cast(target).alias(name))
        frame = raw.select(*selects)
        key = columns[0][0]
        if key.endswith("_id"):
            frame = frame.where(F.col(key).isNotNull())
        return frame

    # -- stages --------------------------------------------------------------------------
    def _table(self, name: str, query: exp.Expr, *, materialise: bool = True) -> DataFrame:
        frame = self.spark.sql(DIALECT.generate(query))
        if materialise:
            old = self._frames.pop(name, None)
            frame = frame.localCheckpoint(eager=True)
            if old is not None:
                old.unpersist()
            self._frames[name] = frame
        frame.createOrReplaceTempView(name)
        return frame

    def stage(self, as_of: date, compiled: CompiledProtocol,
              site_ranges: Mapping[str, SiteRange] | None = None) -> None:
        stage(self, Staging(self.protocol, local_concepts(), cdm=""),
              as_of.isoformat(), compiled.horizons, site_ranges)

    def present(self) -> set[str]:
        return {r[0] for r in self.spark.sql(
            "SELECT DISTINCT analyte FROM eligo_keys WHERE agg_from IS NOT NULL").collect()}

    # -- StagingTarget -------------------------------------------------------------------------
    def create(self, name: str, query: exp.Expr) -> None:
        self._table(name, query)

    def view(self, name: str, query: exp.Expr) -> None:
        self._table(name, query, materialise=False)

    def fetch(self, query: exp.Expr) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.spark.sql(DIALECT.generate(query)).collect()]

    def values(self, name: str, columns: Sequence[tuple[str, str]],
               rows: Sequence[Sequence[Any]]) -> None:
        schema = ", ".join(f"{c} {_SPARK_TYPES[kind]}" for c, kind in columns)
        self.spark.createDataFrame([tuple(r) for r in rows], schema
                                   ).createOrReplaceTempView(name)

    def compile(self, as_of: date) -> CompiledProtocol:
        from pyspark.sql.types import ArrayType, DoubleType, StructField, StructType

        compiled = SqlCompiler(self.protocol, as_of, DIALECT).compile()
        if compiled.calc_columns:
            self.spark.udf.register(CALC_FUNCTION, _Calculators(compiled.calc_udfs()),
                                    StructType([StructField(name, ArrayType(DoubleType()))
                                                for name in compiled.calc_columns]))
        return compiled

    def screen(self, as_of: date, site_ranges: Mapping[str, SiteRange] | None = None) -> str:
        """Stage, compile and run; the verdicts land in the temp view ``eligo_verdicts``
        (person_id + one nullable boolean per criterion)."""
        compiled = self.compile(as_of)
        self.stage(as_of, compiled, site_ranges)
        leaves = {name for name, _ in compiled.ctes}
        # each sort-merge join holds buffers of its own: join the leaves 16 at a time
        for table, query in compiled.statements("eligo_person", self.present(), batch=16):
            self._table(table, query, materialise=table not in leaves)
        return VERDICT_TABLE

    def verdicts(self) -> dict[int, dict[str, bool | None]]:
        cols = [c.id for c in self.protocol.criteria]
        table = self.spark.table(VERDICT_TABLE).toArrow()
        out = {}
        for rec in table.to_pylist():
            out[int(rec["person_id"])] = {c: rec[c] for c in cols}
        return out
