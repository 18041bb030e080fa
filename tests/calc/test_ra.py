"""DAS28-ESR, DAS28-CRP, CDAI and SDAI: published formulas, every band boundary, bad inputs."""

from __future__ import annotations

import math

import pytest

from eligo.calc import CALCULATORS, CalcInputError, Calculator

DAS28_ESR = CALCULATORS["das28_esr"]
DAS28_CRP = CALCULATORS["das28_crp"]
CDAI = CALCULATORS["cdai"]
SDAI = CALCULATORS["sdai"]


def test_das28_crp_published_formula() -> None:
    # Wells 2009 / Fransen 2003: 0.56√TJC + 0.28√SJC + 0.36 ln(CRP mg/L + 1) + 0.014 PtGA(mm)
    # + 0.96. TJC 4, SJC 4, CRP 10 mg/L, PtGA 50 mm → 1.12 + 0.56 + 0.8633 + 0.70 + 0.96 = 4.203.
    calc = DAS28_CRP.compute(tjc28=4, sjc28=4, crp=10, ptga=5)
    assert calc.value == pytest.approx(0.56 * 2 + 0.28 * 2 + 0.36 * math.log(11) + 0.7 + 0.96)
    assert calc.value == pytest.approx(4.203, abs=1e-3)
    assert calc.band == "moderate"
    assert calc.arithmetic == "0.56√4 + 0.28√4 + 0.36 ln (10 mg/L + 1) + 0.014 × 50 mm + 0.96"


def test_das28_crp_minimum_is_0_96() -> None:
    # Every component 0: ln(0 + 1) = 0, so the score is the constant 0.96 (remission).
    calc = DAS28_CRP.compute(tjc28=0, sjc28=0, crp=0, ptga=0)
    assert calc.value == pytest.approx(0.96) and calc.band == "remission"


def test_ptga_is_taken_on_0_to_10_and_multiplied_by_10() -> None:
    assert "× 10" in DAS28_ESR.input("ptga").label and "× 10" in DAS28_CRP.input("ptga").label
    one = DAS28_ESR.compute(tjc28=0, sjc28=0, esr=1, ptga=1).value
    assert one == pytest.approx(0.014 * 10)


@pytest.mark.parametrize("calc", [DAS28_ESR, DAS28_CRP], ids=["esr", "crp"])
@pytest.mark.parametrize(("value", "band"), [
    (2.5999, "remission"), (2.6, "low"), (3.2, "low"), (3.2001, "moderate"),
    (5.1, "moderate"), (5.1001, "high"),
])
def test_das28_band_boundaries(calc: Calculator, value: float, band: str) -> None:
    # Prevoo 1995 / van Gestel 1998: remission < 2.6, low ≤ 3.2, moderate ≤ 5.1, high > 5.1.
    assert calc.band_of(value) == band


@pytest.mark.parametrize(("value", "band"), [
    (2.8, "remission"), (2.8001, "low"), (10, "low"), (10.0001, "moderate"), (22, "moderate"),
    (22.0001, "high"), (0, "remission"), (76, "high"),
])
def test_cdai_band_boundaries(value: float, band: str) -> None:
    # Aletaha 2005: remission ≤ 2.8, low ≤ 10, moderate ≤ 22, high > 22.
    assert CDAI.band_of(value) == band


def test_sdai_is_cdai_plus_crp_in_mg_per_dl() -> None:
    # Smolen 2003: SDAI = SJC28 + TJC28 + PtGA + PhGA + CRP (mg/dL). 4 + 5 + 3 + 2 + 1.2 = 15.2.
    calc = SDAI.compute(tjc28=5, sjc28=4, ptga=3, phga=2, crp=1.2)
    assert calc.value == pytest.approx(15.2) and calc.band == "moderate"
    assert calc.arithmetic == "SJC28 4 + TJC28 5 + PtGA 3 + PhGA 2 + CRP 1.2 mg/dL"
    assert SDAI.input("crp").unit == "mg/dL"


@pytest.mark.parametrize(("args", "band"), [
    ({"tjc28": 0, "sjc28": 0, "ptga": 1.5, "phga": 1.5, "crp": 0.3}, "remission"),  # 3.3
    ({"tjc28": 1, "sjc28": 0, "ptga": 1.5, "phga": 1.5, "crp": 0.3}, "low"),  # 4.3
    ({"tjc28": 5, "sjc28": 3, "ptga": 1, "phga": 1, "crp": 1}, "low"),  # 11
    ({"tjc28": 5, "sjc28": 3, "ptga": 1, "phga": 1, "crp": 1.5}, "moderate"),  # 11.5
    ({"tjc28": 10, "sjc28": 10, "ptga": 3, "phga": 2, "crp": 1}, "moderate"),  # 26
    ({"tjc28": 10, "sjc28": 10, "ptga": 3, "phga": 2, "crp": 1.1}, "high"),  # 26.1
])
def test_sdai_band_boundaries(args: dict[str, float], band: str) -> None:
    # Aletaha & Smolen 2005: remission ≤ 3.3, low ≤ 11, moderate ≤ 26, high > 26.
    assert SDAI.compute(**args).band == band


@pytest.mark.parametrize(("value", "band"), [
    (3.3, "remission"), (3.3001, "low"), (11, "low"), (11.0001, "moderate"), (26, "moderate"),
    (26.0001, "high"),
])
def test_sdai_band_edges_exactly(value: float, band: str) -> None:
    assert SDAI.band_of(value) == band


GOOD = {
    "das28_esr": {"tjc28": 4, "sjc28": 4, "esr": 25, "ptga": 5},
    "das28_crp": {"tjc28": 4, "sjc28": 4, "crp": 10, "ptga": 5},
    "cdai": {"tjc28": 4, "sjc28": 4, "ptga": 5, "phga": 5},
    "sdai": {"tjc28": 4, "sjc28": 4, "ptga": 5, "phga": 5, "crp": 1},
}
BAD = [
    ("tjc28", 29, "out of range (must be ≤ 28)"),
    ("tjc28", -1, "out of range (must be ≥ 0)"),
    ("tjc28", 2.5, "expected a whole number"),
    ("sjc28", "4", "expected a number"),
    ("sjc28", True, "expected a number"),
    ("ptga", 10.5, "out of range (must be ≤ 10)"),
    ("ptga", None, "missing"),
    ("phga", 11, "out of range"),
    ("esr", 0, "out of range (must be > 0 mm/h)"),
    ("esr", 201, "out of range"),
    ("crp", -0.1, "out of range"),
]


@pytest.mark.parametrize(("name", "field", "value", "message"),
                         [(n, *b) for n in GOOD for b in BAD if b[0] in GOOD[n]])
def test_invalid_inputs_are_named(name: str, field: str, value: object, message: str) -> None:
    args: dict[str, object] = dict(GOOD[name])
    args[field] = value
    with pytest.raises(CalcInputError) as info:
        CALCULATORS[name].compute(**args)
    assert info.value.input == field and message in info.value.message


@pytest.mark.parametrize("name", list(GOOD))
def test_results_record_their_inputs_and_citation(name: str) -> None:
    calc = CALCULATORS[name].compute(**GOOD[name])
    assert dict(calc.inputs) == GOOD[name]
    assert re_year(calc.citation)


def re_year(text: str) -> bool:
    return any(str(y) in text for y in range(1970, 2030))
