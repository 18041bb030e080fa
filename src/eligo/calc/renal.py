"""Renal function: Cockcroft–Gault creatinine clearance."""

from __future__ import annotations

from eligo.calc.base import Calculator, Input

__all__ = ["COCKCROFT_GAULT"]

_CITATION = ("Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine. "
             "Nephron 1976;16:31-41")


def _cockcroft_gault(age: float, weight: float, creatinine: float, female: bool,
                     **_: object) -> tuple[float, str]:
    value = (140 - age) * weight / (72 * creatinine)
    sex = ""
    if female:
        value *= 0.85
        sex = " × 0.85"
    return value, f"(140 − {age:g}) × {weight:.4g} kg ÷ (72 × {creatinine:.4g} mg/dL){sex}"


COCKCROFT_GAULT = Calculator(
    name="cockcroft-gault",
    title="Cockcroft–Gault creatinine clearance (actual body weight)",
    citation=_CITATION,
    unit="mL/min",
    inputs=(
        Input("age", "age", "a", low=0, high=130),
        Input("weight", "body weight", "kg", low=0, high=500, low_exclusive=True),
        Input("creatinine", "serum creatinine", "mg/dL", low=0, high=40, low_exclusive=True),
        Input("female", "female sex", kind="boolean"),
    ),
    formula=_cockcroft_gault,
)
