"""Prednisone-equivalent dose for every systemic glucocorticoid of SPEC §2.9."""

from __future__ import annotations

import pytest

from eligo.calc import CALCULATORS, CalcInputError
from eligo.calc.glucocorticoids import EQUIVALENT_MG, prednisone_mg_per_mg

PRED = CALCULATORS["prednisone_equivalent"]
PER_KG = CALCULATORS["prednisone_equivalent_per_kg"]

# SPEC §2.9: prednisone 5 mg = prednisolone 5 = methylprednisolone 4 = triamcinolone 4 =
# hydrocortisone 20 = cortisone 25 = dexamethasone 0.75 = betamethasone 0.6 = deflazacort 6.
SPEC = {"prednisone": 5, "prednisolone": 5, "methylprednisolone": 4, "triamcinolone": 4,
        "hydrocortisone": 20, "cortisone": 25, "dexamethasone": 0.75, "betamethasone": 0.6,
        "deflazacort": 6}


def test_every_spec_drug_is_a_choice() -> None:
    assert set(PRED.input("drug").choices) == set(SPEC) == set(EQUIVALENT_MG)


@pytest.mark.parametrize(("drug", "mg"), list(SPEC.items()))
def test_each_equivalent_dose_is_5_mg_prednisone(drug: str, mg: float) -> None:
    assert PRED.compute(drug=drug, dose=mg).value == pytest.approx(5)


def test_matches_the_protocol_value_set_factors() -> None:
    # glucocorticoids.yaml writes prednisone_mg_per_mg with 9 decimals (20/3, 25/3, …).
    assert prednisone_mg_per_mg("dexamethasone") == pytest.approx(6.666666667)
    assert prednisone_mg_per_mg("betamethasone") == pytest.approx(8.333333333)
    assert prednisone_mg_per_mg("hydrocortisone") == 0.25


def test_daily_dose_and_mg_per_kg() -> None:
    # Methylprednisolone 16 mg twice a day = 32 mg × 5/4 = 40 mg/day prednisone; ÷ 64 kg.
    calc = PRED.compute(drug="methylprednisolone", dose=16, doses_per_day=2, weight=64)
    assert calc.value == pytest.approx(40) and calc.unit == "mg/d"
    assert calc.details["mg_per_kg_per_day"] == pytest.approx(0.625)
    assert calc.arithmetic == ("methylprednisolone 16 mg × 2/day × (prednisone 5 mg ÷ "
                               "methylprednisolone 4 mg) = 40 mg/day prednisone-equivalent; "
                               "÷ 64 kg = 0.625 mg/kg/day")
    per_kg = PER_KG.compute(drug="methylprednisolone", dose=16, doses_per_day=2, weight=64)
    assert per_kg.value == pytest.approx(0.625) and per_kg.unit == "mg/kg/d"
    assert per_kg.details["mg_per_day"] == pytest.approx(40)


def test_one_dose_a_day_is_the_default_and_weight_is_optional() -> None:
    calc = PRED.compute(drug="prednisone", dose=60)
    assert calc.value == 60 and calc.details == {}
    assert calc.arithmetic == "prednisone 60 mg/day = 60 mg/day prednisone-equivalent"


def test_exactly_1_mg_per_kg_per_day() -> None:
    # The SPEC's "≥ 1 mg/kg/day" threshold: dexamethasone 6 mg = 40 mg prednisone, 40 kg.
    assert PER_KG.compute(drug="dexamethasone", dose=6, weight=40).value == pytest.approx(1)
    # Hydrocortisone 100 mg 3 × a day = 75 mg prednisone; 75 kg.
    assert PER_KG.compute(drug="hydrocortisone", dose=100, doses_per_day=3,
                          weight=75).value == pytest.approx(1)


@pytest.mark.parametrize(("calc_name", "field", "value", "message"), [
    ("prednisone_equivalent", "drug", "budesonide", "expected one of prednisone"),
    ("prednisone_equivalent", "drug", None, "missing"),
    ("prednisone_equivalent", "dose", 0, "out of range (must be > 0 mg)"),
    ("prednisone_equivalent", "dose", "5 mg", "expected a number"),
    ("prednisone_equivalent", "doses_per_day", 0, "out of range (must be > 0)"),
    ("prednisone_equivalent", "doses_per_day", 25, "out of range (must be ≤ 24)"),
    ("prednisone_equivalent", "weight", -3, "out of range (must be > 0 kg)"),
    ("prednisone_equivalent_per_kg", "weight", None, "missing"),
    ("prednisone_equivalent_per_kg", "dose", 6000, "out of range (must be ≤ 5000 mg)"),
])
def test_invalid_inputs_are_named(calc_name: str, field: str, value: object,
                                  message: str) -> None:
    args: dict[str, object] = {"drug": "prednisone", "dose": 10, "weight": 70}
    args[field] = value
    with pytest.raises(CalcInputError) as info:
        CALCULATORS[calc_name].compute(**args)
    assert info.value.input == field and message in info.value.message
