"""Rule text → IR. The grammar (``rules.lark``) is parsed by lark; this module resolves names
against the protocol (analytes, value sets, attestations, parameters, criteria) and checks types
while it builds, so an ill-typed rule fails at ``eligo protocol check``, not at screening time.

Names are resolved in one place, :class:`Scope`; every error carries the line and column in the
rule text and, for an unknown name, the closest known names.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, cast

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from eligo.calc import CALCULATORS
from eligo.data import units
from eligo.display import fmt_qty
from eligo.errors import EligoError
from eligo.ir import nodes as n
from eligo.ir.nodes import BoolExpr, Expr, NumExpr, result_type

__all__ = ["RuleError", "Scope", "parse_rule"]


class RuleError(EligoError):
    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.message = message
        self.line = line
        self.column = column
        super().__init__(message)


@dataclass
class Scope:
    """What a rule may name."""

    analytes: Mapping[str, n.Analyte]
    valuesets: Mapping[str, object]
    attestations: Mapping[str, str]  # code → question
    windows: Mapping[str, n.Window]  # named windows, e.g. "screening"
    criteria: set[str] = field(default_factory=set)
    referenced_criteria: set[str] = field(default_factory=set)


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = resources.files("eligo.protocol").joinpath("rules.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def _suggest(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return f" — did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _pos(node: Tree[Any] | Token) -> tuple[int | None, int | None]:
    if isinstance(node, Token):
        return node.line, node.column
    meta = node.meta
    return getattr(meta, "line", None), getattr(meta, "column", None)


def parse_rule(text: str, scope: Scope) -> BoolExpr:
    """Parse and type-check one rule; the result is a boolean IR tree."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        snippet = exc.get_context(text, span=30).rstrip()
        raise RuleError(f"syntax error, near:\n{snippet}", exc.line, exc.column) from None
    node = _Builder(scope).build(tree)
    if result_type(node) != "boolean":
        line, col = _pos(tree)
        raise RuleError("a rule must be a condition (met / not met), not a number", line, col)
    return cast(BoolExpr, node)


Arg = Tree[Any] | Token


class _Builder:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    # -- helpers ------------------------------------------------------------------------
    def fail(self, where: Arg, message: str) -> RuleError:
        line, col = _pos(where)
        return RuleError(message, line, col)

    def boolean(self, t: Arg) -> BoolExpr:
        node = self.build(t)
        if result_type(node) != "boolean":
            raise self.fail(t, "expected a condition here, found a number")
        return cast(BoolExpr, node)

    def numeric(self, t: Arg) -> NumExpr:
        node = self.build(t)
        if result_type(node) != "numeric":
            raise self.fail(t, "expected a number here, found a condition")
        return cast(NumExpr, node)

    def bare_name(self, t: Arg, what: str) -> str:
        if isinstance(t, Tree) and t.data == "name":
            return str(t.children[0])
        raise self.fail(t, f"expected {what} (a name)")

    def valueset(self, t: Arg) -> str:
        name = self.bare_name(t, "a value set")
        if name not in self.scope.valuesets:
            raise self.fail(t, f"unknown value set '{name}'{_suggest(name, self.scope.valuesets)}")
        return name

    def analyte(self, t: Arg) -> n.Analyte:
        name = self.bare_name(t, "an analyte")
        if name not in self.scope.analytes:
            raise self.fail(t, f"unknown analyte '{name}'{_suggest(name, self.scope.analytes)}")
        return self.scope.analytes[name]

    def window(self, t: Arg) -> n.Window:
        if isinstance(t, Tree) and t.data == "name":
            name = str(t.children[0])
            if name == "ever":
                return n.Window("ever")
            if name in self.scope.windows:
                return self.scope.windows[name]
            known = [*self.scope.windows, "ever"]
            raise self.fail(t, f"unknown window '{name}'{_suggest(name, known)}")
        if isinstance(t, Tree) and t.data == "call":
            fname = str(t.children[0])
            if fname in ("days", "months", "years"):
                args = self.args(t)[0]
                if len(args) != 1:
                    raise self.fail(t, f"{fname}(N) takes one whole number")
                count = self.integer(args[0])
                return n.Window(cast(Any, fname), count)
        raise self.fail(t, "expected a window: days(N), months(N), years(N), ever or a named one")

    def integer(self, t: Arg) -> int:
        if isinstance(t, Tree) and t.data == "number" and len(t.children) == 1:
            text = str(t.children[0])
            if text.lstrip("-").isdigit():
                return int(text)
        raise self.fail(t, "expected a whole number")

    def args(self, t: Tree[Any]) -> tuple[list[Arg], dict[str, Arg]]:
        positional: list[Arg] = []
        named: dict[str, Arg] = {}
        if len(t.children) > 1 and isinstance(t.children[1], Tree):
            for a in t.children[1].children:
                if isinstance(a, Tree) and a.data == "kwarg":
                    named[str(a.children[0])] = a.children[1]
                else:
                    if named:
                        raise self.fail(a, "positional argument after a named one")
                    positional.append(a)
        return positional, named

    def items(self, t: Arg) -> list[Arg]:
        if isinstance(t, Tree) and t.data == "list_":
            return list(t.children[0].children) if t.children else []
        raise self.fail(t, "expected a list: [a, b, …]")

    # -- the tree -----------------------------------------------------------------------
    def build(self, t: Arg) -> Expr:
        if isinstance(t, Token):
            raise self.fail(t, f"unexpected '{t}'")
        method: Callable[[Tree[Any]], Expr] | None = getattr(self, f"on_{t.data}", None)
        if method is None:
            raise self.fail(t, f"unexpected {t.data}")
        return method(t)

    def on_or_(self, t: Tree[Any]) -> Expr:
        return n.Or(tuple(self.boolean(c) for c in t.children))

    def on_and_(self, t: Tree[Any]) -> Expr:
        return n.And(tuple(self.boolean(c) for c in t.children))

    def on_not_(self, t: Tree[Any]) -> Expr:
        return n.Not(self.boolean(t.children[0]))

    def on_implies(self, t: Tree[Any]) -> Expr:
        return n.Implies(self.boolean(t.children[0]), self.boolean(t.children[1]))

    def on_number(self, t: Tree[Any]) -> Expr:
        text = str(t.children[0])
        unit = str(t.children[1])[1:-1] if len(t.children) > 1 else None
        if unit is not None and not units.is_valid(unit):
            raise self.fail(t, f"unknown UCUM unit '{unit}'")
        return n.Number(float(text), unit, fmt_qty(float(text), unit))

    def on_uln_multiple(self, t: Tree[Any]) -> Expr:
        raise self.fail(t, "'k x ULN' can only stand on the right of a comparison")

    def on_compare(self, t: Tree[Any]) -> Expr:
        left_t, op_t, right_t = t.children
        left = self.numeric(left_t)
        op = {"≤": "<=", "≥": ">="}.get(str(op_t), str(op_t))
        if isinstance(right_t, Tree) and right_t.data == "uln_multiple":
            if not isinstance(left, n.Latest):
                raise self.fail(right_t, "'k x ULN' needs a measured value on the left: latest(…)")
            k = float(str(right_t.children[0]))
            return n.Compare(left, cast(n.Op, op), n.Number(k, None, f"{k:g} × ULN"), uln=True)
        right = self.numeric(right_t)
        self.check_units(t, left, right)
        return n.Compare(left, cast(n.Op, op), right)

    def check_units(self, where: Arg, left: NumExpr, right: NumExpr) -> None:
        lu, ru = unit_of(left), unit_of(right)
        if lu is _ANY or ru is _ANY:
            return
        ld, rd = units.dimensionality(lu), units.dimensionality(ru)
        if ld != rd:
            raise self.fail(
                where,
                f"cannot compare {describe_unit(lu)} ({ld}) with {describe_unit(ru)} ({rd})",
            )

    def on_list_(self, t: Tree[Any]) -> Expr:
        raise self.fail(t, "a list [ … ] is only an argument of any/all/at_least/any_measured")

    def on_name(self, t: Tree[Any]) -> Expr:
        name = str(t.children[0])
        if name == "age":
            return n.Age()
        if name in ("male", "female"):
            return n.Sex(cast(Any, name))
        known = ["age", "male", "female"]
        raise self.fail(
            t, f"unknown name '{name}'{_suggest(name, known + list(_FUNCTIONS))}"
        )

    def on_call(self, t: Tree[Any]) -> Expr:
        fname = str(t.children[0])
        if fname in _FUNCTIONS:
            return _FUNCTIONS[fname](self, t)
        if fname in CALCULATORS:
            return self.calculator(fname, t)
        known = [*_FUNCTIONS, *CALCULATORS]
        raise self.fail(t, f"unknown function '{fname}'{_suggest(fname, known)}")

    def calculator(self, fname: str, t: Tree[Any]) -> Expr:
        calc = CALCULATORS[fname]
        positional, named = self.args(t)
        names = [i.name for i in calc.inputs]
        if positional:
            raise self.fail(t, f"{fname}(…) takes named arguments: {', '.join(names)}")
        for key in named:
            if key not in names:
                raise self.fail(t, f"{fname}() has no argument '{key}'{_suggest(key, names)}")
        out: list[tuple[str, Expr | n.Choice]] = []
        for inp in calc.inputs:
            if inp.name not in named:
                if inp.required and inp.default is None:
                    raise self.fail(t, f"{fname}() needs argument '{inp.name}' ({inp.label})")
                continue
            if inp.kind == "boolean":
                out.append((inp.name, self.boolean(named[inp.name])))
                continue
            if inp.kind == "choice":
                choice = self.bare_name(named[inp.name], f"one of {', '.join(inp.choices)}")
                if choice not in inp.choices:
                    raise self.fail(named[inp.name], f"{fname}(): '{inp.name}' must be one of "
                                    f"{', '.join(inp.choices)}{_suggest(choice, inp.choices)}")
                out.append((inp.name, n.Choice(choice)))
                continue
            value = self.numeric(named[inp.name])
            want = inp.unit or "1"
            have = unit_of(value)
            if have is not _ANY and units.dimensionality(have) != units.dimensionality(want):
                raise self.fail(
                    named[inp.name],
                    f"{fname}(): '{inp.name}' must be in {describe_unit(want)}, "
                    f"found {describe_unit(have)}",
                )
            out.append((inp.name, value))
        return n.Calc(fname, tuple(out), calc.unit)

    # -- functions ----------------------------------------------------------------------
    def expect(self, t: Tree[Any], lo: int, hi: int, named: frozenset[str] = frozenset()) -> tuple[
        list[Arg], dict[str, Arg]
    ]:
        pos, kw = self.args(t)
        fname = str(t.children[0])
        if not lo <= len(pos) <= hi:
            count = str(lo) if lo == hi else f"{lo} to {hi}"
            raise self.fail(t, f"{fname}() takes {count} argument(s), got {len(pos)}")
        for key in kw:
            if key not in named:
                raise self.fail(t, f"{fname}() has no argument '{key}'{_suggest(key, named)}")
        return pos, kw

    def f_latest(self, t: Tree[Any]) -> Expr:
        pos, kw = self.expect(t, 1, 2, frozenset({"free_of", "free_days"}))
        analyte = self.analyte(pos[0])
        window = self.window(pos[1]) if len(pos) > 1 else self.scope.windows["screening"]
        free_of = self.valueset(kw["free_of"]) if "free_of" in kw else None
        free_days = self.integer(kw["free_days"]) if "free_days" in kw else 0
        if free_of and not free_days:
            raise self.fail(t, "latest(): free_of needs free_days=N")
        return n.Latest(analyte, window, free_of, free_days)

    def f_highest(self, t: Tree[Any], highest: bool = True) -> Expr:
        pos, _ = self.expect(t, 2, 2)
        return n.Extremum(self.analyte(pos[0]), self.window(pos[1]), highest)

    def f_lowest(self, t: Tree[Any]) -> Expr:
        return self.f_highest(t, highest=False)

    def f_change(self, t: Tree[Any], relative: bool = False) -> Expr:
        pos, kw = self.expect(t, 1, 1, frozenset({"latest", "baseline"}))
        analyte = self.analyte(pos[0])
        latest = self.window(kw["latest"]) if "latest" in kw else n.Window("days", 90)
        baseline = self.window(kw["baseline"]) if "baseline" in kw else n.Window("months", 12)
        return n.Change(analyte, latest, baseline, relative)

    def f_relative_change(self, t: Tree[Any]) -> Expr:
        return self.f_change(t, relative=True)

    def f_attested(self, t: Tree[Any]) -> Expr:
        pos, _ = self.expect(t, 1, 1)
        code = self.bare_name(pos[0], "an attestation code")
        if code not in self.scope.attestations:
            raise self.fail(
                pos[0],
                f"unknown attestation '{code}'{_suggest(code, self.scope.attestations)}",
            )
        return n.Attested(code, self.scope.attestations[code])

    def f_condition(self, t: Tree[Any], current: bool = False) -> Expr:
        pos, kw = self.expect(t, 1, 1, frozenset({"unless", "ended_before"}))
        vs = self.valueset(pos[0])
        unless = self.valueset(kw["unless"]) if "unless" in kw else None
        ended = self.window(kw["ended_before"]) if "ended_before" in kw else None
        if (unless is None) != (ended is None):
            raise self.fail(t, "condition(): 'unless' and 'ended_before' go together")
        return n.HasCondition(vs, current, unless, ended)

    def f_current_condition(self, t: Tree[Any]) -> Expr:
        return self.f_condition(t, current=True)

    def f_diagnosed_before(self, t: Tree[Any]) -> Expr:
        pos, _ = self.expect(t, 2, 2)
        return n.DiagnosedBefore(self.valueset(pos[0]), self.window(pos[1]))

    def f_condition_near(self, t: Tree[Any]) -> Expr:
        pos, kw = self.expect(t, 1, 1, frozenset({"anchor", "within"}))
        if "anchor" not in kw or "within" not in kw:
            raise self.fail(t, "condition_near(VS, anchor=VS, within=WINDOW)")
        return n.ConditionNear(
            self.valueset(pos[0]), self.valueset(kw["anchor"]), self.window(kw["within"])
        )

    def f_used(self, t: Tree[Any]) -> Expr:
        pos, _ = self.expect(t, 1, 1)
        return n.UsedDrug(self.valueset(pos[0]))

    def f_longest_exposure(self, t: Tree[Any]) -> Expr:
        pos, _ = self.expect(t, 1, 1)
        return n.LongestExposure(self.valueset(pos[0]))

    def f_max_daily_dose_per_kg(self, t: Tree[Any]) -> Expr:
        pos, kw = self.expect(t, 1, 1, frozenset({"weight"}))
        weight = self.analyte(kw["weight"]) if "weight" in kw else None
        if weight is None:
            raise self.fail(t, "max_daily_dose_per_kg(VS, weight=ANALYTE)")
        return n.MaxDailyDosePerKg(self.valueset(pos[0]), weight)

    def f_current_dose_stretch(self, t: Tree[Any]) -> Expr:
        pos, kw = self.expect(t, 1, 1, frozenset({"at_least"}))
        if "at_least" not in kw:
            raise self.fail(t, "current_dose_stretch(VS, at_least=DOSE 'mg/d')")
        dose = self.numeric(kw["at_least"])
        if not isinstance(dose, n.Number) or unit_of(dose) is _ANY:
            raise self.fail(kw["at_least"], "expected a dose such as 7.5 'mg/d'")
        self.check_units(kw["at_least"], dose, n.Number(1, "mg/d"))
        return n.CurrentDoseStretch(self.valueset(pos[0]), dose)

    def f_distinct(self, t: Tree[Any]) -> Expr:
        pos, _ = self.expect(t, 2, 2)
        return n.DistinctGroups(self.valueset(pos[0]), self.bare_name(pos[1], "an attribute"))

    def f_allergy(self, t: Tree[Any]) -> Expr:
        pos, _ = self.expect(t, 1, 1)
        return n.HasAllergy(self.valueset(pos[0]))

    def f_severe_allergy(self, t: Tree[Any]) -> Expr:
        self.expect(t, 0, 0)
        return n.HasAllergy(None, severe=True)

    def f_trial_participation(self, t: Tree[Any]) -> Expr:
        pos, _ = self.expect(t, 1, 1)
        return n.TrialParticipation(self.window(pos[0]))

    def f_positive(self, t: Tree[Any], any_result: bool = False) -> Expr:
        pos, _ = self.expect(t, 1, 2)
        analyte = self.analyte(pos[0])
        window = self.window(pos[1]) if len(pos) > 1 else self.scope.windows["screening"]
        return n.Positive(analyte, window, any_result)

    def f_negative(self, t: Tree[Any]) -> Expr:
        return n.Not(cast(BoolExpr, self.f_positive(t)))

    def f_any_positive(self, t: Tree[Any]) -> Expr:
        return self.f_positive(t, any_result=True)

    def f_any(self, t: Tree[Any]) -> Expr:
        pos, _ = self.expect(t, 1, 1)
        return n.Or(tuple(self.boolean(i) for i in self.items(pos[0])))

    def f_all(self, t: Tree[Any]) -> Expr:
        pos, _ = self.expect(t, 1, 1)
        return n.And(tuple(self.boolean(i) for i in self.items(pos[0])))

    def f_at_least(self, t: Tree[Any]) -> Expr:
        pos, _ = self.expect(t, 2, 2)
        k = self.integer(pos[0])
        items = tuple(self.boolean(i) for i in self.items(pos[1]))
        if not 1 <= k <= len(items):
            raise self.fail(pos[0], f"at_least(k, …): k must be between 1 and {len(items)}")
        return n.AtLeast(k, items)

    def f_any_measured(self, t: Tree[Any]) -> Expr:
        pos, _ = self.expect(t, 1, 1)
        items = []
        for i in self.items(pos[0]):
            node = self.boolean(i)
            if not isinstance(node, n.Compare) or not isinstance(node.left, n.Latest):
                raise self.fail(i, "any_measured([…]) takes comparisons of latest(…) values")
            items.append(node)
        return n.AnyMeasured(tuple(items))

    def f_first(self, t: Tree[Any]) -> Expr:
        pos, _ = self.expect(t, 2, 8)
        built = [self.build(i) for i in pos]
        kinds = {result_type(b) for b in built}
        if len(kinds) > 1:
            raise self.fail(t, "first(…) takes all numbers or all conditions, not a mix")
        if kinds == {"boolean"}:
            return n.FirstKnown(tuple(cast(BoolExpr, b) for b in built))
        items = tuple(cast(NumExpr, b) for b in built)
        for i, item in zip(pos[1:], items[1:], strict=True):
            self.check_units(i, items[0], item)
        return n.Coalesce(items)

    def f_times_uln(self, t: Tree[Any]) -> Expr:
        pos, _ = self.expect(t, 1, 1)
        measure = self.numeric(pos[0])
        if not isinstance(measure, n.Latest):
            raise self.fail(pos[0], "times_uln(…) takes a measured value: latest(…)")
        return n.TimesUln(measure)

    def f_criterion(self, t: Tree[Any]) -> Expr:
        pos, _ = self.expect(t, 1, 1)
        cid = self.bare_name(pos[0], "a criterion id")
        if cid not in self.scope.criteria:
            hint = _suggest(cid, self.scope.criteria)
            raise self.fail(pos[0], f"unknown criterion '{cid}'{hint}")
        self.scope.referenced_criteria.add(cid)
        return n.CriterionRef(cid)


_FUNCTIONS: dict[str, Callable[[_Builder, Tree[Any]], Expr]] = {
    name[2:]: getattr(_Builder, name) for name in dir(_Builder) if name.startswith("f_")
}


class _AnyUnit:
    pass


_ANY: Any = _AnyUnit()


def unit_of(node: NumExpr) -> Any:
    """The unit a numeric node's value is expressed in (``_ANY`` where it adapts to the other
    side: a bare number)."""
    if isinstance(node, n.Number):
        return node.unit if node.unit is not None else _ANY
    if isinstance(node, n.Age):
        return "a"
    if isinstance(node, n.Latest | n.Extremum):
        return node.analyte.unit or "1"
    if isinstance(node, n.Change):
        return "%" if node.relative else (node.analyte.unit or "1")
    if isinstance(node, n.LongestExposure | n.CurrentDoseStretch):
        return "d"
    if isinstance(node, n.MaxDailyDosePerKg):
        return "mg/kg/d"
    if isinstance(node, n.DistinctGroups):
        return "1"
    if isinstance(node, n.Calc):
        return node.unit or "1"
    if isinstance(node, n.Coalesce):
        return unit_of(node.items[0])
    if isinstance(node, n.TimesUln):
        return "1"
    raise TypeError(node)


def describe_unit(unit: Any) -> str:
    return "a unitless number" if unit in (None, "1") else f"'{unit}'"
