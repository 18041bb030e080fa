"""What differs between SQL engines, and nothing else (sqlglot builds the rest).

Date arithmetic is the known difference: DuckDB subtracts an ``INTERVAL`` (and returns a
timestamp), Spark has ``add_months``/``date_add``; both clamp to the month's end like the
interpreter (2026-08-31 − 6 months = 2026-02-28). Age is never computed with ``date_diff``
(DuckDB counts year boundaries, Spark full years): it is compiled from year/month/day parts.
"""

from __future__ import annotations

from typing import ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark
from sqlglot.generators.spark import SparkGenerator

__all__ = ["DIALECTS", "Dialect", "DuckDBDialect", "SparkDialect"]


def sql_template(text: str) -> exp.Expr:
    """A fixed expression written in DuckDB's SQL (sqlglot transpiles it per engine)."""
    return sqlglot.parse_one(text, read="duckdb")


class Dialect:
    name = "duckdb"
    sqlglot = "duckdb"

    def add_days(self, d: exp.Expr, days: int) -> exp.Expr:
        return exp.cast(exp.Add(this=d, expression=exp.Interval(
            this=exp.Literal.string(str(days)), unit=exp.var("DAY"))), "DATE")

    def add_months(self, d: exp.Expr, months: int) -> exp.Expr:
        return exp.cast(exp.Add(this=d, expression=exp.Interval(
            this=exp.Literal.string(str(months)), unit=exp.var("MONTH"))), "DATE")

    def day_diff(self, later: exp.Expr, earlier: exp.Expr) -> exp.Expr:
        """Whole days from ``earlier`` to ``later``."""
        return exp.Anonymous(this="date_diff",
                             expressions=[exp.Literal.string("day"), earlier, later])

    def to_date(self, text: exp.Expr) -> exp.Expr:
        return exp.TryCast(this=text, to=exp.DataType.build("DATE"))

    def arg_max(self, value: exp.Expr, key: exp.Expr) -> exp.Expr:
        """``value`` at the row with the greatest ``key``, even when that value is NULL
        (DuckDB's plain ``arg_max`` would skip to the next row that has one)."""
        return exp.Anonymous(this="arg_max_null", expressions=[value, key])

    def recency(self, table: str | None = None) -> exp.Expr:
        """:meth:`_recency` of the rows of ``table`` (None: unqualified columns) — the one
        definition of "latest": aggregates take its maximum, row-by-row leaves order by it."""
        key = self._recency()
        if table is None:
            return key
        return key.transform(lambda node: exp.column(node.name, table)
                             if isinstance(node, exp.Column) else node)

    def _recency(self) -> exp.Expr:
        """A row's place in the "latest" order — day, then time (a row without one first),
        then row id, then measurement before observation (their ids are separate sequences;
        the OMOP reader puts the measurement first among equal ids) — as one comparable
        value. DuckDB: a HUGEINT (a STRUCT key is several times slower to aggregate): days
        since 1900 | the time's offset from that day in µs, clamped to ±1.6 days | the row
        id (non-negative, as OMOP ids are) | 1 for a measurement."""
        return sql_template(
            """(((CAST(DATE_DIFF('day', DATE '1900-01-01', day) AS HUGEINT) * 274877906944
                  + COALESCE(LEAST(GREATEST(EPOCH_US(ts) - EPOCH_US(CAST(day AS TIMESTAMP)),
                                            -137438953471), 137438953471) + 137438953472, 0))
                * CAST('18446744073709551616' AS HUGEINT) + row_id) * 2
               + CASE WHEN src = 'm' THEN 1 ELSE 0 END)""")

    def clustered(self, query: exp.Select, column: str) -> exp.Select:
        """``query`` with rows stored grouped by ``column``, where that makes later filters on
        it skip the rest (DuckDB's min/max zone maps: 80 analyte slices scan their own row
        groups instead of the whole table each)."""
        return query.order_by(column)

    def generate(self, tree: exp.Expr) -> str:
        """The SQL text this engine runs."""
        return tree.sql(self.sqlglot)


class DuckDBDialect(Dialect):
    pass


class _Spark3Generator(SparkGenerator):
    # sqlglot's Spark inherits Hive's (and Spark 2's) "CTEs only at the top level" and hoists
    # nested WITHs, which clashes names (each island merge has its own ``o``/``g``); Spark 3+
    # reads nested CTEs, inner names first, as DuckDB does.
    EXPRESSIONS_WITHOUT_NESTED_CTES: ClassVar[set[type[exp.Expr]]] = set()


class SparkDialect(Dialect):
    name = "spark"
    sqlglot = "spark"

    def add_days(self, d: exp.Expr, days: int) -> exp.Expr:
        return exp.Anonymous(this="date_add", expressions=[d, exp.Literal.number(days)])

    def add_months(self, d: exp.Expr, months: int) -> exp.Expr:
        return exp.Anonymous(this="add_months", expressions=[d, exp.Literal.number(months)])

    def day_diff(self, later: exp.Expr, earlier: exp.Expr) -> exp.Expr:
        return exp.Anonymous(this="datediff", expressions=[later, earlier])

    def arg_max(self, value: exp.Expr, key: exp.Expr) -> exp.Expr:
        return exp.ArgMax(this=value, expression=key)  # MAX_BY keeps a NULL value

    def _recency(self) -> exp.Expr:
        return sql_template("{'d': day, 't': COALESCE(ts, CAST('0001-01-01 00:00:00' AS "
                            "TIMESTAMP)), 'r': row_id, 'm': src = 'm'}")

    def to_date(self, text: exp.Expr) -> exp.Expr:
        return exp.TryCast(this=text, to=exp.DataType.build("DATE"))

    def clustered(self, query: exp.Select, column: str) -> exp.Select:
        return query  # a global sort buys a Spark job nothing

    def generate(self, tree: exp.Expr) -> str:
        return _Spark3Generator(dialect=Spark()).generate(tree, copy=True)


DIALECTS = {"duckdb": DuckDBDialect(), "spark": SparkDialect()}
