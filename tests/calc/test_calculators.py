"""Calculators against published worked examples and exact boundaries."""

from __future__ import annotations

import math

import pytest

from eligo.calc import CALCULATORS, CalcInputError

CG = CALCULATORS["cockcroft_gault"]
DAS28 = CALCULATORS["das28_esr"]
CDAI = CALCULATORS["cdai"]


def test_cockcroft_gault_original_paper_form() -> None:
    # Cockcroft & Gault 1976: CrCl = (140 − age) × weight / (72 × SCr); women × 0.85.
    # 60-year-old man, 72 kg, creatinine 1.0 mg/dL → (80 × 72) / 72 = 80 mL/min.
    assert CG.compute(age=60, weight=72, creatinine=1.0, female=False).value == pytest.approx(80)


def test_cockcroft_gault_female_factor() -> None:
    # Same patient, female: 80 × 0.85 = 68 mL/min.
    assert CG.compute(age=60, weight=72, creatinine=1.0, female=True).value == pytest.approx(68)


def test_cockcroft_gault_textbook_elderly_case() -> None:
    # Winter, Basic Clinical Pharmacokinetics (5th ed.): 80-year-old man, 70 kg, SCr 1.5 mg/dL
    # → (140 − 80) × 70 / (72 × 1.5) = 38.9 mL/min.
    value = CG.compute(age=80, weight=70, creatinine=1.5, female=False).value
    assert value == pytest.approx(38.888, abs=1e-3)


def test_cockcroft_gault_exact_protocol_boundary() -> None:
    # (140 − 50) × 48 / (72 × 1.0) = 60 exactly: the protocol threshold (≥ 60 mL/min).
    assert CG.compute(age=50, weight=48, creatinine=1.0, female=False).value == 60.0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("creatinine", 0.0, "out of range (must be > 0 mg/dL)"),
    ("weight", -1.0, "out of range"),
    ("age", 200, "out of range (must be ≤ 130 a)"),
    ("female", "yes", "expected yes/no"),
])
def test_cockcroft_gault_invalid_inputs_are_named(field: str, value: object,
                                                  message: str) -> None:
    args: dict[str, object] = {"age": 50, "weight": 48, "creatinine": 1.0, "female": False}
    args[field] = value
    with pytest.raises(CalcInputError) as info:
        CG.compute(**args)
    assert info.value.input == field and message in info.value.message


def test_cockcroft_gault_shows_its_arithmetic_and_inputs() -> None:
    calc = CG.compute(age=50, weight=48, creatinine=1.0, female=True)
    assert calc.arithmetic == "(140 − 50) × 48 kg ÷ (72 × 1 mg/dL) × 0.85"
    assert "Nephron 1976" in calc.citation
    assert calc.inputs == {"age": 50, "weight": 48, "creatinine": 1.0, "female": True}


def test_das28_esr_published_formula() -> None:
    # Prevoo 1995: 0.56√TJC + 0.28√SJC + 0.70 ln ESR + 0.014 PtGA(mm).
    # TJC 4, SJC 4, ESR 25, PtGA 50 mm → 1.12 + 0.56 + 2.2532 + 0.70 = 4.633 (moderate)
    calc = DAS28.compute(tjc28=4, sjc28=4, esr=25, ptga=5)
    expected = 0.56 * 2 + 0.28 * 2 + 0.70 * math.log(25) + 0.014 * 50
    assert calc.value == pytest.approx(expected)
    assert calc.value == pytest.approx(4.633, abs=1e-3)
    assert calc.band == "moderate"


def test_das28_esr_rejects_non_positive_esr() -> None:
    with pytest.raises(CalcInputError, match="esr"):
        DAS28.compute(tjc28=1, sjc28=1, esr=0, ptga=1)


def test_cdai_is_a_plain_sum_with_bands() -> None:
    # Aletaha 2005: CDAI = SJC28 + TJC28 + PtGA + PhGA; 4 + 5 + 3 + 2 = 14 (> 10: moderate).
    calc = CDAI.compute(tjc28=5, sjc28=4, ptga=3, phga=2)
    assert calc.value == 14 and calc.band == "moderate"
    assert calc.arithmetic == "SJC28 4 + TJC28 5 + PtGA 3 + PhGA 2"
    assert CDAI.compute(tjc28=5, sjc28=3, ptga=1, phga=1).band == "low"  # exactly 10
    assert CDAI.compute(tjc28=0, sjc28=0, ptga=1.4, phga=1.4).band == "remission"  # 2.8
