"""From per-person verdicts (``eligo_verdicts``) to the population tables, in SQL.

Per cohort, a criterion *passes* when an inclusion is met or an exclusion not met, *fails* when
an inclusion is not met or an exclusion met, and is *open* when unknown — the cohort status of
SPEC §2.3 follows (any fail → ineligible; all pass → eligible; else incomplete).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlglot import exp

from eligo.compile.staging import same_key, sql
from eligo.interpret.dates import window_start
from eligo.protocol.model import Criterion, Protocol

__all__ = ["coverage_sql", "open_counts_sql", "status_sql", "steps_sql"]


def _c(cid: str) -> exp.Column:
    return exp.column(exp.to_identifier(cid, quoted=True), "v")


def passes(c: Criterion) -> exp.Expr:
    v = _c(c.id)
    return exp.func("COALESCE", v if c.kind == "inclusion" else exp.not_(v), exp.false())


def fails(c: Criterion) -> exp.Expr:
    v = _c(c.id)
    return exp.func("COALESCE", exp.not_(v) if c.kind == "inclusion" else v, exp.false())


def is_open(c: Criterion) -> exp.Expr:
    return _c(c.id).is_(exp.null())


def _count(cond: exp.Expr) -> exp.Expr:
    return exp.func("SUM", exp.Case().when(cond, exp.convert(1)).else_(exp.convert(0)))


def _n(items: list[exp.Expr]) -> exp.Expr:
    total: exp.Expr = exp.convert(0)
    for i in items:
        total = exp.Add(this=total, expression=exp.Case().when(i, exp.convert(1))
                        .else_(exp.convert(0)))
    return exp.paren(total)


def status_sql(protocol: Protocol, verdicts: str) -> exp.Select:
    """person_id, status_<cohort>…, n_fail_<cohort>, n_open_<cohort>, overall."""
    cols: list[exp.Expr] = [exp.column("person_id", "v")]
    statuses = []
    for cohort in protocol.cohorts:
        crits = protocol.criteria_for(cohort.id)
        n_fail = _n([fails(c) for c in crits])
        n_open = _n([is_open(c) for c in crits])
        status = (exp.Case()
                  .when(exp.GT(this=n_fail, expression=exp.convert(0)),
                        exp.Literal.string("ineligible"))
                  .when(exp.GT(this=n_open.copy(), expression=exp.convert(0)),
                        exp.Literal.string("incomplete"))
                  .else_(exp.Literal.string("eligible")))
        statuses.append(status.copy())
        cols += [exp.alias_(status, f"status_{cohort.id}"),
                 exp.alias_(n_fail.copy(), f"n_fail_{cohort.id}"),
                 exp.alias_(n_open.copy(), f"n_open_{cohort.id}")]
    eligible = exp.or_(*(exp.EQ(this=s, expression=exp.Literal.string("eligible"))
                         for s in statuses))
    incomplete = exp.or_(*(exp.EQ(this=s.copy(), expression=exp.Literal.string("incomplete"))
                           for s in statuses))
    overall = (exp.Case().when(eligible, exp.Literal.string("eligible"))
               .when(incomplete, exp.Literal.string("incomplete"))
               .else_(exp.Literal.string("ineligible")))
    cols.append(exp.alias_(overall, "overall"))
    return exp.select(*cols).from_(exp.alias_(exp.table_(verdicts), "v"))


def steps_sql(protocol: Protocol, cohort: str, verdicts: str, status: str) -> exp.Select:
    """Per person, 1-based steps in protocol order: the first failing criterion, the first
    open one, the first not passing (either), how many do not pass, and the cohort status.
    Attrition, unlock and leave-one-out are then small GROUP BYs over these five numbers."""
    crits = protocol.criteria_for(cohort)

    def first(pred: Callable[[Criterion], exp.Expr]) -> exp.Expr:
        return exp.func("LEAST", *(exp.Case().when(pred(c), exp.convert(j + 1))
                                   for j, c in enumerate(crits)))

    return (exp.select(
        exp.alias_(first(fails), "first_fail"),
        exp.alias_(first(is_open), "first_open"),
        exp.alias_(first(lambda c: exp.not_(passes(c))), "first_nonpass"),
        exp.alias_(exp.Add(this=exp.column(f"n_fail_{cohort}", "s"),
                           expression=exp.column(f"n_open_{cohort}", "s")), "n_nonpass"),
        exp.alias_(exp.column(f"n_open_{cohort}", "s"), "n_open"),
        exp.alias_(exp.column(f"status_{cohort}", "s"), "status"),
        exp.alias_(exp.func("COUNT", exp.Star()), "persons"),
    ).from_(exp.alias_(exp.table_(verdicts), "v"))
     .join(exp.alias_(exp.table_(status), "s"),
           on=exp.EQ(this=exp.column("person_id", "s"), expression=exp.column("person_id", "v")))
     .group_by(*(exp.convert(i) for i in range(1, 7))))


def open_counts_sql(protocol: Protocol, cohort: str, verdicts: str, status: str) -> exp.Select:
    """Per criterion: persons incomplete for the cohort for whom it is open."""
    crits = protocol.criteria_for(cohort)
    incomplete = exp.EQ(this=exp.column(f"status_{cohort}", "s"),
                        expression=exp.Literal.string("incomplete"))
    return (exp.select(*(exp.alias_(_count(exp.and_(incomplete.copy(), is_open(c))), f"open_{j}")
                         for j, c in enumerate(crits)))
            .from_(exp.alias_(exp.table_(verdicts), "v"))
            .join(exp.alias_(exp.table_(status), "s"),
                  on=exp.EQ(this=exp.column("person_id", "s"),
                            expression=exp.column("person_id", "v"))))


def coverage_sql(protocol: Protocol, as_of: date) -> exp.Expr:
    """Per analyte found in the source: its rows up to the as-of date and how many of them
    are unusable (no value, or a unit that does not convert), from the fact keys; the
    earliest day a criterion reads it (its look-back), and the persons with a usable value
    since then and inside the screening window, from the rows staged (``eligo_facts``)."""
    start = window_start(protocol.windows["screening"], as_of)
    return sql(
        f"""
        WITH last AS (
          SELECT analyte, person_id, MAX(CASE WHEN usable THEN day END) AS last_day
          FROM eligo_facts GROUP BY analyte, person_id
        ),
        persons AS (
          SELECT analyte, COUNT(last_day) AS back,
                 SUM(CASE WHEN last_day >= :start THEN 1 ELSE 0 END) AS recent
          FROM last GROUP BY analyte
        ),
        counted AS (
          SELECT k.analyte, SUM(f.n_rows) AS n_rows,
                 SUM(CASE WHEN k.factor IS NULL THEN f.n_rows ELSE f.n_rows - f.n_values END)
                   AS unusable, MIN(k.horizon) AS since
          FROM eligo_keys AS k
          JOIN eligo_fact_keys AS f ON f.src = k.src AND {same_key("f", "k")}
          GROUP BY k.analyte
        )
        SELECT c.analyte, c.n_rows, c.unusable, c.since, COALESCE(p.back, 0),
               COALESCE(p.recent, 0)
        FROM counted AS c LEFT JOIN persons AS p ON p.analyte = c.analyte
        ORDER BY c.analyte
        """, start=exp.cast(exp.Literal.string(start.isoformat()), "DATE"))
