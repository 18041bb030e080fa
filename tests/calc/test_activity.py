"""ESSDAI, mRSS, MMT-8 and HAQ-DI: published structure, ranges, boundaries and bounds."""

from __future__ import annotations

import pytest

from eligo.calc import CALCULATORS, CalcInputError

ESSDAI = CALCULATORS["essdai"]
MRSS = CALCULATORS["mrss"]
MMT8 = CALCULATORS["mmt8"]
HAQ = CALCULATORS["haq_di"]

# Seror R et al. Ann Rheum Dis 2010;69:1103-9, table 3: domain weight and highest level
# (levels 0 none, 1 low, 2 moderate, 3 high; the CNS domain has no low level).
ESSDAI_DOMAINS = {
    "constitutional": (3, 2), "lymphadenopathy": (4, 3), "glandular": (2, 2),
    "articular": (2, 3), "cutaneous": (3, 3), "pulmonary": (5, 3), "renal": (5, 3),
    "muscular": (6, 3), "pns": (5, 3), "cns": (5, 3), "hematological": (2, 3),
    "biological": (1, 2),
}
ZERO = dict.fromkeys(ESSDAI_DOMAINS, 0)


def test_essdai_has_the_published_domains_weights_and_maxima() -> None:
    assert [i.name for i in ESSDAI.inputs] == list(ESSDAI_DOMAINS)
    for name, (_weight, top) in ESSDAI_DOMAINS.items():
        assert ESSDAI.input(name).high == top and ESSDAI.input(name).integer
    assert ESSDAI.compute(**{n: top for n, (_w, top) in ESSDAI_DOMAINS.items()}).value == 123
    assert ESSDAI.compute(**ZERO).value == 0


@pytest.mark.parametrize("domain", list(ESSDAI_DOMAINS))
def test_essdai_each_domain_weight(domain: str) -> None:
    weight, _top = ESSDAI_DOMAINS[domain]
    level = 2  # every domain has a moderate level
    assert ESSDAI.compute(**{**ZERO, domain: level}).value == weight * level


def test_essdai_hand_worked_example() -> None:
    # Articular moderate (1–5 synovitis) 2 × 2 + glandular low 2 × 1 + haematological low 2 × 1
    # + biological moderate 1 × 2 = 10: moderate activity (5–13, Seror 2016).
    calc = ESSDAI.compute(**{**ZERO, "articular": 2, "glandular": 1, "hematological": 1,
                             "biological": 2})
    assert calc.value == 10 and calc.band == "moderate"
    assert calc.arithmetic == ("glandular 2 × 1 + articular 2 × 2 + hematological 2 × 1 "
                               "+ biological 1 × 2 (other domains 0)")
    assert calc.details["domain_scores"]["articular"] == 4


@pytest.mark.parametrize(("value", "band"), [(0, "low"), (4, "low"), (5, "moderate"),
                                             (13, "moderate"), (14, "high"), (123, "high")])
def test_essdai_activity_bands(value: int, band: str) -> None:
    # Seror R et al. Ann Rheum Dis 2016;75:382-9: low < 5, moderate 5–13, high ≥ 14.
    assert ESSDAI.band_of(value) == band


@pytest.mark.parametrize(("domain", "level", "message"), [
    ("cns", 1, "level 1 does not exist for the central nervous system domain"),
    ("constitutional", 3, "out of range (must be ≤ 2)"),
    ("glandular", 3, "out of range (must be ≤ 2)"),
    ("biological", 3, "out of range (must be ≤ 2)"),
    ("muscular", 4, "out of range (must be ≤ 3)"),
    ("renal", -1, "out of range (must be ≥ 0)"),
    ("pulmonary", 1.5, "expected a whole number"),
    ("articular", "moderate", "expected a number"),
    ("pns", None, "missing"),
])
def test_essdai_out_of_range_names_the_domain(domain: str, level: object, message: str) -> None:
    with pytest.raises(CalcInputError) as info:
        ESSDAI.compute(**{**ZERO, domain: level})
    assert info.value.input == domain and message in info.value.message


def test_essdai_bounds_with_unknown_domains() -> None:
    assert ESSDAI.bounds is not None
    known: dict[str, float | None] = {**ZERO, "muscular": None, "articular": 2}
    assert ESSDAI.bounds(known) == (4, 4 + 18)
    assert ESSDAI.bounds({}) == (0, 123)


MRSS_SITES = ["face", "chest", "abdomen", *(f"{p}_{s}" for p in (
    "fingers", "hand", "forearm", "upper_arm", "thigh", "lower_leg", "foot")
    for s in ("right", "left"))]


def test_mrss_17_sites_0_to_51() -> None:
    # Khanna 2017: 17 areas, each 0 (normal) to 3 (severe thickening); total 0–51.
    assert sorted(i.name for i in MRSS.inputs) == sorted(MRSS_SITES) and len(MRSS_SITES) == 17
    assert MRSS.compute(**dict.fromkeys(MRSS_SITES, 3)).value == 51
    zero = MRSS.compute(**dict.fromkeys(MRSS_SITES, 0))
    assert zero.value == 0 and zero.arithmetic == "every site 0"


def test_mrss_hand_worked_example() -> None:
    # Diffuse disease: fingers 2/2, hands 2/2, forearms 1/1, face 1 → 11.
    args = {**dict.fromkeys(MRSS_SITES, 0), "fingers_right": 2, "fingers_left": 2,
            "hand_right": 2, "hand_left": 2, "forearm_right": 1, "forearm_left": 1, "face": 1}
    calc = MRSS.compute(**args)
    assert calc.value == 11
    assert calc.arithmetic.startswith("face 1 + fingers right 2 + fingers left 2")


@pytest.mark.parametrize(("site", "value", "message"), [
    ("thigh_left", 4, "out of range (must be ≤ 3)"), ("face", -1, "out of range"),
    ("chest", 1.5, "expected a whole number"), ("abdomen", None, "missing"),
    ("foot_right", "2", "expected a number"),
])
def test_mrss_invalid_site_is_named(site: str, value: object, message: str) -> None:
    with pytest.raises(CalcInputError) as info:
        MRSS.compute(**{**dict.fromkeys(MRSS_SITES, 0), site: value})
    assert info.value.input == site and message in info.value.message


def test_mrss_bounds() -> None:
    assert MRSS.bounds is not None
    assert MRSS.bounds({"face": 2}) == (2, 2 + 16 * 3)


MMT8_GROUPS = ["neck_flexors", *(f"{m}_{s}" for m in (
    "deltoid", "biceps", "gluteus_maximus", "gluteus_medius", "quadriceps", "wrist_extensors",
    "ankle_dorsiflexors") for s in ("right", "left"))]


def test_mmt8_total_0_to_150() -> None:
    # Rider 2010: 8 groups on the Kendall 0–10 scale, neck flexors once and 7 groups both
    # sides: 10 + 7 × 2 × 10 = 150.
    assert sorted(i.name for i in MMT8.inputs) == sorted(MMT8_GROUPS) and len(MMT8_GROUPS) == 15
    assert MMT8.compute(**dict.fromkeys(MMT8_GROUPS, 10)).value == 150
    assert MMT8.compute(**dict.fromkeys(MMT8_GROUPS, 0)).value == 0


def test_mmt8_hand_worked_example() -> None:
    # Proximal weakness: neck flexors 7, deltoids 8/8, glutei maximi 7/7, the other 10 groups
    # 10 → 7 + 16 + 14 + 100 = 137 (below the protocol's < 142).
    args = {**dict.fromkeys(MMT8_GROUPS, 10), "neck_flexors": 7, "deltoid_right": 8,
            "deltoid_left": 8, "gluteus_maximus_right": 7, "gluteus_maximus_left": 7}
    assert MMT8.compute(**args).value == 137


@pytest.mark.parametrize(("group", "value", "message"), [
    ("neck_flexors", 11, "out of range (must be ≤ 10)"),
    ("quadriceps_left", -1, "out of range"), ("biceps_right", 9.5, "expected a whole number"),
    ("wrist_extensors_left", None, "missing"), ("deltoid_right", "ten", "expected a number"),
])
def test_mmt8_invalid_group_is_named(group: str, value: object, message: str) -> None:
    with pytest.raises(CalcInputError) as info:
        MMT8.compute(**{**dict.fromkeys(MMT8_GROUPS, 10), group: value})
    assert info.value.input == group and message in info.value.message


def test_mmt8_bounds() -> None:
    assert MMT8.bounds is not None
    assert MMT8.bounds(dict.fromkeys(MMT8_GROUPS[1:], 10)) == (140, 150)


HAQ_CATEGORIES = ["dressing", "arising", "eating", "walking", "hygiene", "reach", "grip",
                  "activities"]


def test_haq_di_mean_of_categories() -> None:
    # Bruce & Fries 2003: the category score is its highest item score (0–3); HAQ-DI is the sum
    # of the category scores ÷ the number of categories answered.
    calc = HAQ.compute(dressing=1, arising=1, eating=0, walking=2, hygiene=1, reach=2, grip=1,
                       activities=0)
    assert calc.value == pytest.approx(8 / 8)
    assert calc.details["categories_answered"] == 8


def test_haq_di_aids_raise_a_category_to_2() -> None:
    # Aids/devices or help raise a category scored 0 or 1 to 2, and leave 2 or 3 as they are:
    # dressing 1 → 2, walking 0 → 2, reach 3 stays 3, the rest 0 → (2 + 2 + 3) ÷ 8 = 0.875.
    calc = HAQ.compute(**{**dict.fromkeys(HAQ_CATEGORIES, 0), "dressing": 1, "reach": 3},
                       dressing_aids=True, walking_aids=True, reach_aids=True)
    assert calc.value == pytest.approx(7 / 8)
    assert "dressing 1→2 (aids/help)" in calc.arithmetic
    assert "walking 0→2 (aids/help)" in calc.arithmetic
    assert "reach 3" in calc.arithmetic and "reach 3→" not in calc.arithmetic


def test_haq_di_six_categories_are_enough() -> None:
    calc = HAQ.compute(dressing=3, arising=3, eating=3, walking=3, hygiene=3, reach=0)
    assert calc.value == pytest.approx(15 / 6) and calc.details["categories_answered"] == 6
    assert HAQ.compute(**dict.fromkeys(HAQ_CATEGORIES, 3)).value == 3


def test_haq_di_needs_six_categories() -> None:
    with pytest.raises(CalcInputError) as info:
        HAQ.compute(dressing=1, arising=1, eating=1, walking=1, hygiene=1, hygiene_aids=True)
    assert info.value.input == "reach"
    assert "at least 6 of the 8" in info.value.message and "reach, grip, activities" in (
        info.value.message)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("grip", 4, "out of range (must be ≤ 3)"), ("eating", -1, "out of range"),
    ("walking", 1.5, "expected a whole number"), ("reach", "2", "expected a number"),
    ("grip_aids", "yes", "expected yes/no"), ("arising_aids", 1, "expected yes/no"),
])
def test_haq_di_invalid_inputs_are_named(field: str, value: object, message: str) -> None:
    args: dict[str, object] = dict.fromkeys(HAQ_CATEGORIES, 1)
    args[field] = value
    with pytest.raises(CalcInputError) as info:
        HAQ.compute(**args)
    assert info.value.input == field and message in info.value.message
