"""Each dialect function gives the interpreter's calendar (eligo.interpret.dates) on its engine:
the same sqlglot expression, built by the engine's dialect, evaluated by DuckDB and by Spark.

Spark starts once per test session (it costs seconds); those tests are marked ``spark``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pytest
from sqlglot import exp

from eligo import Protocol
from eligo.compile.compiler import SqlCompiler
from eligo.compile.dialect import DIALECTS, Dialect
from eligo.interpret.dates import age_in_years, minus_months
from eligo.ir import nodes as n
from eligo.omop.read import _birth_range

Rows = list[tuple[Any, ...]]
# person_id, birth_datetime, year, month, day of birth
PersonRow = tuple[int, datetime | None, int | None, int | None, int | None]


@pytest.fixture(scope="session")
def spark_session(protocol: Protocol) -> Iterator[Any]:
    """One local Spark for the whole test session (SparkEngine.local reuses it)."""
    from eligo.compile.spark import SparkEngine  # pyspark is pinned: missing fails, not skips

    engine = SparkEngine.local(protocol)
    yield engine.spark
    engine.stop()


class Engine:
    """Runs a query built for one dialect on that dialect's engine."""

    def __init__(self, name: str, request: pytest.FixtureRequest) -> None:
        self.name = name
        self.dialect: Dialect = DIALECTS[name]
        if name == "spark":
            self.spark = request.getfixturevalue("spark_session").newSession()
        else:
            self.con = duckdb.connect()

    def rows(self, query: exp.Expr) -> Rows:
        text = self.dialect.generate(query)
        if self.name == "spark":
            return [tuple(r) for r in self.spark.sql(text).collect()]
        return self.con.execute(text).fetchall()

    def value(self, e: exp.Expr) -> Any:
        return self.rows(exp.select(exp.alias_(e, "v")))[0][0]

    def persons(self, rows: list[PersonRow]) -> None:
        """The ``eligo_person`` table the age leaf reads."""
        columns = ("person_id BIGINT, birth_datetime TIMESTAMP, year_of_birth INTEGER, "
                   "month_of_birth INTEGER, day_of_birth INTEGER")
        if self.name == "spark":
            frame = self.spark.createDataFrame(
                rows, columns.replace("TIMESTAMP", "TIMESTAMP_NTZ").lower())
            frame.createOrReplaceTempView("eligo_person")
            return
        self.con.execute(f"CREATE TABLE eligo_person ({columns})")
        self.con.executemany("INSERT INTO eligo_person VALUES (?, ?, ?, ?, ?)", rows)


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest) -> Engine:
    return Engine(str(request.param), request)


def day(d: date) -> exp.Expr:
    return exp.cast(exp.Literal.string(d.isoformat()), "DATE")


def as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value  # type: ignore[no-any-return]


ADD_DAYS = [(date(2026, 3, 1), -1), (date(2024, 2, 28), 1), (date(2024, 3, 1), -1),
            (date(2026, 6, 1), -30), (date(2025, 12, 31), 1), (date(2026, 6, 1), 0),
            (date(2026, 6, 1), -36525)]


@pytest.mark.parametrize(("start", "days"), ADD_DAYS)
def test_add_days(engine: Engine, start: date, days: int) -> None:
    got = engine.value(engine.dialect.add_days(day(start), days))
    assert as_date(got) == start + timedelta(days=days)


ADD_MONTHS = [
    (date(2026, 8, 31), -6),   # → 2026-02-28: clamped to the month's end
    (date(2024, 2, 29), 12),   # → 2025-02-28
    (date(2024, 2, 29), -12),  # → 2023-02-28
    (date(2024, 2, 29), 48),   # → 2028-02-29
    (date(2026, 3, 31), -1),   # → 2026-02-28
    (date(2024, 3, 31), -1),   # → 2024-02-29
    (date(2026, 1, 31), 1),    # → 2026-02-28
    (date(2026, 5, 31), -1),   # → 2026-04-30
    (date(2026, 2, 28), 1),    # → 2026-03-28: the month's end is not kept
    (date(2026, 6, 1), -120),
    (date(2026, 6, 15), 0),
]


@pytest.mark.parametrize(("start", "months"), ADD_MONTHS)
def test_add_months(engine: Engine, start: date, months: int) -> None:
    got = engine.value(engine.dialect.add_months(day(start), months))
    assert as_date(got) == minus_months(start, -months)


DAY_DIFFS = [(date(2026, 3, 1), date(2026, 2, 28)), (date(2024, 3, 1), date(2024, 2, 28)),
             (date(2026, 2, 28), date(2026, 3, 1)), (date(2026, 6, 1), date(2026, 6, 1)),
             (date(2026, 6, 1), date(2016, 6, 1)), (date(2027, 1, 1), date(2026, 12, 31))]


@pytest.mark.parametrize(("later", "earlier"), DAY_DIFFS)
def test_day_diff(engine: Engine, later: date, earlier: date) -> None:
    got = engine.value(engine.dialect.day_diff(day(later), day(earlier)))
    assert got == (later - earlier).days


def test_day_diff_of_columns(engine: Engine) -> None:
    """As the compiler uses it: on date columns (the island merge, the dose stretch)."""
    pairs = exp.union(*(exp.select(exp.alias_(day(a), "e"), exp.alias_(day(b), "s"))
                        for a, b in DAY_DIFFS), distinct=False)
    query = exp.select(exp.column("e"), exp.column("s"), exp.alias_(
        engine.dialect.day_diff(exp.column("e"), exp.column("s")), "d")).from_(
        exp.alias_(exp.Subquery(this=pairs), "x"))
    for e, s, d in engine.rows(query):
        assert d == (as_date(e) - as_date(s)).days


BIRTHS = [date(2000, 2, 29), date(2004, 2, 29), date(2008, 6, 1), date(2008, 6, 2),
          date(2008, 5, 31), date(1999, 12, 31), date(2000, 1, 1), date(2026, 6, 1),
          date(2026, 6, 2), date(1930, 3, 1)]
AS_OF = [date(2026, 2, 28), date(2026, 3, 1), date(2028, 2, 28), date(2028, 2, 29),
         date(2026, 6, 1), date(2026, 5, 31)]


def age_leaf(protocol: Protocol, as_of: date, dialect: Dialect) -> exp.Expr:
    """The query the compiler makes for ``age`` (``_n_Age``'s leaf)."""
    compiler = SqlCompiler(protocol, as_of, dialect)
    compiler.numeric(n.Age())
    return dict(compiler._cte_list)[compiler._ctes["age"]]


@pytest.mark.parametrize("as_of", AS_OF, ids=str)
def test_age(engine: Engine, protocol: Protocol, as_of: date) -> None:
    """Completed years, 29 February birthdays included; a birth after the as-of date gives no
    row, so the age is unknown. The date comes from ``birth_datetime`` when present, else from
    year/month/day of birth; without the day, the ages of the first and last day the year (or
    month) may mean — the last clipped to the as-of date — as the OMOP reader's interval gives
    the interpreter."""
    rows: list[PersonRow] = []
    expected: dict[int, tuple[int, int]] = {}
    for i, b in enumerate(BIRTHS):
        rows.append((2 * i, datetime(b.year, b.month, b.day, 23, 59), None, None, None))
        rows.append((2 * i + 1, None, b.year, b.month, b.day))
        if b <= as_of:
            expected[2 * i] = expected[2 * i + 1] = (age_in_years(b, as_of),) * 2
    rows.append((901, datetime(1990, 7, 4), 1980, 1, 1))  # the datetime wins
    # impossible dates: no age (the OMOP reader reads no birth date), and no error
    rows += [(910, None, 1990, 13, None), (911, None, 1990, 2, 30), (912, None, 1990, 0, 1),
             (913, None, 0, None, None), (914, None, 1990, None, 5)]
    expected[901] = (age_in_years(date(1990, 7, 4), as_of),) * 2
    partial = {900: (1990, None), 902: (2000, 2), 903: (1900, 2), 904: (2004, 4),
               905: (2008, 6), 906: (as_of.year, None), 907: (as_of.year + 1, None)}
    for pid, (y, m) in partial.items():
        rows.append((pid, None, y, m, None))
        span = _birth_range(y, m, None)
        assert span is not None
        if span[0] <= as_of:
            expected[pid] = (age_in_years(min(span[1], as_of), as_of),
                             age_in_years(span[0], as_of))
    engine.persons(rows)
    got = {int(pid): (lo, hi) for pid, lo, hi in engine.rows(age_leaf(protocol, as_of,
                                                                      engine.dialect))}
    assert got == expected

