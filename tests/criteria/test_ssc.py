"""SSc cohort inclusion (SPEC §4.2): classification, ILD, progression. (ssc.inc.refractory is
tested with the shared refractory rule in test_pss.py.)"""

from __future__ import annotations

import pytest

from builders import ASSESSMENT, LOINC, SNOMED, Bundle, crit, verdict

D = "2026-05-20"


# -- ssc.inc.classification: diagnosis (closed) + ssc-classification-met (open) ----------------
@pytest.mark.parametrize(("dx", "system", "attest", "expected"), [
    (None, None, True, "not_met"),
    ("M34.9", None, True, "met"),
    ("M34.0", None, False, "not_met"),
    ("M34.81", None, None, "unknown"),
    ("89155008", SNOMED, True, "met"),
    ("M35.00", None, True, "not_met"),
])
def test_ssc_classification(dx: str | None, system: str | None, attest: bool | None,
                            expected: str) -> None:
    b = Bundle()
    if dx:
        b.condition(dx, "2020-01-01", **({"system": system} if system else {}))
    if attest is not None:
        b.attest("ssc-classification-met", attest)
    assert verdict(b, "ssc.inc.classification") == expected


# -- ssc.inc.ild = (not ILD) or (hrct-ground-glass and (FVC% < 70 or DLCO% < 70)), 90 days ----
def fvc(b: Bundle, value: float, day: str = D, loinc: bool = True) -> Bundle:
    if loinc:
        return b.lab("19872-1", value, "%", day)
    return b.lab("fvc-pct-pred", value, "%", day, system=ASSESSMENT)


def dlco(b: Bundle, value: float, day: str = D) -> Bundle:
    return b.lab("dlco-pct-pred", value, "%", day, system=ASSESSMENT)


@pytest.mark.parametrize(("ild", "gg", "fvc_v", "dlco_v", "expected"), [
    (None, None, None, None, "met"),           # no ILD: does not apply (closed)
    ("J84.10", True, 69.9, None, "met"),
    ("J84.10", True, 70, 70, "not_met"),       # both at 70: not < 70
    ("J84.10", True, 70, 69.9, "met"),
    ("J84.10", True, 70, None, "unknown"),
    ("J84.10", True, None, None, "unknown"),
    ("J84.10", False, 50, 50, "not_met"),
    ("J84.10", None, 50, None, "unknown"),
    ("J84.10", None, 70, 70, "not_met"),
    ("J84.9", True, 69, None, "met"),
    ("J99", True, 71, 71, "not_met"),
    ("M34.81", True, 71, 71, "not_met"),      # SSc with lung involvement is ILD
    ("M34.81", True, 69, None, "met"),
    ("J45.909", False, None, None, "met"),    # asthma is not ILD
])
def test_ssc_ild(ild: str | None, gg: bool | None, fvc_v: float | None, dlco_v: float | None,
                 expected: str) -> None:
    b = Bundle()
    if ild:
        b.condition(ild, "2022-01-01")
    if gg is not None:
        b.attest("hrct-ground-glass", gg)
    if fvc_v is not None:
        fvc(b, fvc_v)
    if dlco_v is not None:
        dlco(b, dlco_v)
    c = crit(b, "ssc.inc.ild")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert c.missing


def test_ssc_ild_snomed_and_assessment_fvc() -> None:
    b = Bundle().condition("233703007", "2022-01-01", system=SNOMED).attest(
        "hrct-ground-glass", True)
    assert verdict(fvc(b, 65, loinc=False), "ssc.inc.ild") == "met"


@pytest.mark.parametrize(("day", "expected"), [
    ("2026-03-03", "met"),      # exactly 90 days before
    ("2026-03-02", "unknown"),  # 91 days
    ("2026-06-02", "unknown"),  # after as-of
])
def test_ssc_ild_lung_function_window(day: str, expected: str) -> None:
    b = Bundle().condition("J84.10", "2022-01-01").attest("hrct-ground-glass", True)
    assert verdict(fvc(b, 60, day), "ssc.inc.ild") == expected


def test_ssc_ild_latest_fvc_not_rescued() -> None:
    b = Bundle().condition("J84.10", "2022-01-01").attest("hrct-ground-glass", True)
    fvc(fvc(b, 60, "2026-04-01"), 75, "2026-05-20")
    dlco(b, 80)
    assert verdict(b, "ssc.inc.ild") == "not_met"


# -- ssc.inc.progressive: relative change latest (≤ 90 days) vs earliest value within 12 months
#    before it; mRSS > +10 %, or FVC ≤ −10 %, or FVC ≤ −5 % with DLCO ≤ −15 % -----------------
BASE = "2025-09-01"


def series(b: Bundle, code: str, base: float, latest: float, base_day: str = BASE,
           latest_day: str = D) -> Bundle:
    system = LOINC if code == "19872-1" else ASSESSMENT
    unit = None if code == "mrss" else "%"
    b.lab(code, base, unit, base_day, system=system)
    return b.lab(code, latest, unit, latest_day, system=system)


@pytest.mark.parametrize(("mrss", "fvc_s", "dlco_s", "expected"), [
    ((20, 22.2), (80, 80), None, "met"),          # mRSS +11 %
    ((20, 22), (80, 80), None, "not_met"),        # +10 %: not more than 10 %
    ((20, 22), None, None, "unknown"),            # FVC unknown
    ((20, 20), (80, 72), None, "met"),            # FVC −10 %
    ((20, 20), (80, 72.1), (60, 60), "not_met"),  # FVC −9.875 %, DLCO unchanged
    ((20, 20), (80, 72.1), None, "unknown"),      # −9.875 % ≤ −5 %: the DLCO branch is open
    ((20, 20), (80, 76), (60, 51), "met"),        # FVC −5 % and DLCO −15 %
    ((20, 20), (80, 76), (60, 51.1), "not_met"),  # DLCO −14.83 %
    ((20, 20), (80, 76.1), (60, 40), "not_met"),  # FVC −4.875 %
    ((20, 20), (80, 76), None, "unknown"),        # FVC −5 %, DLCO unknown
    (None, (80, 72), None, "met"),
    (None, (80, 80), None, "unknown"),            # mRSS unknown
])
def test_ssc_progressive(mrss: tuple | None, fvc_s: tuple | None, dlco_s: tuple | None,
                         expected: str) -> None:
    b = Bundle()
    if mrss:
        series(b, "mrss", *mrss)
    if fvc_s:
        series(b, "19872-1", *fvc_s)
    if dlco_s:
        series(b, "dlco-pct-pred", *dlco_s)
    c = crit(b, "ssc.inc.progressive")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert c.missing


@pytest.mark.parametrize(("extra", "expected"), [
    # an older value outside the 12 months before the latest is not the baseline
    (("2025-05-19", 25), "met"),
    # a value exactly 12 months before the latest is the (earliest) baseline
    (("2025-05-20", 25), "not_met"),
])
def test_ssc_progressive_baseline_choice(extra: tuple[str, float], expected: str) -> None:
    b = series(Bundle(), "mrss", 20, 22.2)           # +11 % against 2025-09-01
    b.lab("mrss", extra[1], None, extra[0], system=ASSESSMENT)
    series(b, "19872-1", 80, 80)
    assert verdict(b, "ssc.inc.progressive") == expected


@pytest.mark.parametrize(("latest_day", "expected"), [
    ("2026-03-03", "met"),       # latest exactly 90 days before as-of
    ("2026-03-02", "unknown"),   # 91 days: no latest value
])
def test_ssc_progressive_latest_window(latest_day: str, expected: str) -> None:
    b = series(Bundle(), "mrss", 20, 30, latest_day=latest_day)
    assert verdict(b, "ssc.inc.progressive") == expected


def test_ssc_progressive_single_value_is_unknown() -> None:
    b = Bundle().lab("mrss", 30, None, D, system=ASSESSMENT)
    series(b, "19872-1", 80, 80)
    c = crit(b, "ssc.inc.progressive")
    assert c.verdict.value == "unknown"
    assert any("mRSS" in m for m in c.missing)


def test_ssc_progressive_ignores_data_after_as_of() -> None:
    b = series(Bundle(), "mrss", 20, 20)
    b.lab("mrss", 40, None, "2026-06-02", system=ASSESSMENT)
    series(b, "19872-1", 80, 80)
    assert verdict(b, "ssc.inc.progressive") == "not_met"


def test_ssc_progressive_baseline_must_be_a_day_earlier() -> None:
    b = Bundle().lab("mrss", 20, None, "2026-05-20T08:00:00Z", system=ASSESSMENT)
    b.lab("mrss", 30, None, "2026-05-20T15:00:00Z", system=ASSESSMENT)
    series(b, "19872-1", 80, 80)
    assert verdict(b, "ssc.inc.progressive") == "unknown"


@pytest.mark.parametrize(("first", "second", "expected"), [
    # two baseline values on the same day: the earliest is the earlier time (10 → +100 %)
    (("2025-09-01T08:00:00Z", 10), ("2025-09-01T16:00:00Z", 19), "met"),
    (("2025-09-01T16:00:00Z", 19), ("2025-09-01T08:00:00Z", 10), "met"),
    (("2025-09-01T08:00:00Z", 19), ("2025-09-01T16:00:00Z", 10), "unknown"),  # +5 %, FVC none
])
def test_ssc_progressive_same_day_baseline(first: tuple[str, float], second: tuple[str, float],
                                           expected: str) -> None:
    b = Bundle().lab("mrss", 20, None, "2026-05-20", system=ASSESSMENT)
    for when, value in (first, second):
        b.lab("mrss", value, None, when, system=ASSESSMENT)
    assert verdict(b, "ssc.inc.progressive") == expected
