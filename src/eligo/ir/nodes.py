"""The typed, frozen intermediate representation of a protocol's rules.

A node says *what* ("the latest value of analyte X in window W, compared to 3 × ULN"), never
*how*: no Python callables, no FHIR. The interpreter and, later, the SQL compiler dispatch on
the node's class. Every node is hashable and immutable; builders in :mod:`eligo.protocol.rules`
check arity and types, so an ill-typed tree is never built.

Types: a node is either *boolean* (evaluates to a verdict) or *numeric* (evaluates to a
number, possibly only known to lie in an interval, with a unit). :func:`result_type` tells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal as Lit
from typing import TypeAlias

__all__ = [
    "Age",
    "Analyte",
    "And",
    "AnyMeasured",
    "AtLeast",
    "Attested",
    "BoolExpr",
    "Calc",
    "Change",
    "Choice",
    "Coalesce",
    "Compare",
    "ConditionNear",
    "CriterionRef",
    "CurrentDoseStretch",
    "DiagnosedBefore",
    "DistinctGroups",
    "Equivalence",
    "Expr",
    "Extremum",
    "FirstKnown",
    "HasAllergy",
    "HasCondition",
    "Implies",
    "Latest",
    "LongestExposure",
    "MaxDailyDosePerKg",
    "Not",
    "NumExpr",
    "Number",
    "Or",
    "Positive",
    "Sex",
    "TimesUln",
    "TrialParticipation",
    "UsedDrug",
    "Window",
    "result_type",
]

Op: TypeAlias = Lit["<", "<=", ">", ">=", "==", "!="]


@dataclass(frozen=True, slots=True)
class Window:
    """A look-back from the as-of date: the last ``n`` days/months/years, both ends included."""

    unit: Lit["days", "months", "years", "ever"]
    n: int = 0
    label: str | None = None  # "screening window", for explanations

    def describe(self) -> str:
        if self.unit == "ever":
            return "on or before"
        n = self.n
        word = self.unit if n != 1 else self.unit[:-1]
        return f"within {n} {word} before"


@dataclass(frozen=True, slots=True)
class Equivalence:
    """``factor`` × (a value in ``from_unit``) = the same amount in ``to_unit``.

    For conversions pint cannot know: mass ↔ molar concentration of one analyte
    (creatinine 1 mg/dL = 88.42 µmol/L), or a 0–100 mm visual analogue scale read as 0–10.
    """

    from_unit: str
    to_unit: str
    factor: float


@dataclass(frozen=True, slots=True)
class Analyte:
    """Something measured: the value sets that code it, its criterion unit, how to name it."""

    name: str
    label: str
    valuesets: tuple[str, ...]
    unit: str | None = None  # UCUM; None = unitless or qualitative
    equivalences: tuple[Equivalence, ...] = ()
    positive_above: float | None = None  # quantitative → positive when above (else ref. high)
    positive_above_unit: str | None = None
    specimen: str | None = None  # words for "missing" ("serum")


# ---- numeric nodes ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    unit: str | None = None
    text: str = ""  # as written in the protocol, for explanations


@dataclass(frozen=True, slots=True)
class Age:
    """Whole years completed at the as-of date."""


@dataclass(frozen=True, slots=True)
class Latest:
    """The most recent usable value of ``analyte`` inside ``window`` (SPEC §1 screening value).

    With ``free_of`` set, samples taken within ``free_days`` days after an exposure to a drug of
    that value set (the sample day included) are not evidence (SPEC `inc.anc`).
    """

    analyte: Analyte
    window: Window
    free_of: str | None = None
    free_days: int = 0


@dataclass(frozen=True, slots=True)
class Extremum:
    """The highest (or lowest) usable value of ``analyte`` in the window — "the worse eye",
    "the largest joint count ever recorded" for classification criteria."""

    analyte: Analyte
    window: Window
    highest: bool


@dataclass(frozen=True, slots=True)
class Change:
    """Change between the latest value (in ``latest``) and a baseline: the earliest value in
    ``baseline`` before that latest value, at least one day earlier. Relative changes are in %."""

    analyte: Analyte
    latest: Window
    baseline: Window
    relative: bool


@dataclass(frozen=True, slots=True)
class LongestExposure:
    """Days of exposure (union of periods, inclusive) of the single drug of the value set with
    the longest exposure — switching drugs does not add up (SPEC §2.8)."""

    valueset: str


@dataclass(frozen=True, slots=True)
class MaxDailyDosePerKg:
    """The highest daily dose at any time, in prednisone-equivalent mg per kg (SPEC §2.9)."""

    valueset: str
    weight: Analyte


@dataclass(frozen=True, slots=True)
class CurrentDoseStretch:
    """Days of the current, unbroken exposure at a daily dose ≥ ``min_dose`` (prednisone-
    equivalent mg/day) that reaches the as-of date; 0 when none is current."""

    valueset: str
    min_dose: Number


@dataclass(frozen=True, slots=True)
class DistinctGroups:
    """How many distinct values of ``attribute`` the drugs ever used carry (e.g. mechanisms)."""

    valueset: str
    attribute: str


@dataclass(frozen=True, slots=True)
class Choice:
    """A calculator option chosen in the protocol (``weight_basis=ideal``)."""

    value: str


@dataclass(frozen=True, slots=True)
class Calc:
    """A named clinical calculator applied to named numeric or boolean arguments."""

    name: str
    args: tuple[tuple[str, Expr | Choice], ...]
    unit: str | None


@dataclass(frozen=True, slots=True)
class TimesUln:
    """A measured value as a multiple of its own upper limit of normal (unitless)."""

    measure: Latest


@dataclass(frozen=True, slots=True)
class Coalesce:
    """The first of its items whose value is known (recorded score, else computed)."""

    items: tuple[NumExpr, ...]


# ---- boolean nodes ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[BoolExpr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[BoolExpr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: BoolExpr


@dataclass(frozen=True, slots=True)
class Implies:
    condition: BoolExpr
    consequence: BoolExpr


@dataclass(frozen=True, slots=True)
class AtLeast:
    k: int
    items: tuple[BoolExpr, ...]


@dataclass(frozen=True, slots=True)
class FirstKnown:
    """The first verdict that is not unknown: an attestation decides when present, else the
    computed score (SPEC §4.2 classification criteria)."""

    items: tuple[BoolExpr, ...]


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right``; when ``uln`` is set, right is ``right × ULN`` of left's measurement."""

    left: NumExpr
    op: Op
    right: NumExpr
    uln: bool = False


@dataclass(frozen=True, slots=True)
class AnyMeasured:
    """Met if any comparison is met; not_met if at least one was measured and none is met;
    unknown if nothing was measured (or a measured one is undecidable and none is met)."""

    items: tuple[Compare, ...]


@dataclass(frozen=True, slots=True)
class Attested:
    """An investigator's attestation (SPEC §2.10); absent → the criterion's absent rule."""

    code: str
    question: str


@dataclass(frozen=True, slots=True)
class Sex:
    value: Lit["male", "female"]


@dataclass(frozen=True, slots=True)
class Positive:
    """A qualitative result is positive (SPEC §2.7) — of the latest result in the window, or,
    with ``any_result``, of any result in it."""

    analyte: Analyte
    window: Window
    any_result: bool = False


@dataclass(frozen=True, slots=True)
class HasCondition:
    """A Condition of the value set exists (onset on or before as-of). ``current`` requires an
    active clinical status. A condition in ``unless`` whose end lies strictly more than
    ``ended_before`` before the as-of date does not count. History is closed (SPEC §2.2)."""

    valueset: str
    current: bool = False
    unless: str | None = None
    ended_before: Window | None = None


@dataclass(frozen=True, slots=True)
class DiagnosedBefore:
    """Some Condition of the value set has onset on or before as-of − ``window``."""

    valueset: str
    window: Window


@dataclass(frozen=True, slots=True)
class ConditionNear:
    """A Condition of ``valueset`` with onset within ``window`` either side of the earliest
    onset of a Condition of ``anchor``."""

    valueset: str
    anchor: str
    window: Window


@dataclass(frozen=True, slots=True)
class UsedDrug:
    """Any exposure to a drug of the value set, ever (on or before as-of)."""

    valueset: str


@dataclass(frozen=True, slots=True)
class HasAllergy:
    """An AllergyIntolerance to a substance of the value set; with ``severe``, any allergy of
    high criticality or with a severe reaction (``valueset`` may then be None)."""

    valueset: str | None
    severe: bool = False


@dataclass(frozen=True, slots=True)
class TrialParticipation:
    """A ResearchSubject whose period overlaps the window."""

    window: Window


@dataclass(frozen=True, slots=True)
class CriterionRef:
    """The verdict of another criterion of the same protocol."""

    id: str


NumExpr: TypeAlias = (
    Number
    | Age
    | Latest
    | Extremum
    | Change
    | LongestExposure
    | MaxDailyDosePerKg
    | CurrentDoseStretch
    | DistinctGroups
    | Calc
    | Coalesce
    | TimesUln
)
BoolExpr: TypeAlias = (
    And
    | Or
    | Not
    | Implies
    | AtLeast
    | Compare
    | AnyMeasured
    | Attested
    | Sex
    | Positive
    | HasCondition
    | DiagnosedBefore
    | ConditionNear
    | UsedDrug
    | HasAllergy
    | TrialParticipation
    | CriterionRef
    | FirstKnown
)
Expr: TypeAlias = NumExpr | BoolExpr

_NUMERIC = (
    Number,
    Age,
    Latest,
    Extremum,
    Change,
    LongestExposure,
    MaxDailyDosePerKg,
    CurrentDoseStretch,
    DistinctGroups,
    Calc,
    Coalesce,
    TimesUln,
)


def result_type(node: Expr) -> Lit["boolean", "numeric"]:
    return "numeric" if isinstance(node, _NUMERIC) else "boolean"
