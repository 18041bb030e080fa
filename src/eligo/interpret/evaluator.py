"""The per-patient interpreter: evaluates IR nodes in Kleene logic and records a trace.

Dispatch is on the node's class (``_eval_<ClassName>``); a node without a method is an
:class:`~eligo.errors.EvaluationError` naming it. Numeric nodes evaluate to an interval
``[lo, hi]`` in a unit: an exact value is ``lo == hi``, an unknown one ``(-∞, ∞)``, and partly
known ones (a drug whose end date is unknown) lie between — a comparison is then met when every
value in the interval satisfies it, not met when none does, unknown otherwise.

Every node's outcome is stored in the trace under ``<criterion id>/<child path>``; the
criterion's explanation, evidence and missing data are composed from it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from eligo.calc import CALCULATORS, CalcInputError
from eligo.data import units
from eligo.data.facts import MedicationUse, Observation, Problem
from eligo.data.terminology import ValueSetEntry
from eligo.display import OP_WORDS, fmt_num, fmt_qty
from eligo.errors import EvaluationError
from eligo.interpret.context import Context
from eligo.interpret.dates import age_in_years, minus_months, window_start
from eligo.interpret.result import Evidence, TraceEntry
from eligo.ir import nodes as n
from eligo.ir import truth
from eligo.ir.truth import MET, NOT_MET, UNKNOWN, Verdict

__all__ = ["BoolOut", "Evaluator", "NumOut"]

INF = math.inf
_REL_TOL = 1e-9  # SPEC §2.6: a boundary must not be lost to floating-point rounding

_POSITIVE_CODES = {"10828004", "260373001"}
_NEGATIVE_CODES = {"260385009", "260415000"}
_POSITIVE_FLAGS = {"POS", "DET", "H", "HH"}
_NEGATIVE_FLAGS = {"NEG", "ND", "N"}
_POSITIVE_WORDS = {"positive", "detected", "reactive"}
_NEGATIVE_WORDS = {"negative", "not detected", "non-reactive", "nonreactive"}


@dataclass(slots=True)
class BoolOut:
    verdict: Verdict
    text: str
    evidence: list[Evidence] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass(slots=True)
class NumOut:
    lo: float
    hi: float
    unit: str | None
    text: str
    evidence: list[Evidence] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    uln: float | None = None  # in ``unit``
    uln_text: str = ""
    uln_missing: str | None = None
    measured: bool = False
    lo_open: bool = False  # a censored result: ">2" is strictly above 2
    hi_open: bool = False  # "<3" is strictly below 3

    @property
    def known(self) -> bool:
        return self.lo == self.hi and not math.isinf(self.lo)

    @classmethod
    def unknown(cls, unit: str | None, text: str, missing: list[str],
                evidence: list[Evidence] | None = None) -> NumOut:
        return cls(-INF, INF, unit, text, evidence or [], missing)


def _le(a: float, b: float) -> bool:
    return a <= b or math.isclose(a, b, rel_tol=_REL_TOL, abs_tol=1e-12)


def _lt(a: float, b: float) -> bool:
    return a < b and not math.isclose(a, b, rel_tol=_REL_TOL, abs_tol=1e-12)


def _holds(op: str, a: float, b: float) -> bool:
    if op == "<":
        return _lt(a, b)
    if op == "<=":
        return _le(a, b)
    if op == ">":
        return _lt(b, a)
    if op == ">=":
        return _le(b, a)
    if op == "==":
        return _le(a, b) and _le(b, a)
    return not (_le(a, b) and _le(b, a))


def compare_interval(lo: float, hi: float, op: str, t: float, lo_open: bool = False,
                     hi_open: bool = False) -> Verdict:
    """Whether every / no value in [lo, hi] satisfies ``value op t``. An open end (a censored
    result: "<3" lies strictly below 3) is tested against the threshold as the strict or the
    lax comparison that its openness makes exact: "<3" surely fails "≥ 3"."""
    if op in ("<", "<="):
        if _holds("<=" if hi_open else op, hi, t):
            return MET
        return NOT_MET if not _holds("<" if lo_open else op, lo, t) else UNKNOWN
    if op in (">", ">="):
        if _holds(">=" if lo_open else op, lo, t):
            return MET
        return NOT_MET if not _holds(">" if hi_open else op, hi, t) else UNKNOWN
    if lo == hi:
        return Verdict.of(_holds(op, lo, t))
    inside = _le(lo, t) and _le(t, hi)
    if op == "==":
        return UNKNOWN if inside else NOT_MET
    return UNKNOWN if inside else MET


def _censored(comparator: str | None, value: float) -> tuple[float, float, bool, bool]:
    """A result as (lo, hi, lo open, hi open): "<10 mg/L" is known only to lie below 10 (a
    detection limit), strictly so; ">5" above 5."""
    c = comparator or ""
    return (-INF if c in ("<", "<=") else value, INF if c in (">", ">=") else value,
            c == ">", c == "<")


def _end_of(m: MedicationUse) -> str:
    return f"end date of {_display(m.codings)} begun {m.start.isoformat()}"


def _dedupe(items: Iterable[Any]) -> list[Any]:
    seen: dict[Any, None] = {}
    for i in items:
        seen.setdefault(i, None)
    return list(seen)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _display(codings: Iterable[Any], entry: ValueSetEntry | None = None) -> str:
    for c in codings:
        if c.display:
            return f"{c.display} ({c.code})"
    if entry is not None:
        return f"{entry.display} ({entry.code})"
    first = next(iter(codings), None)
    return first.code if first is not None else "?"


class Evaluator:
    """Evaluates the criteria of one protocol for one patient (a :class:`Context`)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.as_of = ctx.as_of
        self.trace: list[TraceEntry] = []
        self._criteria: dict[str, BoolOut] = {}
        self._policy = "open"
        self._weights: list[tuple[date, float, Observation]] | None = None

    # -- criteria -----------------------------------------------------------------------
    def criterion(self, cid: str) -> BoolOut:
        hit = self._criteria.get(cid)
        if hit is not None:
            return hit
        crit = self.ctx.protocol.criterion(cid)
        saved = self._policy
        self._policy = crit.absent
        try:
            out = self.boolean(crit.rule, cid)
        finally:
            self._policy = saved
        self._criteria[cid] = out
        return out

    # -- dispatch -----------------------------------------------------------------------
    def boolean(self, node: n.BoolExpr, path: str) -> BoolOut:
        method: Callable[[Any, str], BoolOut] | None = getattr(
            self, f"_b_{type(node).__name__}", None
        )
        if method is None:
            raise EvaluationError(f"the interpreter has no rule for {type(node).__name__}")
        out = method(node, path)
        self.trace.append(TraceEntry(path, type(node).__name__, out.verdict.value, out.text))
        return out

    def numeric(self, node: n.NumExpr, path: str) -> NumOut:
        method: Callable[[Any, str], NumOut] | None = getattr(
            self, f"_n_{type(node).__name__}", None
        )
        if method is None:
            raise EvaluationError(f"the interpreter has no rule for {type(node).__name__}")
        out = method(node, path)
        value = fmt_num(out.lo) if out.known else f"[{fmt_num(out.lo)}, {fmt_num(out.hi)}]"
        self.trace.append(TraceEntry(path, type(node).__name__, value, out.text))
        return out

    def missing_phrase(self, what: str, window: n.Window) -> str:
        if window.unit == "ever":
            return f"{what} (any date up to {self.as_of.isoformat()})"
        return f"{what} {window.describe()} {self.as_of.isoformat()}"

    # -- logic --------------------------------------------------------------------------
    def _combine(self, verdict: Verdict, outs: list[BoolOut], joiner: str) -> BoolOut:
        if verdict is UNKNOWN:
            relevant = [o for o in outs if o.verdict is UNKNOWN]
        elif verdict is MET and joiner == "or":
            relevant = [o for o in outs if o.verdict is MET]
        elif verdict is NOT_MET and joiner == "and":
            relevant = [o for o in outs if o.verdict is NOT_MET]
        else:
            relevant = outs
        text = "; ".join(_dedupe(o.text for o in relevant if o.text))
        evidence = _dedupe(e for o in relevant for e in o.evidence)
        missing = _dedupe(m for o in relevant for m in o.missing) if verdict is UNKNOWN else []
        return BoolOut(verdict, text, evidence, missing)

    def _b_And(self, node: n.And, path: str) -> BoolOut:
        outs = [self.boolean(c, f"{path}/{i}") for i, c in enumerate(node.items)]
        return self._combine(truth.and_(*(o.verdict for o in outs)), outs, "and")

    def _b_Or(self, node: n.Or, path: str) -> BoolOut:
        outs = [self.boolean(c, f"{path}/{i}") for i, c in enumerate(node.items)]
        return self._combine(truth.or_(*(o.verdict for o in outs)), outs, "or")

    def _b_Not(self, node: n.Not, path: str) -> BoolOut:
        inner = self.boolean(node.item, f"{path}/0")
        return BoolOut(truth.not_(inner.verdict), inner.text, inner.evidence, inner.missing)

    def _b_Implies(self, node: n.Implies, path: str) -> BoolOut:
        cond = self.boolean(node.condition, f"{path}/0")
        cons = self.boolean(node.consequence, f"{path}/1")
        verdict = truth.implies(cond.verdict, cons.verdict)
        if cond.verdict is NOT_MET:
            return BoolOut(verdict, f"does not apply: {cond.text}", cond.evidence)
        return self._combine(verdict, [cond, cons], "and")

    def _b_AtLeast(self, node: n.AtLeast, path: str) -> BoolOut:
        outs = [self.boolean(c, f"{path}/{i}") for i, c in enumerate(node.items)]
        verdict = truth.at_least(node.k, (o.verdict for o in outs))
        met = sum(o.verdict is MET for o in outs)
        head = f"{met} of {len(outs)} met (at least {node.k} needed)"
        inner = self._combine(verdict, outs, "list")
        return BoolOut(verdict, f"{head}: {inner.text}", inner.evidence, inner.missing)

    def _b_FirstKnown(self, node: n.FirstKnown, path: str) -> BoolOut:
        outs = []
        for i, item in enumerate(node.items):
            out = self.boolean(item, f"{path}/{i}")
            if out.verdict is not UNKNOWN:
                return out
            outs.append(out)
        return self._combine(UNKNOWN, outs, "or")

    def _b_CriterionRef(self, node: n.CriterionRef, path: str) -> BoolOut:
        out = self.criterion(node.id)
        return BoolOut(out.verdict, f"{node.id} {out.verdict.value}", out.evidence, out.missing)

    # -- comparisons ----------------------------------------------------------------------
    def _b_Compare(self, node: n.Compare, path: str) -> BoolOut:
        left = self.numeric(node.left, f"{path}/0")
        sym = OP_WORDS[node.op]
        if node.uln:
            k = node.right.value if isinstance(node.right, n.Number) else 1.0
            if left.lo == -INF and left.hi == INF:  # no value ("<1.0" is a value: below 1)
                return BoolOut(UNKNOWN, left.text, left.evidence, left.missing)
            if left.uln is None:
                missing = [left.uln_missing or "upper limit of normal"]
                return BoolOut(UNKNOWN, f"{left.text}; no upper limit of normal",
                               left.evidence, missing)
            threshold = k * left.uln
            verdict = compare_interval(left.lo, left.hi, node.op, threshold, left.lo_open,
                                       left.hi_open)
            right_text = f"{fmt_qty(threshold, left.unit)} ({fmt_num(k)} × ULN {left.uln_text})"
        else:
            right = self.numeric(node.right, f"{path}/1")
            if not left.known and left.lo == -INF and left.hi == INF:
                return BoolOut(UNKNOWN, left.text, left.evidence, left.missing)
            if not right.known:
                return BoolOut(UNKNOWN, right.text, right.evidence, right.missing)
            threshold = right.lo
            if right.unit is not None and left.unit is not None:
                threshold = units.convert(threshold, right.unit, left.unit)
            verdict = compare_interval(left.lo, left.hi, node.op, threshold, left.lo_open,
                                       left.hi_open)
            right_text = right.text
        if verdict is MET:
            text = f"{left.text} {sym} {right_text}"
        elif verdict is NOT_MET:
            text = f"{left.text}, not {sym} {right_text}"
        else:
            text = f"{left.text}: cannot tell whether {sym} {right_text}"
        missing = left.missing if verdict is UNKNOWN else []
        if verdict is UNKNOWN and not missing:
            # a censored result ("<3", ">2") that straddles the threshold: SPEC §1 wants the
            # datum that would decide named
            missing = [f"an exact result instead of {left.text}"]
        return BoolOut(verdict, text, left.evidence, missing)

    def _b_AnyMeasured(self, node: n.AnyMeasured, path: str) -> BoolOut:
        outs = [self.boolean(item, f"{path}/{i}") for i, item in enumerate(node.items)]
        # a comparison is "measured" when its latest(…) found a value (its evidence)
        measured = [bool(o.evidence) for o in outs]
        if any(o.verdict is MET for o in outs):
            return self._combine(MET, outs, "or")
        if not any(measured):
            return self._combine(UNKNOWN, outs, "or")
        taken = [o for o, m in zip(outs, measured, strict=True) if m]
        verdict = UNKNOWN if any(o.verdict is UNKNOWN for o in taken) else NOT_MET
        result = self._combine(verdict, taken, "or")
        if verdict is NOT_MET:
            result.text = "measured, none met: " + result.text
        return result

    # -- numeric leaves -------------------------------------------------------------------
    def _n_Number(self, node: n.Number, path: str) -> NumOut:
        return NumOut(node.value, node.value, node.unit, node.text or fmt_num(node.value))

    def _n_Age(self, node: n.Age, path: str) -> NumOut:
        birth = self.ctx.record.patient.birth_date
        ref = f"Patient/{self.ctx.record.patient.id}"
        span = self.ctx.record.patient.birth_range
        if birth is None and span is not None and span[0] <= self.as_of:
            # born some day in [first, last]: the age lies between those two days' ages
            first, last = span[0], min(span[1], self.as_of)
            lo, hi = age_in_years(last, self.as_of), age_in_years(first, self.as_of)
            when = f"{first.year}" if (first.month, first.day, span[1].month) == (1, 1, 12) \
                else f"{first:%Y-%m}"
            ev = Evidence(ref, None, "a", when, "birthDate (partial); age at as-of date")
            text = f"age {lo}" + (f"–{hi}" if hi != lo else "") + f" years (born {when})"
            return NumOut(lo, hi, "a", text, [ev], ["patient's full date of birth"])
        if birth is None or birth > self.as_of:
            return NumOut.unknown("a", "no usable date of birth", ["patient's date of birth"])
        years = age_in_years(birth, self.as_of)
        ev = Evidence(ref, years, "a", birth.isoformat(), "birthDate; age at as-of date")
        return NumOut(years, years, "a", f"age {years} years (born {birth.isoformat()})", [ev])

    def _value_of(self, o: Observation, analyte: n.Analyte) -> float | None:
        """The observation's value in the analyte's unit, or None (and a problem) if unusable."""
        if o.value is None:
            self.ctx.problem(Problem(o.reference, "value[x]", "", f"no numeric value for "
                                     f"{analyte.label}"))
            return None
        try:
            return units.convert(o.value, o.unit, analyte.unit, analyte.equivalences)
        except units.UnitError:
            unit = o.unit or "(none)"
            why = ("unknown UCUM unit" if not units.is_valid(o.unit)
                   else f"cannot convert {unit} to {analyte.unit} for {analyte.label}")
            self.ctx.problem(Problem(o.reference, "valueQuantity.code", unit, why))
            return None

    def _uln(self, o: Observation, analyte: n.Analyte) -> tuple[float | None, str, str | None]:
        if o.ref_high is not None:
            try:
                uln = units.convert(o.ref_high, o.ref_high_unit or o.unit, analyte.unit,
                                    analyte.equivalences)
                return uln, f"{fmt_qty(uln, analyte.unit)} from {o.reference} referenceRange", None
            except units.UnitError:
                self.ctx.problem(Problem(o.reference, "referenceRange.high.code",
                                         o.ref_high_unit or "", "reference range unit cannot "
                                         f"be converted to {analyte.unit}"))
        for key in [*(c.code for c in o.codings), analyte.name]:
            site = self.ctx.site_ranges.get(key)
            if site is not None:
                try:
                    uln = units.convert(site.high, site.unit, analyte.unit, analyte.equivalences)
                except units.UnitError:
                    continue
                return uln, f"{fmt_qty(uln, analyte.unit)} from site reference range " \
                            f"({site.source})", None
        return None, "", f"upper limit of normal for {analyte.label}"

    def _gcsf_before(self, vid: str, day: date, days: int) -> tuple[MedicationUse, bool] | None:
        """A use of ``vid`` that may reach the ``days`` before ``day``, and whether surely.

        SPEC §2.8: an open end that is not "active" is unknown, "though never beyond the as-of
        date" — such a use may still run on the sample's days, so the sample is not known to
        be free of it and is not evidence (SPEC §4.1 inc.anc)."""
        start = day - timedelta(days=days)
        maybe: tuple[MedicationUse, bool] | None = None
        for m, _ in self.ctx.medications(vid):
            first, surely, possibly = self._period(m)
            if first <= day and surely >= start:
                return m, True
            if first <= day and possibly >= start and maybe is None:
                maybe = m, False
        return maybe

    def _n_Latest(self, node: n.Latest, path: str) -> NumOut:
        a = node.analyte
        start = window_start(node.window, self.as_of)
        skipped: list[str] = []
        # samples that a G-CSF of unknown end may have reached: each is the screening value
        # if that G-CSF ended in time, so the value lies among them and the first clean one
        maybe: list[tuple[Observation, float, MedicationUse]] = []
        for o in self.ctx.observations(a):
            if o.day is None:
                continue
            if o.day < start:
                break
            value = self._value_of(o, a)
            if value is None:
                skipped.append(f"{o.reference} not used (see problems)")
                continue
            if node.free_of:
                found = self._gcsf_before(node.free_of, o.day, node.free_days)
                if found is not None:
                    drug, surely = found
                    when = (f"on {drug.start.isoformat()} within" if surely else
                            f"from {drug.start.isoformat()}, end unknown: may reach the")
                    skipped.append(f"{o.reference} of {o.day.isoformat()} not used: "
                                   f"{_display(drug.codings)} {when} "
                                   f"{node.free_days} days before the sample")
                    if not surely:
                        maybe.append((o, value, drug))
                    continue
            if maybe:
                return self._latest_among(a, [*maybe, (o, value, None)], skipped)
            uln, uln_text, uln_missing = self._uln(o, a)
            comparator = o.comparator or ""
            shown = comparator + fmt_qty(o.value or 0.0, o.unit)
            conv = comparator + fmt_qty(value, a.unit)
            text = f"{a.label} {shown}" + (f" (= {conv})" if shown != conv else "")
            text += f" on {o.day.isoformat()}"
            if skipped:
                text += f" [{'; '.join(skipped)}]"
            ev = Evidence(o.reference, o.value, o.unit, o.day.isoformat(),
                          f"ULN {uln_text}" if uln_text else None)
            lo, hi, lo_open, hi_open = _censored(comparator, value)
            return NumOut(lo, hi, a.unit, text, [ev], [], uln, uln_text, uln_missing,
                          measured=True, lo_open=lo_open, hi_open=hi_open)
        what = f"{a.specimen + ' ' if a.specimen else ''}{a.label}"
        if node.free_of and skipped:
            missing = [f"{what} ≥ {node.free_days} days after last "
                       f"{self.ctx.valueset(node.free_of).title or node.free_of}, "
                       f"{node.window.describe()} {self.as_of.isoformat()}",
                       *_dedupe(_end_of(drug) for _, _, drug in maybe)]
        else:
            missing = [self.missing_phrase(what, node.window)]
        text = f"no usable {what} {node.window.describe()} {self.as_of.isoformat()}"
        older = next((o for o in self.ctx.observations(a) if o.day is not None and o.day < start),
                     None)
        if older is not None and older.value is not None:
            # a coordinator wants to know a value exists, just too old to count
            text += f" (latest: {fmt_qty(older.value, older.unit)} on {_iso(older.day)})"
        if skipped:
            text += f" [{'; '.join(skipped)}]"
        return NumOut.unknown(a.unit, text, missing)

    def _latest_among(self, a: n.Analyte,
                      candidates: list[tuple[Observation, float, MedicationUse | None]],
                      skipped: list[str]) -> NumOut:
        """The screening value when it is one of ``candidates`` (newest first; the last is
        surely clean, the others only if a G-CSF of unknown end had ended in time): the
        interval spanning them, decided where they agree, else naming the end dates."""
        lo, hi = INF, -INF
        parts, evidence = [], []
        for o, value, _ in candidates:
            low, high, _, _ = _censored(o.comparator, value)  # the hull's ends are closed
            lo, hi = min(lo, low), max(hi, high)
            parts.append(f"{o.comparator or ''}{fmt_qty(value, a.unit)} on {_iso(o.day)}")
            evidence.append(Evidence(o.reference, o.value, o.unit, _iso(o.day), None))
        ends = _dedupe(_end_of(drug) for _, _, drug in candidates if drug is not None)
        text = (f"{a.label} {' or '.join(parts)}, as the G-CSF of unknown end had or had not "
                f"ended in time [{'; '.join(skipped)}]")
        uln, uln_text, uln_missing = self._uln(candidates[-1][0], a)
        return NumOut(lo, hi, a.unit, text, evidence, ends, uln, uln_text, uln_missing,
                      measured=True)

    def _n_Extremum(self, node: n.Extremum, path: str) -> NumOut:
        a = node.analyte
        start = window_start(node.window, self.as_of)
        usable = [(o, v) for o in self.ctx.observations(a)
                  if o.day is not None and o.day >= start
                  and (v := self._value_of(o, a)) is not None]
        word = "highest" if node.highest else "lowest"
        if not usable:
            return NumOut.unknown(a.unit, f"no {a.label} {node.window.describe()} "
                                  f"{self.as_of.isoformat()}",
                                  [self.missing_phrase(a.label, node.window)])
        pick = max if node.highest else min
        o, v = pick(usable, key=lambda ov: ov[1])
        ev = Evidence(o.reference, o.value, o.unit, _iso(o.day), f"{word} of {len(usable)}")
        return NumOut(v, v, a.unit, f"{word} {a.label} {fmt_qty(v, a.unit)} on {_iso(o.day)}",
                      [ev], measured=True)

    def _n_Change(self, node: n.Change, path: str) -> NumOut:
        a = node.analyte
        unit = "%" if node.relative else a.unit
        start = window_start(node.latest, self.as_of)
        usable = [(o, v) for o in self.ctx.observations(a)
                  if o.day is not None and (v := self._value_of(o, a)) is not None]
        latest = next(((o, v) for o, v in usable if o.day and o.day >= start), None)
        if latest is None:
            return NumOut.unknown(unit, f"no {a.label} {node.latest.describe()} "
                                  f"{self.as_of.isoformat()}",
                                  [self.missing_phrase(a.label, node.latest)])
        lo_obs, lo_val = latest
        assert lo_obs.day is not None
        base_start = window_start(node.baseline, lo_obs.day)
        candidates = [(o, v) for o, v in usable
                      if o.day is not None and base_start <= o.day < lo_obs.day]
        if not candidates:
            return NumOut.unknown(
                unit, f"{a.label} {fmt_qty(lo_val, a.unit)} on {lo_obs.day.isoformat()}, "
                f"no earlier value {node.baseline.describe()} it",
                [f"a baseline {a.label} {node.baseline.describe()} {lo_obs.day.isoformat()}"],
            )
        # the earliest: candidates are most recent first, so the last one (same day: the
        # earlier time; exact ties: the later in the record, mirroring the latest rule)
        base_obs, base_val = candidates[-1]
        assert base_obs.day is not None
        evidence = [
            Evidence(base_obs.reference, base_obs.value, base_obs.unit, base_obs.day.isoformat(),
                     "baseline"),
            Evidence(lo_obs.reference, lo_obs.value, lo_obs.unit, lo_obs.day.isoformat(),
                     "latest"),
        ]
        desc = (f"{a.label} {fmt_qty(base_val, a.unit)} on {base_obs.day.isoformat()} → "
                f"{fmt_qty(lo_val, a.unit)} on {lo_obs.day.isoformat()}")
        if node.relative:
            if base_val == 0:
                return NumOut.unknown(unit, f"{desc}: baseline 0, no relative change",
                                      [f"a non-zero baseline {a.label}"], evidence)
            change = (lo_val - base_val) / base_val * 100
            return NumOut(change, change, "%", f"{desc}: change {fmt_num(change)}%", evidence)
        change = lo_val - base_val
        return NumOut(change, change, a.unit, f"{desc}: change {fmt_qty(change, a.unit)}",
                      evidence)

    # -- medications ----------------------------------------------------------------------
    def _period(self, m: MedicationUse) -> tuple[date, date, date]:
        """(start, surely-until, possibly-until), clipped to the as-of date."""
        if m.end is not None:
            end = min(m.end, self.as_of)
            return m.start, end, end
        if m.open_end == "ongoing":
            return m.start, self.as_of, self.as_of
        return m.start, m.start, self.as_of

    @staticmethod
    def _union_days(periods: list[tuple[date, date]]) -> int:
        total = 0
        cur_start: date | None = None
        cur_end: date | None = None
        for s, e in sorted(periods):
            if cur_end is None or s > cur_end + timedelta(days=1):
                if cur_start is not None and cur_end is not None:
                    total += (cur_end - cur_start).days + 1
                cur_start, cur_end = s, e
            elif e > cur_end:
                cur_end = e
        if cur_start is not None and cur_end is not None:
            total += (cur_end - cur_start).days + 1
        return total

    @staticmethod
    def _drug(m: MedicationUse, entry: ValueSetEntry) -> str:
        return str(entry.attributes.get("drug") or entry.code)

    def _n_LongestExposure(self, node: n.LongestExposure, path: str) -> NumOut:
        by_drug: dict[str, list[MedicationUse]] = defaultdict(list)
        for m, entry in self.ctx.medications(node.valueset):
            by_drug[self._drug(m, entry)].append(m)
        title = self.ctx.valueset(node.valueset).title or node.valueset
        if not by_drug:
            return NumOut(0, 0, "d", f"no {title} in the record")
        best_lo, best_hi, best_name = 0, 0, ""
        evidence: list[Evidence] = []
        parts = []
        for drug, uses in sorted(by_drug.items()):
            periods = [self._period(m) for m in uses]
            lo = self._union_days([(s, e) for s, e, _ in periods])
            hi = self._union_days([(s, e) for s, _, e in periods])
            parts.append(f"{drug} {lo} days" if lo == hi else f"{drug} {lo}–{hi} days")
            if lo > best_lo or not best_name:
                best_lo, best_name = lo, drug
            best_hi = max(best_hi, hi)
            for m, (s, e, _) in zip(uses, periods, strict=True):
                unsure = "" if m.end or m.open_end == "ongoing" else ", end unknown"
                evidence.append(Evidence(m.reference, drug, None, s.isoformat(),
                                         f"{s.isoformat()} to {e.isoformat()}{unsure}"))
        text = f"longest exposure: {best_name} ({'; '.join(parts)})"
        missing = [] if best_lo == best_hi else [f"end dates of {title} treatment"]
        return NumOut(best_lo, best_hi, "d", text, evidence, missing)

    def _weights_by_day(self, analyte: n.Analyte) -> list[tuple[date, float, Observation]]:
        if self._weights is None:
            found = []
            for o in self.ctx.observations(analyte):
                v = self._value_of(o, analyte) if o.day else None
                if v is not None and v <= 0:  # a dose per kg of nothing is a data error
                    self.ctx.problem(Problem(o.reference, "valueQuantity.value", fmt_num(v),
                                             "a body weight must be above 0"))
                elif v is not None and o.day is not None:
                    found.append((o.day, v, o))
            self._weights = found
        return self._weights

    def _daily_dose_mg(self, m: MedicationUse, entry: ValueSetEntry) -> float | None:
        """Prednisone-equivalent mg per day, or None when the record cannot tell."""
        if m.dose_value is None or m.per_day is None:
            return None
        try:
            mg = units.convert(m.dose_value, m.dose_unit or "mg", "mg")
        except units.UnitError:
            self.ctx.problem(Problem(m.reference, "dosage.doseQuantity", m.dose_unit or "",
                                     "dose unit is not a mass"))
            return None
        factor = float(entry.attributes.get("prednisone_mg_per_mg", 1.0))
        return mg * m.per_day * factor

    def _n_MaxDailyDosePerKg(self, node: n.MaxDailyDosePerKg, path: str) -> NumOut:
        title = self.ctx.valueset(node.valueset).title or node.valueset
        uses = self.ctx.medications(node.valueset)
        if not uses:
            return NumOut(0, 0, "mg/kg/d", f"no {title} in the record")
        weights = self._weights_by_day(node.weight)
        best = -INF
        undecided: list[str] = []
        evidence: list[Evidence] = []
        best_text = ""
        for m, entry in uses:
            daily = self._daily_dose_mg(m, entry)
            if daily is None:
                undecided.append(f"dose and frequency of {m.reference}")
                continue
            if not weights:
                undecided.append(self.missing_phrase("body weight", n.Window("ever")))
                continue
            day, kg, wobs = min(weights, key=lambda w: (abs((w[0] - m.start).days), w[0]))
            per_kg = daily / kg
            evidence.append(Evidence(m.reference, m.dose_value, m.dose_unit, m.start.isoformat(),
                                     f"{fmt_num(daily)} mg/day prednisone-equivalent"))
            if per_kg > best:
                best = per_kg
                best_text = (f"{self._drug(m, entry)} {fmt_num(daily)} mg/day prednisone-"
                             f"equivalent from {m.start.isoformat()} ÷ {fmt_num(kg)} kg "
                             f"({wobs.reference}, {day.isoformat()}) = "
                             f"{fmt_num(per_kg)} mg/kg/day")
        lo = max(best, 0.0)
        hi = INF if undecided else lo
        text = f"highest {title} dose: {best_text}" if best_text else \
            f"{title} recorded without a usable dose"
        return NumOut(lo, hi, "mg/kg/d", text, evidence, _dedupe(undecided))

    def _n_CurrentDoseStretch(self, node: n.CurrentDoseStretch, path: str) -> NumOut:
        title = self.ctx.valueset(node.valueset).title or node.valueset
        min_mg = units.convert(node.min_dose.value, node.min_dose.unit, "mg/d")
        sure: list[tuple[date, date]] = []
        maybe: list[tuple[date, date]] = []
        evidence = []
        for m, entry in self.ctx.medications(node.valueset):
            daily = self._daily_dose_mg(m, entry)
            s, e_lo, e_hi = self._period(m)
            if daily is not None and not _le(min_mg, daily):
                continue
            evidence.append(Evidence(m.reference, m.dose_value, m.dose_unit, s.isoformat(),
                                     f"until {e_lo.isoformat()}"))
            maybe.append((s, e_hi))
            if daily is not None:
                sure.append((s, e_lo))

        def current(periods: list[tuple[date, date]]) -> int:
            # the merged stretch that reaches the as-of date
            start: date | None = None
            for s, e in sorted(periods, key=lambda p: p[1], reverse=True):
                if start is None:
                    if e < self.as_of:
                        return 0
                    start = s
                elif e >= start - timedelta(days=1):
                    start = min(start, s)
            return 0 if start is None else (self.as_of - start).days + 1

        lo, hi = current(sure), current(maybe)
        text = f"current {title} ≥ {fmt_qty(min_mg, 'mg/d')}: {lo} days" if lo == hi else \
            f"current {title} ≥ {fmt_qty(min_mg, 'mg/d')}: {lo} to {hi} days"
        missing = [] if lo == hi else [f"doses and end dates of {title} treatment"]
        return NumOut(lo, hi, "d", text, evidence, missing)

    def _n_DistinctGroups(self, node: n.DistinctGroups, path: str) -> NumOut:
        groups: dict[str, list[str]] = defaultdict(list)
        evidence = []
        for m, entry in self.ctx.medications(node.valueset):
            group = entry.attributes.get(node.attribute)
            if group is None:
                continue
            drug = self._drug(m, entry)
            if drug not in groups[str(group)]:
                groups[str(group)].append(drug)
            evidence.append(Evidence(m.reference, drug, None, m.start.isoformat(),
                                     f"{node.attribute} {group}"))
        count = len(groups)
        listing = ", ".join(f"{g} ({', '.join(d)})" for g, d in sorted(groups.items()))
        text = f"{count} distinct {node.attribute}(s)" + (f": {listing}" if listing else "")
        return NumOut(count, count, "1", text, evidence)

    # -- calculators ----------------------------------------------------------------------
    def _n_Calc(self, node: n.Calc, path: str) -> NumOut:
        calc = CALCULATORS.get(node.name)
        if calc is None:
            raise EvaluationError(f"no calculator named {node.name}")
        args: dict[str, Any] = {}
        missing: list[str] = []
        evidence: list[Evidence] = []
        texts: list[str] = []
        unrecorded: list[str] = []
        for i, (name, expr) in enumerate(node.args):
            if isinstance(expr, n.Choice):
                args[name] = expr.value
            elif n.result_type(expr) == "boolean":
                b = self.boolean(expr, f"{path}/{i}")  # type: ignore[arg-type]
                evidence.extend(b.evidence)
                label = calc.input(name).label
                if b.verdict is UNKNOWN:
                    missing.extend(b.missing)
                    unrecorded.append(label)
                else:
                    texts.append(f"{label}: {'yes' if b.verdict is MET else 'no'}")
                args[name] = None if b.verdict is UNKNOWN else b.verdict is MET
            else:
                v = self.numeric(expr, f"{path}/{i}")  # type: ignore[arg-type]
                evidence.extend(v.evidence)
                texts.append(v.text)
                if not v.known:
                    missing.extend(v.missing)
                args[name] = v.lo if v.known else None
        label = calc.title
        shown = f" [{'; '.join(texts)}]" if texts else ""
        if missing and calc.bounds is not None:
            # a sum of items: bound it by what the unknown items could still add
            lo, hi = calc.bounds(args)
            if unrecorded:
                shown += f" (not recorded: {', '.join(unrecorded)})"
            return NumOut(lo, hi, node.unit, f"{label} at least {fmt_num(lo)} and at most "
                          f"{fmt_num(hi)} with what is recorded{shown}", evidence,
                          _dedupe(missing))
        hull = calc.hull(args) if missing and calc.bounds is None else None
        if hull is not None:  # only yes/no inputs unknown: the value lies between their cases
            lo, hi = hull
            return NumOut(lo, hi, node.unit, f"{label} between {fmt_qty(lo, node.unit)} and "
                          f"{fmt_qty(hi, node.unit)} (not recorded: {', '.join(unrecorded)})"
                          f"{shown}", evidence, _dedupe(missing))
        if missing:
            return NumOut.unknown(node.unit, f"{label} cannot be computed{shown}",
                                  _dedupe(missing), evidence)
        try:
            result = calc.compute(**args)
        except CalcInputError as exc:
            self.ctx.problem(Problem(f"{calc.name}()", exc.input, str(args.get(exc.input)),
                                     exc.message))
            return NumOut.unknown(node.unit, f"{label} cannot be computed: {exc.message}",
                                  [f"a valid {calc.input(exc.input).label} for {label}"],
                                  evidence)
        text = f"{label} {fmt_qty(result.value, node.unit)} = {result.arithmetic}{shown}"
        return NumOut(result.value, result.value, node.unit, text, evidence)

    def _n_TimesUln(self, node: n.TimesUln, path: str) -> NumOut:
        m = self.numeric(node.measure, f"{path}/0")
        if m.lo == -INF and m.hi == INF:
            return NumOut.unknown("1", m.text, m.missing)
        if m.uln is None or m.uln <= 0:
            return NumOut.unknown("1", f"{m.text}; no upper limit of normal", [
                m.uln_missing or "upper limit of normal"], m.evidence)
        lo, hi = m.lo / m.uln, m.hi / m.uln
        return NumOut(lo, hi, "1", f"{m.text} = {fmt_num(lo)} × ULN ({m.uln_text})", m.evidence,
                      lo_open=m.lo_open, hi_open=m.hi_open)

    def _n_Coalesce(self, node: n.Coalesce, path: str) -> NumOut:
        outs = []
        for i, item in enumerate(node.items):
            out = self.numeric(item, f"{path}/{i}")
            if out.known:
                return out
            outs.append(out)
        return NumOut.unknown(outs[0].unit, "; ".join(o.text for o in outs),
                              _dedupe(m for o in outs for m in o.missing),
                              [e for o in outs for e in o.evidence])

    # -- attestations, sex, qualitative results -------------------------------------------
    def _absent(self, what: str, missing: str) -> BoolOut:
        """No data: the criterion's absent-data rule decides (SPEC §2.2)."""
        if self._policy == "closed":
            return BoolOut(NOT_MET, f"no {what} recorded")
        return BoolOut(UNKNOWN, f"no {what} recorded", [], [missing])

    def _b_Attested(self, node: n.Attested, path: str) -> BoolOut:
        best: Observation | None = None
        for o in self.ctx.attestations(node.code):  # on or before as-of, most recent first
            if o.value_boolean is None:
                self.ctx.problem(Problem(o.reference, "valueBoolean", "",
                                         "an attestation needs valueBoolean"))
                continue
            best = o
            break
        if best is None:
            return self._absent(f"attestation '{node.code}'",
                                f"investigator attestation: {node.question}")
        day = _iso(best.day)
        verdict = Verdict.of(best.value_boolean)
        text = f"attestation {node.code}: {'yes' if best.value_boolean else 'no'}" + (
            f" on {day}" if day else "")
        return BoolOut(verdict, text, [Evidence(best.reference, best.value_boolean, None, day)])

    def _b_Sex(self, node: n.Sex, path: str) -> BoolOut:
        gender = self.ctx.record.patient.gender
        ref = f"Patient/{self.ctx.record.patient.id}"
        if gender not in ("male", "female"):
            return BoolOut(UNKNOWN, f"administrative sex is {gender or 'not recorded'}",
                           [], ["patient's sex (male/female)"])
        return BoolOut(Verdict.of(gender == node.value), f"sex {gender}",
                       [Evidence(ref, gender, None, None, "Patient.gender")])

    def _positivity(self, o: Observation, a: n.Analyte) -> bool | None:
        if o.value_boolean is not None:  # a finding recorded as present / absent
            return o.value_boolean
        codes = {c.code for c in o.value_codings}
        if codes & _POSITIVE_CODES:
            return True
        if codes & _NEGATIVE_CODES:
            return False
        flags = set(o.interpretation)
        if flags & _POSITIVE_FLAGS:
            return True
        if flags & _NEGATIVE_FLAGS:
            return False
        if o.value_string is not None:
            word = o.value_string.strip().lower()
            if word in _POSITIVE_WORDS:
                return True
            if word in _NEGATIVE_WORDS:
                return False
        if o.value is not None:
            try:
                if o.ref_high is not None:
                    high = units.convert(o.ref_high, o.ref_high_unit or o.unit, o.unit)
                elif a.positive_above is not None:
                    high = units.convert(a.positive_above, a.positive_above_unit, o.unit)
                else:
                    high = None
            except units.UnitError:
                high = None
            if high is not None:  # "exceeds", after conversion: SPEC §2.6's tolerance
                lo, hi, lo_open, hi_open = _censored(o.comparator, o.value)
                exceeds = compare_interval(lo, hi, ">", high, lo_open, hi_open)
                if exceeds is not UNKNOWN:  # a censored result only where its bound settles
                    return exceeds is MET
                self.ctx.problem(Problem(
                    o.reference, "valueQuantity.comparator", f"{o.comparator}{o.value:g}",
                    f"a censored result cannot tell whether {a.label} exceeds {high:g}"))
                return None
        self.ctx.problem(Problem(o.reference, "value[x]", o.value_string or "",
                                 f"no interpretable result for {a.label}"))
        return None

    def _b_Positive(self, node: n.Positive, path: str) -> BoolOut:
        a = node.analyte
        start = window_start(node.window, self.as_of)
        results: list[tuple[Observation, bool]] = []
        for o in self.ctx.observations(a):
            if o.day is None or o.day < start:
                continue
            p = self._positivity(o, a)
            if p is not None:
                results.append((o, p))
                if not node.any_result:
                    break
        what = f"{a.specimen + ' ' if a.specimen else ''}{a.label}"
        if not results:
            return self._absent(f"{what} result {node.window.describe()} "
                                f"{self.as_of.isoformat()}",
                                self.missing_phrase(what, node.window))

        def ev(o: Observation, p: bool) -> Evidence:
            return Evidence(o.reference, "positive" if p else "negative", None, _iso(o.day))

        positives = [(o, p) for o, p in results if p]
        if node.any_result and positives:
            o, p = positives[0]
            return BoolOut(MET, f"{a.label} positive on {_iso(o.day)}", [ev(o, p)])
        if node.any_result:
            return BoolOut(NOT_MET, f"{len(results)} {a.label} result(s), none positive",
                           [ev(o, p) for o, p in results])
        o, p = results[0]
        return BoolOut(Verdict.of(p), f"{a.label} {'positive' if p else 'negative'} on "
                       f"{_iso(o.day)}", [ev(o, p)])

    # -- history: conditions, drugs, allergies, trials ------------------------------------
    def _cond_evidence(self, c: Any, entry: ValueSetEntry) -> Evidence:
        return Evidence(c.reference, _display(c.codings, entry), None, _iso(c.onset_lo))

    def _b_HasCondition(self, node: n.HasCondition, path: str) -> BoolOut:
        title = self.ctx.valueset(node.valueset).title or node.valueset
        hits = []
        excepted = []
        for c, entry in self.ctx.conditions(node.valueset):
            if node.current and c.clinical_status not in (None, "active", "recurrence",
                                                           "relapse"):
                continue
            if (node.unless and node.ended_before and c.abatement is not None
                    and self.ctx.valueset(node.unless).match(c.codings) is not None
                    and c.abatement < window_start(node.ended_before, self.as_of)):
                # "disease-free for more than N years": ended strictly before as-of − N
                excepted.append(f"{_display(c.codings, entry)} ended "
                                f"{c.abatement.isoformat()}, disease-free since")
                continue
            hits.append((c, entry))
        if hits:
            names = ", ".join(f"{_display(c.codings, e)} ({c.reference})" for c, e in hits)
            return BoolOut(MET, f"{title}: {names}", [self._cond_evidence(c, e) for c, e in hits])
        text = f"no matching {'current ' if node.current else ''}{title} record"
        if excepted:
            text += f" (excepted: {'; '.join(excepted)})"
        return BoolOut(NOT_MET, text)

    def _b_DiagnosedBefore(self, node: n.DiagnosedBefore, path: str) -> BoolOut:
        title = self.ctx.valueset(node.valueset).title or node.valueset
        cutoff = window_start(node.window, self.as_of)
        found = self.ctx.conditions(node.valueset)
        if not found:
            return BoolOut(NOT_MET, f"no {title} diagnosis in the record")
        undated = []
        for c, e in found:
            if c.onset_hi is not None and c.onset_hi <= cutoff:
                return BoolOut(MET, f"{title} since {_iso(c.onset_lo)} (on or before "
                               f"{cutoff.isoformat()})", [self._cond_evidence(c, e)])
            if c.onset_lo is None or c.onset_lo <= cutoff:
                undated.append((c, e))
        if undated:
            return BoolOut(UNKNOWN, f"{title} diagnosis without a precise onset date",
                           [self._cond_evidence(c, e) for c, e in undated],
                           [f"onset date of the {title} diagnosis"])
        return BoolOut(NOT_MET, f"{title} diagnosed after {cutoff.isoformat()}",
                       [self._cond_evidence(c, e) for c, e in found])

    def _b_ConditionNear(self, node: n.ConditionNear, path: str) -> BoolOut:
        title = self.ctx.valueset(node.valueset).title or node.valueset
        anchor_title = self.ctx.valueset(node.anchor).title or node.anchor
        targets = self.ctx.conditions(node.valueset)
        anchors = self.ctx.conditions(node.anchor)
        if not targets or not anchors:
            return BoolOut(NOT_MET, f"no {title if not targets else anchor_title} record")
        dated = [c.onset_lo for c, _ in anchors if c.onset_lo is not None]
        if len(dated) < len(anchors) and not dated:
            return BoolOut(UNKNOWN, f"{anchor_title} without an onset date", [],
                           [f"onset date of {anchor_title}"])
        first = min(dated)
        months = node.window.n * (12 if node.window.unit == "years" else 1)
        lo = minus_months(first, months)
        hi = minus_months(first, -months)
        unsure = []
        for c, e in targets:
            if c.onset_lo is None or c.onset_hi is None:
                unsure.append((c, e))
                continue
            if lo <= c.onset_lo and c.onset_hi <= hi:
                return BoolOut(MET, f"{_display(c.codings, e)} on {_iso(c.onset_lo)}, within "
                               f"{node.window.n} {node.window.unit} of {anchor_title} onset "
                               f"{first.isoformat()}", [self._cond_evidence(c, e)])
            if c.onset_lo <= hi and c.onset_hi >= lo:
                unsure.append((c, e))
        if unsure:
            return BoolOut(UNKNOWN, f"{title} without a precise onset date",
                           [self._cond_evidence(c, e) for c, e in unsure],
                           [f"onset date of {title}"])
        return BoolOut(NOT_MET, f"no {title} within {node.window.n} {node.window.unit} of "
                       f"{anchor_title} onset {first.isoformat()}")

    def _b_UsedDrug(self, node: n.UsedDrug, path: str) -> BoolOut:
        title = self.ctx.valueset(node.valueset).title or node.valueset
        uses = self.ctx.medications(node.valueset)
        if not uses:
            return BoolOut(NOT_MET, f"no {title} in the record")
        m, entry = min(uses, key=lambda u: u[0].start)
        return BoolOut(MET, f"{title}: {self._drug(m, entry)} from {m.start.isoformat()}",
                       [Evidence(u.reference, self._drug(u, e), None, u.start.isoformat())
                        for u, e in uses])

    def _b_HasAllergy(self, node: n.HasAllergy, path: str) -> BoolOut:
        hits = []
        for al in self.ctx.record.allergies:
            if node.severe:
                if al.criticality == "high" or al.severe_reaction:
                    hits.append(al)
            elif node.valueset and self.ctx.valueset(node.valueset).match(al.codings):
                hits.append(al)
        what = "severe allergy" if node.severe else \
            f"allergy to {self.ctx.valueset(node.valueset or '').title or node.valueset}"
        if not hits:
            return BoolOut(NOT_MET, f"no {what} in the record")
        return BoolOut(MET, f"{what}: " + ", ".join(_display(a.codings) for a in hits),
                       [Evidence(a.reference, _display(a.codings)) for a in hits])

    def _b_TrialParticipation(self, node: n.TrialParticipation, path: str) -> BoolOut:
        start = window_start(node.window, self.as_of)
        unsure = []
        for rs in self.ctx.record.research_subjects:
            if rs.start is None and rs.end is None:
                unsure.append(rs)
                continue
            if (rs.start is None or rs.start <= self.as_of) and (rs.end is None
                                                                 or rs.end >= start):
                return BoolOut(MET, f"trial participation {rs.reference} from "
                               f"{_iso(rs.start)} to {_iso(rs.end) or 'ongoing'}",
                               [Evidence(rs.reference, rs.status, None, _iso(rs.start))])
        if unsure:
            return BoolOut(UNKNOWN, "trial participation without dates",
                           [Evidence(rs.reference, rs.status) for rs in unsure],
                           [f"dates of participation in {rs.reference}" for rs in unsure])
        return BoolOut(NOT_MET, f"no trial participation {node.window.describe()} "
                       f"{self.as_of.isoformat()}")
