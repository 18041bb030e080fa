"""2017 EULAR/ACR classification criteria for idiopathic inflammatory myopathies: weights,
probability either side of 55 % and 90 % (with and without muscle biopsy), the subgroup tree and
bounds. Weights and cut-offs: Lundberg IE et al. Ann Rheum Dis 2017;76:1955-64, table 1 and
figure 2 (probability = 1 / (1 + exp(5.33 − score)) without, (6.49 − score) with biopsy)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from eligo.calc import CALCULATORS, CalcInputError
from eligo.calc.classification_iim import iim_probability

IIM = CALCULATORS["iim_2017"]
LUNDBERG = "Lundberg IE et al. Ann Rheum Dis 2017;76:1955-64"

ITEMS = ("weakness_upper", "weakness_lower", "neck_flexors_weaker", "legs_proximal_weaker",
         "heliotrope_rash", "gottron_papules", "gottron_sign", "dysphagia", "anti_jo1",
         "enzymes_elevated")
BIOPSY = ("endomysial_infiltration", "perimysial_infiltration", "perifascicular_atrophy",
          "rimmed_vacuoles")


def iim(*present: str, age: float = 10, biopsy: bool = False, **over: Any) -> dict[str, Any]:
    args: dict[str, Any] = {name: name in present for name in ITEMS}
    args["age_at_onset"] = age
    args["biopsy"] = biopsy
    if biopsy:
        args.update({name: name in present for name in BIOPSY})
    args.update(over)
    return args


def test_citation_and_unit() -> None:
    assert LUNDBERG in IIM.citation and IIM.unit == "%"


@pytest.mark.parametrize(("item", "without", "with_"), [
    ("weakness_upper", 0.7, 0.7), ("weakness_lower", 0.8, 0.5),
    ("neck_flexors_weaker", 1.9, 1.6), ("legs_proximal_weaker", 0.9, 1.2),
    ("heliotrope_rash", 3.1, 3.2), ("gottron_papules", 2.1, 2.7), ("gottron_sign", 3.3, 3.7),
    ("dysphagia", 0.7, 0.6), ("anti_jo1", 3.9, 3.8), ("enzymes_elevated", 1.3, 1.4),
])
def test_item_weights(item: str, without: float, with_: float) -> None:
    # Lundberg 2017, table 1 (age 10 at onset scores 0)
    assert IIM.compute(**iim(item)).details["score"] == without
    assert IIM.compute(**iim(item, biopsy=True)).details["score"] == with_


@pytest.mark.parametrize(("item", "weight"), [
    ("endomysial_infiltration", 1.7), ("perimysial_infiltration", 1.2),
    ("perifascicular_atrophy", 1.9), ("rimmed_vacuoles", 3.1),
])
def test_biopsy_weights(item: str, weight: float) -> None:
    assert IIM.compute(**iim(item, biopsy=True)).details["score"] == weight


@pytest.mark.parametrize(("age", "without", "with_"), [
    (17.9, 0, 0), (18, 1.3, 1.5), (39.9, 1.3, 1.5), (40, 2.1, 2.2), (75, 2.1, 2.2),
])
def test_age_at_onset(age: float, without: float, with_: float) -> None:
    assert IIM.compute(**iim(age=age)).details["score"] == without
    assert IIM.compute(**iim(age=age, biopsy=True)).details["score"] == with_


def test_probability_formula() -> None:
    assert iim_probability(5.33, biopsy=False) == pytest.approx(50)
    assert iim_probability(6.49, biopsy=True) == pytest.approx(50)
    assert iim_probability(8.0, biopsy=False) == pytest.approx(100 / (1 + math.exp(-2.67)))


def test_without_biopsy_either_side_of_55_percent() -> None:
    # age ≥ 40 (2.1) + Gottron's papules (2.1) + dysphagia (0.7) + upper weakness (0.7) = 5.6
    calc = IIM.compute(**iim("gottron_papules", "dysphagia", "weakness_upper", age=45))
    assert calc.details["score"] == 5.6
    assert calc.value == pytest.approx(56.7, abs=0.05) and calc.band == "probable IIM"
    assert calc.arithmetic.endswith(
        "= 5.6 (without muscle biopsy); probability 1 / (1 + exp(5.33 − 5.6)) = 56.7 %")
    # age ≥ 40 (2.1) + Gottron's papules (2.1) + elevated enzymes (1.3) = 5.5: the paper's
    # score cut-off says "probable", the probability (54.2 %) says "possible"; the band follows
    # the probability (SPEC: computed probability ≥ 55 %).
    calc = IIM.compute(**iim("gottron_papules", "enzymes_elevated", age=45))
    assert calc.details["score"] == 5.5
    assert calc.value == pytest.approx(54.2, abs=0.05) and calc.band == "possible IIM"
    assert calc.details["band_by_score"] == "probable IIM"


def test_without_biopsy_either_side_of_90_percent() -> None:
    # age ≥ 40 (2.1) + anti-Jo-1 (3.9) + upper weakness (0.7) + legs proximal > distal (0.9)
    calc = IIM.compute(**iim("anti_jo1", "weakness_upper", "legs_proximal_weaker", age=50))
    assert calc.details["score"] == 7.6
    assert calc.value == pytest.approx(90.6, abs=0.05) and calc.band == "definite IIM"
    # … with lower-limb weakness (0.8) instead of legs proximal > distal: 7.5 → 89.75 %
    calc = IIM.compute(**iim("anti_jo1", "weakness_upper", "weakness_lower", age=50))
    assert calc.details["score"] == 7.5
    assert calc.value < 90 and calc.band == "probable IIM"


def test_with_biopsy_either_side_of_55_percent() -> None:
    # age ≥ 40 (2.2) + endomysial (1.7) + perimysial (1.2) + neck flexors (1.6) = 6.7 → 55.2 %
    present: tuple[str, ...] = ("endomysial_infiltration", "perimysial_infiltration",
                                "neck_flexors_weaker")
    calc = IIM.compute(**iim(*present, age=60, biopsy=True))
    assert calc.details["score"] == 6.7 and calc.details["model"] == "with muscle biopsy"
    assert calc.value == pytest.approx(55.2, abs=0.05) and calc.band == "probable IIM"
    # age ≥ 40 (2.2) + perifascicular atrophy (1.9) + perimysial (1.2) + upper weakness (0.7)
    # + dysphagia (0.6) = 6.6 → 52.7 %, possible
    present = ("perifascicular_atrophy", "perimysial_infiltration", "weakness_upper",
               "dysphagia")
    calc = IIM.compute(**iim(*present, age=60, biopsy=True))
    assert calc.details["score"] == 6.6
    assert calc.value == pytest.approx(52.7, abs=0.05) and calc.band == "possible IIM"
    # 2.2 + endomysial (1.7) + perimysial (1.2) + enzymes (1.4) = 6.5 → 50.2 %: the paper's
    # "possible" cut-off with biopsy
    present = ("endomysial_infiltration", "perimysial_infiltration", "enzymes_elevated")
    calc = IIM.compute(**iim(*present, age=61, biopsy=True))
    assert calc.details["score"] == 6.5
    assert calc.value == pytest.approx(50.2, abs=0.05) and calc.band == "possible IIM"


def test_with_biopsy_either_side_of_90_percent() -> None:
    # 2.2 + 1.7 + 1.2 + 1.6 + enzymes 1.4 + dysphagia 0.6 = 8.7 → 90.1 %
    present: tuple[str, ...] = ("endomysial_infiltration", "perimysial_infiltration",
                                "neck_flexors_weaker", "enzymes_elevated", "dysphagia")
    calc = IIM.compute(**iim(*present, age=60, biopsy=True))
    assert calc.details["score"] == 8.7
    assert calc.value == pytest.approx(90.1, abs=0.05) and calc.band == "definite IIM"
    # lower-limb weakness (0.5) instead of dysphagia (0.6): 8.6 → 89.2 %
    present = ("endomysial_infiltration", "perimysial_infiltration", "neck_flexors_weaker",
               "enzymes_elevated", "weakness_lower")
    calc = IIM.compute(**iim(*present, age=60, biopsy=True))
    assert calc.details["score"] == 8.6
    assert calc.value == pytest.approx(89.2, abs=0.05) and calc.band == "probable IIM"


@pytest.mark.parametrize(("present", "age", "biopsy", "extra", "subgroup"), [
    # Lundberg 2017, figure 2
    (("heliotrope_rash", "gottron_papules", "weakness_upper", "weakness_lower"), 10, False, {},
     "juvenile dermatomyositis"),
    (("anti_jo1", "weakness_upper", "weakness_lower", "enzymes_elevated"), 12, False, {},
     "juvenile myositis other than JDM"),
    (("heliotrope_rash", "weakness_upper", "weakness_lower", "enzymes_elevated"), 45, False, {},
     "dermatomyositis"),
    (("heliotrope_rash", "gottron_sign"), 45, False, {}, "amyopathic dermatomyositis"),
    (("rimmed_vacuoles", "enzymes_elevated", "weakness_upper"), 65, True, {},
     "inclusion body myositis"),
    (("anti_jo1", "weakness_upper", "enzymes_elevated"), 65, False,
     {"finger_flexor_weakness": True, "treatment_unresponsive": True},
     "inclusion body myositis"),
    (("anti_jo1", "weakness_upper", "enzymes_elevated"), 65, False,
     {"finger_flexor_weakness": False}, "polymyositis (including immune-mediated necrotising "
     "myopathy)"),
])
def test_subgroups(present: tuple[str, ...], age: float, biopsy: bool, extra: dict[str, Any],
                   subgroup: str) -> None:
    calc = IIM.compute(**iim(*present, age=age, biopsy=biopsy, **extra))
    assert calc.value >= 55
    assert calc.details["subgroup"] == subgroup


def test_subgroup_undetermined_without_finger_flexor_and_treatment_response() -> None:
    calc = IIM.compute(**iim("anti_jo1", "weakness_upper", "enzymes_elevated", age=65))
    assert "not recorded" in calc.details["subgroup"]
    assert "muscle biopsy" in calc.details["note"]  # no skin signs, no biopsy


def test_no_subgroup_below_55_percent() -> None:
    calc = IIM.compute(**iim("heliotrope_rash", age=30))
    assert calc.value < 55 and calc.details["subgroup"] is None


def test_bounds_without_biopsy() -> None:
    assert IIM.bounds is not None
    unknown: dict[str, Any] = dict.fromkeys(ITEMS)
    # age 45, no biopsy, anti-Jo-1 and heliotrope known: ≥ 2.1 + 3.9 + 3.1 = 9.1 → ≥ 97.9 %
    lo, hi = IIM.bounds({**unknown, "age_at_onset": 45, "biopsy": False, "anti_jo1": True,
                         "heliotrope_rash": True})
    assert lo == pytest.approx(iim_probability(9.1, False)) and lo >= 90
    # everything negative but elevated enzymes unknown: at most 2.1 + 1.3 = 3.4 → not met
    values = {**iim(age=45), "enzymes_elevated": None}
    lo, hi = IIM.bounds(values)
    assert lo == pytest.approx(iim_probability(2.1, False))
    assert hi == pytest.approx(iim_probability(3.4, False)) and hi < 55


def test_bounds_biopsy_unknown_spans_both_models() -> None:
    assert IIM.bounds is not None
    values: dict[str, Any] = dict.fromkeys((*ITEMS, *BIOPSY, "age_at_onset", "biopsy"))
    lo, hi = IIM.bounds(values)
    assert lo == pytest.approx(iim_probability(0, True))  # the lower of the two models
    assert hi == pytest.approx(iim_probability(2.2 + 0.7 + 0.5 + 1.6 + 1.2 + 3.2 + 2.7 + 3.7
                                               + 0.6 + 3.8 + 1.4 + 1.7 + 1.2 + 1.9 + 3.1, True))


def test_bounds_agree_with_compute() -> None:
    assert IIM.bounds is not None
    args = iim("heliotrope_rash", "weakness_upper", age=50, biopsy=True,
               perifascicular_atrophy=True)
    value = IIM.compute(**args).value
    lo, hi = IIM.bounds(args)
    assert lo == pytest.approx(value) and hi == pytest.approx(value)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("age_at_onset", -1, "out of range (must be ≥ 0 a)"),
    ("heliotrope_rash", "yes", "expected yes/no"),
    ("biopsy", None, "missing"),
    ("anti_jo1", None, "missing"),
])
def test_invalid_inputs_are_named(field: str, value: object, message: str) -> None:
    args = iim()
    args[field] = value
    with pytest.raises(CalcInputError) as info:
        IIM.compute(**args)
    assert info.value.input == field and message in info.value.message


def test_biopsy_finding_needs_a_biopsy() -> None:
    with pytest.raises(CalcInputError) as info:
        IIM.compute(**iim(rimmed_vacuoles=True))
    assert info.value.input == "rimmed_vacuoles"
    with pytest.raises(CalcInputError) as info:
        IIM.compute(**iim(biopsy=True, perifascicular_atrophy=None))
    assert info.value.input == "perifascicular_atrophy" and info.value.message == "missing"
