"""inc.crcl: Cockcroft–Gault ≥ 60 mL/min (SPEC §4.1): (140 − age) × kg ÷ (72 × creatinine
mg/dL), × 0.85 if female; creatinine = screening value, weight = most recent within 90 days;
creatinine 1 mg/dL = 88.42 µmol/L (§2.6); exact decimal boundaries (§2.6)."""

from __future__ import annotations

import pytest

from builders import Bundle, crit, verdict

D = "2026-05-20"
BORN_50 = "1976-06-01"  # 50 on as-of 2026-06-01


def patient(gender: str = "male", birth: str | None = BORN_50, weight: float | None = 48,
            wunit: str = "kg", creat: float | None = 1.0, cunit: str = "mg/dL",
            creat_code: str = "2160-0", wday: str = D, cday: str = D) -> Bundle:
    b = Bundle(birth=birth, gender=gender)
    if weight is not None:
        b.lab("29463-7", weight, wunit, wday)
    if creat is not None:
        b.lab(creat_code, creat, cunit, cday)
    return b


@pytest.mark.parametrize(("kw", "expected"), [
    ({}, "met"),                                               # exactly 60.0
    ({"weight": 47.92}, "not_met"),                            # 59.9
    ({"weight": 48.08}, "met"),                                # 60.1
    ({"creat": 1.01}, "not_met"),
    ({"creat": 88.42, "cunit": "umol/L"}, "met"),              # = 1.0 mg/dL
    ({"creat": 88.42, "cunit": "umol/L", "creat_code": "14682-9"}, "met"),
    ({"creat": 88.5, "cunit": "umol/L", "creat_code": "14682-9"}, "not_met"),
    ({"creat": 1.0, "creat_code": "38483-4"}, "met"),
    ({"weight": 48000, "wunit": "g"}, "met"),                  # 48 kg
    ({"weight": 47900, "wunit": "g"}, "not_met"),
    ({"weight": 106, "wunit": "[lb_av]"}, "met"),              # 48.08 kg
    ({"weight": 105.6, "wunit": "[lb_av]"}, "not_met"),        # 47.90 kg
    ({"weight": 48, "gender": "female"}, "not_met"),           # × 0.85 = 51
    ({"weight": 48, "gender": "female", "creat": 0.85}, "met"),  # × 0.85 ÷ 0.85 = 60
    ({"weight": 48, "gender": "female", "creat": 0.86}, "not_met"),
    ({"birth": "1975-06-01"}, "not_met"),                      # 51 years: 59.33
    ({"birth": "1976-06-02"}, "met"),                          # 49 years: 60.67
])
def test_crcl_boundaries(kw: dict, expected: str) -> None:
    assert verdict(patient(**kw), "inc.crcl") == expected


def test_crcl_weight_other_code() -> None:
    b = Bundle(birth=BORN_50, gender="male").lab("3141-9", 48, "kg", D).lab(
        "2160-0", 1.0, "mg/dL", D)
    assert verdict(b, "inc.crcl") == "met"


@pytest.mark.parametrize(("kw", "expected", "words"), [
    ({"weight": None}, "unknown", ["body weight"]),
    ({"creat": None}, "unknown", ["creatinine"]),
    ({"weight": None, "creat": None}, "unknown", ["body weight", "creatinine"]),
    ({"birth": None}, "unknown", ["birth"]),
    ({"gender": "unknown"}, "unknown", ["sex"]),
    ({"wday": "2026-03-03"}, "met", []),                   # weight exactly 90 days before
    ({"wday": "2026-03-02"}, "unknown", ["body weight"]),  # 91 days
    ({"cday": "2026-05-04"}, "met", []),                   # creatinine 28 days before
    ({"cday": "2026-05-03"}, "unknown", ["creatinine"]),   # 29 days
    ({"cday": "2026-06-02"}, "unknown", ["creatinine"]),   # after as-of
    ({"wday": "2026-06-02"}, "unknown", ["body weight"]),
])
def test_crcl_missing_inputs(kw: dict, expected: str, words: list[str]) -> None:
    c = crit(patient(**kw), "inc.crcl")
    assert c.verdict.value == expected
    for w in words:
        assert any(w in m for m in c.missing), (w, c.missing)
    if len(words) == 2:
        assert len(c.missing) >= 2


def test_crcl_latest_creatinine_not_rescued() -> None:
    b = patient(creat=1.0, cday="2026-05-10").lab("2160-0", 1.2, "mg/dL", "2026-05-20")
    assert verdict(b, "inc.crcl") == "not_met"


def test_crcl_most_recent_weight_used() -> None:
    b = patient(weight=40, wday="2026-04-01").lab("29463-7", 48, "kg", "2026-05-01")
    assert verdict(b, "inc.crcl") == "met"
    b = patient(weight=48, wday="2026-04-01").lab("29463-7", 40, "kg", "2026-05-01")
    assert verdict(b, "inc.crcl") == "not_met"


def test_crcl_furlongs_creatinine_skipped() -> None:
    b = patient(creat=1.0, cday="2026-05-10").lab("2160-0", 0.5, "furlongs", "2026-05-25",
                                                  rid="bad")
    from builders import screen
    res = screen(b)
    assert res.criterion("inc.crcl").verdict.value == "met"
    assert any(p.reference == "Observation/bad" for p in res.problems)


# Sex not recorded as male or female: the clearance lies between the female (× 0.85) and the
# male value, which decides whenever both fall on one side of 60 (SPEC §4.1 open: else unknown)
@pytest.mark.parametrize("gender", ["other", "unknown", None])
@pytest.mark.parametrize(("creat", "expected"), [
    (0.85, "met"),       # female 60.0 exactly, male 70.6
    (0.86, "unknown"),   # female 59.3, male 69.8: the sex decides
    (1.0, "unknown"),    # female 51, male 60.0
    (1.01, "not_met"),   # male 59.4: neither reaches 60
])
def test_crcl_sex_not_recorded(gender: str | None, creat: float, expected: str) -> None:
    c = crit(patient(gender=gender, creat=creat), "inc.crcl")  # type: ignore[arg-type]
    assert c.verdict.value == expected
    assert bool(c.missing) == (expected == "unknown")
    if expected == "unknown":
        assert any("sex" in m for m in c.missing), c.missing
