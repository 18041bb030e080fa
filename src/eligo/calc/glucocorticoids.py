"""Systemic glucocorticoids: prednisone-equivalent daily dose, and per kg of body weight.

Equivalents as fixed by SPEC §2.9: prednisone 5 mg = prednisolone 5 = methylprednisolone 4 =
triamcinolone 4 = hydrocortisone 20 = cortisone 25 = dexamethasone 0.75 = betamethasone 0.6 =
deflazacort 6.
"""

from __future__ import annotations

from eligo.calc.base import Calculator, Input

__all__ = ["EQUIVALENT_MG", "PREDNISONE_EQUIVALENT", "PREDNISONE_EQUIVALENT_PER_KG",
           "prednisone_mg_per_mg"]

#: mg of each drug equivalent to 5 mg prednisone (SPEC §2.9)
EQUIVALENT_MG: dict[str, float] = {
    "prednisone": 5, "prednisolone": 5, "methylprednisolone": 4, "triamcinolone": 4,
    "hydrocortisone": 20, "cortisone": 25, "dexamethasone": 0.75, "betamethasone": 0.6,
    "deflazacort": 6,
}

_CITATION = ("Anti-inflammatory equivalents as fixed by SPEC §2.9 (Meikle AW, Tyler FH. Am J Med "
             "1977;63:200-7; deflazacort 6 mg = prednisolone 5 mg: British National Formulary)")


def prednisone_mg_per_mg(drug: str) -> float:
    """Prednisone-equivalent mg per 1 mg of ``drug``."""
    return 5 / EQUIVALENT_MG[drug]


def _daily(drug: str, dose: float, doses_per_day: float) -> tuple[float, str]:
    equivalent = EQUIVALENT_MG[drug]
    daily = dose * doses_per_day * 5 / equivalent
    per = f" × {doses_per_day:g}/day" if doses_per_day != 1 else "/day"
    if drug == "prednisone":
        return daily, f"prednisone {dose:g} mg{per}"
    return daily, (f"{drug} {dose:g} mg{per} × (prednisone 5 mg ÷ {drug} {equivalent:g} mg)")


def _prednisone_equivalent(drug: str, dose: float, doses_per_day: float = 1.0,
                           weight: float | None = None
                           ) -> tuple[float, str, dict[str, object]]:
    daily, text = _daily(drug, dose, doses_per_day)
    text = f"{text} = {daily:.4g} mg/day prednisone-equivalent"
    details: dict[str, object] = {}
    if weight is not None:
        per_kg = daily / weight
        details["mg_per_kg_per_day"] = per_kg
        text += f"; ÷ {weight:g} kg = {per_kg:.3g} mg/kg/day"
    return daily, text, details


def _per_kg(drug: str, dose: float, weight: float, doses_per_day: float = 1.0
            ) -> tuple[float, str, dict[str, object]]:
    daily, text = _daily(drug, dose, doses_per_day)
    per_kg = daily / weight
    return per_kg, (f"{text} = {daily:.4g} mg/day prednisone-equivalent ÷ {weight:g} kg"), {
        "mg_per_day": daily}


def _inputs(weight_required: bool) -> tuple[Input, ...]:
    weight_label = "body weight" + ("" if weight_required else " (optional: adds mg/kg/day)")
    return (
        Input("drug", "systemic glucocorticoid", kind="choice", choices=tuple(EQUIVALENT_MG)),
        Input("dose", "dose of the drug per administration", "mg", low=0, high=5000,
              low_exclusive=True),
        Input("doses_per_day", "administrations per day (default 1)", low=0, high=24,
              low_exclusive=True, required=False),
        Input("weight", weight_label, "kg", low=0, high=500, low_exclusive=True,
              required=weight_required),
    )


PREDNISONE_EQUIVALENT = Calculator(
    name="prednisone-equivalent",
    title="Prednisone-equivalent daily glucocorticoid dose",
    citation=_CITATION,
    unit="mg/d",
    inputs=_inputs(weight_required=False),
    formula=_prednisone_equivalent,
    description="Daily dose of a systemic glucocorticoid in prednisone-equivalent mg "
                "(and mg/kg/day when the weight is given).",
)

PREDNISONE_EQUIVALENT_PER_KG = Calculator(
    name="prednisone-equivalent-per-kg",
    title="Prednisone-equivalent daily glucocorticoid dose per kg",
    citation=_CITATION,
    unit="mg/kg/d",
    inputs=_inputs(weight_required=True),
    formula=_per_kg,
    description="Daily dose of a systemic glucocorticoid in prednisone-equivalent mg per kg "
                "of body weight.",
)
