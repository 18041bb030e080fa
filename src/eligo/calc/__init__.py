"""Clinical calculators: small pure functions with their citations.

The interpreter calls these by the name a rule gives (``cockcroft_gault(...)``); the IR only
names them. Inputs are in the units stated.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["CALCULATORS", "Calculation", "cdai", "cockcroft_gault", "das28_esr"]


@dataclass(frozen=True, slots=True)
class Calculation:
    value: float
    arithmetic: str  # the formula with the patient's numbers, for the explanation
    citation: str


def cockcroft_gault(age: float, weight: float, creatinine: float, female: bool) -> Calculation:
    """Creatinine clearance (mL/min) with actual body weight.

    Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine.
    Nephron 1976;16:31-41. Age in years, weight in kg, serum creatinine in mg/dL.

    >>> round(cockcroft_gault(50, 48, 1.0, False).value, 6)
    60.0
    """
    if creatinine <= 0:
        raise ValueError("creatinine must be > 0 mg/dL")
    value = (140 - age) * weight / (72 * creatinine)
    sex = ""
    if female:
        value *= 0.85
        sex = " × 0.85"
    text = f"(140 − {age:g}) × {weight:.4g} kg ÷ (72 × {creatinine:.4g} mg/dL){sex}"
    return Calculation(value, text, "Cockcroft & Gault, Nephron 1976;16:31-41")


def das28_esr(tjc28: float, sjc28: float, esr: float, ptga: float) -> Calculation:
    """DAS28-ESR = 0.56√TJC28 + 0.28√SJC28 + 0.70 ln ESR + 0.014 × PtGA (mm, 0–100).

    Prevoo MLL et al. Arthritis Rheum 1995;38:44-48. ``ptga`` is on the 0–10 scale eligo
    stores and is read as 10 × mm here.
    """
    if esr <= 0:
        raise ValueError("ESR must be > 0 mm/h")
    ptga_mm = ptga * 10
    value = 0.56 * math.sqrt(tjc28) + 0.28 * math.sqrt(sjc28) + 0.70 * math.log(esr)
    value += 0.014 * ptga_mm
    text = (f"0.56√{tjc28:g} + 0.28√{sjc28:g} + 0.70 ln {esr:g} + 0.014 × {ptga_mm:g} mm")
    return Calculation(value, text, "Prevoo et al., Arthritis Rheum 1995;38:44-48")


def cdai(tjc28: float, sjc28: float, ptga: float, phga: float) -> Calculation:
    """CDAI = SJC28 + TJC28 + PtGA + PhGA (globals on 0–10).

    Aletaha D et al. Arthritis Res Ther 2005;7:R796-806.
    """
    value = sjc28 + tjc28 + ptga + phga
    text = f"SJC28 {sjc28:g} + TJC28 {tjc28:g} + PtGA {ptga:g} + PhGA {phga:g}"
    return Calculation(value, text, "Aletaha et al., Arthritis Res Ther 2005;7:R796-806")


CALCULATORS: dict[str, Callable[..., Calculation]] = {
    "cockcroft_gault": cockcroft_gault,
    "das28_esr": das28_esr,
    "cdai": cdai,
}
