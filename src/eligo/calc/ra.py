"""Rheumatoid arthritis disease activity: DAS28-ESR and CDAI."""

from __future__ import annotations

import math

from eligo.calc.base import Band, Calculator, Input

__all__ = ["CDAI", "DAS28_ESR"]

_JOINTS = {"low": 0, "high": 28, "integer": True}


def _das28_esr(tjc28: float, sjc28: float, esr: float, ptga: float) -> tuple[float, str]:
    ptga_mm = ptga * 10  # eligo stores global assessments on 0–10; DAS28 wants 0–100 mm
    value = (0.56 * math.sqrt(tjc28) + 0.28 * math.sqrt(sjc28) + 0.70 * math.log(esr)
             + 0.014 * ptga_mm)
    return value, f"0.56√{tjc28:g} + 0.28√{sjc28:g} + 0.70 ln {esr:g} + 0.014 × {ptga_mm:g} mm"


DAS28_ESR = Calculator(
    name="das28-esr",
    title="DAS28-ESR",
    citation="Prevoo MLL et al. Arthritis Rheum 1995;38:44-48",
    unit=None,
    inputs=(
        Input("tjc28", "tender joint count (28)", **_JOINTS),  # type: ignore[arg-type]
        Input("sjc28", "swollen joint count (28)", **_JOINTS),  # type: ignore[arg-type]
        Input("esr", "ESR", "mm/h", low=0, high=200, low_exclusive=True),
        Input("ptga", "patient global assessment (0–10)", low=0, high=10),
    ),
    formula=_das28_esr,
    bands=(Band("remission", high=2.6, high_inclusive=False),
           Band("low", low=2.6, low_inclusive=True, high=3.2),
           Band("moderate", low=3.2, high=5.1),
           Band("high", low=5.1)),
)


def _cdai(tjc28: float, sjc28: float, ptga: float, phga: float) -> tuple[float, str]:
    value = sjc28 + tjc28 + ptga + phga
    return value, f"SJC28 {sjc28:g} + TJC28 {tjc28:g} + PtGA {ptga:g} + PhGA {phga:g}"


CDAI = Calculator(
    name="cdai",
    title="Clinical Disease Activity Index",
    citation="Aletaha D et al. Arthritis Res Ther 2005;7:R796-806",
    unit=None,
    inputs=(
        Input("tjc28", "tender joint count (28)", **_JOINTS),  # type: ignore[arg-type]
        Input("sjc28", "swollen joint count (28)", **_JOINTS),  # type: ignore[arg-type]
        Input("ptga", "patient global assessment (0–10)", low=0, high=10),
        Input("phga", "physician global assessment (0–10)", low=0, high=10),
    ),
    formula=_cdai,
    bands=(Band("remission", high=2.8),
           Band("low", low=2.8, high=10),
           Band("moderate", low=10, high=22),
           Band("high", low=22)),
)
