"""Rheumatoid arthritis disease activity: DAS28-ESR, DAS28-CRP, CDAI and SDAI.

eligo stores global assessments on 0–10 (SPEC §3.2). The DAS28 formulas take the patient
global on the published 0–100 mm scale, so ``ptga`` (0–10) is multiplied by 10 there; CDAI and
SDAI add the 0–10 globals as they are.
"""

from __future__ import annotations

import math

from eligo.calc.base import Band, Calculator, Input

__all__ = ["CDAI", "DAS28_CRP", "DAS28_ESR", "SDAI"]

_JOINTS = {"low": 0, "high": 28, "integer": True}
_PTGA_DAS = "patient global assessment (0–10; × 10 for the DAS28's 0–100 mm)"
_PTGA = "patient global assessment (0–10)"
_PHGA = "physician global assessment (0–10)"

#: DAS28 activity bands (Prevoo 1995; van Gestel AM et al. Arthritis Rheum 1998;41:1845-50)
_DAS28_BANDS = (Band("remission", high=2.6, high_inclusive=False),
                Band("low", low=2.6, low_inclusive=True, high=3.2),
                Band("moderate", low=3.2, high=5.1),
                Band("high", low=5.1))


def _joints() -> tuple[Input, Input]:
    return (Input("tjc28", "tender joint count (28)", **_JOINTS),  # type: ignore[arg-type]
            Input("sjc28", "swollen joint count (28)", **_JOINTS))  # type: ignore[arg-type]


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
        *_joints(),
        Input("esr", "ESR", "mm/h", low=0, high=200, low_exclusive=True),
        Input("ptga", _PTGA_DAS, low=0, high=10),
    ),
    formula=_das28_esr,
    bands=_DAS28_BANDS,
    description="Disease Activity Score in 28 joints with ESR.",
)


def _das28_crp(tjc28: float, sjc28: float, crp: float, ptga: float) -> tuple[float, str]:
    ptga_mm = ptga * 10
    value = (0.56 * math.sqrt(tjc28) + 0.28 * math.sqrt(sjc28) + 0.36 * math.log(crp + 1)
             + 0.014 * ptga_mm + 0.96)
    return value, (f"0.56√{tjc28:g} + 0.28√{sjc28:g} + 0.36 ln ({crp:g} mg/L + 1) "
                   f"+ 0.014 × {ptga_mm:g} mm + 0.96")


DAS28_CRP = Calculator(
    name="das28-crp",
    title="DAS28-CRP",
    citation=("Wells G et al. Ann Rheum Dis 2009;68:954-60 (DAS28-CRP formula; the DAS28-ESR "
              "cut-offs 2.6/3.2/5.1 applied as is commonly done, cf. Inoue E et al. Ann Rheum "
              "Dis 2007;66:407-9, who found DAS28-CRP runs lower)"),
    unit=None,
    inputs=(
        *_joints(),
        Input("crp", "C-reactive protein", "mg/L", low=0, high=1000),
        Input("ptga", _PTGA_DAS, low=0, high=10),
    ),
    formula=_das28_crp,
    bands=_DAS28_BANDS,
    description="Disease Activity Score in 28 joints with CRP (mg/L).",
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
        *_joints(),
        Input("ptga", _PTGA, low=0, high=10),
        Input("phga", _PHGA, low=0, high=10),
    ),
    formula=_cdai,
    bands=(Band("remission", high=2.8),
           Band("low", low=2.8, high=10),
           Band("moderate", low=10, high=22),
           Band("high", low=22)),
    description="Clinical Disease Activity Index: SJC28 + TJC28 + PtGA + PhGA (0–76).",
)


def _sdai(tjc28: float, sjc28: float, ptga: float, phga: float, crp: float
          ) -> tuple[float, str]:
    value = sjc28 + tjc28 + ptga + phga + crp
    return value, (f"SJC28 {sjc28:g} + TJC28 {tjc28:g} + PtGA {ptga:g} + PhGA {phga:g} "
                   f"+ CRP {crp:g} mg/dL")


SDAI = Calculator(
    name="sdai",
    title="Simplified Disease Activity Index",
    citation=("Smolen JS et al. Rheumatology 2003;42:244-57; activity bands: Aletaha D, "
              "Smolen JS. Clin Exp Rheumatol 2005;23(Suppl 39):S100-8"),
    unit=None,
    inputs=(
        *_joints(),
        Input("ptga", _PTGA, low=0, high=10),
        Input("phga", _PHGA, low=0, high=10),
        Input("crp", "C-reactive protein (mg/dL in the SDAI)", "mg/dL", low=0, high=100),
    ),
    formula=_sdai,
    bands=(Band("remission", high=3.3),
           Band("low", low=3.3, high=11),
           Band("moderate", low=11, high=26),
           Band("high", low=26)),
    description="Simplified Disease Activity Index: CDAI + CRP in mg/dL.",
)
