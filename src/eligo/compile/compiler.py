"""IR → SQL: the same criteria the interpreter evaluates, as one query over the staging tables.

Verdicts are nullable booleans (NULL = unknown), so SQL's AND/OR/NOT are Kleene logic. Numeric
nodes compile to a pair of bounds ``(lo, hi)`` — NULL meaning −∞/+∞ — exactly the interpreter's
intervals. A leaf (a node that reads data) is, where it can be, read from one pass over its
staging table: lab and assessment leaves from ``eligo_analyte`` (one row per person and analyte,
joined as per-analyte slices ``la<k>``), condition, drug and attestation leaves as filtered
aggregates of one ``GROUP BY person_id`` (``eligo_agg_<table>``); the rest (islands of exposure,
baselines, joins) are one query each (``l<N>``). All of them become columns of the wide
per-person table, NULL where the person has no data; equal leaves are compiled once (IR nodes
are hashable), and sub-expressions used more than once are computed once per person
(:meth:`SqlCompiler.shared`). Dispatch is on the node's class (``_b_<Node>`` /
``_n_<Node>``); a node without a method fails at compile time with
:class:`~eligo.errors.EvaluationError` naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from sqlglot import exp

from eligo.calc import CALCULATORS
from eligo.compile.dialect import Dialect
from eligo.compile.staging import NEGATIVE_CODES, POSITIVE_CODES, Horizons, analyte_ids, sql
from eligo.data import units
from eligo.errors import EvaluationError
from eligo.interpret.dates import window_start
from eligo.ir import nodes as n
from eligo.protocol.model import Protocol

__all__ = ["CompiledProtocol", "SqlCompiler"]

_TOL = 1e-9
_POS_WORDS = ["positive", "detected", "reactive"]
_NEG_WORDS = ["negative", "not detected", "non-reactive", "nonreactive"]
_OPERATORS = {"<": 4171756, "<=": 4171754, ">": 4172704, ">=": 4171755}


@dataclass
class Num:
    lo: exp.Expr  # NULL = −∞
    hi: exp.Expr  # NULL = +∞
    uln: exp.Expr | None = None
    found: exp.Expr | None = None  # a measured value exists (any_measured)
    lo_open: exp.Expr | None = None  # a censored result: ">2" is strictly above 2
    hi_open: exp.Expr | None = None  # "<3" is strictly below 3


@dataclass(frozen=True)
class CalcUdf:
    """A calculator called from SQL: the calculator and its arguments."""

    calculator: str
    args: tuple[tuple[str, str], ...]  # (input name, kind: number | boolean | choice)


@dataclass(frozen=True)
class CalcColumn:
    """One calculator call per person: where its value can change a verdict (``guard``;
    None: everywhere) and its arguments. Its value is [lo, hi]."""

    udf: CalcUdf
    guard: exp.Expr | None
    args: tuple[exp.Expr, ...]


# Every calculator of the plan runs in one function call per row — its arguments are each
# column's guard then its arguments; it returns a struct of [lo, hi] lists, one field per
# column: engines pay per call far more than per row (a chunk of rows to Python and back).
CALC_FUNCTION = "eligo_calculators"


@dataclass
class CompiledProtocol:
    ctes: list[tuple[str, exp.Expr]]  # leaves that are queries of their own
    criteria: dict[str, exp.Expr]
    calc_columns: dict[str, CalcColumn] = field(default_factory=dict)
    # staging table → wide column → its aggregate (``agg FILTER (WHERE …)``)
    aggregates: dict[str, dict[str, exp.Expr]] = field(default_factory=dict)
    prepared: list[tuple[str, exp.Expr]] = field(default_factory=list)  # run before all
    # analyte → (slice name, {column: type}) of its columns in ``eligo_analyte``
    slices: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    # sub-expressions used more than once (``p.v<N>``): name → (expression, nesting level)
    values: dict[str, tuple[exp.Expr, int]] = field(default_factory=dict)
    horizons: Horizons = field(default_factory=lambda: Horizons({}, {}))
    aids: dict[str, int] = field(default_factory=dict)  # analyte → its number in eligo_analyte
    # the persons for whom some analytes are read further back (Horizons.everyone): where
    # one of these holds
    guards: list[exp.Expr] = field(default_factory=list)
    key: str | None = None  # its key in the plan cache (eligo.compile.plan_cache), if any

    def decided_early(self, e: exp.Expr) -> bool:
        """``e`` reads only tables computed before ``eligo_analyte`` (the aggregate tables
        and query leaves), directly or through shared values."""
        values, sources = self._needs([e])
        return not any(s.startswith("la") for s in sources) and not any(
            c.table == CALC_TABLE for x in (e, *(self.values[v][0] for v in values))
            for c in x.find_all(exp.Column))

    def _guard_table(self, person: str, present: set[str] | None) -> exp.Expr:
        """``eligo_guard``: the persons where one of :attr:`guards` holds."""
        values, sources = self._needs(self.guards)
        source = self._with_values(self._joined(person, present, None, sources)[1], values)
        return exp.select(exp.column("person_id", "p"), copy=False).from_(
            source, copy=False).where(exp.or_(*(_to_wide(g) for g in self.guards)), copy=False)

    def aggregate_tables(self) -> list[tuple[str, exp.Expr]]:
        """One ``GROUP BY person_id`` pass per staging table computing all its leaves."""
        return [(_agg_table(table), exp.select(
            "person_id", *(exp.alias_(e, c) for c, e in columns.items())
        ).from_(exp.table_(table)).group_by("person_id"))
            for table, columns in self.aggregates.items()]

    def _in_slices(self) -> dict[str, list[str]]:
        """Slice name → the shared values that read only that slice's columns: computed
        inside the slice, over the persons who have the analyte (a few in a hundred), not
        over every person."""
        out: dict[str, list[str]] = {}
        for name, (e, level) in self.values.items():
            tables = {c.table for c in e.find_all(exp.Column)}
            if level == 1 and len(tables) == 1 and next(iter(tables)).startswith("la"):
                out.setdefault(tables.pop(), []).append(name)
        return out

    def _sources(self, present: set[str] | None, only: set[str] | None = None
                 ) -> tuple[list[tuple[str, exp.Expr, list[exp.Expr]]], dict[str, list[exp.Expr]]]:
        """What the per-person row gathers: (source name, table or subquery, its columns as
        the row names them) for the aggregate tables, the query leaves and each analyte's
        slice of ``eligo_analyte``; and per slice of an analyte with no rows at all (not in
        ``present``), its columns as typed NULLs, joined to nothing. The values computed in
        a slice (:meth:`_in_slices`) take, for a person without the analyte, what they give
        on NULL columns (a constant the engine folds). ``only``: the slices wanted (None:
        all; building the others' columns is most of the time this takes)."""
        sources: list[tuple[str, exp.Expr, list[exp.Expr]]] = [
            (_agg_table(table), cast(exp.Expr, exp.table_(_agg_table(table))),
             [_as(exp.column(c, _agg_table(table)), c) for c in columns])
            for table, columns in self.aggregates.items()
        ] + [(name, exp.table_(name), [_as(exp.column(c, name), f"{name}__{c}")
                                       for c in _columns(q)])
             for name, q in self.ctes]
        nulls: dict[str, list[exp.Expr]] = {}
        in_slices = self._in_slices()
        for analyte, (name, columns) in self.slices.items():
            if only is not None and name not in only:
                continue
            values = in_slices.get(name, [])

            def unqualified(node: exp.Expr) -> exp.Expr:
                return exp.column(node.name) if isinstance(node, exp.Column) else node

            empty = self._empty(analyte, values)
            if present is not None and analyte not in present:
                nulls[name] = [_as(exp.cast(exp.null(), kind), f"{name}__{c}")
                               for c, kind in columns.items()] + [_as(e, v) for v, e in empty]
                continue
            q = exp.select("person_id", *sorted(columns), *(
                _as(self.values[v][0].transform(unqualified), v) for v in values), copy=False
            ).from_(ANALYTE_TABLE, copy=False).where(
                sql("aid = :a", a=self.aids[analyte]), copy=False)
            sources.append((name, _as(exp.Subquery(this=q), name), [
                *(_as(exp.column(c, name), f"{name}__{c}") for c in sorted(columns)),
                *(_as(_case((exp.column("person_id", name).is_(exp.null()), e),
                            default=exp.column(v, name)), v) for v, e in empty)]))
        return sources, nulls

    def _empty(self, analyte: str, values: list[str]) -> list[tuple[str, exp.Expr]]:
        """``values`` (computed in the analyte's slice: :meth:`_in_slices`), each with what it
        gives for a person without the analyte (its columns NULL: a constant)."""
        kinds = self.slices[analyte][1]

        def as_null(node: exp.Expr) -> exp.Expr:
            return exp.cast(exp.null(), kinds[node.name]) if isinstance(node, exp.Column) \
                else node

        return [(v, self.values[v][0].transform(as_null)) for v in values]

    def _split(self, person: str, slices: list[tuple[str, exp.Expr, list[exp.Expr]]]
               ) -> tuple[exp.Expr, list[exp.Expr]]:
        """Every person with the columns of ``slices`` (analyte slices): the persons who
        have an analyte (a quarter of them in a synthetic population) joined to the slices,
        then the others, whose columns are what a slice gives a person without its analyte
        (typed NULLs and constants) — the slices are probed by the persons they can match,
        not by everyone. The union (alias p), and its slice columns as the row names them."""
        kinds: dict[str, str] = {}
        empty: dict[str, exp.Expr] = {}
        wanted = {name for name, _, _ in slices}
        in_slices = self._in_slices()
        for analyte, (name, columns) in self.slices.items():
            if name in wanted:
                kinds |= {f"{name}__{c}": kind for c, kind in columns.items()}
                empty |= dict(self._empty(analyte, in_slices.get(name, [])))
        aliases = [c.alias for _, _, columns in slices for c in columns]
        person_cols = [exp.column("person_id", "p"), exp.column("gender_concept_id", "p")]
        having = exp.select(*person_cols, *(c for _, _, columns in slices for c in columns),
                            copy=False).from_(_as(exp.Subquery(this=sql(
                                f"SELECT DISTINCT person_id FROM {ANALYTE_TABLE}")), "h"),
                                copy=False).join(
            _as(exp.table_(person), "p"), on=sql("p.person_id = h.person_id"), copy=False)
        for name, table, _ in slices:
            having = having.join(table, on=sql(f"{name}.person_id = p.person_id"),
                                 join_type="left", copy=False)
        others = exp.select(*(c.copy() for c in person_cols), *(
            _as(empty[a].copy() if a in empty else exp.cast(exp.null(), kinds[a]), a)
            for a in aliases), copy=False).from_(_as(exp.table_(person), "p"), copy=False
        ).where(sql(f"NOT EXISTS (SELECT 1 FROM {ANALYTE_TABLE} AS a "
                    "WHERE a.person_id = p.person_id)"), copy=False)
        union = exp.union(having, others, distinct=False)
        return _as(exp.Subquery(this=union), "p"), [exp.column(a, "p") for a in aliases]

    def _source_of(self) -> dict[str, str]:
        """Leaf name (``l12``, ``la3``) → the source that holds its columns."""
        out = {name: _agg_table(table) for table, columns in self.aggregates.items()
               for name in {c.split("__")[0] for c in columns}}
        out |= {name: name for name, _ in self.ctes}
        out |= {name: name for name, _ in self.slices.values()}
        return out

    def _needs(self, exprs: list[exp.Expr]) -> tuple[set[str], set[str]]:
        """The shared values and the sources that ``exprs`` read, directly or through
        values."""
        source_of = self._source_of()
        values: set[str] = set()
        sources: set[str] = set()
        todo = list(exprs)
        while todo:
            for c in todo.pop().find_all(exp.Column):
                if c.table == "p" and c.name in self.values and c.name not in values:
                    values.add(c.name)
                    todo.append(self.values[c.name][0])
                elif _is_leaf(c.table):
                    sources.add(source_of[c.table])
        return values, sources

    def _joined(self, person: str, present: set[str] | None, batch: int | None,
                only: set[str] | None = None,
                extra: Sequence[tuple[str, exp.Expr, list[exp.Expr]]] = (),
                split: bool = False) -> tuple[list[tuple[str, exp.Expr]], exp.Expr]:
        """Every person with the leaf columns (``p.<leaf>__<column>``), NULL where the person
        has no data: the persons left-joined to every source of :meth:`_sources` (``only``:
        to these), and to ``extra``. ``batch``: joined a batch of sources at a time into
        tables of their own (the steps returned), then those tables to each other — for an
        engine that runs each join with buffers of its own (Spark's sort-merge joins); else
        all in the one query. ``split`` (one query only): the analyte slices are joined to
        the persons who have an analyte only (:meth:`_split`)."""
        found, absent = self._sources(present, only)
        sources = [s for s in found if only is None or s[0] in only] + list(extra)
        nulls = [c for name, columns in absent.items() if only is None or name in only
                 for c in columns]
        if split and not batch:
            names = {name for name, _ in self.slices.values()}
            slices = [src for src in sources if src[0] in names]
            if slices:
                rest = [src for src in sources if src[0] not in names]
                persons, columns = self._split(person, slices)
                q = exp.select(exp.column("person_id", "p"),
                               exp.column("gender_concept_id", "p"), *nulls, *columns,
                               *(c for _, _, cols in rest for c in cols), copy=False
                               ).from_(persons, copy=False)
                for name, table, _ in rest:
                    q = q.join(table, on=sql(f"{name}.person_id = p.person_id"),
                               join_type="left", copy=False)
                return [], q
        groups = [sources[k:k + batch] for k in range(0, len(sources), batch)] \
            if batch and sources else [sources]
        queries: list[exp.Expr] = []
        for k, group in enumerate(groups):
            q = exp.select(exp.column("person_id", "p"), *(
                [exp.column("gender_concept_id", "p"), *nulls] if k == 0 else []),
                *(c for _, _, columns in group for c in columns), copy=False
            ).from_(_as(exp.table_(person), "p"), copy=False)
            for name, table, _ in group:
                q = q.join(table, on=sql(f"{name}.person_id = p.person_id"),
                           join_type="left", copy=False)
            queries.append(q)
        if not batch:
            return [], queries[0]
        steps: list[tuple[str, exp.Expr]] = [(f"eligo_leaves_{k}", q)
                                             for k, q in enumerate(queries)]
        wide = exp.select("*").from_(_as(exp.table_(steps[0][0]), "p"))
        for name, _ in steps[1:]:
            wide = wide.join(exp.table_(name), using=["person_id"], join_type="left",
                             copy=False)
        return steps, wide

    def _with_values(self, joined: exp.Expr, only: set[str] | None = None) -> exp.Expr:
        """Each person's leaf columns (``joined``), then the shared values (``only``: these)
        computed once per person in nested projections (a value reads only values of lower
        levels): streamed, never stored."""
        source: exp.Expr = _as(exp.Subquery(this=joined), "p")
        done = {v for values in self._in_slices().values() for v in values}
        wanted = [(name, e, lvl) for name, (e, lvl) in self.values.items()
                  if name not in done and (only is None or name in only)]
        for level in sorted({lvl for _, _, lvl in wanted}):
            source = self._level(source, [_as(_to_wide(e), name) for name, e, lvl in wanted
                                          if lvl == level])
        return source

    def _calculators(self, joined: exp.Expr, needed: set[str]) -> list[tuple[str, exp.Expr]]:
        """``eligo_calc``: person_id and each calculator column [lo, hi] (``c<N>``), for the
        persons where one can change a verdict. Their arguments are stored first
        (``eligo_calc_args``, a row per such person), so that the calculators get them in
        full chunks, in one call per chunk (see :data:`CALC_FUNCTION`): an engine pays for
        every call to Python, however few rows it carries."""
        guards = {name: f"{name}_when" for name in self.calc_columns}
        source = self._level(self._with_values(joined, needed), [
            _as(_to_wide(c.guard) if c.guard is not None else exp.true(), guards[name])
            for name, c in self.calc_columns.items()])
        args: list[exp.Expr] = []
        for name, c in self.calc_columns.items():
            args += [exp.column(guards[name], "p"),
                     *(_as(_to_wide(a), f"{name}_{k}") for k, a in enumerate(c.args))]
        stored = exp.select(exp.column("person_id", "p"), *args, copy=False).from_(
            source, copy=False)
        if all(c.guard is not None for c in self.calc_columns.values()):
            stored = stored.where(exp.or_(*(exp.column(g, "p") for g in guards.values())),
                                  copy=False)
        names = [a.alias_or_name for a in args]
        calls = exp.select("person_id", _as(exp.Anonymous(
            this=CALC_FUNCTION, expressions=[exp.column(n) for n in names]), CALC_FUNCTION),
            copy=False).from_(CALC_ARGS_TABLE, copy=False)
        return [(CALC_ARGS_TABLE, stored), (CALC_TABLE, exp.select("person_id", *(
            _as(exp.column(name, CALC_FUNCTION, "r"), name) for name in self.calc_columns),
            copy=False).from_(_as(exp.Subquery(this=calls), "r"), copy=False))]

    @staticmethod
    def _level(source: exp.Expr, columns: list[exp.Expr]) -> exp.Expr:
        """``source`` (alias p) with ``columns`` added, as p again."""
        return _as(exp.Subquery(this=exp.select(_P_STAR.copy(), *columns, copy=False)
                                .from_(source, copy=False)), "p")

    def calc_udfs(self) -> dict[str, CalcUdf]:
        """Each calculator column's calculator and argument kinds."""
        return {name: c.udf for name, c in self.calc_columns.items()}

    def calc_parameters(self) -> list[str]:
        """The kinds of :data:`CALC_FUNCTION`'s parameters (boolean, number, choice)."""
        return [kind for c in self.calc_columns.values()
                for kind in ("boolean", *(k for _, k in c.udf.args))]

    def statements(self, person: str, present: set[str] | None = None,
                   batch: int | None = None) -> list[tuple[str, exp.Expr]]:
        """The plan as (table, query) steps: ``eligo_analyte`` and the aggregate passes and
        query leaves materialised (small: a row per person who has such data); the
        calculators, over the sources their arguments read, for the persons where they
        matter (``eligo_calc``); then one statement that joins everything to every person
        and computes the verdicts — person_id and one nullable boolean per criterion — in
        ``VERDICT_TABLE``. ``present``: the analytes that have rows (None: all); ``batch``:
        see :meth:`_joined`."""
        steps: list[tuple[str, exp.Expr]] = [*self.aggregate_tables(), *self.ctes]
        if self.guards:
            steps.append((GUARD_TABLE, self._guard_table(person, present)))
        steps += self.prepared
        # the verdicts read only what the criteria read: many analytes (a classification's
        # items) reach a verdict only through a calculator, whose result is one column
        needed: tuple[set[str], set[str]] | None = None
        if not self.calc_columns:
            joins, joined = self._joined(person, present, batch, split=True)
            steps += joins
        else:
            values, sources = self._needs([e for c in self.calc_columns.values()
                                           for e in (*c.args, c.guard) if e is not None])
            if batch:  # the batches are tables: the calculators read them, then join them
                joins, joined = self._joined(person, present, batch)
                steps += [*joins, *self._calculators(joined, values)]
                joined = cast(exp.Select, joined.copy()).join(
                    exp.table_(CALC_TABLE), using=["person_id"], join_type="left", copy=False)
            else:
                steps += self._calculators(self._joined(person, present, None, sources)[1],
                                           values)
                needed = self._needs(list(self.criteria.values()))
                joined = self._joined(person, present, None, needed[1], extra=[(
                    CALC_TABLE, exp.table_(CALC_TABLE),
                    [_as(exp.column(c, CALC_TABLE), c) for c in self.calc_columns])],
                    split=True)[1]
        values_read = None if needed is None else needed[0]
        verdicts = exp.select(exp.column("person_id", "p"), *(
            _as(_to_wide(e), cid, quoted=True) for cid, e in self.criteria.items()
        ), copy=False).from_(self._with_values(joined, values_read), copy=False)
        return [*steps, (VERDICT_TABLE, verdicts)]


_P_STAR = exp.column(exp.Star(), "p")


def _agg_table(table: str) -> str:
    """The table of the one ``GROUP BY person_id`` pass over a staging table."""
    return f"eligo_agg_{table}"


def _as(e: exp.Expr, name: str, quoted: bool = False) -> exp.Expr:
    """``e AS name`` without copying ``e`` (built for this statement alone): copies of the
    plan's big expressions dominated the time to build it."""
    return exp.alias_(e, name, quoted=quoted, copy=False)


def _columns(query: exp.Expr) -> list[str]:
    assert isinstance(query, exp.Query)
    return [c for c in query.named_selects if c != "person_id"]


def _to_wide(e: exp.Expr) -> exp.Expr:
    """Leaf columns (l7.v) become columns of the per-person row (p.l7__v); calculator
    results (eligo_calc.c0) its columns too (p.c0)."""
    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and _is_leaf(node.table):
            return exp.column(f"{node.table}__{node.name}", "p")
        if isinstance(node, exp.Column) and node.table == CALC_TABLE:
            return exp.column(node.name, "p")
        return node
    return e.transform(swap)  # transform copies


def _is_leaf(table: str) -> bool:
    """Leaves are named l0, l1, … (``SqlCompiler.leaf``/``aggregate``), analyte slices la0, …"""
    digits = table[2:] if table.startswith("la") else table[1:]
    return table[:1] == "l" and digits.isdigit()


ANALYTE_TABLE = "eligo_analyte"
VERDICT_TABLE = "eligo_verdicts"
CALC_TABLE = "eligo_calc"
CALC_ARGS_TABLE = "eligo_calc_args"
GUARD_TABLE = "eligo_guard"


# the columns of eligo_analyte (``hi_0`` → ``hi``) and their types
_ANALYTE_TYPES = {"lday": "DATE", "lv": "DOUBLE", "lop": "BIGINT", "luln": "DOUBLE",
                  "pday": "DATE", "ppos": "BOOLEAN", "hi": "DOUBLE", "lo": "DOUBLE",
                  "any": "INT"}


def _filtered(aggregate: exp.Expr, condition: exp.Expr) -> exp.Expr:
    """``aggregate FILTER (WHERE condition)``: NULL (COUNT: 0) for a person without such rows."""
    return exp.Filter(this=aggregate, expression=exp.Where(this=condition))


_ANY = "BOOL_OR(TRUE)"


def _lit(v: float) -> exp.Expr:
    return exp.cast(exp.convert(float(v)), "DOUBLE")


def _le(a: exp.Expr, b: exp.Expr) -> exp.Expr:
    """a ≤ b with the interpreter's tolerance (SPEC §2.6)."""
    return sql("(:a <= :b OR ABS(:a - :b) <= GREATEST(:tol * GREATEST(ABS(:a), ABS(:b)), 1e-12))",
               a=a, b=b, tol=_TOL)


def _lt(a: exp.Expr, b: exp.Expr) -> exp.Expr:
    return sql("(:a < :b AND NOT ABS(:a - :b) <= GREATEST(:tol * GREATEST(ABS(:a), ABS(:b)), "
               "1e-12))", a=a, b=b, tol=_TOL)


def _holds(op: str, a: exp.Expr, b: exp.Expr) -> exp.Expr:
    if op == "<":
        return _lt(a, b)
    if op == "<=":
        return _le(a, b)
    if op == ">":
        return _lt(b, a)
    if op == ">=":
        return _le(b, a)
    eq = exp.and_(_le(a, b), _le(b, a))
    return eq if op == "==" else exp.not_(eq)


def _case(*whens: tuple[exp.Expr, exp.Expr],
          default: exp.Expr | None = None) -> exp.Expr:
    c = exp.Case()
    for cond, value in whens:
        c = c.when(cond, value)
    if default is not None:
        c = c.else_(default)
    return c


def censored(v: exp.Expr, op: exp.Expr, uln: exp.Expr | None = None) -> Num:
    """A value and its OMOP operator as an interval, the interpreter's _censored: a "<"
    operator leaves it open below (and strictly so), ">" above."""
    below = exp.In(this=op, expressions=[exp.convert(_OPERATORS["<"]),
                                         exp.convert(_OPERATORS["<="])])
    above = exp.In(this=op.copy(), expressions=[exp.convert(_OPERATORS[">"]),
                                                exp.convert(_OPERATORS[">="])])
    lo = _case((below, exp.null()), default=v)
    hi = _case((above, exp.null()), default=v.copy())
    return Num(lo, hi, uln, v.copy().is_(exp.null()).not_(), *_open_ends(op))


def _open_ends(op: exp.Expr) -> tuple[exp.Expr, exp.Expr]:
    """Whether a value with OMOP operator ``op`` is open below (">") and above ("<")."""
    return (sql(":op = :c", op=op.copy(), c=exp.convert(_OPERATORS[">"])),
            sql(":op = :c", op=op.copy(), c=exp.convert(_OPERATORS["<"])))


def _bound_holds(op: str, other: str, is_open: exp.Expr | None, a: exp.Expr,
                 t: exp.Expr) -> exp.Expr:
    """``a op t``, or ``a other t`` where the bound ``a`` is open (see compare_interval)."""
    if is_open is None or op == other:
        return _holds(op, a, t)
    return _case((is_open.copy(), _holds(other, a, t)), default=_holds(op, a.copy(), t.copy()))


def compare_interval(num: Num, op: str, t: exp.Expr) -> exp.Expr:
    """The interpreter's compare_interval in SQL: met if every value in [lo, hi] satisfies."""
    true, false = exp.true(), exp.false()
    if op in ("<", "<="):
        return _case((_bound_holds(op, "<=", num.hi_open, num.hi, t), true),
                     (exp.not_(_bound_holds(op, "<", num.lo_open, num.lo, t.copy())), false))
    if op in (">", ">="):
        return _case((_bound_holds(op, ">=", num.lo_open, num.lo, t), true),
                     (exp.not_(_bound_holds(op, ">", num.hi_open, num.hi, t.copy())), false))
    inside = exp.and_(_le(num.lo, t), _le(t, num.hi))
    point = sql(":lo = :hi", lo=num.lo, hi=num.hi)
    outside_value = false if op == "==" else true
    return _case((point, _holds(op, num.lo, t)), (inside, exp.null()),
                 (exp.and_(num.lo.is_(exp.null()).not_(), num.hi.is_(exp.null()).not_()),
                  outside_value))


class SqlCompiler:
    def __init__(self, protocol: Protocol, as_of: date, dialect: Dialect) -> None:
        self.protocol = protocol
        self.as_of = as_of
        self.dialect = dialect
        self._ctes: dict[Any, str] = {}
        self._cte_list: list[tuple[str, exp.Expr]] = []
        self._criteria: dict[str, exp.Expr] = {}
        self._policy = "open"
        self._calc_columns: dict[str, CalcColumn] = {}
        self._aggregates: dict[str, dict[str, exp.Expr]] = {}
        self._windows: list[date] = []  # window starts of extrema and "any result" positives
        self._slices: dict[str, tuple[int, set[str]]] = {}  # analyte → (k, columns read)
        # analyte → the earliest day read through eligo_analyte / through eligo_rows
        self._horizons: dict[str, date] = {}
        self._row_horizons: dict[str, date] = {}
        # analyte → its reads through eligo_analyte: (first day, the conjuncts of the guard
        # under which the value matters; None: for every person) — see _restrictions()
        self._reads: dict[str, list[tuple[date, list[exp.Expr] | None]]] = {}
        # (analyte, day, the guard thunks themselves: held, so that no other context can
        # come to look the same)
        self._read_contexts: set[tuple[str, date, tuple[Callable[[], exp.Expr], ...]]] = set()
        screening = protocol.windows.get("screening")
        self._screening = self.window_start(screening) if screening else as_of
        self._values: dict[str, tuple[exp.Expr, int]] = {}  # see shared()
        self._value_names: dict[str, str] = {}  # SQL text → value name
        # where the node being compiled can matter; built only when a calculator asks
        # (copying every earlier item for every later one would dominate compile time)
        self._guards: list[Callable[[], exp.Expr]] = []

    # -- plumbing -------------------------------------------------------------------------
    @property
    def as_of_sql(self) -> exp.Expr:
        return exp.cast(exp.Literal.string(self.as_of.isoformat()), "DATE")

    def day(self, d: date) -> exp.Expr:
        return exp.cast(exp.Literal.string(d.isoformat()), "DATE")

    def window_start(self, window: n.Window) -> date:
        return max(window_start(window, self.as_of), date(1, 1, 1))

    def start(self, window: n.Window) -> exp.Expr:
        return self.day(self.window_start(window))

    def leaf(self, key: Any, build: Callable[[], exp.Expr]) -> str:
        name = self._ctes.get(key)
        if name is None:
            name = f"l{len(self._ctes)}"
            self._ctes[key] = name
            self._cte_list.append((name, build()))
        return name

    def aggregate(self, key: Any, table: str,
                  build: Callable[[], dict[str, exp.Expr]]) -> str:
        """A leaf computed as aggregates of the one ``GROUP BY person_id`` pass over a
        staging table: {column: aggregate}; read back with :meth:`col` like any leaf."""
        name = self._ctes.get(key)
        if name is None:
            name = f"l{len(self._ctes)}"
            self._ctes[key] = name
            columns = self._aggregates.setdefault(table, {})
            for column, e in build().items():
                columns[f"{name}__{column}"] = e
        return name

    def shared(self, e: exp.Expr) -> exp.Expr:
        """``e`` computed once per person as a value column ``p.v<N>`` (equal expressions
        share one). The interval logic repeats its operands (a ≤ b with a tolerance names a
        and b four times; an "at least k of" names each item thrice), so without this a
        criterion like iim.inc.activity grows to ~80 KB of SQL, evaluated row by row."""
        columns = list(e.find_all(exp.Column))
        if isinstance(e, exp.Column) or not columns or any(c.table == CALC_TABLE
                                                           for c in columns):
            return e  # a column already, a constant, or computed after the values
        key = e.sql()
        name = self._value_names.get(key)
        if name is None:
            level = 1 + max((self._values[c.name][1] for c in columns
                             if c.table == "p" and c.name in self._values), default=0)
            name = f"v{len(self._values)}"
            self._values[name] = (e.copy(), level)
            self._value_names[key] = name
        return exp.column(name, "p")

    @staticmethod
    def col(cte: str, column: str) -> exp.Column:
        return exp.column(column, cte)

    def compile(self) -> CompiledProtocol:
        for c in self.protocol.criteria:
            self.criterion(c.id)
        slices = {name: (f"la{k}", {c: _ANALYTE_TYPES[c.split("_")[0]] for c in columns})
                  for name, (k, columns) in self._slices.items()}
        compiled = CompiledProtocol(list(self._cte_list), dict(self._criteria),
                                    dict(self._calc_columns),
                                    {t: dict(c) for t, c in self._aggregates.items()}, [],
                                    slices, dict(self._values),
                                    Horizons(dict(self._horizons), dict(self._row_horizons)),
                                    analyte_ids(self.protocol))
        everyone, compiled.guards = self._restrictions(compiled)
        compiled.horizons = Horizons(dict(self._horizons), dict(self._row_horizons), everyone)
        if self._slices:
            compiled.prepared = [(ANALYTE_TABLE, self._per_analyte(bool(everyone)))]
        return compiled

    def _restrictions(self, compiled: CompiledProtocol
                      ) -> tuple[dict[str, date], list[exp.Expr]]:
        """Where an analyte is read further back only under guards, the day from which every
        person's rows are read (analyte → day) and the guards: older rows are read only for
        the persons where one holds (``eligo_guard``). A guard keeps only its conjuncts that
        the tables computed before ``eligo_analyte`` can decide (diagnoses, drugs,
        attestations; not other analytes or calculators) — fewer conjuncts, more persons,
        never fewer than the value matters for. An analyte read only under guards is read in
        full (what the coverage table counts stays the protocol's look-back)."""
        everyone: dict[str, date] = {}
        guards: list[exp.Expr] = []
        seen: set[str] = set()
        for analyte, reads in self._reads.items():
            kept = [(since, [g for g in guard if compiled.decided_early(g)] if guard else [])
                    for since, guard in reads]
            free = [since for since, guard in kept if not guard]
            if not free:
                continue
            start = min(free)
            restricted = [exp.and_(*guard) for since, guard in kept if guard and since < start]
            if not restricted:
                continue
            everyone[analyte] = start
            for g in restricted:
                if g.sql() not in seen:
                    seen.add(g.sql())
                    guards.append(g)
        return everyone, guards

    def criterion(self, cid: str) -> exp.Expr:
        if cid not in self._criteria:
            crit = self.protocol.criterion(cid)
            saved, self._policy = self._policy, crit.absent
            guards, self._guards = self._guards, []  # a criterion is compiled once, for all
            try:
                self._criteria[cid] = self.boolean(crit.rule)
            finally:
                self._policy, self._guards = saved, guards
        return self._criteria[cid].copy()

    def boolean(self, node: n.BoolExpr) -> exp.Expr:
        method = getattr(self, f"_b_{type(node).__name__}", None)
        if method is None:
            raise EvaluationError(f"the SQL compiler has no rule for {type(node).__name__}")
        result: exp.Expr = method(node)
        return result

    def numeric(self, node: n.NumExpr) -> Num:
        method = getattr(self, f"_n_{type(node).__name__}", None)
        if method is None:
            raise EvaluationError(f"the SQL compiler has no rule for {type(node).__name__}")
        result: Num = method(node)
        def share(e: exp.Expr | None) -> exp.Expr | None:
            return None if e is None else self.shared(e)

        return Num(self.shared(result.lo), self.shared(result.hi), share(result.uln),
                   share(result.found), share(result.lo_open), share(result.hi_open))

    def absent(self, present: exp.Expr, value: exp.Expr) -> exp.Expr:
        """A test or attestation: no data → the criterion's absent rule (SPEC §2.2)."""
        if self._policy == "closed":
            return _case((present.is_(exp.null()), exp.false()), default=value)
        return value

    # -- logic ------------------------------------------------------------------------------
    # A calculator runs (in Python) only for the persons whose verdict its value can change:
    # under ``a AND b`` b matters only where a is not FALSE, under ``a OR b`` where a is not
    # TRUE, under ``first(a, b)`` where a is unknown. Elsewhere its column is NULL (unknown),
    # which by Kleene logic cannot change the enclosing verdict.
    def _guarded(self, items: tuple[n.BoolExpr, ...],
                 matters: Callable[[exp.Expr], exp.Expr]) -> list[exp.Expr]:
        """Compile ``items`` in order, each under the guard that the earlier ones leave its
        value mattering (``matters(earlier)``)."""
        out: list[exp.Expr] = []
        for item in items:
            with self._under([_thunk(matters, e) for e in out]):
                out.append(self.boolean(item))
        return out

    @contextmanager
    def _under(self, guards: list[Callable[[], exp.Expr]]) -> Iterator[None]:
        """Compile the body with ``guards`` added to the current ones."""
        self._guards += guards
        try:
            yield
        finally:
            del self._guards[len(self._guards) - len(guards):]

    def _b_And(self, node: n.And) -> exp.Expr:
        return exp.paren(exp.and_(*self._guarded(
            node.items, lambda e: exp.func("COALESCE", e, exp.true()))))

    def _b_Or(self, node: n.Or) -> exp.Expr:
        return exp.paren(exp.or_(*self._guarded(
            node.items, lambda e: exp.not_(exp.func("COALESCE", e, exp.false())))))

    def _b_Not(self, node: n.Not) -> exp.Expr:
        # parenthesised whole: a guard or count tests it with IS NULL, and SQL reads
        # ``NOT (x) IS NULL`` as ``NOT ((x) IS NULL)``
        return exp.paren(exp.not_(exp.paren(self.boolean(node.item))))

    def _b_Implies(self, node: n.Implies) -> exp.Expr:
        condition, consequence = self._guarded(
            (node.condition, node.consequence), lambda e: exp.func("COALESCE", e, exp.true()))
        return exp.paren(exp.or_(exp.not_(exp.paren(condition)), exp.paren(consequence)))

    def _b_FirstKnown(self, node: n.FirstKnown) -> exp.Expr:
        return exp.func("COALESCE", *self._guarded(node.items, lambda e: e.is_(exp.null())))

    def _b_AtLeast(self, node: n.AtLeast) -> exp.Expr:
        items = [self.shared(self.boolean(i)) for i in node.items]
        met = _sum([_case((i, exp.convert(1)), default=exp.convert(0)) for i in items])
        unk = _sum([_case((i.copy().is_(exp.null()), exp.convert(1)), default=exp.convert(0))
                    for i in items])
        return _case((sql(":m >= :k", m=met, k=node.k), exp.true()),
                     (sql(":m + :u < :k", m=met.copy(), u=unk, k=node.k), exp.false()))

    def _b_CriterionRef(self, node: n.CriterionRef) -> exp.Expr:
        return self.criterion(node.id)

    def _b_Compare(self, node: n.Compare) -> exp.Expr:
        left = self.numeric(node.left)
        if node.uln:
            k = node.right.value if isinstance(node.right, n.Number) else 1.0
            if left.uln is None:
                raise EvaluationError("k × ULN needs a measured value")
            threshold = sql(":k * :u", k=_lit(k), u=left.uln)
            return _case((left.uln.is_(exp.null()), exp.null()),
                         default=compare_interval(left, node.op, threshold))
        right = self.numeric(node.right)
        if isinstance(node.right, n.Number):
            value = node.right.value
            lu = _unit_of(node.left)
            if node.right.unit is not None and lu is not None:
                value = units.convert(value, node.right.unit, lu)
            return compare_interval(left, node.op, _lit(value))
        known = sql(":lo = :hi", lo=right.lo, hi=right.hi)
        return _case((known, compare_interval(left, node.op, right.lo)))

    def _b_AnyMeasured(self, node: n.AnyMeasured) -> exp.Expr:
        verdicts = [self.shared(self.boolean(i)) for i in node.items]
        found = []
        for item in node.items:
            num = self.numeric(item.left)
            found.append(num.found if num.found is not None else exp.false())
        any_true = exp.or_(*(exp.func("COALESCE", v.copy(), exp.false()) for v in verdicts))
        any_found = exp.or_(*(exp.func("COALESCE", f.copy(), exp.false()) for f in found))
        undecided = exp.or_(*(exp.and_(exp.func("COALESCE", f.copy(), exp.false()),
                                       v.copy().is_(exp.null()))
                              for f, v in zip(found, verdicts, strict=True)))
        return _case((any_true, exp.true()), (exp.not_(any_found), exp.null()),
                     (undecided, exp.null()), default=exp.false())

    # -- simple leaves ------------------------------------------------------------------------
    def _n_Number(self, node: n.Number) -> Num:
        return Num(_lit(node.value), _lit(node.value))

    def _n_Age(self, node: n.Age) -> Num:
        # a birth without its day (a year, or a month, of birth) is the interval of the ages
        # of its first and last day (the last clipped to the as-of date), as the interpreter.
        # Dates are compared as yyyymmdd numbers: no MAKE_DATE, which an impossible month or
        # day (13, 30 February: no birth date, as the OMOP reader reads them) would abort
        name = self.leaf("age", lambda: sql(
            """
            SELECT person_id,
              CASE WHEN b_year * 10000 + m_hi * 100 + d_hi > :key THEN 0
                   ELSE :y - b_year - CASE WHEN :m < m_hi OR (:m = m_hi AND :d < d_hi)
                                           THEN 1 ELSE 0 END END AS lo_years,
              :y - b_year - CASE WHEN :m < m_lo OR (:m = m_lo AND :d < d_lo)
                                 THEN 1 ELSE 0 END AS hi_years
            FROM (
              SELECT person_id, b_year, m_lo, m_hi, COALESCE(b_day, 1) AS d_lo,
                     COALESCE(b_day, last_hi) AS d_hi
              FROM (
                SELECT person_id, b_year, b_day, m_lo, m_hi,
                       CASE WHEN m_hi IN (4, 6, 9, 11) THEN 30
                            WHEN m_hi <> 2 THEN 31
                            WHEN (b_year % 4 = 0 AND b_year % 100 <> 0)
                                 OR b_year % 400 = 0 THEN 29
                            ELSE 28 END AS last_hi
                FROM (
                  SELECT person_id, b_year, b_day, COALESCE(b_month, 1) AS m_lo,
                         COALESCE(b_month, 12) AS m_hi
                  FROM (
                    SELECT person_id,
                           COALESCE(YEAR(birth_datetime), year_of_birth) AS b_year,
                           COALESCE(MONTH(birth_datetime), month_of_birth) AS b_month,
                           COALESCE(DAY(birth_datetime), day_of_birth) AS b_day
                    FROM eligo_person
                  ) AS b
                  WHERE b_year BETWEEN 1 AND 9999 AND (b_month IS NULL OR b_month BETWEEN 1 AND 12)
                    AND (b_day IS NULL OR b_month IS NOT NULL)
                ) AS m
              ) AS l
              WHERE b_day IS NULL OR b_day BETWEEN 1 AND last_hi
            ) AS b
            WHERE b_year * 10000 + m_lo * 100 + d_lo <= :key
            """, y=self.as_of.year, m=self.as_of.month, d=self.as_of.day,
            key=self.as_of.year * 10000 + self.as_of.month * 100 + self.as_of.day))
        return Num(exp.cast(self.col(name, "lo_years"), "DOUBLE"),
                   exp.cast(self.col(name, "hi_years"), "DOUBLE"))

    def _b_Sex(self, node: n.Sex) -> exp.Expr:
        concept = 8507 if node.value == "male" else 8532
        return sql("CASE WHEN p.gender_concept_id IN (8507, 8532) "
                   "THEN p.gender_concept_id = :c END", c=concept)

    def _rows(self, a: n.Analyte, window: n.Window) -> exp.Expr:
        self._read_rows(a, self.window_start(window))
        return sql("SELECT * FROM eligo_rows WHERE analyte = :a AND day >= :s AND usable",
                   a=a.name, s=self.start(window))

    def latest(self, value: exp.Expr, condition: exp.Expr) -> exp.Expr:
        """``value`` on the person's latest row meeting ``condition``."""
        return _filtered(self.dialect.arg_max(value, self.dialect.recency()), condition)

    def _per_analyte(self, restricted: bool = False) -> exp.Expr:
        """``eligo_analyte``: one row per person and analyte — the latest usable row
        (``lday``, ``lv``, ``lop``, ``luln``), the latest row with a positivity (``pday``,
        ``ppos``), and per window start k the highest and lowest value (``hi_k``/``lo_k``) and
        whether any result was positive (``any_k``); the latest day with either (``last_usable``).
        The latest row inside a window is the latest row if it lies in the window (every row
        is on or before the as-of date), so one latest row serves every window."""
        # column → (aggregate, the rows it reads); each is computed only for the analytes
        # whose leaves read it, and the positivity only for analytes read as positive
        defs: dict[str, tuple[exp.Expr, exp.Expr]] = {}
        for k, start in enumerate(self._windows):
            since = sql("day >= :s", s=self.day(start))
            defs[f"hi_{k}"] = (sql("MAX(value_conv)"), sql("usable AND :w", w=since))
            defs[f"lo_{k}"] = (sql("MIN(value_conv)"), sql("usable AND :w", w=since))
            defs[f"any_{k}"] = (sql("MAX(CASE WHEN pos THEN 1 ELSE 0 END)"),
                                sql("pos IS NOT NULL AND :w", w=since))
        users = {c: sorted(a for a, (_, read) in self._slices.items() if c in read)
                 for c in defs}
        # analytes by their number (``aid``): grouping and testing small integers costs the
        # engine far less than strings (a third of this statement's time)
        ids = analyte_ids(self.protocol)

        def one_of(names: list[str]) -> exp.Expr:
            return exp.In(this=exp.column("aid"),
                          expressions=[exp.convert(ids[a]) for a in names])

        cols = [exp.alias_(_filtered(agg, exp.and_(cond, one_of(users[c]))), c)
                for c, (agg, cond) in defs.items() if users[c]]
        # the latest row's columns come from one arg-max of a struct of them: each aggregate
        # costs per (person, analyte) group — millions of them — more than per row
        unpack: list[exp.Expr] = []
        for struct, rows, fields in (
                ("eligo_l", sql("usable"), (("lday", "day"), ("lv", "value_conv"),
                                            ("lop", "operator"), ("luln", "uln_conv"))),
                ("eligo_p", sql("pos IS NOT NULL"), (("pday", "day"), ("ppos", "pos")))):
            read = sorted({a for name, _ in fields
                           for a, (_, cs) in self._slices.items() if name in cs})
            if not read:
                continue
            value = exp.Struct(expressions=[
                exp.PropertyEQ(this=exp.to_identifier(name), expression=exp.column(column))
                for name, column in fields])
            cols.append(exp.alias_(_filtered(self.dialect.arg_max(
                value, self.dialect.recency()), exp.and_(rows, one_of(read))), struct))
            unpack += [exp.alias_(exp.Dot(this=exp.column(struct), expression=
                                          exp.to_identifier(name)), name) for name, _ in fields]
        # the latest day with a usable result (a number, or a positivity where the analyte is
        # read as positive or negative) of every analyte: what the population's coverage counts
        cols.append(exp.alias_(_filtered(sql("MAX(day)"), sql("usable OR pos IS NOT NULL")),
                               "last_usable"))
        positive = sorted({a for a, (_, read) in self._slices.items()
                           if read & {"pday", "ppos"}} | {
            a for k in range(len(self._windows)) for a in users.get(f"any_{k}", [])})
        thresholds = [(a.name, a.positive_above) for a in self.protocol.analytes.values()
                      if a.positive_above is not None and a.name in positive]
        pos = _case((one_of(positive), self._positivity(_case(*(
            (sql("aid = :a", a=ids[name]), _lit(t)) for name, t in thresholds))
            if thresholds else exp.null()))) if positive else exp.null()
        # the rows of eligo_facts read through eligo_analyte: from each key's agg_from on
        rows = exp.select("*", exp.alias_(pos, "pos")).from_("eligo_facts").where(
            "agg_from IS NOT NULL AND day >= agg_from")
        if restricted:  # before everyone_from: only the persons of eligo_guard (see compile)
            rows = rows.where(f"day >= everyone_from OR person_id IN "
                              f"(SELECT person_id FROM {GUARD_TABLE})")
        grouped = exp.select("person_id", "aid", *cols).from_(
            exp.alias_(exp.Subquery(this=rows), "r")).group_by("person_id", "aid")
        if unpack:
            plain = [c.alias for c in cols if c.alias not in ("eligo_l", "eligo_p")]
            grouped = exp.select("person_id", "aid", *plain, *unpack).from_(
                exp.alias_(exp.Subquery(this=grouped), "g"))
        return self.dialect.clustered(grouped, "aid")

    def _window(self, start: date) -> int:
        if start not in self._windows:
            self._windows.append(start)
        return self._windows.index(start)

    def _read_rows(self, a: n.Analyte, since: date) -> None:
        """Leaves read ``a``'s rows in ``eligo_rows`` from ``since`` on."""
        self._row_horizons[a.name] = min(self._row_horizons.get(a.name, since), since)

    def _analyte(self, a: n.Analyte, column: str, since: date) -> exp.Column:
        """A column of the analyte's row in ``eligo_analyte`` (NULL: no row): the wide table
        gathers each analyte's slice ``la<k>`` with the columns its leaves read."""
        k, columns = self._slices.setdefault(a.name, (len(self._slices), set()))
        columns.add(column)
        # the value is read from ``since`` on: older rows of the analyte need not be staged
        self._horizons[a.name] = min(self._horizons.get(a.name, since), since)
        # a read further back than the screening window under a guard (a classification's
        # "ever" inside ``diagnosis and …``) may need those rows only for some persons: its
        # guard is kept (built once per context: a node reads several columns)
        context = (a.name, since, tuple(self._guards))
        if context not in self._read_contexts:
            self._read_contexts.add(context)
            guard = [make() for make in self._guards] \
                if self._guards and since < self._screening else None
            self._reads.setdefault(a.name, []).append((since, guard))
        return exp.column(column, f"la{k}")

    def _n_Latest(self, node: n.Latest) -> Num:
        if not node.free_of:
            since = self.window_start(node.window)
            inside = sql(":d >= :s", d=self._analyte(node.analyte, "lday", since),
                         s=self.day(since))
            v, op, uln = (_case((inside.copy(), self._analyte(node.analyte, c, since)))
                          for c in ("lv", "lop", "luln"))
            return censored(v, op, uln)

        def exposed(end: str) -> exp.Expr:
            """A use of the drug reaching the ``free_days`` before the row's day, its end
            read as ``end`` (the interpreter's _period: surely / possibly until)."""
            return sql(
                f"""EXISTS (SELECT 1 FROM eligo_drug AS g WHERE g.valueset = :vs
                      AND g.person_id = eligo_rows.person_id AND g.start_day <= eligo_rows.day
                      AND COALESCE(g.end_day, {end}) >= :since)""",
                vs=node.free_of, as_of=self.as_of_sql,
                since=self.dialect.add_days(exp.column("day", "eligo_rows"), -node.free_days))

        def build() -> exp.Expr:
            # rows surely exposed are not evidence; rows a G-CSF of unknown end may have
            # reached (maybe) are the value only if it ended in time: the value lies among
            # them and the first clean row, as the interpreter's _latest_among
            rows = cast(exp.Select, self._rows(node.analyte, node.window)).where(exp.not_(
                exposed("CASE WHEN g.stop_reason = 'ongoing' THEN :as_of ELSE g.start_day END")))
            rows = rows.select(exp.alias_(exposed(":as_of"), "maybe"), copy=False)
            below = ", ".join(str(_OPERATORS[o]) for o in ("<", "<="))
            above = ", ".join(str(_OPERATORS[o]) for o in (">", ">="))
            return sql(
                f"""
                WITH r AS (
                  SELECT person_id, value_conv AS v, operator, uln_conv AS uln, maybe,
                         ROW_NUMBER() OVER (PARTITION BY person_id ORDER BY :key DESC) AS rn
                  FROM :rows AS x
                ),
                c AS (SELECT person_id, MIN(rn) AS crn FROM r WHERE NOT maybe
                      GROUP BY person_id)
                SELECT r.person_id, 1 AS found,
                  CASE WHEN MAX(CASE WHEN r.operator IN ({below}) THEN 1 ELSE 0 END) = 1
                       THEN NULL ELSE MIN(r.v) END AS lo,
                  CASE WHEN MAX(CASE WHEN r.operator IN ({above}) THEN 1 ELSE 0 END) = 1
                       THEN NULL ELSE MAX(r.v) END AS hi,
                  CASE WHEN COUNT(*) = 1 THEN MAX(r.operator) END AS operator,
                  MAX(CASE WHEN r.rn = c.crn THEN r.uln END) AS uln
                FROM r JOIN c ON c.person_id = r.person_id AND r.rn <= c.crn
                GROUP BY r.person_id
                """, rows=rows, key=self.dialect.recency())
        name = self.leaf(node, build)
        return Num(self.col(name, "lo"), self.col(name, "hi"), self.col(name, "uln"),
                   self.col(name, "found").is_(exp.null()).not_(),
                   *_open_ends(self.col(name, "operator")))

    def _n_Extremum(self, node: n.Extremum) -> Num:
        since = self.window_start(node.window)
        column = f"{'hi' if node.highest else 'lo'}_{self._window(since)}"
        v = self._analyte(node.analyte, column, since)
        return Num(v, v.copy(), None, v.copy().is_(exp.null()).not_())

    def _n_TimesUln(self, node: n.TimesUln) -> Num:
        m = self.numeric(node.measure)
        assert m.uln is not None
        ok = sql(":u > 0", u=m.uln)
        return Num(_case((ok, sql(":lo / :u", lo=m.lo, u=m.uln.copy()))),
                   _case((ok.copy(), sql(":hi / :u", hi=m.hi, u=m.uln.copy()))),
                   found=m.found, lo_open=m.lo_open, hi_open=m.hi_open)

    def _n_Coalesce(self, node: n.Coalesce) -> Num:
        items: list[Num] = []
        for item in node.items:  # an item matters only where every earlier one is unknown
            with self._under([_thunk(_unknown, i) for i in items]):
                items.append(self.numeric(item))
        known = [sql(":lo = :hi", lo=i.lo.copy(), hi=i.hi.copy()) for i in items]
        return Num(_case(*((k, i.lo) for k, i in zip(known, items, strict=True))),
                   _case(*((k.copy(), i.hi) for k, i in zip(known, items, strict=True))))

    def _n_Change(self, node: n.Change) -> Num:
        a = node.analyte
        lw, bw = node.latest, node.baseline

        def base_start(d: exp.Expr) -> exp.Expr:
            if bw.unit == "days":
                return self.dialect.add_days(d, -bw.n)
            months = bw.n * (12 if bw.unit == "years" else 1)
            return self.dialect.add_months(d, -months)

        def build() -> exp.Expr:
            # the baseline lies before the latest row (inside its window): rows from the
            # baseline window before that window's first day on are read
            self._read_rows(a, _day_before(bw, self.window_start(lw)))
            return sql(
                """
                WITH latest AS (
                  SELECT person_id, day, v FROM (
                    SELECT person_id, day, value_conv AS v,
                           ROW_NUMBER() OVER (PARTITION BY person_id
                                              ORDER BY :key DESC) AS rn
                    FROM :recent AS r) AS x
                  WHERE rn = 1
                ),
                base AS (
                  SELECT l.person_id, b.value_conv AS v,
                         ROW_NUMBER() OVER (PARTITION BY l.person_id
                                            ORDER BY :base_key ASC) AS rn
                  FROM latest AS l JOIN eligo_rows AS b
                    ON b.person_id = l.person_id AND b.analyte = :a AND b.usable
                   AND b.day < l.day AND b.day >= :base_start
                )
                SELECT l.person_id, l.v AS latest_v, b.v AS base_v
                FROM latest AS l LEFT JOIN base AS b ON b.person_id = l.person_id AND b.rn = 1
                """, recent=self._rows(a, lw), a=a.name,
                base_start=base_start(exp.column("day", "l")),
                key=self.dialect.recency(), base_key=self.dialect.recency("b"))
        name = self.leaf(node, build)
        lv, bv = self.col(name, "latest_v"), self.col(name, "base_v")
        if node.relative:
            value = _case((sql(":b <> 0", b=bv), sql("(:l - :b) / :b * 100", l=lv, b=bv.copy())))
        else:
            value = sql(":l - :b", l=lv, b=bv)
        return Num(value, value.copy())

    # -- calculators ------------------------------------------------------------------------
    def _n_Calc(self, node: n.Calc) -> Num:
        args: list[exp.Expr] = []
        kinds: list[tuple[str, str]] = []
        for name, expr in node.args:
            if isinstance(expr, n.Choice):
                args.append(exp.Literal.string(expr.value))
                kinds.append((name, "choice"))
            elif n.result_type(expr) == "boolean":
                args.append(self.boolean(expr))  # type: ignore[arg-type]
                kinds.append((name, "boolean"))
            else:
                v = self.numeric(expr)  # type: ignore[arg-type]
                args.append(_case((sql(":lo = :hi", lo=v.lo, hi=v.hi), v.lo.copy())))
                kinds.append((name, "number"))
        guards = [g for g in (make() for make in self._guards) if not any(
            c.table == CALC_TABLE for c in g.find_all(exp.Column))]  # not eligo_calc itself
        if CALCULATORS[node.name].bounds is None:  # no bounds: unknown whenever a number is
            # (an unknown yes/no input leaves the value between its cases: Calculator.hull)
            guards += [a.copy().is_(exp.null()).not_()
                       for a, (_, kind) in zip(args, kinds, strict=True) if kind != "boolean"]
        column = f"c{len(self._calc_columns)}"
        self._calc_columns[column] = CalcColumn(  # one call per person: [lo, hi]
            CalcUdf(node.name, tuple(kinds)),
            exp.and_(*(g.copy() for g in guards)) if guards else None, tuple(args))
        bounds = exp.column(column, CALC_TABLE)
        return Num(self.dialect_element(bounds, 1), self.dialect_element(bounds.copy(), 2))

    def dialect_element(self, array: exp.Expr, index: int) -> exp.Expr:
        return exp.Anonymous(this="element_at" if self.dialect.name == "spark"
                             else "list_extract", expressions=[array, exp.convert(index)])

    # -- qualitative results, attestations ---------------------------------------------------
    def _positivity(self, threshold: exp.Expr) -> exp.Expr:
        """A row's positivity (NULL: none): ``threshold`` is the analyte's "positive above"
        in its unit (NULL when it has none)."""
        words = sql("LOWER(TRIM(value_string))")
        return _case(
            (sql("value_as_concept_id = 4188539"), exp.true()),
            (sql("value_as_concept_id = 4188540"), exp.false()),
            (exp.In(this=exp.column("value_code"), expressions=[exp.Literal.string(c)
                                                                for c in POSITIVE_CODES]),
             exp.true()),
            (exp.In(this=exp.column("value_code"), expressions=[exp.Literal.string(c)
                                                                for c in NEGATIVE_CODES]),
             exp.false()),
            (exp.In(this=words, expressions=[exp.Literal.string(w) for w in _POS_WORDS]),
             exp.true()),
            (exp.In(this=words.copy(), expressions=[exp.Literal.string(w) for w in _NEG_WORDS]),
             exp.false()),
            # a censored value only where its bound settles it (NULL: it cannot tell)
            (sql("value IS NOT NULL AND range_high IS NOT NULL"),
             compare_interval(censored(exp.column("value"), exp.column("operator")), ">",
                              exp.column("range_high"))),
            (sql("value IS NOT NULL AND factor IS NOT NULL AND :t IS NOT NULL", t=threshold),
             compare_interval(censored(sql("value * factor"), exp.column("operator")), ">",
                              threshold.copy())),
        )

    def _b_Positive(self, node: n.Positive) -> exp.Expr:
        a = node.analyte

        since = self.window_start(node.window)
        if node.any_result:
            v = sql(":m = 1", m=self._analyte(a, f"any_{self._window(since)}", since))
        else:
            inside = sql(":d >= :s", d=self._analyte(a, "pday", since), s=self.day(since))
            v = _case((inside, self._analyte(a, "ppos", since)))
        return self.absent(v, v.copy())

    def _b_Attested(self, node: n.Attested) -> exp.Expr:
        name = self.aggregate(("attest", node.code), "eligo_attest", lambda: {
            "v": self.latest(exp.column("value"),
                             sql("code = :code AND value IS NOT NULL", code=node.code))})
        v = self.col(name, "v")
        return self.absent(v, v.copy())

    # -- history ---------------------------------------------------------------------------
    def _exists(self, key: Any, query: exp.Expr) -> exp.Expr:
        """A closed fact: TRUE if the person has a row, else FALSE."""
        name = self.leaf(key, lambda: query)
        return exp.func("COALESCE", self.col(name, "v"), exp.false())

    def _b_HasCondition(self, node: n.HasCondition) -> exp.Expr:
        if not (node.unless and node.ended_before):
            where = sql("valueset = :vs", vs=node.valueset)
            if node.current:
                where = sql(":w AND (status IS NULL OR status IN ('active', 'recurrence', "
                            "'relapse'))", w=where)
            name = self.aggregate(node, "eligo_cond",
                                  lambda: {"v": _filtered(sql(_ANY), where)})
            return exp.func("COALESCE", self.col(name, "v"), exp.false())
        q = cast(exp.Select, sql(
            "SELECT person_id, TRUE AS v FROM eligo_cond AS c WHERE valueset = :vs",
            vs=node.valueset))
        if node.current:
            q = q.where(sql("c.status IS NULL OR c.status IN ('active', 'recurrence', "
                            "'relapse')"))
        cutoff = self.start(node.ended_before)
        q = q.where(sql(
            """NOT (c.end_day IS NOT NULL AND c.end_day < :cutoff AND EXISTS (
                   SELECT 1 FROM eligo_cond AS u WHERE u.valueset = :unless
                   AND u.row_id = c.row_id))""", cutoff=cutoff, unless=node.unless))
        return self._exists(node, q.group_by("person_id"))

    def _b_DiagnosedBefore(self, node: n.DiagnosedBefore) -> exp.Expr:
        def aggregates() -> dict[str, exp.Expr]:
            where = sql("valueset = :vs", vs=node.valueset)
            before = _filtered(sql("MAX(CASE WHEN start_day <= :cutoff THEN 1 ELSE 0 END)",
                                   cutoff=self.start(node.window)), where)
            undated = _filtered(sql("MAX(CASE WHEN start_day IS NULL THEN 1 ELSE 0 END)"),
                                where.copy())
            return {"v": sql("CASE WHEN :b = 1 THEN TRUE WHEN :u = 1 THEN NULL ELSE FALSE END",
                             b=before, u=undated),
                    "present": _filtered(sql(_ANY), where.copy())}
        name = self.aggregate(node, "eligo_cond", aggregates)
        return _case((self.col(name, "present").is_(exp.null()), exp.false()),
                     default=self.col(name, "v"))

    def _b_ConditionNear(self, node: n.ConditionNear) -> exp.Expr:
        months = node.window.n * (12 if node.window.unit == "years" else 1)
        first = exp.column("first_day", "a")
        name = self.leaf(node, lambda: sql(
            """
            WITH a AS (SELECT person_id, MIN(start_day) AS first_day FROM eligo_cond
                       WHERE valueset = :anchor GROUP BY person_id)
            SELECT t.person_id,
              CASE WHEN MAX(CASE WHEN a.first_day IS NOT NULL AND t.start_day IS NOT NULL
                                  AND t.start_day >= :lo AND t.start_day <= :hi
                                 THEN 1 ELSE 0 END) = 1 THEN TRUE
                   WHEN MAX(CASE WHEN a.first_day IS NULL OR t.start_day IS NULL
                                 THEN 1 ELSE 0 END) = 1 THEN NULL
                   ELSE FALSE END AS v,
              TRUE AS present
            FROM eligo_cond AS t JOIN a ON a.person_id = t.person_id
            WHERE t.valueset = :vs GROUP BY t.person_id
            """, anchor=node.anchor, vs=node.valueset,
            lo=self.dialect.add_months(first, -months),
            hi=self.dialect.add_months(first.copy(), months)))
        return _case((self.col(name, "present").is_(exp.null()), exp.false()),
                     default=self.col(name, "v"))

    def _b_UsedDrug(self, node: n.UsedDrug) -> exp.Expr:
        name = self.aggregate(node, "eligo_drug", lambda: {
            "v": _filtered(sql(_ANY), sql("valueset = :vs", vs=node.valueset))})
        return exp.func("COALESCE", self.col(name, "v"), exp.false())

    def _periods(self, vs: str) -> exp.Expr:
        """(person_id, drug, daily_mg, factor, s, e_lo, e_hi) clipped to the as-of date."""
        return sql(
            """
            SELECT person_id, drug, daily_mg, factor, start_day AS s,
              LEAST(COALESCE(end_day, CASE WHEN stop_reason = 'ongoing' THEN :as_of
                                           ELSE start_day END), :as_of) AS e_lo,
              LEAST(COALESCE(end_day, :as_of), :as_of) AS e_hi
            FROM eligo_drug WHERE valueset = :vs
            """, as_of=self.as_of_sql, vs=vs)

    def _islands(self, periods: exp.Expr, keys: str, end: str) -> exp.Expr:
        """Merge overlapping or adjacent periods per ``keys``: (keys…, s, e) per island."""
        return sql(
            f"""
            WITH o AS (
              SELECT {keys}, s, {end} AS e,
                     MAX({end}) OVER (PARTITION BY {keys} ORDER BY s, {end}
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev
              FROM :periods AS p
            ),
            g AS (
              SELECT *, SUM(CASE WHEN prev IS NULL OR s > :next THEN 1 ELSE 0 END)
                          OVER (PARTITION BY {keys} ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS grp
              FROM o
            )
            SELECT {keys}, MIN(s) AS s, MAX(e) AS e FROM g GROUP BY {keys}, grp
            """, periods=periods, next=self.dialect.add_days(exp.column("prev"), 1))

    def _n_LongestExposure(self, node: n.LongestExposure) -> Num:
        def build() -> exp.Expr:
            periods = self._periods(node.valueset)
            days = self.dialect.day_diff(exp.column("e"), exp.column("s"))
            per_drug = sql(
                """
                WITH sure AS (:sure), maybe AS (:maybe),
                d_sure AS (SELECT person_id, drug, SUM(:days + 1) AS days FROM sure
                           GROUP BY person_id, drug),
                d_maybe AS (SELECT person_id, drug, SUM(:days2 + 1) AS days FROM maybe
                            GROUP BY person_id, drug)
                SELECT m.person_id, MAX(COALESCE(s.days, 0)) AS lo, MAX(m.days) AS hi
                FROM d_maybe AS m LEFT JOIN d_sure AS s
                  ON s.person_id = m.person_id AND s.drug = m.drug
                GROUP BY m.person_id
                """, sure=self._islands(periods, "person_id, drug", "e_lo"),
                maybe=self._islands(periods.copy(), "person_id, drug", "e_hi"),
                days=days, days2=days.copy())
            return per_drug
        name = self.leaf(node, build)
        lo = exp.func("COALESCE", exp.cast(self.col(name, "lo"), "DOUBLE"), _lit(0))
        hi = exp.func("COALESCE", exp.cast(self.col(name, "hi"), "DOUBLE"), _lit(0))
        return Num(lo, hi)

    def _n_MaxDailyDosePerKg(self, node: n.MaxDailyDosePerKg) -> Num:
        weight = node.weight

        def build() -> exp.Expr:
            self._read_rows(weight, date(1, 1, 1))  # the weight closest to each use, ever
            # closest in the interpreter's order: the nearest day, the earlier of two; on one
            # day the latest (docs/decisions.md "Ties") — without it, two weights of one day
            # gave either, run to run
            return sql(
                """
                WITH uses AS (
                  SELECT person_id, s, daily_mg * COALESCE(factor, 1.0) AS daily,
                         ROW_NUMBER() OVER (ORDER BY person_id, s) AS use_id
                  FROM :periods AS p
                ),
                w AS (SELECT person_id, day, ts, row_id, src, value_conv AS kg FROM eligo_rows
                      WHERE analyte = :weight AND usable AND value_conv > 0),
                closest AS (
                  SELECT u.use_id, w.kg, ROW_NUMBER() OVER (PARTITION BY u.use_id
                         ORDER BY ABS(:gap), w.day ASC, :key DESC) AS rn
                  FROM uses AS u JOIN w ON w.person_id = u.person_id
                ),
                per_use AS (
                  SELECT u.person_id, u.daily / c.kg AS per_kg,
                         u.daily IS NULL OR c.kg IS NULL AS unknown
                  FROM uses AS u LEFT JOIN closest AS c ON c.use_id = u.use_id AND c.rn = 1
                )
                SELECT person_id, COALESCE(MAX(per_kg), 0.0) AS lo,
                       MAX(CASE WHEN unknown THEN 1 ELSE 0 END) = 1 AS undecided
                FROM per_use GROUP BY person_id
                """, periods=self._periods(node.valueset), weight=weight.name,
                gap=self.dialect.day_diff(exp.column("day", "w"), exp.column("s", "u")),
                key=self.dialect.recency("w"))
        name = self.leaf(node, build)
        lo = exp.func("COALESCE", self.col(name, "lo"), _lit(0))
        hi = _case((exp.func("COALESCE", self.col(name, "undecided"), exp.false()),
                    exp.null()), default=lo.copy())
        return Num(lo, hi)

    def _n_CurrentDoseStretch(self, node: n.CurrentDoseStretch) -> Num:
        min_mg = units.convert(node.min_dose.value, node.min_dose.unit, "mg/d")

        def build() -> exp.Expr:
            daily = sql("daily_mg * COALESCE(factor, 1.0)")
            qualifies = _le(_lit(min_mg), daily)
            periods = self._periods(node.valueset)
            sure = sql("SELECT person_id, s, e_lo FROM :p AS x WHERE :q",
                       p=periods, q=qualifies)
            maybe = sql("SELECT person_id, s, e_hi FROM :p AS x WHERE daily_mg IS NULL OR :q",
                        p=periods.copy(), q=qualifies.copy())
            days = sql(":d + 1", d=self.dialect.day_diff(self.as_of_sql, exp.column("s")))
            return sql(
                """
                WITH a AS (:sure_islands), b AS (:maybe_islands),
                cur_a AS (SELECT person_id, MAX(:days) AS d FROM a WHERE e >= :as_of
                          GROUP BY person_id),
                cur_b AS (SELECT person_id, MAX(:days2) AS d FROM b WHERE e >= :as_of
                          GROUP BY person_id)
                SELECT COALESCE(cur_b.person_id, cur_a.person_id) AS person_id,
                       COALESCE(cur_a.d, 0) AS lo, COALESCE(cur_b.d, 0) AS hi
                FROM cur_b FULL OUTER JOIN cur_a ON cur_a.person_id = cur_b.person_id
                """, sure_islands=self._islands(sure, "person_id", "e_lo"),
                maybe_islands=self._islands(maybe, "person_id", "e_hi"), days=days,
                days2=days.copy(), as_of=self.as_of_sql)
        name = self.leaf(node, build)
        lo = exp.func("COALESCE", exp.cast(self.col(name, "lo"), "DOUBLE"), _lit(0))
        hi = exp.func("COALESCE", exp.cast(self.col(name, "hi"), "DOUBLE"), _lit(0))
        return Num(lo, hi)

    def _n_DistinctGroups(self, node: n.DistinctGroups) -> Num:
        if node.attribute != "mechanism":
            raise EvaluationError(f"the SQL compiler reads only the 'mechanism' attribute, "
                                  f"not '{node.attribute}'")
        name = self.aggregate(node, "eligo_drug", lambda: {"k": _filtered(
            sql("COUNT(DISTINCT mechanism)"),
            sql("valueset = :vs AND mechanism IS NOT NULL", vs=node.valueset))})
        k = exp.func("COALESCE", exp.cast(self.col(name, "k"), "DOUBLE"), _lit(0))
        return Num(k, k.copy())

    def _b_HasAllergy(self, node: n.HasAllergy) -> exp.Expr:
        if node.severe:
            q = sql("SELECT person_id, TRUE AS v FROM eligo_allergy WHERE severe "
                    "GROUP BY person_id")
        else:
            q = sql("SELECT a.person_id, TRUE AS v FROM eligo_allergy AS a JOIN eligo_vs AS vs "
                    "ON vs.concept_id = a.substance_concept_id AND vs.valueset = :vs "
                    "GROUP BY a.person_id", vs=node.valueset)
        return self._exists(node, q)

    def _b_TrialParticipation(self, node: n.TrialParticipation) -> exp.Expr:
        name = self.leaf(node, lambda: sql(
            """
            SELECT person_id,
              CASE WHEN MAX(CASE WHEN NOT (start_day IS NULL AND end_day IS NULL)
                                  AND (start_day IS NULL OR start_day <= :as_of)
                                  AND (end_day IS NULL OR end_day >= :ws) THEN 1 ELSE 0 END) = 1
                   THEN TRUE
                   WHEN MAX(CASE WHEN start_day IS NULL AND end_day IS NULL THEN 1 ELSE 0 END)
                        = 1 THEN NULL
                   ELSE FALSE END AS v,
              TRUE AS present
            FROM eligo_trial GROUP BY person_id
            """, as_of=self.as_of_sql, ws=self.start(node.window)))
        return _case((self.col(name, "present").is_(exp.null()), exp.false()),
                     default=self.col(name, "v"))


def _day_before(window: n.Window, end: date) -> date:
    """A day before the first of ``window`` counted back from ``end`` (the SQL's month
    arithmetic may land a day apart; an earlier horizon only stages a few more rows)."""
    try:
        return max(window_start(window, end) - timedelta(days=1), date(1, 1, 1))
    except (OverflowError, ValueError):
        return date(1, 1, 1)


def _thunk(make: Callable[[Any], exp.Expr], arg: Any) -> Callable[[], exp.Expr]:
    return lambda: make(arg.copy() if isinstance(arg, exp.Expr) else arg)


def _unknown(num: Num) -> exp.Expr:
    """``num`` is not a known value (an interval wider than a point, or nothing)."""
    return exp.not_(exp.func("COALESCE", sql(":lo = :hi", lo=num.lo.copy(), hi=num.hi.copy()),
                             exp.false()))


def _sum(items: list[exp.Expr]) -> exp.Expr:
    total = items[0]
    for i in items[1:]:
        total = exp.Add(this=total, expression=i)
    return exp.paren(total)


def _unit_of(node: n.NumExpr) -> str | None:
    from eligo.protocol.rules import unit_of

    unit = unit_of(node)
    return unit if isinstance(unit, str) else None
