"""Calculators against published worked examples and exact boundaries."""

from __future__ import annotations

import math

import pytest

from eligo.calc import cdai, cockcroft_gault, das28_esr


def test_cockcroft_gault_original_paper_form() -> None:
    # Cockcroft & Gault 1976: CrCl = (140 − age) × weight / (72 × SCr); women × 0.85.
    # Worked example (MDCalc / Cockcroft-Gault teaching case): 60-year-old man, 72 kg,
    # creatinine 1.0 mg/dL → (80 × 72) / 72 = 80 mL/min.
    assert cockcroft_gault(60, 72, 1.0, False).value == pytest.approx(80.0)


def test_cockcroft_gault_female_factor() -> None:
    # Same patient, female: 80 × 0.85 = 68 mL/min.
    assert cockcroft_gault(60, 72, 1.0, True).value == pytest.approx(68.0)


def test_cockcroft_gault_textbook_elderly_case() -> None:
    # Winter, Basic Clinical Pharmacokinetics (5th ed.), the classic example: 80-year-old
    # man, 70 kg, SCr 1.5 mg/dL → (140 − 80) × 70 / (72 × 1.5) = 38.9 mL/min.
    assert cockcroft_gault(80, 70, 1.5, False).value == pytest.approx(38.888, abs=1e-3)


def test_cockcroft_gault_exact_protocol_boundary() -> None:
    # (140 − 50) × 48 / (72 × 1.0) = 60 exactly: the protocol threshold (≥ 60 mL/min).
    assert cockcroft_gault(50, 48, 1.0, False).value == 60.0


def test_cockcroft_gault_rejects_zero_creatinine() -> None:
    with pytest.raises(ValueError, match="creatinine"):
        cockcroft_gault(50, 48, 0.0, False)


def test_cockcroft_gault_shows_its_arithmetic() -> None:
    calc = cockcroft_gault(50, 48, 1.0, True)
    assert calc.arithmetic == "(140 − 50) × 48 kg ÷ (72 × 1 mg/dL) × 0.85"
    assert "Nephron 1976" in calc.citation


def test_das28_esr_published_formula() -> None:
    # Prevoo 1995: 0.56√TJC + 0.28√SJC + 0.70 ln ESR + 0.014 PtGA(mm).
    # TJC 4, SJC 4, ESR 25, PtGA 50 mm → 1.12 + 0.56 + 2.2532 + 0.70 = 4.633
    value = das28_esr(4, 4, 25, 5).value
    expected = 0.56 * 2 + 0.28 * 2 + 0.70 * math.log(25) + 0.014 * 50
    assert value == pytest.approx(expected)
    assert value == pytest.approx(4.633, abs=1e-3)


def test_das28_esr_rejects_non_positive_esr() -> None:
    with pytest.raises(ValueError, match="ESR"):
        das28_esr(1, 1, 0, 1)


def test_cdai_is_a_plain_sum() -> None:
    # Aletaha 2005: CDAI = SJC28 + TJC28 + PtGA + PhGA; 4 + 5 + 3 + 2 = 14 (> 10: moderate).
    calc = cdai(tjc28=5, sjc28=4, ptga=3, phga=2)
    assert calc.value == 14
    assert calc.arithmetic == "SJC28 4 + TJC28 5 + PtGA 3 + PhGA 2"
