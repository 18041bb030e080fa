"""What differs between SQL engines, and nothing else (sqlglot builds the rest).

Date arithmetic is the known difference: DuckDB subtracts an ``INTERVAL`` (and returns a
timestamp), Spark has ``add_months``/``date_add``; both clamp to the month's end like the
interpreter (2026-08-31 − 6 months = 2026-02-28). Age is never computed with ``date_diff``
(DuckDB counts year boundaries, Spark full years): it is compiled from year/month/day parts.
"""

from __future__ import annotations

from sqlglot import exp

__all__ = ["DIALECTS", "Dialect", "DuckDBDialect", "SparkDialect"]


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


class DuckDBDialect(Dialect):
    pass


class SparkDialect(Dialect):
    name = "spark"
    sqlglot = "spark"

    def add_days(self, d: exp.Expr, days: int) -> exp.Expr:
        return exp.Anonymous(this="date_add", expressions=[d, exp.Literal.number(days)])

    def add_months(self, d: exp.Expr, months: int) -> exp.Expr:
        return exp.Anonymous(this="add_months", expressions=[d, exp.Literal.number(months)])

    def day_diff(self, later: exp.Expr, earlier: exp.Expr) -> exp.Expr:
        return exp.Anonymous(this="datediff", expressions=[later, earlier])

    def to_date(self, text: exp.Expr) -> exp.Expr:
        return exp.TryCast(this=text, to=exp.DataType.build("DATE"))


DIALECTS = {"duckdb": DuckDBDialect(), "spark": SparkDialect()}
