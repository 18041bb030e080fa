"""IIM cohort (SPEC §4.2, §4.4): classification, activity, antibody, exclusions. (The refractory
rule is tested in test_pss.py.)"""

from __future__ import annotations

import pytest

from builders import ASSESSMENT, LOINC, SNOMED, Bundle, crit, verdict

D = "2026-05-20"


# -- iim.inc.classification ------------------------------------------------------------------
@pytest.mark.parametrize(("dx", "system", "attest", "expected"), [
    (None, None, True, "not_met"),
    ("M33.10", None, True, "met"),
    ("M33.20", None, False, "not_met"),
    ("M60.80", None, True, "met"),
    ("M36.0", None, None, "unknown"),
    ("31384009", SNOMED, True, "met"),    # polymyositis
    ("396230008", SNOMED, True, "met"),   # dermatomyositis
    ("G72.41", None, True, "not_met"),    # inclusion body myositis is not in the set
])
def test_iim_classification(dx: str | None, system: str | None, attest: bool | None,
                            expected: str) -> None:
    b = Bundle()
    if dx:
        b.condition(dx, "2020-01-01", **({"system": system} if system else {}))
    if attest is not None:
        b.attest("iim-classification-met", attest)
    assert verdict(b, "iim.inc.classification") == expected


# -- iim.inc.activity = (not muscle-involvement) or (MMT-8 < 142 and ≥ 2 of 5 core measures) ---
def scores(muscle: bool | None = True, mmt8: float | None = 100, phga: float | None = None,
           ptga: float | None = None, ema: float | None = None, haq: float | None = None,
           unit: str | None = None) -> Bundle:
    b = Bundle()
    if muscle is not None:
        b.attest("muscle-involvement", muscle)
    for code, v in (("mmt8", mmt8), ("phga", phga), ("ptga", ptga),
                    ("extramuscular-activity", ema), ("haq-di", haq)):
        if v is not None:
            b.assess(code, v, D, unit=unit if code not in ("mmt8", "haq-di") else None)
    return b


NORMAL_CK = {"ck": 100}  # measured, below 1.5 × ULN 200: enzymes not_met


def enzymes(b: Bundle, **values: float) -> Bundle:
    codes = {"ck": "2157-6", "aldolase": "1761-6", "ldh": "2532-0", "ast": "1920-8",
             "alt": "1742-6"}
    for k, v in values.items():
        b.lab(codes[k], v, "U/L", D, high=200)
    return b


@pytest.mark.parametrize(("kw", "enz", "expected"), [
    ({"muscle": False}, {}, "met"),                                    # does not apply
    ({"phga": 2, "ptga": 2}, NORMAL_CK, "met"),
    ({"mmt8": 142, "phga": 2, "ptga": 2}, NORMAL_CK, "not_met"),       # not < 142
    ({"mmt8": 141, "phga": 2, "ptga": 2}, NORMAL_CK, "met"),
    ({"mmt8": None, "phga": 2, "ptga": 2}, NORMAL_CK, "unknown"),
    ({"phga": 1.9, "ptga": 2}, NORMAL_CK, "unknown"),                  # EMA, HAQ open
    ({"phga": 1.9, "ptga": 2, "ema": 1.9, "haq": 0.24}, NORMAL_CK, "not_met"),
    ({"phga": 1.9, "ptga": 2, "ema": 2, "haq": 0.24}, NORMAL_CK, "met"),
    ({"phga": 1.9, "ptga": 2, "ema": 1.9, "haq": 0.25}, NORMAL_CK, "met"),
    ({"phga": 1.9, "ptga": 1.9, "ema": 1.9, "haq": 0.25}, {"ck": 300}, "met"),   # CK 1.5 × ULN
    ({"phga": 1.9, "ptga": 1.9, "ema": 1.9, "haq": 0.25}, {"ck": 299}, "not_met"),
    ({"phga": 1.9, "ptga": 1.9, "ema": 1.9, "haq": 0.25}, {}, "unknown"),  # none measured
    ({"phga": 1.9, "ptga": 1.9, "ema": 1.9, "haq": 0.25}, {"ldh": 300}, "met"),
    ({"phga": 1.9, "ptga": 1.9, "ema": 1.9, "haq": 0.25}, {"aldolase": 300}, "met"),
    ({"phga": 1.9, "ptga": 1.9, "ema": 1.9, "haq": 0.25}, {"ast": 300}, "met"),
    ({"phga": 1.9, "ptga": 1.9, "ema": 1.9, "haq": 0.25}, {"alt": 300}, "met"),
    ({"phga": 1.9, "ptga": 1.9, "ema": 1.9, "haq": 0.25},
     {"ck": 100, "alt": 299, "ldh": 150}, "not_met"),
    ({"muscle": None, "phga": 2, "ptga": 2}, NORMAL_CK, "met"),        # Kleene: B met → met
    ({"muscle": None, "mmt8": 142}, NORMAL_CK, "unknown"),
])
def test_iim_activity(kw: dict, enz: dict, expected: str) -> None:
    c = crit(enzymes(scores(**kw), **enz), "iim.inc.activity")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert c.missing


@pytest.mark.parametrize(("phga", "ptga", "expected"), [
    (20, 20, "met"),        # 20 mm = 2
    (19, 20, "not_met"),    # 19 mm = 1.9
])
def test_iim_activity_globals_in_mm(phga: float, ptga: float, expected: str) -> None:
    b = enzymes(scores(phga=phga, ptga=ptga, ema=1, haq=0.1, unit="mm"), **NORMAL_CK)
    assert verdict(b, "iim.inc.activity") == expected


def test_iim_activity_global_loinc_codes() -> None:
    b = scores(haq=0.1, ema=1)
    b.lab("75846-6", 2, None, D, system=LOINC).lab("75894-6", 2, None, D, system=LOINC)
    assert verdict(enzymes(b, **NORMAL_CK), "iim.inc.activity") == "met"


def test_iim_activity_enzyme_without_uln() -> None:
    base = {"phga": 1.9, "ptga": 1.9, "ema": 1.9, "haq": 0.25}
    # a measured enzyme without ULN, none met → unknown
    b = scores(**base).lab("2157-6", 1000, "U/L", D)
    c = crit(b, "iim.inc.activity")
    assert c.verdict.value == "unknown"
    assert "upper limit of normal for CK" in c.missing
    # … and normal CK with an aldolase lacking ULN is still unknown
    b = enzymes(scores(**base), ck=100).lab("1761-6", 50, "U/L", D)
    assert verdict(b, "iim.inc.activity") == "unknown"
    # … but any enzyme met decides
    b = enzymes(scores(**base), ck=300).lab("1761-6", 50, "U/L", D)
    assert verdict(b, "iim.inc.activity") == "met"


@pytest.mark.parametrize(("day", "expected"), [
    ("2026-05-04", "met"),       # enzymes 28 days before: measured
    ("2026-05-03", "unknown"),   # 29 days: not measured in the window
])
def test_iim_activity_enzyme_window(day: str, expected: str) -> None:
    b = scores(phga=1.9, ptga=1.9, ema=1.9, haq=0.25).lab("2157-6", 300, "U/L", day, high=200)
    assert verdict(b, "iim.inc.activity") == expected


# -- iim.inc.antibody: any positive myositis antibody, any date on or before as-of ------------
@pytest.mark.parametrize(("results", "expected"), [
    ([("33571-1", "positive", "2015-01-01")], "met"),            # anti-Jo-1, long ago
    ([("myositis-antibody", "positive", "2020-01-01")], "met"),  # panel assessment
    ([("33571-1", "negative", "2026-05-01")], "not_met"),
    ([("33571-1", "positive", "2019-01-01"), ("33571-1", "negative", "2026-05-01")], "met"),
    ([("33571-1", "positive", "2026-06-02")], "unknown"),        # after as-of
    ([], "unknown"),
])
def test_iim_antibody(results: list[tuple[str, str, str]], expected: str) -> None:
    b = Bundle()
    for code, result, day in results:
        b.qual(code, result, day, system=ASSESSMENT if code == "myositis-antibody" else LOINC)
    c = crit(b, "iim.inc.antibody")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert any("myositis antibod" in m for m in c.missing)


# -- iim.exc.drug-induced, iim.exc.ibm (closed Conditions) ------------------------------------
@pytest.mark.parametrize(("cid", "code", "system", "expected"), [
    ("iim.exc.drug-induced", "G72.0", None, "met"),
    ("iim.exc.drug-induced", "G72.1", None, "not_met"),
    ("iim.exc.drug-induced", None, None, "not_met"),
    ("iim.exc.ibm", "G72.41", None, "met"),
    ("iim.exc.ibm", "72315009", SNOMED, "met"),
    ("iim.exc.ibm", "G72.49", None, "not_met"),
    ("iim.exc.ibm", None, None, "not_met"),
])
def test_iim_exclusions(cid: str, code: str | None, system: str | None, expected: str) -> None:
    b = Bundle()
    if code:
        b.condition(code, "2020-01-01", **({"system": system} if system else {}))
    assert verdict(b, cid) == expected


# -- iim.exc.cancer-associated: malignancy (excepted included) with onset within 2 calendar
#    years either side of the earliest myositis onset ----------------------------------------
@pytest.mark.parametrize(("myositis", "tumour", "expected"), [
    (["2024-03-15"], ("C50.911", "2022-03-15"), "met"),      # exactly 2 years before
    (["2024-03-15"], ("C50.911", "2022-03-14"), "not_met"),  # 2 years + 1 day before
    (["2024-03-15"], ("C50.911", "2026-03-15"), "met"),      # exactly 2 years after
    (["2024-03-15"], ("C50.911", "2026-03-16"), "not_met"),  # 2 years + 1 day after
    (["2024-03-15"], ("C44.91", "2024-01-01"), "met"),       # excepted codes included
    (["2019-01-10", "2024-03-15"], ("C50.911", "2023-06-01"), "not_met"),  # earliest onset
    ([], ("C50.911", "2023-06-01"), "not_met"),
    (["2024-03-15"], None, "not_met"),
])
def test_cancer_associated(myositis: list[str], tumour: tuple[str, str] | None,
                           expected: str) -> None:
    b = Bundle()
    for onset in myositis:
        b.condition("M33.20", onset)
    if tumour:
        b.condition(tumour[0], tumour[1])
    assert verdict(b, "iim.exc.cancer-associated") == expected


def test_cancer_associated_tumour_after_as_of_does_not_exist() -> None:
    b = Bundle().condition("M33.20", "2025-01-01").condition("C50.911", "2026-06-02")
    assert verdict(b, "iim.exc.cancer-associated") == "not_met"
