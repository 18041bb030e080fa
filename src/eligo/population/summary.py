"""From per-person verdicts (``eligo_verdicts``) to the population tables, in SQL.

Per cohort, a criterion *passes* when an inclusion is met or an exclusion not met, *fails* when
an inclusion is not met or an exclusion met, and is *open* when unknown — the cohort status of
SPEC §2.3 follows (any fail → ineligible; all pass → eligible; else incomplete).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlglot import exp

from eligo.compile.staging import Horizons, same_key, sql
from eligo.interpret.dates import window_start
from eligo.protocol.model import Criterion, Protocol

__all__ = ["coverage_sql", "open_counts_sql", "status_columns", "status_sql", "steps_sql"]


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


def _sum(items: list[exp.Expr]) -> exp.Expr:
    total: exp.Expr = exp.convert(0)
    for i in items:
        total = exp.Add(this=total, expression=i)
    return exp.paren(total)


_WORD = 60  # criteria per BIGINT bit mask
_STATUS = exp.DataType.build("ENUM('eligible', 'incomplete', 'ineligible')", dialect="duckdb")


def _status(word: str) -> exp.Expr:
    # an ENUM constant, not a string: five status columns of a million strings took a fifth
    # of building the table (0.45 -> 0.37 s at 10^6 persons)
    return exp.cast(exp.Literal.string(word), _STATUS.copy())


def status_sql(protocol: Protocol, verdicts: str) -> exp.Select:
    """Per person: for every cohort its status, how many criteria fail and are open
    (``n_fail_<c>``, ``n_open_<c>``) and the 1-based steps, in protocol order, of the first
    failing, first open and first not passing criterion (``first_fail_<c>``, …; NULL: none);
    the overall status. Attrition, unlock and leave-one-out are small GROUP BYs over these.

    Each criterion is tested once, not once per cohort: a person's failing and open criteria
    are bit masks (bit j = the j-th criterion of the protocol, 60 to a BIGINT), and a cohort
    reads them through its own constant mask — counts are bit counts, the first step is the
    lowest bit set, numbered among the cohort's own criteria."""
    index = {c.id: j for j, c in enumerate(protocol.criteria)}
    words = range((len(index) + _WORD - 1) // _WORD)

    def mask(pred: Callable[[Criterion], exp.Expr], w: int) -> exp.Expr:
        return _sum([exp.Case().when(pred(c), exp.convert(1 << (index[c.id] - w * _WORD)))
                     .else_(exp.convert(0)) for c in protocol.criteria
                     if index[c.id] // _WORD == w])

    masks = [exp.alias_(mask(p, w), f"{kind}_{w}") for w in words
             for kind, p in (("fail", fails), ("open", is_open))]
    bits = exp.select(exp.column("person_id", "v"), *masks).from_(
        exp.alias_(exp.table_(verdicts), "v"))
    # the open masks stay: the unlock counts read them (open_counts_sql)
    counts: list[exp.Expr] = [exp.column("person_id"), *(exp.column(f"open_{w}") for w in words)]
    for cohort in protocol.cohorts:
        own = [sum(1 << (index[c.id] - w * _WORD) for c in protocol.criteria_for(cohort.id)
                   if index[c.id] // _WORD == w) for w in words]

        def of(kind: str, w: int, own: list[int] = own) -> exp.Expr:
            # this cohort's bits of a mask: fail, open, or not passing (either)
            m = f"(fail_{w} | open_{w})" if kind == "nonpass" else f"{kind}_{w}"
            return sql(f"({m} & {own[w]})")

        def first(kind: str, own: list[int] = own) -> exp.Expr:
            case = exp.Case()
            before = 0
            for w in words:
                # the lowest bit set (f & -f), numbered among the cohort's own bits below it
                case = case.when(sql(":f <> 0", f=of(kind, w)), sql(
                    f"BIT_COUNT({own[w]} & ((:f & -:f) - 1)) + {before + 1}", f=of(kind, w)))
                before += bin(own[w]).count("1")
            return case

        counts += [
            exp.alias_(_sum([exp.func("BIT_COUNT", of("fail", w)) for w in words]),
                       f"n_fail_{cohort.id}"),
            exp.alias_(_sum([exp.func("BIT_COUNT", of("open", w)) for w in words]),
                       f"n_open_{cohort.id}"),
            *(exp.alias_(first(kind), f"first_{kind}_{cohort.id}")
              for kind in ("fail", "open", "nonpass"))]
    inner = exp.select(*counts).from_(exp.alias_(exp.Subquery(this=bits), "b"))
    statuses = []
    for cohort in protocol.cohorts:
        statuses.append(exp.alias_(
            exp.Case().when(sql(f"n_fail_{cohort.id} > 0"), _status("ineligible"))
            .when(sql(f"n_open_{cohort.id} > 0"), _status("incomplete"))
            .else_(_status("eligible")), f"status_{cohort.id}"))
    with_status = exp.select("*", *statuses).from_(exp.alias_(exp.Subquery(this=inner), "c"))
    ids = [c.id for c in protocol.cohorts]
    overall = (exp.Case()
               .when(exp.or_(*(sql(f"status_{c} = 'eligible'") for c in ids)),
                     _status("eligible"))
               .when(exp.or_(*(sql(f"status_{c} = 'incomplete'") for c in ids)),
                     _status("incomplete"))
               .else_(_status("ineligible")))
    return exp.select("*", exp.alias_(overall, "overall")).from_(
        exp.alias_(exp.Subquery(this=with_status), "s"))


def status_columns(protocol: Protocol) -> list[str]:
    """The columns of ``status.parquet``."""
    return ["person_id", *(f"{k}_{c.id}" for c in protocol.cohorts
                           for k in ("status", "n_fail", "n_open")), "overall"]


def steps_sql(cohort: str, status: str) -> exp.Expr:
    """Persons grouped by (first failing, first open, first not passing step, criteria not
    passing, criteria open, cohort status), with their number."""
    c = cohort
    return sql(
        f"""SELECT first_fail_{c}, first_open_{c}, first_nonpass_{c},
                   n_fail_{c} + n_open_{c}, n_open_{c}, status_{c}, COUNT(*)
            FROM {status} GROUP BY 1, 2, 3, 4, 5, 6""")


def open_counts_sql(protocol: Protocol, status: str) -> exp.Select:
    """Per cohort and criterion (``open_<cohort>_<step>``): persons incomplete for the cohort
    for whom the criterion is open — from the open masks of :func:`status_sql`, one pass for
    every cohort."""
    index = {c.id: j for j, c in enumerate(protocol.criteria)}
    cols = []
    for cohort in protocol.cohorts:
        incomplete = exp.EQ(this=exp.column(f"status_{cohort.id}"),
                            expression=exp.Literal.string("incomplete"))
        for j, c in enumerate(protocol.criteria_for(cohort.id)):
            w, bit = divmod(index[c.id], _WORD)
            is_set = sql(f"(open_{w} & {1 << bit}) <> 0")
            cols.append(exp.alias_(_count(exp.and_(incomplete.copy(), is_set)),
                                   f"open_{cohort.id}_{j}"))
    return exp.select(*cols).from_(exp.table_(status))


def coverage_sql(protocol: Protocol, as_of: date, horizons: Horizons) -> exp.Expr:
    """Per analyte found in the source: its rows up to the as-of date and how many of them
    are unusable (no value, or a unit that does not convert), from the fact keys; the
    earliest day a criterion reads it for every person (its look-back: a classification's
    "ever" read only for the persons of its diagnosis does not count, see
    :class:`~eligo.compile.staging.Horizons`); the persons with a usable value since then and
    inside the screening window (or the look-back, when that is shorter), from
    ``eligo_analyte`` — or ``eligo_rows``, where leaves read the analyte's rows further back.
    ``horizons``: the compiled plan's (they say which of the two tables exist)."""
    start = exp.cast(exp.Literal.string(
        window_start(protocol.windows["screening"], as_of).isoformat()), "DATE")
    # where the rows reach further back than the aggregates: count from the rows
    by_rows = sql("h.agg_from IS NULL OR COALESCE(h.rows_from < h.everyone_from, FALSE)")
    persons = []
    if horizons.rows:
        persons.append(sql(
            """SELECT r.analyte, COUNT(DISTINCT r.person_id) AS back,
                      COUNT(DISTINCT CASE WHEN r.day >= :start THEN r.person_id END) AS recent
               FROM eligo_rows AS r JOIN h ON h.analyte = r.analyte
               WHERE :by_rows GROUP BY r.analyte""", start=start, by_rows=by_rows))
    if horizons.aggregate:
        persons.append(sql(
            """SELECT h.analyte,
                      SUM(CASE WHEN a.last_usable >= h.everyone_from THEN 1 ELSE 0 END) AS back,
                      SUM(CASE WHEN a.last_usable >= GREATEST(:start, h.everyone_from)
                               THEN 1 ELSE 0 END) AS recent
               FROM eligo_analyte AS a JOIN h ON h.aid = a.aid
               WHERE NOT (:by_rows) GROUP BY h.analyte""", start=start, by_rows=by_rows))
    if not persons:
        persons.append(sql("SELECT analyte, 0 AS back, 0 AS recent FROM h WHERE FALSE"))
    union = persons[0]
    for q in persons[1:]:
        union = exp.union(union, q, distinct=False)
    return sql(
        f"""
        WITH h AS (
          SELECT analyte, MIN(aid) AS aid, MIN(agg_from) AS agg_from,
                 MIN(everyone_from) AS everyone_from, MIN(rows_from) AS rows_from
          FROM eligo_keys GROUP BY analyte
        ),
        persons AS (:persons),
        counted AS (
          SELECT k.analyte, SUM(f.n_rows) AS n_rows,
                 SUM(CASE WHEN k.factor IS NULL THEN f.n_rows ELSE f.n_rows - f.n_values END)
                   AS unusable
          FROM eligo_keys AS k
          JOIN eligo_fact_keys AS f ON f.src = k.src AND {same_key("f", "k")}
          GROUP BY k.analyte
        )
        SELECT c.analyte, c.n_rows, c.unusable,
               CASE WHEN {by_rows.sql()} THEN h.rows_from ELSE h.everyone_from END,
               COALESCE(p.back, 0), COALESCE(p.recent, 0)
        FROM counted AS c JOIN h ON h.analyte = c.analyte
        LEFT JOIN persons AS p ON p.analyte = c.analyte
        ORDER BY c.analyte
        """, persons=union)
