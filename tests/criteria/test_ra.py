"""RA cohort (SPEC §4.2, §4.4): classification, duration, joints, inflammation, the three
difficult-to-treat criteria and their conjunction, functional class IV."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from builders import AS_OF, ATC, LOINC, MEDICATION, RXNORM, SNOMED, Bundle, crit, screen, verdict

D = "2026-05-20"


# -- ra.inc.classification: M05*, M06* except M06.1 / M06.4; SNOMED 69896004 -------------------
@pytest.mark.parametrize(("dx", "system", "attest", "expected"), [
    (None, None, True, "not_met"),
    ("M06.9", None, True, "met"),
    ("M05.79", None, True, "met"),
    ("M06.9", None, False, "not_met"),
    ("M06.9", None, None, "unknown"),
    ("M06.1", None, True, "not_met"),    # adult-onset Still's disease
    ("M06.4", None, True, "not_met"),    # inflammatory polyarthropathy
    ("69896004", SNOMED, True, "met"),
])
def test_ra_classification(dx: str | None, system: str | None, attest: bool | None,
                           expected: str) -> None:
    b = Bundle()
    if dx:
        b.condition(dx, "2020-01-01", **({"system": system} if system else {}))
    if attest is not None:
        b.attest("ra-classification-met", attest)
    assert verdict(b, "ra.inc.classification") == expected


# -- ra.inc.duration: onset ≤ as-of − 6 calendar months (closed) --------------------------------
@pytest.mark.parametrize(("onset", "recorded", "as_of", "expected"), [
    ("2026-02-28", None, date(2026, 8, 31), "met"),      # 2026-08-31 − 6 months = 2026-02-28
    ("2026-03-01", None, date(2026, 8, 31), "not_met"),
    ("2025-12-01", None, AS_OF, "met"),                  # exactly 6 months before 2026-06-01
    ("2025-12-02", None, AS_OF, "not_met"),
    (None, "2025-01-01", AS_OF, "met"),                  # recordedDate when no onset
    (None, "2026-05-01", AS_OF, "not_met"),
    (None, None, AS_OF, "unknown"),                      # undated diagnosis
    ("2026-06-02", None, AS_OF, "not_met"),              # after as-of: does not exist yet
])
def test_ra_duration(onset: str | None, recorded: str | None, as_of: date,
                     expected: str) -> None:
    b = Bundle().condition("M06.9", onset, recorded=recorded)
    c = crit(b, "ra.inc.duration", as_of=as_of)
    assert c.verdict.value == expected
    if expected == "unknown":
        assert c.missing


def test_ra_duration_no_diagnosis_and_several() -> None:
    c = crit(Bundle(), "ra.inc.duration")
    assert c.verdict.value == "not_met" and c.missing == ()
    b = Bundle().condition("M06.9", "2026-05-01").condition("M05.79", "2019-01-01")
    assert verdict(b, "ra.inc.duration") == "met"
    b = Bundle().condition("M06.1", "2019-01-01")  # Still's is not RA
    assert verdict(b, "ra.inc.duration") == "not_met"


# -- ra.inc.joints: SJC66 ≥ 6 and TJC68 ≥ 6 -------------------------------------------------------
@pytest.mark.parametrize(("sjc", "tjc", "expected"), [
    (6, 6, "met"), (5, 6, "not_met"), (6, 5, "not_met"), (7, 10, "met"),
    (6, None, "unknown"), (5, None, "not_met"), (None, None, "unknown"),
])
def test_ra_joints(sjc: int | None, tjc: int | None, expected: str) -> None:
    b = Bundle()
    if sjc is not None:
        b.assess("sjc66", sjc, D)
    if tjc is not None:
        b.assess("tjc68", tjc, D)
    c = crit(b, "ra.inc.joints")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert any("TJC68" in m for m in c.missing)


@pytest.mark.parametrize(("day", "expected"), [
    ("2026-05-04", "met"), ("2026-05-03", "unknown"), ("2026-06-02", "unknown"),
])
def test_ra_joints_window(day: str, expected: str) -> None:
    b = Bundle().assess("sjc66", 8, day).assess("tjc68", 8, day)
    assert verdict(b, "ra.inc.joints") == expected


# -- ra.inc.inflammation: CRP ≥ 10 mg/L or ESR ≥ 28 mm/h --------------------------------------
@pytest.mark.parametrize(("crp", "esr", "expected"), [
    ((10, "mg/L"), (20, "mm/h"), "met"),
    ((9.9, "mg/L"), (27, "mm/h"), "not_met"),
    ((9.9, "mg/L"), (28, "mm/h"), "met"),
    ((1.0, "mg/dL"), None, "met"),            # 1.0 mg/dL = 10 mg/L
    ((0.99, "mg/dL"), (27, "mm/h"), "not_met"),
    ((9, "mg/L"), None, "unknown"),
    (None, (28, "mm/h"), "met"),
    (None, (27.9, "mm/h"), "unknown"),
    (None, None, "unknown"),
])
def test_ra_inflammation(crp: tuple | None, esr: tuple | None, expected: str) -> None:
    b = Bundle()
    if crp:
        b.lab("1988-5", crp[0], crp[1], D)
    if esr:
        b.lab("4537-7", esr[0], esr[1], D)
    c = crit(b, "ra.inc.inflammation")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert c.missing


@pytest.mark.parametrize(("code", "value", "unit", "expected"), [
    ("30522-7", 10, "mg/L", "met"), ("76485-2", 9, "mg/L", "not_met"),
    ("30341-2", 28, "mm/h", "met"),
])
def test_ra_inflammation_other_codes(code: str, value: float, unit: str, expected: str) -> None:
    b = Bundle().lab(code, value, unit, D)
    if code != "30341-2":
        b.lab("4537-7", 5, "mm/h", D)
    else:
        b.lab("1988-5", 1, "mg/L", D)
    assert verdict(b, "ra.inc.inflammation") == expected


def test_ra_inflammation_window_and_latest() -> None:
    b = Bundle().lab("1988-5", 50, "mg/L", "2026-05-03").lab("4537-7", 10, "mm/h", D)
    assert verdict(b, "ra.inc.inflammation") == "unknown"   # CRP 29 days old
    b = Bundle().lab("1988-5", 50, "mg/L", "2026-05-10").lab("1988-5", 5, "mg/L", D)
    b.lab("4537-7", 10, "mm/h", D)
    assert verdict(b, "ra.inc.inflammation") == "not_met"   # latest CRP 5


# -- ra.inc.d2t-treatment = (csDMARD or csdmard-contraindicated or socioeconomic-restriction)
#    and ≥ 2 distinct b/tsDMARD mechanisms ever -------------------------------------------------
def drugs(*codes: str, cs: str | None = "L04AX03", attest: dict | None = None) -> Bundle:
    b = Bundle()
    if cs:
        b.med_statement(cs, "2020-01-01", "2021-01-01",
                        system=MEDICATION if cs == "iguratimod" else ATC)
    for i, code in enumerate(codes):
        system = RXNORM if code.isdigit() else ATC
        b.med_statement(code, f"202{1 + i}-02-01", f"202{1 + i}-12-01", system=system)
    for k, v in (attest or {}).items():
        b.attest(k, v)
    return b


@pytest.mark.parametrize(("b", "expected"), [
    (drugs("L04AB04", "L04AB01"), "not_met"),            # adalimumab + etanercept: both TNF
    (drugs("L04AB04", "L04AC07"), "met"),                # TNF + IL-6R
    (drugs("L04AB04"), "not_met"),                       # one mechanism
    (drugs("L04AB04", "L04AB04"), "not_met"),
    (drugs("L04AA29", "L04AB04"), "met"),                # tofacitinib (pre-2024 ATC) + TNF
    (drugs("L04AF02", "L04AC14"), "met"),                # baricitinib + sarilumab
    (drugs("121191", "614391"), "met"),                  # rituximab + abatacept (RxNorm)
    (drugs("L04AC03", "L04AB06"), "met"),                # anakinra + golimumab
    (drugs("191831", "L04AF02"), "met"),                 # infliximab (RxNorm) + baricitinib
    (drugs("191831", "327361"), "not_met"),              # infliximab + adalimumab: both TNF
    (drugs("709271", "72435"), "met"),                   # certolizumab + anakinra (RxNorm)
    (drugs("1357536", "2047232"), "not_met"),            # tofacitinib + baricitinib: both JAK
    (drugs("L04AB04", "L04AC07", cs="A07EC01"), "met"),  # sulfasalazine
    (drugs("L04AB04", "L04AC07", cs="iguratimod"), "met"),
    (drugs("L04AB04", "L04AC07", cs=None), "unknown"),   # no csDMARD: attestations open
    (drugs("L04AB04", "L04AC07", cs=None,
           attest={"csdmard-contraindicated": True}), "met"),
    (drugs("L04AB04", "L04AC07", cs=None,
           attest={"socioeconomic-restriction": True}), "met"),
    (drugs("L04AB04", "L04AC07", cs=None, attest={"csdmard-contraindicated": False,
                                                   "socioeconomic-restriction": False}),
     "not_met"),
    (drugs("L04AB04", cs=None), "not_met"),              # < 2 mechanisms decides
    (drugs(), "not_met"),
])
def test_ra_d2t_treatment(b: Bundle, expected: str) -> None:
    assert verdict(b, "ra.inc.d2t-treatment") == expected


def test_ra_d2t_treatment_ignores_entered_in_error_and_future() -> None:
    b = drugs("L04AB04")
    b.med_statement("L04AC07", "2024-01-01", "2024-06-01", status="entered-in-error")
    assert verdict(b, "ra.inc.d2t-treatment") == "not_met"
    b = drugs("L04AB04")
    b.med_statement("L04AC07", "2026-06-02", "2026-07-01")  # starts after as-of
    assert verdict(b, "ra.inc.d2t-treatment") == "not_met"


@pytest.mark.parametrize(("value", "expected"), [(True, "met"), (False, "not_met"),
                                                 (None, "unknown")])
def test_ra_d2t_problematic(value: bool | None, expected: str) -> None:
    b = Bundle()
    if value is not None:
        b.attest("symptoms-problematic", value)
    assert verdict(b, "ra.inc.d2t-problematic") == expected


# -- ra.inc.d2t-active: ≥ 1 of DAS28-ESR > 3.2 / CDAI > 10 (recorded or computed), active-
#    disease-signs, gc-taper-failed or current GC ≥ 7.5 mg/day > 182 days, mTSS +5 in a year,
#    qol-reduced ------------------------------------------------------------------------------
def inactive(**over: object) -> Bundle:
    """Every one of the five items decided and not met; ``over`` replaces one of them."""
    b = Bundle()
    das = over.pop("das28", 3.2)
    cdai = over.pop("cdai", 10)
    if das is not None:
        b.assess("das28-esr", das, D)
    if cdai is not None:
        b.assess("cdai", cdai, D)
    for code in ("active-disease-signs", "gc-taper-failed", "qol-reduced"):
        v = over.pop(code, False)
        if v is not None:
            b.attest(code, v)
    mtss = over.pop("mtss", (10, 14))
    if mtss is not None:
        b.assess("mtss", mtss[0], "2025-09-01").assess("mtss", mtss[1], D)
    assert not over, over
    return b


@pytest.mark.parametrize(("over", "expected"), [
    ({}, "not_met"),
    ({"das28": 3.21}, "met"),
    ({"cdai": 10.1}, "met"),
    ({"active-disease-signs": True}, "met"),
    ({"gc-taper-failed": True}, "met"),
    ({"qol-reduced": True}, "met"),
    ({"mtss": (10, 15)}, "met"),                   # +5 in a year
    ({"mtss": (10, 14.9)}, "not_met"),
    ({"mtss": None}, "unknown"),
    ({"qol-reduced": None}, "unknown"),
    ({"active-disease-signs": None}, "unknown"),
])
def test_ra_d2t_active(over: dict, expected: str) -> None:
    c = crit(inactive(**over), "ra.inc.d2t-active")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert c.missing


@pytest.mark.parametrize(("tjc", "sjc", "esr", "ptga", "expected"), [
    (4, 4, 20, 5, "met"),        # 1.12 + 0.56 + 2.097 + 0.7 = 4.48
    (0, 0, 1, 0, "not_met"),     # 0
    (1, 1, 2, 1, "not_met"),     # 0.56 + 0.28 + 0.485 + 0.14 = 1.47
])
def test_ra_d2t_active_computed_das28(tjc: float, sjc: float, esr: float, ptga: float,
                                      expected: str) -> None:
    b = inactive(das28=None)   # CDAI recorded 10 keeps the CDAI item not met
    b.assess("tjc28", tjc, D).assess("sjc28", sjc, D).lab("4537-7", esr, "mm/h", D)
    b.assess("ptga", ptga, D)
    assert verdict(b, "ra.inc.d2t-active") == expected


@pytest.mark.parametrize(("ptga", "unit", "phga", "expected"), [
    (1, None, 1.1, "met"),       # 5 + 3 + 1 + 1.1 = 10.1
    (1, None, 1, "not_met"),     # = 10: not > 10
    (10, "mm", 1.1, "met"),      # PtGA 10 mm = 1
    (10, "mm", 1, "not_met"),
])
def test_ra_d2t_active_computed_cdai(ptga: float, unit: str | None, phga: float,
                                     expected: str) -> None:
    b = inactive(cdai=None)    # DAS28 recorded 3.2 keeps the DAS28 item not met
    b.assess("sjc28", 5, D).assess("tjc28", 3, D).assess("ptga", ptga, D, unit=unit)
    b.assess("phga", phga, D)
    assert verdict(b, "ra.inc.d2t-active") == expected


def test_ra_d2t_active_cdai_loinc_codes() -> None:
    b = inactive(cdai=None)
    b.lab("88980-8", 5, None, D, system=LOINC).lab("88981-6", 3, None, D, system=LOINC)
    b.lab("75894-6", 1, None, D, system=LOINC).lab("75846-6", 1.1, None, D, system=LOINC)
    assert verdict(b, "ra.inc.d2t-active") == "met"
    b = inactive(cdai=None).lab("75847-4", 10.5, None, D, system=LOINC)  # recorded CDAI
    assert verdict(b, "ra.inc.d2t-active") == "met"


@pytest.mark.parametrize(("days_back", "mg", "status", "expected"), [
    (182, 7.5, "active", "met"),       # 183 days up to as-of inclusive
    (181, 7.5, "active", "not_met"),   # 182 days: not more than 182
    (400, 7.4, "active", "not_met"),   # below 7.5 mg/day
    (400, 7.5, "completed", "unknown"),  # open end, not active: may have stopped
])
def test_ra_d2t_active_current_glucocorticoid(days_back: int, mg: float, status: str,
                                              expected: str) -> None:
    b = inactive()  # gc-taper-failed attested false: the exposure decides
    start = (AS_OF - timedelta(days=days_back)).isoformat()
    b.med_statement("H02AB07", start, None, dose_mg=mg, status=status)
    assert verdict(b, "ra.inc.d2t-active") == expected


def test_ra_d2t_active_glucocorticoid_ended_is_not_current() -> None:
    b = inactive()
    b.med_statement("H02AB07", "2025-01-01", "2026-05-01", dose_mg=10)
    assert verdict(b, "ra.inc.d2t-active") == "not_met"


def test_ra_d2t_active_recorded_values_outside_window() -> None:
    b = inactive(das28=None)
    b.assess("das28-esr", 5.0, "2026-05-03")     # 29 days: not a screening value
    assert verdict(b, "ra.inc.d2t-active") == "unknown"


# -- ra.inc.d2t = d2t-treatment and d2t-problematic and d2t-active ------------------------------
@pytest.mark.parametrize(("treat", "problem", "active", "expected"), [
    (True, True, True, "met"),
    (False, True, True, "not_met"),
    (True, False, True, "not_met"),
    (True, True, False, "not_met"),
    (True, None, True, "unknown"),
])
def test_ra_d2t(treat: bool, problem: bool | None, active: bool, expected: str) -> None:
    b = inactive(**{"qol-reduced": active})
    b.med_statement("L04AX03", "2019-01-01", "2019-12-01")
    b.med_statement("L04AB04", "2020-01-01", "2020-12-01")
    if treat:
        b.med_statement("L04AC07", "2021-01-01", "2021-12-01")
    if problem is not None:
        b.attest("symptoms-problematic", problem)
    assert verdict(b, "ra.inc.d2t") == expected


# -- ra.exc.functional-class: most recent ACR class within 90 days = 4 (open) -------------------
@pytest.mark.parametrize(("values", "expected"), [
    ([(4, D)], "met"),
    ([(3, D)], "not_met"),
    ([(4, "2026-03-03")], "met"),        # exactly 90 days before
    ([(4, "2026-03-02")], "unknown"),    # 91 days
    ([(4, "2026-06-02")], "unknown"),    # after as-of
    ([(4, "2026-04-01"), (3, D)], "not_met"),
    ([(3, "2026-04-01"), (4, D)], "met"),
    ([], "unknown"),
])
def test_ra_functional_class(values: list[tuple[int, str]], expected: str) -> None:
    b = Bundle()
    for v, day in values:
        b.assess("acr-functional-class", v, day)
    c = crit(b, "ra.exc.functional-class")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert any("functional class" in m for m in c.missing)


def test_ra_functional_class_value_integer() -> None:
    b = Bundle().lab("acr-functional-class", 4, None, D, system="urn:eligo:assessment",
                     integer=True)
    assert verdict(b, "ra.exc.functional-class") == "met"


def test_ra_cohort_ineligible_by_functional_class() -> None:
    # SPEC §2.3: an exclusion met → the cohort is ineligible, the other cohorts are not affected
    res = screen(Bundle().assess("acr-functional-class", 4, D))
    assert res.cohort("ra").status == "ineligible"
    assert "ra.exc.functional-class" in res.cohort("ra").blocking
    assert "ra.exc.functional-class" not in res.cohort("pss").blocking


@pytest.mark.parametrize(("text", "expected"), [
    ("Iguratimod 25 mg tablets", "met"),   # no ATC code: recognised by name, like telitacicept
    ("igura", "unknown"),                  # not the name: no csDMARD, attestations open
])
def test_ra_d2t_treatment_iguratimod_by_name(text: str, expected: str) -> None:
    b = drugs("L04AB04", "L04AC07", cs=None)
    b.add({"resourceType": "MedicationStatement", "status": "completed",
           "medicationCodeableConcept": {"text": text},
           "effectivePeriod": {"start": "2020-01-01", "end": "2021-01-01"}})
    assert verdict(b, "ra.inc.d2t-treatment") == expected
