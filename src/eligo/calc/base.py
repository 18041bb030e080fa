"""What every calculator is: typed inputs in explicit units with valid ranges, a citation, and
a result that records the inputs it used and the arithmetic.

A calculator is data plus one pure function. ``compute`` validates every input (naming the
offending one) and calls the function. Scores that are sums of items can also be bounded when
some items are unknown (``bounds``): the interpreter uses that to decide "≥ 4" or "< 4" before
every component is known, and to say "not met" only when the complete set scores lower.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from eligo.errors import EligoError

__all__ = [
    "Band",
    "CalcInputError",
    "Calculation",
    "Calculator",
    "Input",
]

Value = float | bool | str


class CalcInputError(EligoError):
    """An input is missing, out of its valid range, or of the wrong kind."""

    def __init__(self, calculator: str, input: str, message: str) -> None:
        self.calculator = calculator
        self.input = input
        self.message = message
        super().__init__(f"{calculator}: {input}: {message}")


@dataclass(frozen=True, slots=True)
class Input:
    name: str  # identifier, also the rule-language argument name: "tjc28"
    label: str  # "tender joint count (28 joints)"
    unit: str | None = None  # UCUM unit the function receives; None: unitless/boolean/choice
    kind: Literal["number", "boolean", "choice"] = "number"
    low: float | None = None  # valid range, inclusive
    high: float | None = None
    low_exclusive: bool = False  # e.g. ESR > 0
    integer: bool = False
    choices: tuple[str, ...] = ()
    required: bool = True
    default: Value | None = None

    def check(self, calculator: str, value: Any) -> Value:
        """The value, validated; raises CalcInputError naming this input."""
        if self.kind == "boolean":
            if isinstance(value, bool):
                return value
            raise CalcInputError(calculator, self.name, f"expected yes/no, got {value!r}")
        if self.kind == "choice":
            if value in self.choices:
                return str(value)
            raise CalcInputError(calculator, self.name,
                                 f"expected one of {', '.join(self.choices)}, got {value!r}")
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise CalcInputError(calculator, self.name, f"expected a number, got {value!r}")
        v = float(value)
        if self.integer and v != int(v):
            raise CalcInputError(calculator, self.name, f"expected a whole number, got {v:g}")
        if self.low is not None and (v < self.low or (self.low_exclusive and v == self.low)):
            op = ">" if self.low_exclusive else "≥"
            unit = self._unit_text()
            raise CalcInputError(calculator, self.name,
                                 f"{v:g}{unit} is out of range (must be {op} {self.low:g}{unit})")
        if self.high is not None and v > self.high:
            unit = self._unit_text()
            raise CalcInputError(calculator, self.name,
                                 f"{v:g}{unit} is out of range (must be ≤ {self.high:g}{unit})")
        return v

    def _unit_text(self) -> str:
        return f" {self.unit}" if self.unit and self.unit != "1" else ""


@dataclass(frozen=True, slots=True)
class Band:
    """An activity band: ``low < value ≤ high`` unless ``low_inclusive`` (labels as published)."""

    label: str
    low: float = -math.inf
    high: float = math.inf
    low_inclusive: bool = False
    high_inclusive: bool = True

    def contains(self, v: float) -> bool:
        above = v >= self.low if self.low_inclusive else v > self.low
        below = v <= self.high if self.high_inclusive else v < self.high
        return above and below


@dataclass(frozen=True, slots=True)
class Calculation:
    calculator: str
    value: float
    unit: str | None
    arithmetic: str  # the formula with the patient's numbers: "SJC28 4 + TJC28 5 + … = 14"
    inputs: Mapping[str, Value]
    citation: str
    band: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)  # e.g. subgroup, probability

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"calculator": self.calculator, "value": self.value,
                               "unit": self.unit, "inputs": dict(self.inputs),
                               "arithmetic": self.arithmetic, "citation": self.citation}
        if self.band is not None:
            out["band"] = self.band
        if self.details:
            out["details"] = dict(self.details)
        return out


#: the pure function: validated inputs → (value, arithmetic text[, details])
Formula = Callable[..., tuple[float, str] | tuple[float, str, Mapping[str, Any]]]
#: for sums of items: known inputs (None = unknown) → (lowest, highest) possible value
Bounds = Callable[[Mapping[str, Value | None]], tuple[float, float]]


@dataclass(frozen=True)
class Calculator:
    name: str  # CLI name: "cockcroft-gault"; the rule language uses underscores
    title: str
    citation: str
    unit: str | None
    inputs: tuple[Input, ...]
    formula: Formula
    bands: tuple[Band, ...] = ()
    bounds: Bounds | None = None
    description: str = ""

    @property
    def rule_name(self) -> str:
        return self.name.replace("-", "_")

    def input(self, name: str) -> Input:
        for i in self.inputs:
            if i.name == name:
                return i
        raise KeyError(name)

    @cached_property
    def _names(self) -> frozenset[str]:
        return frozenset(i.name for i in self.inputs)

    def band_of(self, value: float) -> str | None:
        return next((b.label for b in self.bands if b.contains(value)), None)

    def compute(self, **values: Any) -> Calculation:
        checked = self._checked(values)
        out = self.formula(**checked)
        value, text = out[0], out[1]
        details = out[2] if len(out) > 2 else {}
        return Calculation(self.name, value, self.unit, text, checked, self.citation,
                           self.band_of(value), details)

    def value(self, values: Mapping[str, Any]) -> float:
        """What :meth:`compute` returns as ``value``, without the rest of the
        :class:`Calculation` (population screening calls this per person)."""
        return self.formula(**self._checked(values))[0]

    def hull(self, values: Mapping[str, Any]) -> tuple[float, float] | None:
        """The lowest and highest value when the only unknown inputs (None) are yes/no ones
        — Cockcroft–Gault without the patient's sex lies between the female and the male
        value — else None (a number unknown, or an input invalid)."""
        open_ = [k for k, v in values.items() if v is None]
        kinds = {i.name: i.kind for i in self.inputs}
        if not open_ or any(kinds.get(k) != "boolean" for k in open_):
            return None
        found = []
        for choice in itertools.product((False, True), repeat=len(open_)):
            try:
                found.append(self.value({**values, **dict(zip(open_, choice, strict=True))}))
            except CalcInputError:
                return None
        return min(found), max(found)

    def _checked(self, values: Mapping[str, Any]) -> dict[str, Value]:
        """The inputs validated (CalcInputError names the one that is not)."""
        checked: dict[str, Value] = {}
        for inp in self.inputs:
            if inp.name in values and values[inp.name] is not None:
                checked[inp.name] = inp.check(self.name, values[inp.name])
            elif inp.default is not None:
                checked[inp.name] = inp.default
            elif inp.required:
                raise CalcInputError(self.name, inp.name, "missing")
        unknown = values.keys() - self._names
        if unknown:
            raise CalcInputError(self.name, sorted(unknown)[0], "not an input of this calculator")
        return checked
