"""Classification criteria as scores: 2016 ACR/EULAR primary Sjögren's, 2010 ACR/EULAR RA and
2013 ACR/EULAR systemic sclerosis. Vignettes are constructed at the published thresholds; each
cites the paper whose table gives the weights."""

from __future__ import annotations

from typing import Any

import pytest

from eligo.calc import CALCULATORS, CalcInputError

SS = CALCULATORS["sjogren_2016"]
RA = CALCULATORS["ra_2010"]
SSC = CALCULATORS["ssc_2013"]

SHIBOSKI = "Shiboski CH et al. Arthritis Rheumatol 2017;69:35-45"
ALETAHA = "Aletaha D et al. Arthritis Rheum 2010;62:2569-81"
VAN_DEN_HOOGEN = "van den Hoogen F et al. Arthritis Rheum 2013;65:2737-47"


# -- 2016 ACR/EULAR primary Sjögren's syndrome (Shiboski 2017, table 4) ---------------------------
def ss_negative(**over: Any) -> dict[str, Any]:
    """A patient meeting the entry criterion, no exclusion, every item negative."""
    args: dict[str, Any] = {"focus_score": 0.0, "anti_ssa": False, "ocular_staining_score": 2,
                            "schirmer": 12, "salivary_flow": 0.4, "entry": True,
                            "excluded": False}
    args.update(over)
    return args


def test_ss_citation() -> None:
    assert SHIBOSKI in SS.citation


def test_ss_exactly_four_meets_the_criteria() -> None:
    # Shiboski 2017: focus score ≥ 1 (3) + Schirmer ≤ 5 mm/5 min (1) = 4 ≥ 4 → classified.
    # Both at their exact boundaries: focus score 1.0, Schirmer 5 mm.
    calc = SS.compute(**ss_negative(focus_score=1.0, schirmer=5))
    assert calc.value == 4 and calc.band == "meets criteria"
    assert calc.arithmetic == (
        "focus score 1 ≥ 1 → 3 + anti-SSA/Ro negative → 0 + ocular staining score 2 < 5 → 0 + "
        "Schirmer 5 mm/5 min ≤ 5 → 1 + unstimulated saliva flow 0.4 mL/min > 0.1 → 0 = 4 ≥ 4")
    assert calc.details["applicable"] is True and calc.details["score"] == 4


def test_ss_three_does_not_meet() -> None:
    # Shiboski 2017: anti-SSA/Ro alone scores 3 < 4.
    calc = SS.compute(**ss_negative(anti_ssa=True))
    assert calc.value == 3 and calc.band == "does not meet"
    assert calc.arithmetic.endswith("= 3 < 4")


@pytest.mark.parametrize(("over", "item", "weight"), [
    ({"focus_score": 1.0}, "focus_score", 3),
    ({"anti_ssa": True}, "anti_ssa", 3),
    ({"ocular_staining_score": 5}, "ocular_staining_score", 1),
    ({"schirmer": 5}, "schirmer", 1),
    ({"salivary_flow": 0.1}, "salivary_flow", 1),
])
def test_ss_item_weights(over: dict[str, Any], item: str, weight: int) -> None:
    # Shiboski 2017, table 4: weights 3, 3, 1, 1, 1 (each at its exact boundary)
    calc = SS.compute(**ss_negative(**over))
    assert calc.value == weight and calc.details["items"][item] == weight


@pytest.mark.parametrize("over", [
    {"focus_score": 0.99}, {"ocular_staining_score": 4.9}, {"schirmer": 5.1},
    {"salivary_flow": 0.11},
])
def test_ss_items_just_past_their_boundary_score_zero(over: dict[str, Any]) -> None:
    assert SS.compute(**ss_negative(**over)).value == 0


def test_ss_entry_criterion_not_met_gives_zero_with_the_items_shown() -> None:
    # Shiboski 2017: the criteria apply only to patients with ocular or oral dryness (or ESSDAI
    # suspicion). Value 0 so "≥ 4" is not met; the items are still reported.
    calc = SS.compute(**ss_negative(focus_score=2.0, anti_ssa=True, schirmer=3, entry=False))
    assert calc.value == 0 and calc.band == "entry criterion not met"
    assert calc.details == {**calc.details, "score": 7.0, "applicable": False, "entry": False}
    assert calc.arithmetic.startswith("entry criterion not met → 0 (the items would give ")
    assert calc.arithmetic.endswith("= 7)")


def test_ss_exclusion_gives_zero_and_band_excluded() -> None:
    # Shiboski 2017: prior head and neck radiation, active HCV, AIDS, sarcoidosis, amyloidosis,
    # GVHD, IgG4-related disease exclude.
    calc = SS.compute(**ss_negative(focus_score=2.0, anti_ssa=True, excluded=True))
    assert calc.value == 0 and calc.band == "excluded"
    assert calc.details["score"] == 6 and calc.details["excluded"] is True


def test_ss_bounds_with_anti_ssa_unknown_and_three_points_known() -> None:
    assert SS.bounds is not None
    values = ss_negative(focus_score=1.2, anti_ssa=None)
    assert SS.bounds(values) == (3, 6)  # ≥ 4 still possible: cannot say "not met"


def test_ss_bounds_only_schirmer_unknown_can_say_not_met() -> None:
    assert SS.bounds is not None
    values = ss_negative(schirmer=None)
    lo, hi = SS.bounds(values)
    assert (lo, hi) == (0, 1) and hi < 4  # a rule can say "not met" already


def test_ss_bounds_entry_and_exclusion() -> None:
    assert SS.bounds is not None
    strong = {"focus_score": 2.0, "anti_ssa": True}
    assert SS.bounds(ss_negative(**strong)) == (6, 6)
    assert SS.bounds(ss_negative(**strong, excluded=None)) == (0, 6)
    assert SS.bounds(ss_negative(**strong, entry=None)) == (0, 6)
    assert SS.bounds(ss_negative(**strong, excluded=True)) == (0, 0)
    assert SS.bounds(ss_negative(**strong, entry=False)) == (0, 0)
    assert SS.bounds({}) == (0, 9)  # nothing known (absent inputs are unknown)


def test_ss_bounds_agree_with_compute_when_all_known() -> None:
    assert SS.bounds is not None
    args = ss_negative(focus_score=1.5, ocular_staining_score=6, salivary_flow=0.05)
    value = SS.compute(**args).value
    assert SS.bounds(args) == (value, value)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("ocular_staining_score", 13, "out of range (must be ≤ 12)"),
    ("focus_score", -1, "out of range (must be ≥ 0)"),
    ("salivary_flow", -0.1, "out of range (must be ≥ 0 mL/min)"),
    ("anti_ssa", "positive", "expected yes/no"),
    ("entry", None, "missing"),
    ("focus_score", None, "missing"),
])
def test_ss_invalid_inputs_are_named(field: str, value: object, message: str) -> None:
    args = ss_negative()
    args[field] = value
    with pytest.raises(CalcInputError) as info:
        SS.compute(**args)
    assert info.value.input == field and message in info.value.message


# -- 2010 ACR/EULAR rheumatoid arthritis (Aletaha 2010, table 3) ----------------------------------
def ra(**over: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"large_joints": 0, "small_joints": 0, "rf_x_uln": 0.5,
                            "acpa_x_uln": 0.5, "crp_x_uln": 0.5, "esr_x_uln": 0.5,
                            "symptom_weeks": 2}
    args.update(over)
    return args


def test_ra_citation() -> None:
    assert ALETAHA in RA.citation


def test_ra_exactly_six_meets_the_criteria() -> None:
    # Aletaha 2010: 1–3 small joints (2) + low-positive RF (2) + abnormal CRP (1) + ≥ 6 weeks (1)
    # = 6/10 → definite RA.
    calc = RA.compute(**ra(large_joints=2, small_joints=3, rf_x_uln=2.5, crp_x_uln=1.2,
                           symptom_weeks=6))
    assert calc.value == 6 and calc.band == "meets criteria"
    assert calc.arithmetic == (
        "joints (2 large + 3 small: 1–3 small joints) → 2 + serology (RF 2.5 × ULN, ACPA 0.5 × "
        "ULN: low-positive (≤ 3 × ULN)) → 2 + acute-phase reactants (CRP 1.2 × ULN, ESR 0.5 × "
        "ULN: abnormal) → 1 + symptoms 6 wk (≥ 6 weeks) → 1 = 6 ≥ 6")


def test_ra_five_does_not_meet() -> None:
    # Same patient with symptoms for 5 weeks: 2 + 2 + 1 + 0 = 5 < 6.
    calc = RA.compute(**ra(large_joints=2, small_joints=3, rf_x_uln=2.5, crp_x_uln=1.2,
                           symptom_weeks=5.9))
    assert calc.value == 5 and calc.band == "does not meet"


@pytest.mark.parametrize(("large", "small", "other", "points"), [
    (0, 0, 0, 0), (1, 0, 0, 0), (2, 0, 0, 1), (10, 0, 0, 1), (10, 0, 2, 1),
    (0, 1, 0, 2), (5, 3, 0, 2), (0, 4, 0, 3), (0, 10, 0, 3),
    (0, 11, 0, 5), (10, 1, 0, 5), (9, 1, 1, 5), (0, 10, 1, 5),
])
def test_ra_joint_categories(large: int, small: int, other: int, points: int) -> None:
    # Aletaha 2010: 1 large 0; 2–10 large 1; 1–3 small 2; 4–10 small 3; > 10 joints (≥ 1 small) 5
    calc = RA.compute(**ra(large_joints=large, small_joints=small, other_joints=other))
    assert calc.details["items"]["joints"] == points == calc.value


@pytest.mark.parametrize(("rf", "acpa", "points"), [
    (1.0, 0.2, 0), (1.01, 0.2, 2), (3.0, 0.2, 2), (3.01, 0.2, 3), (0.2, 3.5, 3), (2.0, 4.0, 3),
])
def test_ra_serology(rf: float, acpa: float, points: int) -> None:
    # Aletaha 2010: negative ≤ ULN 0; low-positive ≤ 3 × ULN 2; high-positive > 3 × ULN 3
    calc = RA.compute(**ra(rf_x_uln=rf, acpa_x_uln=acpa))
    assert calc.details["items"]["serology"] == points


def test_ra_serology_with_one_test_only() -> None:
    # Aletaha 2010, table 3 footnote: at least one test result is needed for classification.
    calc = RA.compute(**ra(acpa_x_uln=None, rf_x_uln=4.0))
    assert calc.details["items"]["serology"] == 3 and calc.details["not_tested"] == ["ACPA"]
    with pytest.raises(CalcInputError) as info:
        RA.compute(**ra(acpa_x_uln=None, rf_x_uln=None))
    assert info.value.input == "rf_x_uln" and "at least one of RF and ACPA" in info.value.message


@pytest.mark.parametrize(("crp", "esr", "points"), [
    (1.0, 1.0, 0), (1.01, 0.5, 1), (0.5, 1.5, 1), (None, 1.5, 1), (0.9, None, 0),
])
def test_ra_acute_phase(crp: float | None, esr: float | None, points: int) -> None:
    calc = RA.compute(**ra(crp_x_uln=crp, esr_x_uln=esr))
    assert calc.details["items"]["acute_phase"] == points


def test_ra_duration_boundary() -> None:
    assert RA.compute(**ra(symptom_weeks=6)).details["items"]["duration"] == 1
    assert RA.compute(**ra(symptom_weeks=5.99)).details["items"]["duration"] == 0


def test_ra_bounds_with_acpa_unknown() -> None:
    assert RA.bounds is not None
    # 4 small joints (3) + RF negative, ACPA unknown (0–3) + CRP abnormal (1) + 10 weeks (1)
    values = ra(small_joints=4, acpa_x_uln=None, crp_x_uln=2.0, symptom_weeks=10)
    assert RA.bounds(values) == (5, 8)
    # RF already high-positive: ACPA cannot add → the score is known
    assert RA.bounds({**values, "rf_x_uln": 3.5}) == (8, 8)


def test_ra_bounds_can_say_not_met() -> None:
    assert RA.bounds is not None
    # 1 large joint, RF and ACPA negative, CRP normal, ESR unknown, 2 weeks: at most 0+0+1+0
    values = ra(large_joints=1, esr_x_uln=None)
    assert RA.bounds(values) == (0, 1)


def test_ra_bounds_unknown_joint_counts() -> None:
    assert RA.bounds is not None
    values = ra(large_joints=None, small_joints=None)
    assert RA.bounds(values) == (0, 5)
    assert RA.bounds(ra(large_joints=None, small_joints=2)) == (2, 5)
    assert RA.bounds({}) == (0, 10)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("large_joints", 11, "out of range (must be ≤ 10)"),
    ("small_joints", 2.5, "expected a whole number"),
    ("rf_x_uln", -1, "out of range (must be ≥ 0)"),
    ("symptom_weeks", "long", "expected a number"),
    ("large_joints", None, "missing"),
])
def test_ra_invalid_inputs_are_named(field: str, value: object, message: str) -> None:
    args = ra()
    args[field] = value
    with pytest.raises(CalcInputError) as info:
        RA.compute(**args)
    assert info.value.input == field and message in info.value.message


# -- 2013 ACR/EULAR systemic sclerosis (van den Hoogen 2013, table 3) ----------------------------
SSC_FINDINGS = ("skin_proximal_mcp", "puffy_fingers", "sclerodactyly", "digital_ulcers",
                "pitting_scars", "telangiectasia", "nailfold_capillaries", "pah", "ild",
                "raynaud", "anti_centromere", "anti_topoisomerase", "anti_rnap3")


def ssc(*present: str, **over: Any) -> dict[str, Any]:
    args: dict[str, Any] = {name: name in present for name in SSC_FINDINGS}
    args["excluded"] = False
    args.update(over)
    return args


def test_ssc_citation() -> None:
    assert VAN_DEN_HOOGEN in SSC.citation


def test_ssc_sufficient_criterion_alone_is_nine() -> None:
    # van den Hoogen 2013: skin thickening of the fingers of both hands extending proximal to
    # the MCP joints is sufficient (9).
    calc = SSC.compute(**ssc("skin_proximal_mcp"))
    assert calc.value == 9 and calc.band == "meets criteria"
    assert calc.details["sufficient_criterion"] is True


def test_ssc_exactly_nine_without_the_sufficient_criterion() -> None:
    # van den Hoogen 2013: sclerodactyly (4) + Raynaud's (3) + telangiectasia (2) = 9 → SSc.
    calc = SSC.compute(**ssc("sclerodactyly", "raynaud", "telangiectasia"))
    assert calc.value == 9 and calc.band == "meets criteria"
    assert "sclerodactyly (distal to MCP, proximal to PIP) → 4" in calc.arithmetic
    assert calc.arithmetic.endswith("= 9 ≥ 9")


def test_ssc_eight_does_not_meet() -> None:
    # puffy fingers (2) + Raynaud's (3) + anticentromere (3) = 8 < 9
    calc = SSC.compute(**ssc("puffy_fingers", "raynaud", "anti_centromere"))
    assert calc.value == 8 and calc.band == "does not meet"


@pytest.mark.parametrize(("finding", "weight"), [
    ("skin_proximal_mcp", 9), ("puffy_fingers", 2), ("sclerodactyly", 4),
    ("digital_ulcers", 2), ("pitting_scars", 3), ("telangiectasia", 2),
    ("nailfold_capillaries", 2), ("pah", 2), ("ild", 2), ("raynaud", 3),
    ("anti_centromere", 3), ("anti_topoisomerase", 3), ("anti_rnap3", 3),
])
def test_ssc_item_weights(finding: str, weight: int) -> None:
    assert SSC.compute(**ssc(finding)).value == weight


@pytest.mark.parametrize(("present", "score"), [
    (("puffy_fingers", "sclerodactyly"), 4),  # not 6
    (("digital_ulcers", "pitting_scars"), 3),  # not 5
    (("pah", "ild"), 2),  # maximum 2
    (("anti_centromere", "anti_topoisomerase", "anti_rnap3"), 3),  # maximum 3
])
def test_ssc_highest_weight_per_item(present: tuple[str, ...], score: int) -> None:
    # van den Hoogen 2013: "only count the higher score" within an item
    calc = SSC.compute(**ssc(*present))
    assert calc.value == score
    assert "highest of the item" in calc.arithmetic


def test_ssc_everything_present() -> None:
    calc = SSC.compute(**ssc(*SSC_FINDINGS))
    assert calc.value == 9 + 4 + 3 + 2 + 2 + 2 + 3 + 3


def test_ssc_exclusion() -> None:
    # van den Hoogen 2013: not applicable to skin thickening sparing the fingers or to a
    # scleroderma-like disorder better explaining the manifestations.
    calc = SSC.compute(**ssc("skin_proximal_mcp", "raynaud", excluded=True))
    assert calc.value == 0 and calc.band == "excluded"
    assert calc.details["score"] == 12 and calc.details["applicable"] is False


def test_ssc_bounds() -> None:
    assert SSC.bounds is not None
    unknown = dict.fromkeys(SSC_FINDINGS)
    assert SSC.bounds({**unknown, "excluded": False}) == (0, 28)
    # the sufficient criterion known: ≥ 9 whatever the rest
    assert SSC.bounds({**unknown, "skin_proximal_mcp": True, "excluded": False}) == (9, 28)
    # highest per item: a known sclerodactyly (4) with puffy fingers unknown stays 4
    values = {**ssc("sclerodactyly", "raynaud"), "puffy_fingers": None}
    assert SSC.bounds(values) == (7, 7)
    # only the antibodies unknown, everything else absent except Raynaud's: 3 to 6 → not met
    values = {**ssc("raynaud"), "anti_centromere": None, "anti_topoisomerase": None,
              "anti_rnap3": None}
    assert SSC.bounds(values) == (3, 6)
    assert SSC.bounds({**ssc("skin_proximal_mcp"), "excluded": None}) == (0, 9)
    assert SSC.bounds({**ssc("skin_proximal_mcp"), "excluded": True}) == (0, 0)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("raynaud", "yes", "expected yes/no"),
    ("pah", None, "missing"),
    ("excluded", None, "missing"),
])
def test_ssc_invalid_inputs_are_named(field: str, value: object, message: str) -> None:
    args = ssc()
    args[field] = value
    with pytest.raises(CalcInputError) as info:
        SSC.compute(**args)
    assert info.value.input == field and message in info.value.message


def test_unknown_argument_is_named() -> None:
    with pytest.raises(CalcInputError) as info:
        SSC.compute(**ssc(), scleroderma=True)
    assert info.value.input == "scleroderma"
