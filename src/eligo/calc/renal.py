"""Renal function: Cockcroft–Gault creatinine clearance.

The protocol's choice is actual body weight, the default. A protocol may select another weight
with ``weight_basis`` (these need ``height``):

- ``ideal``: Devine ideal body weight, 50 kg (men) or 45.5 kg (women) + 2.3 kg per inch over
  60 inches (below 60 inches the same line is followed down);
- ``adjusted``: ideal + 0.4 × (actual − ideal);
- ``bmi-adjusted``: actual weight if BMI < 18.5 kg/m², the lower of ideal and actual if
  BMI < 25, adjusted otherwise (Winter MA et al. Pharmacotherapy 2012;32:604-12; the rule
  MedCalc-Bench and MDCalc use).
"""

from __future__ import annotations

from eligo.calc.base import CalcInputError, Calculator, Input

__all__ = ["COCKCROFT_GAULT", "WEIGHT_BASES", "dosing_weight"]

_NAME = "cockcroft-gault"
_CITATION = ("Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine. "
             "Nephron 1976;16:31-41; ideal body weight: Devine BJ. Drug Intell Clin Pharm "
             "1974;8:650-5; BMI-adjusted weight: Winter MA et al. Pharmacotherapy "
             "2012;32:604-12")

WEIGHT_BASES = ("actual", "ideal", "adjusted", "bmi-adjusted")
_CM_PER_INCH = 2.54


def dosing_weight(basis: str, weight: float, height: float | None, female: bool
                  ) -> tuple[float, str, dict[str, float]]:
    """The weight Cockcroft–Gault uses, why (text) and the intermediate values."""
    if basis == "actual":
        return weight, "", {}
    if height is None:
        raise CalcInputError(_NAME, "height", f"missing (needed for weight basis '{basis}')")
    inches = height / _CM_PER_INCH
    base = 45.5 if female else 50.0
    ideal = base + 2.3 * (inches - 60)
    if ideal <= 0:
        raise CalcInputError(_NAME, "height",
                             f"{height:g} cm is too short for the ideal-body-weight formula")
    ideal_text = (f"ideal weight {base:g} kg + 2.3 kg × ({height:g} cm ÷ 2.54 − 60 in) "
                  f"= {ideal:.4g} kg")
    adjusted = ideal + 0.4 * (weight - ideal)
    adjusted_text = (f"adjusted weight {ideal:.4g} kg + 0.4 × ({weight:g} kg − {ideal:.4g} kg) "
                     f"= {adjusted:.4g} kg")
    values = {"ideal_weight": ideal, "adjusted_weight": adjusted}
    if basis == "ideal":
        return ideal, f"weight basis ideal: {ideal_text}", values
    if basis == "adjusted":
        return adjusted, f"weight basis adjusted: {ideal_text}; {adjusted_text}", values
    bmi = weight / (height / 100) ** 2
    values["bmi"] = bmi
    bmi_text = f"BMI {weight:g} kg ÷ ({height / 100:g} m)² = {bmi:.3g} kg/m²"
    if bmi < 18.5:
        why = f"{bmi_text} < 18.5 → actual weight {weight:g} kg"
        used = weight
    elif bmi < 25:
        used = min(ideal, weight)
        which = "ideal" if ideal < weight else "actual"
        why = (f"{bmi_text} (18.5 to < 25) → the lower of ideal and actual weight: "
               f"{ideal_text}, actual {weight:g} kg → {which} {used:.4g} kg")
    else:
        used = adjusted
        why = f"{bmi_text} ≥ 25 → adjusted weight: {ideal_text}; {adjusted_text}"
    return used, f"weight basis bmi-adjusted: {why}", values


def _cockcroft_gault(age: float, weight: float, creatinine: float, female: bool,
                     weight_basis: str = "actual", height: float | None = None,
                     **_: object) -> tuple[float, str, dict[str, object]]:
    used, why, values = dosing_weight(weight_basis, weight, height, female)
    value = (140 - age) * used / (72 * creatinine)
    sex = ""
    if female:
        value *= 0.85
        sex = " × 0.85"
    text = f"(140 − {age:g}) × {used:.4g} kg ÷ (72 × {creatinine:.4g} mg/dL){sex}"
    if why:
        text = f"{why}; {text}"
    details: dict[str, object] = {}
    if weight_basis != "actual":
        details = {"weight_basis": weight_basis, "weight_used": used, **values}
    return value, text, details


COCKCROFT_GAULT = Calculator(
    name=_NAME,
    title="Cockcroft–Gault creatinine clearance (actual body weight)",
    citation=_CITATION,
    unit="mL/min",
    inputs=(
        Input("age", "age", "a", low=0, high=130),
        Input("weight", "body weight", "kg", low=0, high=500, low_exclusive=True),
        Input("creatinine", "serum creatinine", "mg/dL", low=0, high=40, low_exclusive=True),
        Input("female", "female sex", kind="boolean"),
        Input("weight_basis", "weight used: actual (default), ideal, adjusted or bmi-adjusted",
              kind="choice", choices=WEIGHT_BASES, required=False),
        Input("height", "height (needed unless the weight basis is actual)", "cm", low=30,
              high=280, required=False),
    ),
    formula=_cockcroft_gault,
    description="Creatinine clearance (mL/min) from age, weight, serum creatinine and sex; "
                "actual body weight unless a weight basis is chosen.",
)
