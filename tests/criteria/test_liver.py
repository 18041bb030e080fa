"""inc.alt, inc.ast, inc.tbil: k × ULN with the disease-related exemption (SPEC §4.1, §2.5,
§2.6: bilirubin 1 mg/dL = 17.104 µmol/L; U/L = [IU]/L)."""

from __future__ import annotations

import pytest

from builders import SNOMED, Bundle, SiteRange, crit, verdict

D = "2026-05-20"
EXEMPT = "liver-abnormality-disease-related"


def no_exemption() -> Bundle:
    """A patient whose liver abnormality is attested as NOT disease-related, so that the lab
    alone decides (without the attestation an out-of-range value is only unknown, §2.1)."""
    return Bundle().attest(EXEMPT, False)

ENZYMES = [  # criterion, LOINC codes, label
    ("inc.alt", ["1742-6", "1743-4", "76625-3"], "ALT"),
    ("inc.ast", ["1920-8", "30239-8", "14409-7"], "AST"),
]


# ≤ 3 × ULN (ULN 40 U/L: threshold 120), every accepted code
@pytest.mark.parametrize(("cid", "codes", "label"), ENZYMES)
@pytest.mark.parametrize(("value", "unit", "expected"), [
    (120, "U/L", "met"),
    (119.9, "U/L", "met"),
    (120.1, "U/L", "not_met"),
    (120, "[IU]/L", "met"),       # [IU]/L is U/L
    (121, "[IU]/L", "not_met"),
])
def test_enzyme_threshold(cid: str, codes: list[str], label: str, value: float, unit: str,
                          expected: str) -> None:
    for code in codes:
        b = no_exemption().lab(code, value, unit, D, high=40, high_unit="U/L")
        assert verdict(b, cid) == expected, code


@pytest.mark.parametrize(("cid", "codes", "label"), ENZYMES)
def test_enzyme_missing_uln(cid: str, codes: list[str], label: str) -> None:
    c = crit(no_exemption().lab(codes[0], 30, "U/L", D), cid)
    assert c.verdict.value == "unknown"
    assert f"upper limit of normal for {label}" in c.missing


@pytest.mark.parametrize(("cid", "codes", "label"), ENZYMES)
@pytest.mark.parametrize(("key", "value", "expected"), [
    ("code", 120, "met"), ("code", 121, "not_met"), ("name", 120, "met"), ("name", 121, "not_met"),
])
def test_enzyme_uln_from_site_range(cid: str, codes: list[str], label: str, key: str,
                                    value: float, expected: str) -> None:
    k = codes[0] if key == "code" else cid.split(".")[1]  # LOINC code or analyte name
    site = {k: SiteRange(40, "U/L", "site-ranges.csv")}
    assert verdict(no_exemption().lab(codes[0], value, "U/L", D), cid, site_ranges=site) == expected


@pytest.mark.parametrize(("cid", "codes", "label"), ENZYMES)
def test_enzyme_observation_range_precedes_site_range(cid: str, codes: list[str],
                                                      label: str) -> None:
    site = {codes[0]: SiteRange(100, "U/L", "site-ranges.csv")}
    b = no_exemption().lab(codes[0], 150, "U/L", D, high=40)
    assert verdict(b, cid, site_ranges=site) == "not_met"


# the exemption: `… or attested(liver-abnormality-disease-related)` (§4.1)
@pytest.mark.parametrize(("cid", "codes", "label"), ENZYMES)
@pytest.mark.parametrize(("value", "attest", "expected"), [
    (200, True, "met"),
    (200, False, "not_met"),
    (200, None, "unknown"),
    (100, False, "met"),
    (None, True, "met"),
    (None, False, "unknown"),
    (None, None, "unknown"),
])
def test_enzyme_exemption(cid: str, codes: list[str], label: str, value: float | None,
                          attest: bool | None, expected: str) -> None:
    b = Bundle()
    if value is not None:
        b.lab(codes[0], value, "U/L", D, high=40)
    if attest is not None:
        b.attest(EXEMPT, attest)
    c = crit(b, cid)
    assert c.verdict.value == expected
    if value is None and expected == "unknown":
        assert any(label in m for m in c.missing)


@pytest.mark.parametrize(("cid", "codes", "label"), ENZYMES)
@pytest.mark.parametrize(("day", "expected"), [
    ("2026-05-04", "not_met"), ("2026-05-03", "unknown"), ("2026-06-02", "unknown"),
])
def test_enzyme_window(cid: str, codes: list[str], label: str, day: str, expected: str) -> None:
    assert verdict(no_exemption().lab(codes[0], 200, "U/L", day, high=40), cid) == expected


# -- inc.tbil ≤ 1.5 × ULN; ≤ 3.0 × ULN with Gilbert syndrome (E80.4, SNOMED 27503000) -----------
@pytest.mark.parametrize(("value", "unit", "gilbert", "expected"), [
    (1.8, "mg/dL", None, "met"),             # ULN 1.2: 1.5 × = 1.8
    (1.79, "mg/dL", None, "met"),
    (1.81, "mg/dL", None, "not_met"),
    (30.78, "umol/L", None, "met"),          # < 1.8 mg/dL (30.7872 µmol/L)
    (30.79, "umol/L", None, "not_met"),      # > 1.8 mg/dL
    (1.81, "mg/dL", "E80.4", "met"),         # Gilbert: 3 × = 3.6
    (3.6, "mg/dL", "E80.4", "met"),
    (3.61, "mg/dL", "E80.4", "not_met"),
    (61.57, "umol/L", "E80.4", "met"),       # < 3.6 mg/dL (61.5744 µmol/L)
    (61.58, "umol/L", "E80.4", "not_met"),
    (3.6, "mg/dL", "27503000", "met"),       # Gilbert by SNOMED CT
    (3.61, "mg/dL", "27503000", "not_met"),
])
def test_tbil_threshold(value: float, unit: str, gilbert: str | None, expected: str) -> None:
    b = no_exemption().lab("1975-2", value, unit, D, high=1.2, high_unit="mg/dL")
    if gilbert == "E80.4":
        b.condition("E80.4", "2010-01-01")
    elif gilbert:
        b.condition(gilbert, "2010-01-01", system=SNOMED)
    assert verdict(b, "inc.tbil") == expected


@pytest.mark.parametrize(("code", "value", "unit", "high", "expected"), [
    ("14631-6", 30.78, "umol/L", 20.52, "met"),    # 1.5 × 20.52 µmol/L = 30.78
    ("14631-6", 30.8, "umol/L", 20.52, "not_met"),
    ("42719-5", 1.8, "mg/dL", 1.2, "met"),
    ("42719-5", 1.9, "mg/dL", 1.2, "not_met"),
])
def test_tbil_other_codes(code: str, value: float, unit: str, high: float,
                          expected: str) -> None:
    assert verdict(no_exemption().lab(code, value, unit, D, high=high), "inc.tbil") == expected


def test_tbil_missing_uln_then_site_range_in_other_unit() -> None:
    b = no_exemption().lab("1975-2", 30.78, "umol/L", D)
    c = crit(b, "inc.tbil")
    assert c.verdict.value == "unknown"
    assert "upper limit of normal for total bilirubin" in c.missing
    for key in ("1975-2", "tbil"):
        site = {key: SiteRange(1.2, "mg/dL", "site-ranges.csv")}
        assert verdict(b, "inc.tbil", site_ranges=site) == "met"
        b2 = no_exemption().lab("1975-2", 30.79, "umol/L", D)
        assert verdict(b2, "inc.tbil", site_ranges=site) == "not_met"


@pytest.mark.parametrize(("value", "attest", "expected"), [
    (5.0, True, "met"), (5.0, False, "not_met"), (5.0, None, "unknown"),
    (None, True, "met"), (None, False, "unknown"), (None, None, "unknown"),
])
def test_tbil_exemption(value: float | None, attest: bool | None, expected: str) -> None:
    b = Bundle()
    if value is not None:
        b.lab("1975-2", value, "mg/dL", D, high=1.2)
    if attest is not None:
        b.attest(EXEMPT, attest)
    assert verdict(b, "inc.tbil") == expected


@pytest.mark.parametrize(("day", "expected"), [
    ("2026-05-04", "met"), ("2026-05-03", "unknown"), ("2026-06-02", "unknown"),
])
def test_tbil_window(day: str, expected: str) -> None:
    b = no_exemption().lab("1975-2", 1.0, "mg/dL", day, high=1.2)
    assert verdict(b, "inc.tbil") == expected


def test_tbil_latest_not_rescued_and_furlongs_skipped() -> None:
    b = (no_exemption().lab("1975-2", 1.0, "mg/dL", "2026-05-10", high=1.2)
         .lab("1975-2", 2.0, "mg/dL", "2026-05-20", high=1.2))
    assert verdict(b, "inc.tbil") == "not_met"
    b.lab("1975-2", 1.0, "furlongs", "2026-05-25", high=1.2, rid="bad")
    c = crit(b, "inc.tbil")
    assert c.verdict.value == "not_met"  # the 2.0 of 05-20 is the next usable value
