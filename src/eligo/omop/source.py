"""An OMOP source as eligo reads it: typed, lower-case views over whatever the site has.

Real CDMs are messy in ordinary ways — upper-case column names, numbers stored as text (empty
strings included), a header row left in an empty table, tables eligo reads but the site does
not have. The views here give every CDM and vocabulary table of :mod:`eligo.omop.schema` with
its documented columns and types: a missing column reads as NULL, a value that does not cast
reads as NULL, a missing table is an empty view. Nothing is ever written to the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
from sqlglot import exp

from eligo.omop.schema import CDM_TABLES, VOCABULARY_TABLES

__all__ = ["SourceReport", "normalize_views"]


@dataclass
class SourceReport:
    """What the views had to make up for: shown to the user, never silent."""

    missing_tables: list[str] = field(default_factory=list)
    missing_columns: dict[str, list[str]] = field(default_factory=dict)
    cast_columns: dict[str, list[str]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = []
        if self.missing_tables:
            out.append("tables not in the source (read as empty): "
                       + ", ".join(self.missing_tables))
        for table, cols in self.missing_columns.items():
            out.append(f"{table}: columns not in the source (read as NULL): {', '.join(cols)}")
        for table, cols in self.cast_columns.items():
            out.append(f"{table}: columns stored as text, cast to their CDM type (values that "
                       f"do not cast read as NULL): {', '.join(cols)}")
        return out


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str | None
             ) -> dict[str, dict[str, str]]:
    """table (lower case) → {column (lower case): (actual name, data type)}."""
    q = ("SELECT table_name, column_name, data_type FROM information_schema.columns "
         "WHERE table_catalog = ?")
    params: list[str] = [catalog]
    if schema:
        q += " AND table_schema = ?"
        params.append(schema)
    out: dict[str, dict[str, str]] = {}
    for table, column, kind in con.execute(q, params).fetchall():
        out.setdefault(table.lower(), {})[column.lower()] = f"{column}\0{kind}"
    return out


def normalize_views(con: duckdb.DuckDBPyConnection, catalog: str, target: str = "cdm",
                    schema: str | None = None) -> SourceReport:
    """Create ``target.<table>`` views over the attached ``catalog`` (optionally one schema)."""
    report = SourceReport()
    found = _columns(con, catalog, schema)
    con.execute(exp.Create(this=exp.to_identifier(target), kind="SCHEMA", exists=True)
                .sql("duckdb"))
    for table, columns in {**CDM_TABLES, **VOCABULARY_TABLES}.items():
        have = found.get(table)
        selects: list[exp.Expr] = []
        for name, kind in columns:
            if have is None or name not in have:
                if have is not None:
                    report.missing_columns.setdefault(table, []).append(name)
                selects.append(exp.alias_(exp.cast(exp.null(), kind), name))
                continue
            actual, actual_kind = have[name].split("\0")
            column = exp.column(exp.to_identifier(actual, quoted=True))
            if actual_kind.upper() != kind.upper():
                if actual_kind.upper() == "VARCHAR":
                    report.cast_columns.setdefault(table, []).append(name)
                # TRY_CAST: '' and a left-over header row read as NULL instead of failing
                selects.append(exp.alias_(exp.TryCast(this=column, to=exp.DataType.build(kind)),
                                          name))
            else:
                selects.append(exp.alias_(column, name))
        if have is None:
            report.missing_tables.append(table)
            query = exp.select(*selects).where(exp.false())
        else:
            source_name = next(t for t in _table_names(con, catalog, schema)
                               if t.lower() == table)
            query = exp.select(*selects).from_(exp.table_(
                exp.to_identifier(source_name, quoted=True),
                db=exp.to_identifier(schema, quoted=True) if schema else None,
                catalog=exp.to_identifier(catalog, quoted=True)))
            key = columns[0][0]
            if key.endswith("_id"):
                # a row whose id does not read as a number (a header left in) is no fact
                query = query.where(exp.TryCast(
                    this=exp.column(exp.to_identifier(have[key].split("\0")[0], quoted=True)),
                    to=exp.DataType.build("BIGINT")).is_(exp.null()).not_())
        con.execute(exp.Create(this=exp.table_(table, db=target), kind="VIEW", replace=True,
                               expression=query).sql("duckdb"))
    return report


def _table_names(con: duckdb.DuckDBPyConnection, catalog: str, schema: str | None
                 ) -> list[str]:
    q = "SELECT DISTINCT table_name FROM information_schema.columns WHERE table_catalog = ?"
    params = [catalog]
    if schema:
        q += " AND table_schema = ?"
        params.append(schema)
    return [r[0] for r in con.execute(q, params).fetchall()]
