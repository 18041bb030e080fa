"""Classification criteria settled by a computed score (issue 3; SPEC §4.2: "the attestation
decides when present; without it, a computed score ≥ threshold → met, a complete component set
scoring lower → not_met; otherwise unknown")."""

from __future__ import annotations

from typing import Any

import pytest

from builders import Bundle, crit, verdict

ASSESSMENT = "urn:eligo:assessment"
D = "2025-03-01"


def finding(b: Bundle, code: str, present: bool) -> Bundle:
    o: dict[str, Any] = {"resourceType": "Observation", "status": "final",
                         "code": {"coding": [{"system": ASSESSMENT, "code": code}]},
                         "effectiveDateTime": D, "valueBoolean": present}
    return b.add(o)


def sjogren(focus: float | None = 2, anti_ssa: str | None = "positive", oss: float | None = 6,
            schirmer: float | None = 3, flow: float | None = 0.05, entry: bool | None = True,
            excluded_dx: str | None = None) -> Bundle:
    b = Bundle().condition("M35.00", "2019-01-01")
    if focus is not None:
        b.assess("labial-focus-score", focus, D)
    if anti_ssa is not None:
        b.qual("8093-7", anti_ssa, D)
    if oss is not None:
        b.assess("ocular-staining-score", oss, D)
    if schirmer is not None:
        b.assess("schirmer", schirmer, D, unit="mm")
    if flow is not None:
        b.assess("unstimulated-salivary-flow", flow, D, unit="mL/min")
    if entry is not None:
        finding(b, "sicca-symptoms", entry)
    if excluded_dx is not None:
        b.condition(excluded_dx, "2018-01-01")
    return b


# 2016 ACR/EULAR (Shiboski 2017): focus ≥ 1 (3), anti-SSA (3), OSS ≥ 5 (1), Schirmer ≤ 5 (1),
# flow ≤ 0.1 (1); ≥ 4 classifies
@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, "met"),                                                    # 9
    ({"anti_ssa": "negative", "oss": 4, "schirmer": 10, "flow": 0.5, "focus": 1}, "not_met"),
    # exactly 4 = focus 3 + Schirmer 1, complete set
    ({"anti_ssa": "negative", "oss": 4, "schirmer": 5, "flow": 0.5, "focus": 1}, "met"),
    # 3 = anti-SSA only, complete set → below the threshold
    ({"focus": 0.5, "oss": 4, "schirmer": 10, "flow": 0.5}, "not_met"),
    # anti-SSA unrecorded: 3 known could become 6 → unknown; 4 known is already enough
    ({"anti_ssa": None, "focus": 2, "oss": 4, "schirmer": 10, "flow": 0.5}, "unknown"),
    ({"anti_ssa": None, "focus": 2, "oss": 4, "schirmer": 3, "flow": 0.5}, "met"),
    ({"anti_ssa": None, "focus": 0.5, "oss": 6, "schirmer": 10, "flow": 0.5}, "unknown"),
    # only the 1-point flow unknown, 2 known → at most 3 < 4 → not met before it is recorded
    ({"anti_ssa": "negative", "focus": 0.5, "oss": 6, "schirmer": 3, "flow": None}, "not_met"),
    # an exclusion (sarcoidosis D86.0) or no entry criterion → not classified
    ({"excluded_dx": "D86.0"}, "not_met"),
    ({"entry": False}, "not_met"),
    ({"entry": None}, "unknown"),
])
def test_sjogren_2016_computed(kwargs: dict[str, Any], expected: str) -> None:
    assert verdict(sjogren(**kwargs), "pss.inc.classification") == expected


def test_attestation_decides_over_the_score() -> None:
    assert verdict(sjogren().attest("pss-classification-met", False),
                   "pss.inc.classification") == "not_met"
    low = sjogren(anti_ssa="negative", focus=0.5, oss=4, schirmer=10, flow=0.5)
    assert verdict(low.attest("pss-classification-met", True),
                   "pss.inc.classification") == "met"


def test_diagnosis_still_required() -> None:
    b = sjogren()
    b.resources = [r for r in b.resources if r["resourceType"] != "Condition"]
    assert verdict(b, "pss.inc.classification") == "not_met"


def test_explanation_shows_the_arithmetic() -> None:
    c = crit(sjogren(), "pss.inc.classification")
    assert "focus score 2 ≥ 1 → 3" in c.explanation
    assert "= 9 ≥ 4" in c.explanation
    unknown = crit(sjogren(anti_ssa=None, focus=0.5, oss=6, schirmer=10, flow=0.5),
                   "pss.inc.classification")
    assert "at least 1 and at most 4" in unknown.explanation
    assert any("anti-SSA/Ro" in m for m in unknown.missing)


# 2010 ACR/EULAR RA (Aletaha 2010): score exactly 6 and 5
def ra(small: int, rf_ratio: float, crp_ratio: float, weeks: float) -> Bundle:
    b = Bundle().condition("M06.9", "2015-01-01")
    b.assess("large-joints-involved", 1, D)
    b.assess("small-joints-involved", small, D)
    b.assess("symptom-duration", weeks, D, unit="wk")
    b.lab("11572-5", 14 * rf_ratio, "[IU]/mL", D, high=14)
    b.lab("33935-8", 1, "U/mL", D, high=5)
    b.lab("1988-5", 5 * crp_ratio, "mg/L", D, high=5)
    b.lab("4537-7", 10, "mm/h", D, high=20)
    return b


@pytest.mark.parametrize(("small", "rf", "crp", "weeks", "expected"), [
    (4, 2.0, 2.0, 10, "met"),      # 3 + 2 + 1 + 1 = 7
    (4, 2.0, 0.5, 4, "not_met"),   # 3 + 2 + 0 + 0 = 5
    (4, 2.0, 2.0, 4, "met"),       # 3 + 2 + 1 + 0 = 6: exactly the threshold
    (3, 3.0, 0.5, 10, "not_met"),  # 2 + 2 (exactly 3 × ULN is low-positive) + 0 + 1 = 5
    (3, 3.5, 0.5, 10, "met"),      # 2 + 3 (high-positive) + 0 + 1 = 6
])
def test_ra_2010_computed(small: int, rf: float, crp: float, weeks: float,
                          expected: str) -> None:
    assert verdict(ra(small, rf, crp, weeks), "ra.inc.classification") == expected


def test_ssc_sufficient_item_with_bounds() -> None:
    b = Bundle().condition("M34.9", "2020-01-01")
    finding(b, "ssc-skin-proximal-mcp", True)
    assert verdict(b, "ssc.inc.classification") == "unknown"  # "not applicable" unrecorded
    finding(b, "ssc-excluded", False)
    assert verdict(b, "ssc.inc.classification") == "met"
    b.condition("L94.0", "2019-01-01")  # morphea: a scleroderma-like disorder
    assert verdict(b, "ssc.inc.classification") == "not_met"


@pytest.mark.parametrize(("items", "expected"), [
    # heliotrope 3.1 + Gottron's papules 2.1 + onset ≥ 40 2.1 = 7.3 → 88 % ≥ 55 %
    (["iim-heliotrope-rash", "iim-gottron-papules"], "met"),
    # onset ≥ 40 (2.1) + upper weakness (0.7) + lower (0.8) = 3.6 → 15 %, complete set
    (["iim-weakness-upper", "iim-weakness-lower"], "not_met"),
])
def test_iim_2017_probability(items: list[str], expected: str) -> None:
    b = Bundle().condition("M33.90", "2022-01-01")
    b.assess("iim-onset-age", 45, D, unit="a")
    every = ["iim-weakness-upper", "iim-weakness-lower", "iim-neck-flexors-weaker",
             "iim-legs-proximal-weaker", "iim-heliotrope-rash", "iim-gottron-papules",
             "iim-gottron-sign", "iim-dysphagia", "muscle-biopsy",
             "iim-finger-flexor-weakness", "iim-treatment-unresponsive"]
    for code in every:
        finding(b, code, code in items)
    b.qual("33571-1", "negative", D)  # anti-Jo-1
    b.lab("2157-6", 100, "U/L", D, high=200)  # CK normal
    assert verdict(b, "iim.inc.classification") == expected
