"""pSS cohort (SPEC §4.2, §4.4) and the refractory rule shared by pss/ssc/iim:

    (GC ≥ 1 mg/kg/day prednisone-equivalent at some time and cyclophosphamide ever and one
     conventional immunomodulator with exposure > 182 days and conventional-treatment-
     ineffective) or relapse-after-remission

with exposure per SPEC §2.8 (inclusive periods, union per drug, open end: active → as-of,
else unknown) and dose per §2.9 (doseQuantity × frequency, weight closest to the start)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from builders import AS_OF, RXNORM, SNOMED, Bundle, crit, screen, verdict

D = "2026-05-20"
REFRACTORY = ["pss.inc.refractory", "ssc.inc.refractory", "iim.inc.refractory"]


# -- pss.inc.classification: Sjögren diagnosis (closed) and attestation (open) ----------------
@pytest.mark.parametrize(("dx", "attest", "expected"), [
    (None, True, "not_met"),
    (None, None, "not_met"),
    ("M35.00", True, "met"),
    ("M35.01", False, "not_met"),
    ("M35.0", None, "unknown"),
    ("83901003", True, "met"),            # SNOMED CT
    ("M34.9", True, "not_met"),           # systemic sclerosis is not Sjögren
])
def test_pss_classification(dx: str | None, attest: bool | None, expected: str) -> None:
    b = Bundle()
    if dx:
        b.condition(dx, "2020-01-01", system=SNOMED if dx.isdigit() else
                    "http://hl7.org/fhir/sid/icd-10-cm")
    if attest is not None:
        b.attest("pss-classification-met", attest)
    c = crit(b, "pss.inc.classification")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert any("Sjögren" in m for m in c.missing)


def test_pss_classification_future_or_refuted_diagnosis() -> None:
    b = Bundle().condition("M35.00", "2026-06-02").attest("pss-classification-met", True)
    assert verdict(b, "pss.inc.classification") == "not_met"
    b = Bundle().condition("M35.00", "2020-01-01", verification="refuted").attest(
        "pss-classification-met", True)
    assert verdict(b, "pss.inc.classification") == "not_met"


# -- pss.inc.essdai ≥ 5, screening value ---------------------------------------------------------
@pytest.mark.parametrize(("value", "day", "expected"), [
    (5, D, "met"), (4, D, "not_met"), (4.9, D, "not_met"), (6, D, "met"),
    (5, "2026-05-04", "met"), (5, "2026-05-03", "unknown"), (5, "2026-06-02", "unknown"),
])
def test_essdai(value: float, day: str, expected: str) -> None:
    assert verdict(Bundle().assess("essdai", value, day), "pss.inc.essdai") == expected


def test_essdai_forms_and_latest() -> None:
    assert verdict(Bundle().lab("essdai", 5, None, D, system="urn:eligo:assessment",
                                integer=True), "pss.inc.essdai") == "met"
    assert verdict(Bundle().assess("essdai", 5, D, unit="{score}"), "pss.inc.essdai") == "met"
    b = Bundle().assess("essdai", 8, "2026-05-10").assess("essdai", 4, D)
    assert verdict(b, "pss.inc.essdai") == "not_met"
    c = crit(Bundle(), "pss.inc.essdai")
    assert c.verdict.value == "unknown" and any("ESSDAI" in m for m in c.missing)


# -- pss.exc.cirrhosis, pss.exc.marrow (closed Conditions, §3.4) ------------------------------
@pytest.mark.parametrize(("cid", "code", "expected"), [
    ("pss.exc.cirrhosis", "K70.30", "met"), ("pss.exc.cirrhosis", "K74.3", "met"),
    ("pss.exc.cirrhosis", "K74.60", "met"), ("pss.exc.cirrhosis", "K74.69", "met"),
    ("pss.exc.cirrhosis", "K74.2", "not_met"), ("pss.exc.cirrhosis", "K70.0", "not_met"),
    ("pss.exc.marrow", "D61.9", "met"), ("pss.exc.marrow", "D60.9", "met"),
    ("pss.exc.marrow", "D46.9", "met"), ("pss.exc.marrow", "D45", "met"),
    ("pss.exc.marrow", "D47.1", "met"), ("pss.exc.marrow", "D47.3", "met"),
    ("pss.exc.marrow", "D47.4", "met"), ("pss.exc.marrow", "C92.10", "met"),
    ("pss.exc.marrow", "D47.2", "not_met"), ("pss.exc.marrow", "D50.9", "not_met"),
    ("pss.exc.cirrhosis", None, "not_met"), ("pss.exc.marrow", None, "not_met"),
])
def test_pss_exclusions(cid: str, code: str | None, expected: str) -> None:
    b = Bundle()
    if code:
        b.condition(code, "2015-01-01", clinical="resolved")
    assert verdict(b, cid) == expected


# -- the refractory rule ---------------------------------------------------------------------------
def regimen(*, gc: str = "H02AB07", gc_mg: float | None = 60, per_day: int = 1,
            weight: float | None = 60, cyc: bool = True,
            imm: list[tuple[str, str, str | None, str]] | None = None,
            ineffective: bool | None = True, relapse: bool | None = False) -> Bundle:
    """Prednisone 60 mg/day from 2025-01-01 at 60 kg (1 mg/kg/day exactly), cyclophosphamide,
    methotrexate 2025-01-01..2025-07-02 (183 days), attested ineffective, no relapse."""
    b = Bundle()
    if weight is not None:
        b.lab("29463-7", weight, "kg", "2024-12-28")
    if gc:
        b.med_statement(gc, "2025-01-01", "2025-02-01", dose_mg=gc_mg, per_day=per_day)
    if cyc:
        b.med_admin("L01AA01", "2025-03-01")
    for code, start, end, status in (imm if imm is not None else
                                     [("L04AX03", "2025-01-01", "2025-07-02", "completed")]):
        b.med_statement(code, start, end, status=status)
    if ineffective is not None:
        b.attest("conventional-treatment-ineffective", ineffective)
    if relapse is not None:
        b.attest("relapse-after-remission", relapse)
    return b


def mtx(start: str, end: str | None, status: str = "completed") -> tuple[str, str, str | None,
                                                                         str]:
    return ("L04AX03", start, end, status)


@pytest.mark.parametrize("cid", REFRACTORY)
@pytest.mark.parametrize(("kw", "expected"), [
    ({}, "met"),
    ({"ineffective": False}, "not_met"),
    ({"ineffective": None}, "unknown"),
    ({"relapse": None}, "met"),                        # first branch met already
    ({"ineffective": False, "relapse": True}, "met"),
    ({"ineffective": False, "relapse": None}, "unknown"),
    ({"cyc": False}, "not_met"),                       # cyclophosphamide never: closed history
    ({"imm": []}, "not_met"),                          # no immunomodulator at all
    ({"gc": ""}, "not_met"),                           # no glucocorticoid
    ({"gc_mg": 59}, "not_met"),                        # 0.983 mg/kg/day
    ({"gc_mg": 61}, "met"),
    ({"gc_mg": 30, "per_day": 2}, "met"),              # 30 mg twice a day
    ({"gc_mg": 29.5, "per_day": 2}, "not_met"),
    ({"gc": "H02AB04", "gc_mg": 48}, "met"),           # methylprednisolone 48 = prednisone 60
    ({"gc": "H02AB04", "gc_mg": 47.9}, "not_met"),
    ({"gc": "H02AB02", "gc_mg": 9}, "met"),            # dexamethasone 9 = prednisone 60
    ({"gc": "H02AB02", "gc_mg": 8.9}, "not_met"),
    ({"gc": "H02AB09", "gc_mg": 240}, "met"),          # hydrocortisone 240 = prednisone 60
    ({"gc": "H02AB09", "gc_mg": 239}, "not_met"),
    ({"gc": "H02AB06", "gc_mg": 60}, "met"),           # prednisolone 1:1
    ({"gc_mg": None}, "unknown"),                      # dose not recorded
    ({"weight": None}, "unknown"),                     # no body weight at all
])
def test_refractory_dose_and_attestations(cid: str, kw: dict, expected: str) -> None:
    c = crit(regimen(**kw), cid)
    assert c.verdict.value == expected
    if expected == "unknown":
        assert c.missing


@pytest.mark.parametrize("cid", REFRACTORY)
@pytest.mark.parametrize(("imm", "expected"), [
    ([mtx("2025-01-01", "2025-07-02")], "met"),          # 183 days
    ([mtx("2025-01-01", "2025-07-01")], "not_met"),      # 182 days: not more than 6 months
    ([mtx("2025-01-01", "2025-04-10"), mtx("2025-05-01", "2025-07-22")], "met"),   # 100 + 83
    ([mtx("2025-01-01", "2025-04-10"), mtx("2025-05-01", "2025-07-21")], "not_met"),  # 100+82
    ([mtx("2025-01-01", "2025-04-10"), mtx("2025-03-01", "2025-07-02")], "met"),   # overlap
    ([mtx("2025-01-01", "2025-04-10"), mtx("2025-03-01", "2025-07-01")], "not_met"),
    ([mtx("2025-01-01", "2025-04-10"),                  # switching drugs does not add up
      ("P01BA02", "2025-04-11", "2025-07-02", "completed")], "not_met"),
    ([("L04AX03", "2025-01-01", "2025-04-10", "completed"),   # MTX under two ATC codes
      ("L01BA01", "2025-04-11", "2025-07-02", "completed")], "met"),
    ([("L04AA13", "2025-01-01", "2025-07-02", "completed")], "met"),  # leflunomide, old ATC
    ([("L04AK01", "2025-01-01", "2025-07-02", "completed")], "met"),  # leflunomide, new ATC
    ([("L04AG04", "2025-01-01", "2025-07-02", "completed")], "met"),  # belimumab, new ATC
    ([("L04AA06", "2025-01-01", "2025-07-02", "completed")], "met"),  # mycophenolate
    ([mtx("2025-01-01", "2025-07-02", "entered-in-error")], "not_met"),  # §2.8: ignored
    ([mtx("2025-01-01", "2025-07-02", "not-taken")], "not_met"),
    ([mtx("2025-01-01", None, "completed")], "unknown"),  # open end, not active: unknown
    ([mtx("2025-01-01", None, "stopped")], "unknown"),
    ([mtx("2025-01-01", None, "active")], "met"),        # active: runs to as-of
    ([mtx("2025-12-01", "2026-12-31")], "met"),          # clipped at as-of: 183 days
    ([mtx("2025-12-02", "2026-12-31")], "not_met"),      # clipped at as-of: 182 days
    ([mtx("2026-06-02", "2027-06-02")], "not_met"),      # starts after as-of
])
def test_refractory_exposure(cid: str, imm: list, expected: str) -> None:
    c = crit(regimen(imm=imm), cid)
    assert c.verdict.value == expected
    if expected == "unknown":
        assert c.missing


@pytest.mark.parametrize("cid", REFRACTORY)
@pytest.mark.parametrize(("days_back", "expected"), [(182, "met"), (181, "not_met")])
def test_refractory_active_statement_runs_to_as_of(cid: str, days_back: int,
                                                   expected: str) -> None:
    start = (AS_OF - timedelta(days=days_back)).isoformat()  # 183 resp. 182 days inclusive
    assert verdict(regimen(imm=[mtx(start, None, "active")]), cid) == expected


@pytest.mark.parametrize("cid", REFRACTORY)
def test_refractory_open_end_short_of_as_of_is_not_enough(cid: str) -> None:
    # an open-ended non-active statement started 100 days before as-of can never reach 183 days
    start = (AS_OF - timedelta(days=100)).isoformat()
    assert verdict(regimen(imm=[mtx(start, None, "completed")]), cid) == "not_met"


@pytest.mark.parametrize("cid", REFRACTORY)
@pytest.mark.parametrize(("weights", "expected"), [
    # weight closest to the course's start (2025-01-01) is used, not the latest
    ([("2024-12-20", 60), ("2026-05-20", 80)], "met"),
    ([("2024-12-20", 80), ("2026-05-20", 60)], "not_met"),
    # two equally close (5 days either side): the earlier
    ([("2024-12-27", 60), ("2025-01-06", 70)], "met"),
    ([("2024-12-27", 70), ("2025-01-06", 60)], "not_met"),
    # in another unit
    ([("2024-12-28", 132.277)], "met"),  # [lb_av]: 59.9998 kg → 1.000003 mg/kg/day
])
def test_refractory_weight_choice(cid: str, weights: list[tuple[str, float]],
                                  expected: str) -> None:
    b = regimen(weight=None)
    for day, kg in weights:
        b.lab("29463-7", kg, "[lb_av]" if kg > 100 else "kg", day)
    assert verdict(b, cid) == expected


@pytest.mark.parametrize("cid", REFRACTORY)
def test_refractory_relapse_alone(cid: str) -> None:
    assert verdict(Bundle().attest("relapse-after-remission", True), cid) == "met"
    c = crit(Bundle(), cid)
    assert c.verdict.value == "unknown"
    assert any("relapse" in m for m in c.missing)
    assert verdict(Bundle().attest("relapse-after-remission", False), cid) == "not_met"


@pytest.mark.parametrize("cid", REFRACTORY)
@pytest.mark.parametrize(("weights", "expected"), [
    ([("2024-12-28", 0)], "unknown"),                        # 0 kg is no weight: unknown
    ([("2024-12-28", -60)], "unknown"),
    ([("2024-12-30", 0), ("2024-12-20", 60)], "met"),        # the nearest *usable* weight
])
def test_refractory_non_positive_weight_is_not_used(cid: str, weights: list[tuple[str, float]],
                                                    expected: str) -> None:
    b = regimen(weight=None)
    for day, kg in weights:
        b.lab("29463-7", kg, "kg", day)
    result = screen(b)
    assert result.criterion(cid).verdict.value == expected
    assert any("weight" in p.why for p in result.problems)


def _named(text: str | None, coding: dict | None = None) -> dict:
    """A MedicationStatement over 2025-01-01..2025-07-02 (183 days) naming its drug."""
    cc: dict = {"coding": [coding] if coding else []}
    if text is not None:
        cc["text"] = text
    return {"resourceType": "MedicationStatement", "status": "completed",
            "medicationCodeableConcept": cc,
            "effectivePeriod": {"start": "2025-01-01", "end": "2025-07-02"}}


# SPEC §3.5: "telitacicept (no ATC: by name or a local code)"
@pytest.mark.parametrize("cid", REFRACTORY)
@pytest.mark.parametrize(("med", "expected"), [
    (_named("Telitacicept 160 mg s.c. weekly"), "met"),               # the name alone
    (_named(None, {"system": "urn:site:drugs", "code": "T-77",        # a site's own code
                   "display": "telitacicept"}), "met"),
    (_named("telitaciceptum-like"), "not_met"),                       # not the word
    (_named("telitacicept", {"system": "http://www.whocc.no/atc",     # a standard code decides
                             "code": "A07EC01"}), "not_met"),
])
def test_refractory_telitacicept_by_name(cid: str, med: dict, expected: str) -> None:
    b = regimen(imm=[])
    b.add(med)
    assert verdict(b, cid) == expected


# SPEC §3.5: "RxNorm ingredients also accepted" — every drug of the rule, not only SPEC's examples
@pytest.mark.parametrize("cid", REFRACTORY)
@pytest.mark.parametrize(("gc", "gc_mg", "imm", "expected"), [
    ("2878", 300, "68149", "met"),       # cortisone 300 mg = prednisone 60; mycophenolate mofetil
    ("2878", 295, "68149", "not_met"),   # 59 mg prednisone-equivalent at 60 kg
    ("22396", 72, "1092437", "met"),     # deflazacort 72 mg = prednisone 60; belimumab
    ("22396", 71, "1092437", "not_met"),
])
def test_refractory_rxnorm_ingredients(cid: str, gc: str, gc_mg: float, imm: str,
                                       expected: str) -> None:
    b = regimen(gc="", imm=[])
    b.med_statement(gc, "2025-01-01", "2025-02-01", dose_mg=gc_mg, system=RXNORM)
    b.med_statement(imm, "2025-01-01", "2025-07-02", system=RXNORM)
    assert verdict(b, cid) == expected
