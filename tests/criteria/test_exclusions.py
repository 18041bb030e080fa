"""Common exclusions (SPEC §4.3; value sets §3.4, §3.5; record status §2.11; qualitative
results §2.7). exc.pregnancy is in test_pregnancy.py. Exclusion `met` excludes."""

from __future__ import annotations

import pytest

from builders import ICD10, SNOMED, Bundle, crit, screen, verdict


# -- closed criteria: nothing in the record → not_met, nothing missing (§2.2) ------------------
@pytest.mark.parametrize("cid", [
    "exc.allergy", "exc.infection", "exc.cns", "exc.cardiac", "exc.immunodeficiency",
    "exc.malignancy", "exc.esrd", "exc.mental", "exc.recent-trial", "exc.investigator",
])
def test_closed_exclusion_without_data(cid: str) -> None:
    c = crit(Bundle(), cid)
    assert c.verdict.value == "not_met"
    assert c.missing == ()


# -- Condition value sets, any time (§3.4) ------------------------------------------------------
@pytest.mark.parametrize(("cid", "code", "expected"), [
    ("exc.cns", "G40.909", "met"), ("exc.cns", "F20.9", "met"), ("exc.cns", "F29", "met"),
    ("exc.cns", "F05", "met"), ("exc.cns", "I63.9", "met"), ("exc.cns", "I69.30", "met"),
    ("exc.cns", "G04.90", "met"), ("exc.cns", "A86", "met"), ("exc.cns", "I67.7", "met"),
    ("exc.cns", "G93.40", "met"), ("exc.cns", "F10.20", "not_met"),
    ("exc.cns", "I67.8", "not_met"), ("exc.cns", "G43.909", "not_met"),
    ("exc.cardiac", "I20.9", "met"), ("exc.cardiac", "I21.4", "met"),
    ("exc.cardiac", "I25.110", "met"), ("exc.cardiac", "I25.2", "met"),
    ("exc.cardiac", "I25.710", "met"), ("exc.cardiac", "I50.9", "met"),
    ("exc.cardiac", "I11.0", "met"), ("exc.cardiac", "I13.2", "met"),
    ("exc.cardiac", "I47.1", "met"), ("exc.cardiac", "I48.91", "met"),
    ("exc.cardiac", "I49.9", "met"), ("exc.cardiac", "I25.10", "not_met"),
    ("exc.cardiac", "I11.9", "not_met"), ("exc.cardiac", "I10", "not_met"),
    ("exc.immunodeficiency", "D80.0", "met"), ("exc.immunodeficiency", "D83.9", "met"),
    ("exc.immunodeficiency", "D84.0", "met"), ("exc.immunodeficiency", "D84.1", "met"),
    ("exc.immunodeficiency", "D84.89", "met"), ("exc.immunodeficiency", "D84.81", "not_met"),
    ("exc.immunodeficiency", "D84.821", "not_met"),
    ("exc.esrd", "N18.6", "met"), ("exc.esrd", "Z99.2", "met"), ("exc.esrd", "N18.5", "not_met"),
    ("exc.mental", "F20.0", "met"), ("exc.mental", "F32.9", "met"), ("exc.mental", "F39", "met"),
    ("exc.mental", "F03.90", "met"), ("exc.mental", "F41.1", "not_met"),
    ("exc.mental", "F10.20", "not_met"),
])
def test_condition_value_sets(cid: str, code: str, expected: str) -> None:
    assert verdict(Bundle().condition(code, "2015-01-01"), cid) == expected


def test_icd10_who_code_matches() -> None:
    # F00 (dementia in Alzheimer's) exists only in WHO ICD-10
    assert verdict(Bundle().condition("F00.9", "2015-01-01", system=ICD10), "exc.mental") == "met"


@pytest.mark.parametrize(("cid", "code"), [
    ("exc.cns", "G40.909"), ("exc.cardiac", "I21.4"), ("exc.esrd", "N18.6"),
    ("exc.immunodeficiency", "D80.0"), ("exc.mental", "F20.0"),
])
@pytest.mark.parametrize(("kw", "expected"), [
    ({"clinical": "resolved", "abatement": "2016-01-01"}, "met"),  # any time: history counts
    ({"verification": "refuted"}, "not_met"),                      # §2.11
    ({"verification": "entered-in-error"}, "not_met"),
    ({"onset": "2026-06-02"}, "not_met"),                          # after as-of
    ({"onset": None, "recorded": "2020-01-01"}, "met"),
])
def test_condition_status_and_dates(cid: str, code: str, kw: dict, expected: str) -> None:
    args = {"onset": "2015-01-01", **kw}
    onset = args.pop("onset")
    assert verdict(Bundle().condition(code, onset, **args), cid) == expected


# -- exc.malignancy: excepted cancers only if ended strictly > 5 years before (§4.3) -----------
# as-of 2026-06-01 − 5 years = 2021-06-01
@pytest.mark.parametrize(("code", "abatement", "expected"), [
    ("C44.91", "2021-05-31", "not_met"),   # 5 years + 1 day: disease-free > 5 years
    ("C44.91", "2021-06-01", "met"),       # exactly 5 years: not more than 5
    ("C44.91", "2023-01-01", "met"),
    ("C44.91", None, "met"),               # no end date: not excepted
    ("D06.9", "2010-01-01", "not_met"),    # cervix in situ
    ("D05.10", "2010-01-01", "not_met"),   # breast in situ
    ("D09.0", "2010-01-01", "not_met"),    # bladder in situ
    ("D09.0", None, "met"),
    ("C50.911", "2010-01-01", "met"),      # not an excepted cancer: any time
    ("C43.9", "2010-01-01", "met"),        # melanoma is not excepted
    ("C92.10", None, "met"),
    ("D03.9", None, "not_met"),            # melanoma in situ is not in the value set
    ("D12.6", None, "not_met"),            # benign
])
def test_malignancy(code: str, abatement: str | None, expected: str) -> None:
    clinical = "resolved" if abatement else "active"
    b = Bundle().condition(code, "2008-01-01", clinical=clinical, abatement=abatement)
    assert verdict(b, "exc.malignancy") == expected


# -- exc.infection: current Condition in active infection, or attestation (§4.3, §3.4) --------
@pytest.mark.parametrize(("code", "clinical", "expected"), [
    ("A15.0", "active", "met"),
    ("B37.0", "recurrence", "met"),
    ("J18.9", "relapse", "met"),
    ("J12.82", None, "met"),                # no clinicalStatus: current
    ("J18.9", "resolved", "not_met"),       # not current
    ("A15.0", "inactive", "not_met"),
    ("B18.1", "active", "not_met"),         # chronic hepatitis B: judged by exc.hbv
    ("B20", "active", "not_met"),           # HIV: judged by exc.hiv
    ("A51.0", "active", "not_met"),         # syphilis: judged by exc.syphilis
    ("J45.909", "active", "not_met"),       # asthma
])
def test_infection_condition(code: str, clinical: str | None, expected: str) -> None:
    assert verdict(Bundle().condition(code, "2026-05-01", clinical=clinical),
                   "exc.infection") == expected


@pytest.mark.parametrize(("value", "expected"), [(True, "met"), (False, "not_met")])
def test_infection_attestation(value: bool, expected: str) -> None:
    assert verdict(Bundle().attest("uncontrolled-infection", value), "exc.infection") == expected


# -- exc.allergy: trial-drug allergy, any severe allergy, or attestation (§4.3) ----------------
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SCT = "http://snomed.info/sct"


@pytest.mark.parametrize(("code", "system", "kw", "expected"), [
    ("L01AA01", None, {}, "met"),                                # cyclophosphamide
    ("L01BB05", None, {}, "met"),                                # fludarabine
    ("L04AC07", None, {}, "met"),                                # tocilizumab
    ("3002", RXNORM, {}, "met"),                                 # cyclophosphamide (RxNorm)
    ("387420009", SCT, {}, "met"),                               # cyclophosphamide (SNOMED)
    ("386907005", SCT, {}, "met"),                               # fludarabine (SNOMED)
    ("444648007", SCT, {}, "met"),                               # tocilizumab (SNOMED)
    ("372687004", SCT, {}, "not_met"),                           # amoxicillin (SNOMED), mild
    ("L01AA01", None, {"verification": "refuted"}, "not_met"),
    ("L01AA01", None, {"verification": "entered-in-error"}, "not_met"),
    ("J01CA04", None, {"criticality": "low"}, "not_met"),        # amoxicillin, mild
    ("J01CA04", None, {"criticality": "high"}, "met"),           # any drug, high criticality
    ("J01CA04", None, {"severity": "severe"}, "met"),            # severe reaction
    ("J01CA04", None, {"severity": "moderate"}, "not_met"),
    ("J01CA04", None, {"criticality": "high", "verification": "refuted"}, "not_met"),
])
def test_allergy(code: str, system: str | None, kw: dict, expected: str) -> None:
    b = Bundle().allergy(code, **({"system": system} if system else {}), **kw)
    assert verdict(b, "exc.allergy") == expected


@pytest.mark.parametrize(("value", "expected"), [(True, "met"), (False, "not_met")])
def test_allergy_attestation(value: bool, expected: str) -> None:
    assert verdict(Bundle().attest("severe-allergy-history", value), "exc.allergy") == expected


# -- exc.recent-trial: ResearchSubject overlapping the 3 months before as-of (§4.3) -----------
# as-of 2026-06-01 − 3 months = 2026-03-01
@pytest.mark.parametrize(("start", "end", "status", "expected"), [
    ("2025-01-01", "2026-03-01", "off-study", "met"),     # ends on the window's first day
    ("2025-01-01", "2026-02-28", "off-study", "not_met"),  # ends the day before
    ("2026-05-01", None, "on-study", "met"),              # ongoing
    ("2025-01-01", None, "on-study", "met"),
    ("2026-06-01", None, "on-study", "met"),              # starts on as-of
    ("2026-06-02", None, "on-study", "not_met"),          # starts after as-of
    ("2026-05-01", None, "candidate", "not_met"),         # §2.11: not counted
    ("2026-05-01", None, "ineligible", "not_met"),
    ("2026-05-01", None, "not-registered", "not_met"),
])
def test_recent_trial(start: str, end: str | None, status: str, expected: str) -> None:
    b = Bundle().research_subject(start, end, status=status)
    assert verdict(b, "exc.recent-trial") == expected


@pytest.mark.parametrize(("value", "expected"), [(True, "met"), (False, "not_met")])
def test_recent_trial_attestation(value: bool, expected: str) -> None:
    assert verdict(Bundle().attest("recent-trial-treatment", value),
                   "exc.recent-trial") == expected


@pytest.mark.parametrize(("value", "expected"), [(True, "met"), (False, "not_met")])
def test_investigator(value: bool, expected: str) -> None:
    assert verdict(Bundle().attest("investigator-excludes", value),
                   "exc.investigator") == expected


# -- exc.hbv = (HBsAg pos or HBcAb pos) and HBV DNA detected; each latest within 90 days -------
HBSAG, HBCAB, DNA = "5196-1", "16933-4", "42595-9"


@pytest.mark.parametrize(("hbsag", "hbcab", "dna", "expected"), [
    ("negative", "negative", None, "not_met"),
    ("negative", "negative", "detected", "not_met"),
    ("positive", None, "not detected", "not_met"),
    ("positive", None, None, "unknown"),
    ("positive", "negative", "detected", "met"),
    ("negative", "positive", "detected", "met"),
    ("negative", "positive", None, "unknown"),
    ("negative", "positive", "not detected", "not_met"),
    ("negative", None, None, "unknown"),
    ("negative", None, "not detected", "not_met"),
    ("negative", None, "detected", "unknown"),
    (None, None, "detected", "unknown"),
    (None, None, "not detected", "not_met"),
    (None, None, None, "unknown"),
])
def test_hbv(hbsag: str | None, hbcab: str | None, dna: str | None, expected: str) -> None:
    b = Bundle()
    for code, result in ((HBSAG, hbsag), (HBCAB, hbcab), (DNA, dna)):
        if result is not None:
            b.qual(code, result, "2026-05-01")
    c = crit(b, "exc.hbv")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert c.missing


@pytest.mark.parametrize(("codes", "expected"), [
    (("5195-3", "13952-7", "29615-2"), "met"),
    (("75410-1", "16933-4", "42595-9"), "met"),
])
def test_hbv_other_codes(codes: tuple[str, str, str], expected: str) -> None:
    b = Bundle().qual(codes[0], "positive", "2026-05-01").qual(codes[2], "detected", "2026-05-01")
    assert verdict(b, "exc.hbv") == expected


@pytest.mark.parametrize(("day", "expected"), [
    ("2026-03-03", "met"),       # exactly 90 days before
    ("2026-03-02", "unknown"),   # 91 days: HBsAg result too old
    ("2026-06-02", "unknown"),   # after as-of
])
def test_hbv_window(day: str, expected: str) -> None:
    b = Bundle().qual(HBSAG, "positive", day).qual(DNA, "detected", "2026-05-01")
    assert verdict(b, "exc.hbv") == expected


def test_hbv_latest_result_counts() -> None:
    b = (Bundle().qual(HBSAG, "positive", "2026-04-01").qual(HBSAG, "negative", "2026-05-01")
         .qual(HBCAB, "negative", "2026-05-01").qual(DNA, "detected", "2026-05-01"))
    assert verdict(b, "exc.hbv") == "not_met"


# -- exc.hcv = HCV Ab positive and HCV RNA detected (§4.3) ---------------------------------------
@pytest.mark.parametrize(("ab", "rna", "expected"), [
    ("negative", None, "not_met"),
    ("negative", "detected", "not_met"),
    ("positive", "not detected", "not_met"),
    ("positive", None, "unknown"),
    ("positive", "detected", "met"),
    (None, "detected", "unknown"),
    (None, "not detected", "not_met"),
    (None, None, "unknown"),
])
def test_hcv(ab: str | None, rna: str | None, expected: str) -> None:
    b = Bundle()
    if ab is not None:
        b.qual("13955-0", ab, "2026-05-01")
    if rna is not None:
        b.qual("11011-4", rna, "2026-05-01")
    c = crit(b, "exc.hcv")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert any("HCV" in m for m in c.missing)


@pytest.mark.parametrize(("ab_day", "expected"), [("2026-03-03", "met"), ("2026-03-02", "unknown")])
def test_hcv_window_and_other_codes(ab_day: str, expected: str) -> None:
    b = Bundle().qual("16128-1", "positive", ab_day).qual("38180-6", "detected", "2026-05-01")
    assert verdict(b, "exc.hcv") == expected


# -- exc.hiv / exc.syphilis: Condition → met; else latest result within 90 days (§4.3, §2.7) --
SEROLOGY = [
    ("exc.hiv", ["56888-1", "89365-1", "7917-8", "7918-6"], ["B20", "Z21"]),
    ("exc.syphilis", ["24110-9", "20507-0", "22587-0", "31147-2"], ["A51.0", "A53.9", "A50.9"]),
]


@pytest.mark.parametrize(("cid", "codes", "conditions"), SEROLOGY)
def test_serology_condition_wins(cid: str, codes: list[str], conditions: list[str]) -> None:
    for code in conditions:
        b = Bundle().condition(code, "2015-01-01", clinical="resolved").qual(
            codes[0], "negative", "2026-05-01")
        assert verdict(b, cid) == "met", code


@pytest.mark.parametrize(("cid", "codes", "conditions"), SEROLOGY)
@pytest.mark.parametrize(("result", "form", "expected"), [
    ("positive", "snomed", "met"),
    ("negative", "snomed", "not_met"),
    ("detected", "snomed", "met"),
    ("not detected", "snomed", "not_met"),
    ("Reactive", "string", "met"),
    ("Non-Reactive", "string", "not_met"),
    ("POSITIVE", "string", "met"),
    ("negative", "string", "not_met"),
    ("POS", "flag", "met"),
    ("H", "flag", "met"),
    ("NEG", "flag", "not_met"),
    ("ND", "flag", "not_met"),
])
def test_serology_result_forms(cid: str, codes: list[str], conditions: list[str], result: str,
                               form: str, expected: str) -> None:
    for code in codes:
        b = Bundle().qual(code, result, "2026-05-01", form=form)
        assert verdict(b, cid) == expected, code


@pytest.mark.parametrize(("cid", "codes", "conditions"), SEROLOGY)
@pytest.mark.parametrize(("day", "expected"), [
    ("2026-03-03", "met"), ("2026-03-02", "unknown"), ("2026-06-02", "unknown"),
])
def test_serology_window(cid: str, codes: list[str], conditions: list[str], day: str,
                         expected: str) -> None:
    c = crit(Bundle().qual(codes[0], "positive", day), cid)
    assert c.verdict.value == expected
    if expected == "unknown":
        assert c.missing


@pytest.mark.parametrize(("cid", "codes", "conditions"), SEROLOGY)
def test_serology_latest_result_counts(cid: str, codes: list[str],
                                      conditions: list[str]) -> None:
    b = Bundle().qual(codes[0], "positive", "2026-04-01").qual(codes[1], "negative", "2026-05-01")
    assert verdict(b, cid) == "not_met"
    b = Bundle().qual(codes[0], "negative", "2026-04-01").qual(codes[1], "positive", "2026-05-01")
    assert verdict(b, cid) == "met"


def test_uninterpretable_serology_is_a_problem() -> None:
    res = screen(Bundle().qual("56888-1", "indeterminate", "2026-05-01", form="string",
                               rid="odd"))
    assert res.criterion("exc.hiv").verdict.value == "unknown"
    assert any(p.reference == "Observation/odd" for p in res.problems)


def test_snomed_condition_codes() -> None:
    # SNOMED CT codings are matched too (§3.4)
    b = Bundle().condition("19943007", "2015-01-01", system=SNOMED)  # cirrhosis (pss cohort)
    assert verdict(b, "pss.exc.cirrhosis") == "met"


# A censored quantitative result exceeds referenceRange.high only when its bound settles it
# (SPEC §2.7): "<20 IU/mL" against a limit of 10 cannot tell; "<10" is not above 10
@pytest.mark.parametrize(("comparator", "value", "expected"), [
    ("<", 20, "unknown"),
    ("<", 10, "not_met"),
    ("<=", 10, "not_met"),
    (">", 10, "met"),        # strictly above the limit
    (">=", 10, "unknown"),   # may be the limit itself
    (">=", 11, "met"),
    (None, 10, "not_met"),   # exactly the limit does not exceed it
])
def test_hbv_censored_dna(comparator: str | None, value: float, expected: str) -> None:
    b = Bundle().qual(HBSAG, "positive", "2026-05-01").lab(DNA, value, "[IU]/mL", "2026-05-01",
                                                           high=10)
    if comparator:
        b.resources[-1]["valueQuantity"]["comparator"] = comparator
    assert verdict(b, "exc.hbv") == expected
