"""Common inclusion: age, blood counts, coagulation, attestation-only criteria (SPEC §4.1),
and the screening-value rules every lab criterion shares (SPEC §1, §2.6, §2.10, §2.11, §5)."""

from __future__ import annotations

from datetime import date

import pytest

from builders import AS_OF, ICD10CM, RXNORM, Bundle, SiteRange, crit, screen, verdict

D = "2026-05-20"  # a day inside the screening window of as-of 2026-06-01


# -- inc.age: 18 ≤ age ≤ 65, whole years completed at as-of (SPEC §3, §4.1) -----------------
@pytest.mark.parametrize(("birth", "as_of", "expected"), [
    ("2008-06-01", AS_OF, "met"),              # 18th birthday on the as-of date
    ("2008-06-02", AS_OF, "not_met"),          # 18th birthday tomorrow: 17
    ("1961-06-01", AS_OF, "met"),              # 65 today
    ("1960-06-02", AS_OF, "met"),              # day before the 66th birthday: still 65
    ("1960-06-01", AS_OF, "not_met"),          # 66 today
    ("1940-01-01", AS_OF, "not_met"),
    ("2008-02-29", date(2026, 2, 28), "not_met"),  # 29 Feb birthday: 17 on 28 Feb ...
    ("2008-02-29", date(2026, 3, 1), "met"),       # ... completed on 1 March (common year)
    ("2008-02-29", date(2028, 2, 29), "met"),      # leap year: on the day itself
])
def test_age_boundaries(birth: str, as_of: date, expected: str) -> None:
    assert verdict(Bundle(birth=birth), "inc.age", as_of=as_of) == expected


# A birthDate without its day (FHIR allows "1990", "1990-07"): the age lies between the ages of
# its first and last day, which decides inc.age when both fall on one side of a bound
@pytest.mark.parametrize(("birth", "expected"), [
    ("1990", "met"),         # 35 or 36
    ("2008", "unknown"),     # 17 (born after 1 June) or 18
    ("2008-05", "met"),      # 18 whichever day of May
    ("2008-06", "unknown"),  # 1 June: 18 today; 2–30 June: 17
    ("1960", "unknown"),     # 65 or 66
    ("1960-06", "unknown"),  # born 1 June: 66 today; 2–30 June: 65
    ("1960-07", "met"),      # 65
    ("1960-05", "not_met"),  # 66
    ("2026", "not_met"),     # born this year, by the as-of date: 0
    ("2027", "unknown"),     # after the as-of date: no usable birth date
])
def test_age_from_a_partial_birth_date(birth: str, expected: str) -> None:
    c = crit(Bundle(birth=birth), "inc.age")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert any("birth" in m for m in c.missing), c.missing


def test_age_without_birth_date_is_unknown() -> None:
    c = crit(Bundle(birth=None), "inc.age")
    assert c.verdict.value == "unknown"
    assert any("birth" in m for m in c.missing)


# -- inc.wbc ≥ 3 × 10^9/L; counts in /uL, /mm3, 10*3/uL; alternate LOINC codes (§3.1, §2.6) ---
@pytest.mark.parametrize(("code", "value", "unit", "expected"), [
    ("6690-2", 3.0, "10*9/L", "met"),
    ("6690-2", 2.99, "10*9/L", "not_met"),
    ("6690-2", 3.01, "10*9/L", "met"),
    ("6690-2", 3000, "/uL", "met"),
    ("6690-2", 2999, "/uL", "not_met"),
    ("6690-2", 3000, "/mm3", "met"),
    ("6690-2", 2999, "/mm3", "not_met"),
    ("6690-2", 3.0, "10*3/uL", "met"),
    ("6690-2", 2.9, "10*3/uL", "not_met"),
    ("26464-8", 3.0, "10*9/L", "met"),
    ("804-5", 2.9, "10*9/L", "not_met"),
])
def test_wbc_threshold_and_units(code: str, value: float, unit: str, expected: str) -> None:
    assert verdict(Bundle().lab(code, value, unit, D), "inc.wbc") == expected


# -- inc.hgb ≥ 60 g/L; g/dL; mmol/L × 16.114 (§3.1) --------------------------------------------
@pytest.mark.parametrize(("code", "value", "unit", "expected"), [
    ("718-7", 60, "g/L", "met"),
    ("718-7", 59.9, "g/L", "not_met"),
    ("718-7", 60.1, "g/L", "met"),
    ("718-7", 6.0, "g/dL", "met"),           # 6.0 g/dL is exactly 60 g/L
    ("718-7", 5.99, "g/dL", "not_met"),
    ("20509-6", 60, "g/L", "met"),
    ("59260-0", 3.8, "mmol/L", "met"),       # 61.2 g/L
    ("59260-0", 3.7, "mmol/L", "not_met"),   # 59.6 g/L
])
def test_hgb_threshold_and_units(code: str, value: float, unit: str, expected: str) -> None:
    assert verdict(Bundle().lab(code, value, unit, D), "inc.hgb") == expected


# -- inc.anc ≥ 1 × 10^9/L (§4.1) ---------------------------------------------------------------
@pytest.mark.parametrize(("code", "value", "unit", "expected"), [
    ("751-8", 1.0, "10*9/L", "met"),
    ("751-8", 0.99, "10*9/L", "not_met"),
    ("751-8", 1.01, "10*9/L", "met"),
    ("751-8", 1000, "/uL", "met"),
    ("751-8", 999, "/uL", "not_met"),
    ("751-8", 1000, "/mm3", "met"),
    ("26499-4", 1.0, "10*3/uL", "met"),
    ("753-4", 0.9, "10*9/L", "not_met"),
])
def test_anc_threshold_and_units(code: str, value: float, unit: str, expected: str) -> None:
    assert verdict(Bundle().lab(code, value, unit, D), "inc.anc") == expected


# inc.anc: no G-CSF in the 14 days before the sample, the sample day included (§4.1, §1 windows)
@pytest.mark.parametrize(("gcsf_day", "expected"), [
    ("2026-05-20", "unknown"),  # on the sample day
    ("2026-05-06", "unknown"),  # exactly 14 days before the sample
    ("2026-05-05", "met"),      # 15 days before: the sample is evidence
    ("2026-05-25", "met"),      # after the sample: not "before" it
])
def test_anc_gcsf_administration(gcsf_day: str, expected: str) -> None:
    b = Bundle().lab("751-8", 2.0, "10*9/L", D).med_admin("L03AA02", gcsf_day)
    c = crit(b, "inc.anc")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert any("G-CSF" in m and "14 days" in m for m in c.missing)


@pytest.mark.parametrize(("end", "expected"), [
    ("2026-05-06", "unknown"),  # exposure ends 14 days before the sample
    ("2026-05-05", "met"),
])
def test_anc_gcsf_statement_period(end: str, expected: str) -> None:
    b = (Bundle().lab("751-8", 2.0, "10*9/L", D)
         .med_statement("L03AA13", "2026-04-20", end))  # pegfilgrastim
    assert verdict(b, "inc.anc") == expected


# §2.8: an open end that is not "active" is unknown "though never beyond the as-of date", so
# a G-CSF begun before the 14 days may still run into them: the sample is not known to be free
@pytest.mark.parametrize(("status", "start", "expected"), [
    ("stopped", "2026-05-01", "unknown"),    # began 19 days before the sample, end unknown
    ("completed", "2026-04-20", "unknown"),
    ("active", "2026-04-20", "unknown"),     # ongoing up to the as-of date: surely exposed
    ("stopped", "2026-05-25", "met"),        # began after the sample
])
def test_anc_gcsf_open_end(status: str, start: str, expected: str) -> None:
    b = Bundle().lab("751-8", 2.0, "10*9/L", D).med_statement("L03AA02", start, status=status)
    c = crit(b, "inc.anc")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert any("G-CSF" in m and "14 days" in m for m in c.missing)


@pytest.mark.parametrize("code", ["68442", "338036", "70167"])  # filgrastim, peg-, lenograstim
def test_anc_gcsf_by_rxnorm_ingredient(code: str) -> None:
    # SPEC §3.5: "RxNorm ingredients also accepted"
    b = Bundle().lab("751-8", 2.0, "10*9/L", D).med_admin(code, "2026-05-18", system=RXNORM)
    assert verdict(b, "inc.anc") == "unknown"


def test_anc_gcsf_request_without_duration_is_not_known_to_end() -> None:
    b = Bundle().lab("751-8", 2.0, "10*9/L", D)
    b.add({"resourceType": "MedicationRequest", "status": "completed", "intent": "order",
           "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc",
                                                     "code": "L03AA13"}]},
           "authoredOn": "2026-04-01"})
    assert verdict(b, "inc.anc") == "unknown"


@pytest.mark.parametrize(("earlier", "later", "expected"), [
    (0.5, 2.0, "unknown"),   # 2.0 if the G-CSF ended in time, else the clean 0.5
    (1.5, 2.0, "met"),       # either sample meets it
    (0.5, 0.8, "not_met"),   # neither does
])
def test_anc_gcsf_open_end_leaves_the_value_between_the_samples(earlier: float, later: float,
                                                                expected: str) -> None:
    b = (Bundle()
         .lab("751-8", earlier, "10*9/L", "2026-05-04")          # before the G-CSF began
         .lab("751-8", later, "10*9/L", D)                       # 15 days after its start
         .med_statement("L03AA02", "2026-05-05", status="stopped"))
    c = crit(b, "inc.anc")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert any("end date" in m and "2026-05-05" in m for m in c.missing), c.missing


@pytest.mark.parametrize(("earlier_value", "expected"), [(1.5, "met"), (0.5, "not_met")])
def test_anc_gcsf_sample_skipped_for_earlier_clean_sample(earlier_value: float,
                                                          expected: str) -> None:
    b = (Bundle()
         .lab("751-8", earlier_value, "10*9/L", "2026-05-10")  # G-CSF-free before it
         .lab("751-8", 3.0, "10*9/L", "2026-05-20")            # G-CSF 2 days before
         .med_admin("L03AA10", "2026-05-18"))                  # lenograstim
    assert verdict(b, "inc.anc") == expected


# -- inc.inr < 1.5 × ULN; unitless forms (§4.1, §2.5, §2.6) -------------------------------------
@pytest.mark.parametrize(("code", "value", "unit", "expected"), [
    ("6301-6", 1.65, None, "not_met"),     # 1.5 × 1.1 = 1.65: strict <
    ("6301-6", 1.64, None, "met"),
    ("6301-6", 1.66, None, "not_met"),
    ("6301-6", 1.64, "1", "met"),
    ("6301-6", 1.65, "{INR}", "not_met"),
    ("34714-6", 1.0, "{INR}", "met"),
    ("46418-0", 1.7, "{INR}", "not_met"),
])
def test_inr_threshold(code: str, value: float, unit: str | None, expected: str) -> None:
    assert verdict(Bundle().lab(code, value, unit, D, high=1.1), "inc.inr") == expected


def test_inr_value_integer() -> None:
    b = Bundle().lab("6301-6", 1, None, D, high=1.1, integer=True)
    assert verdict(b, "inc.inr") == "met"


def test_inr_without_uln_is_unknown() -> None:
    c = crit(Bundle().lab("6301-6", 1.0, "{INR}", D), "inc.inr")
    assert c.verdict.value == "unknown"
    assert "upper limit of normal for INR" in c.missing


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("6301-6", 1.64, "met"), ("6301-6", 1.65, "not_met"),   # site range by LOINC code
    ("inr", 1.64, "met"), ("inr", 1.65, "not_met"),         # ... or by analyte name
])
def test_inr_uln_from_site_range(key: str, value: float, expected: str) -> None:
    site = {key: SiteRange(1.1, "1", "site-ranges.csv")}
    b = Bundle().lab("6301-6", value, "{INR}", D)
    assert verdict(b, "inc.inr", site_ranges=site) == expected


# -- inc.pt < 1.5 × ULN, seconds (§4.1, §2.6) ---------------------------------------------------
@pytest.mark.parametrize(("code", "value", "unit", "high", "expected"), [
    ("5902-2", 18.0, "s", 12, "not_met"),
    ("5902-2", 17.9, "s", 12, "met"),
    ("5902-2", 18.1, "s", 12, "not_met"),
    ("5964-2", 17.9, "s", 12, "met"),
    ("5902-2", 0.3, "min", 12, "not_met"),   # 18 s
    ("5902-2", 0.29, "min", 12, "met"),      # 17.4 s
])
def test_pt_threshold(code: str, value: float, unit: str, high: float, expected: str) -> None:
    b = Bundle().lab(code, value, unit, D, high=high, high_unit="s")  # ULN in seconds
    assert verdict(b, "inc.pt") == expected


def test_pt_without_uln_is_unknown_and_site_range_decides() -> None:
    b = Bundle().lab("5902-2", 17.9, "s", D)
    c = crit(b, "inc.pt")
    assert c.verdict.value == "unknown"
    assert "upper limit of normal for prothrombin time" in c.missing
    site = {"5902-2": SiteRange(12, "s", "site-ranges.csv")}
    assert verdict(b, "inc.pt", site_ranges=site) == "met"


# -- missing data: open criteria are unknown and say what is missing (§2.2, §1 missing) --------
@pytest.mark.parametrize(("cid", "word"), [
    ("inc.wbc", "WBC"), ("inc.anc", "neutrophil"), ("inc.hgb", "hemoglobin"),
    ("inc.inr", "INR"), ("inc.pt", "prothrombin time"),
])
def test_lab_missing_is_unknown(cid: str, word: str) -> None:
    c = crit(Bundle(), cid)
    assert c.verdict.value == "unknown"
    assert any(word in m for m in c.missing)


# -- the screening value (§1): 28-day window, both ends included; data after as-of ignored -----
LABS = [  # criterion, LOINC, good value, bad value, unit, ULN
    ("inc.wbc", "6690-2", 4.0, 2.0, "10*9/L", None),
    ("inc.anc", "751-8", 2.0, 0.5, "10*9/L", None),
    ("inc.hgb", "718-7", 120, 50, "g/L", None),
    ("inc.inr", "6301-6", 1.0, 2.0, "{INR}", 1.1),
    ("inc.pt", "5902-2", 12, 20, "s", 12),
]


@pytest.mark.parametrize(("cid", "code", "good", "bad", "unit", "high"), LABS)
@pytest.mark.parametrize(("day", "counts"), [
    ("2026-05-04", True),    # exactly 28 days before as-of
    ("2026-05-03", False),   # 29 days before
    ("2026-06-01", True),    # the as-of date itself
    ("2026-06-02", False),   # after as-of: does not exist yet
])
def test_lab_window_edges(cid: str, code: str, good: float, bad: float, unit: str,
                          high: float | None, day: str, counts: bool) -> None:
    b = Bundle().lab(code, good, unit, day, high=high)
    assert verdict(b, cid) == ("met" if counts else "unknown")


@pytest.mark.parametrize(("cid", "code", "good", "bad", "unit", "high"), LABS)
def test_lab_after_as_of_is_ignored(cid: str, code: str, good: float, bad: float, unit: str,
                                   high: float | None) -> None:
    b = (Bundle().lab(code, good, unit, "2026-05-10", high=high)
         .lab(code, bad, unit, "2026-06-02", high=high))
    assert verdict(b, cid) == "met"


@pytest.mark.parametrize(("cid", "code", "good", "bad", "unit", "high"), LABS)
def test_lab_latest_out_of_range_not_rescued(cid: str, code: str, good: float, bad: float,
                                             unit: str, high: float | None) -> None:
    b = (Bundle().lab(code, bad, unit, "2026-05-25", high=high)
         .lab(code, good, unit, "2026-05-10", high=high))
    assert verdict(b, cid) == "not_met"
    # and the other way round: the latest in-range value decides
    b = (Bundle().lab(code, good, unit, "2026-05-25", high=high)
         .lab(code, bad, unit, "2026-05-10", high=high))
    assert verdict(b, cid) == "met"


@pytest.mark.parametrize(("cid", "code", "good", "bad", "unit", "high"), LABS)
def test_lab_older_values_do_not_count(cid: str, code: str, good: float, bad: float, unit: str,
                                       high: float | None) -> None:
    b = Bundle().lab(code, good, unit, "2026-04-01", high=high)
    assert verdict(b, cid) == "unknown"


# same-day ties: the later effectiveDateTime, then the later issued (§1)
@pytest.mark.parametrize(("first", "second"), [
    (("2026-05-20T08:00:00Z", 2.5), ("2026-05-20T14:00:00Z", 3.5)),
    (("2026-05-20T14:00:00Z", 3.5), ("2026-05-20T08:00:00Z", 2.5)),
])
def test_same_day_later_time_wins(first: tuple[str, float], second: tuple[str, float]) -> None:
    b = Bundle().lab("6690-2", first[1], "10*9/L", first[0])
    b.lab("6690-2", second[1], "10*9/L", second[0])
    assert verdict(b, "inc.wbc") == "met"  # 3.5 at 14:00 is the screening value
    b = Bundle().lab("6690-2", 3.5, "10*9/L", "2026-05-20T08:00:00Z")
    b.lab("6690-2", 2.5, "10*9/L", "2026-05-20T14:00:00Z")
    assert verdict(b, "inc.wbc") == "not_met"


def test_same_day_tie_respects_timezone_offset() -> None:
    b = (Bundle().lab("6690-2", 2.5, "10*9/L", "2026-05-20T09:00:00+02:00")
         .lab("6690-2", 3.5, "10*9/L", "2026-05-20T08:00:00Z"))
    assert verdict(b, "inc.wbc") == "met"


@pytest.mark.parametrize(("issued_low", "issued_high", "expected"), [
    ("2026-05-20T10:00:00Z", "2026-05-21T09:00:00Z", "met"),      # 3.5 issued later
    ("2026-05-21T09:00:00Z", "2026-05-20T10:00:00Z", "not_met"),  # 2.5 issued later
])
def test_same_effective_time_later_issued_wins(issued_low: str, issued_high: str,
                                               expected: str) -> None:
    t = "2026-05-20T08:00:00Z"
    b = (Bundle().lab("6690-2", 2.5, "10*9/L", t, issued=issued_low)
         .lab("6690-2", 3.5, "10*9/L", t, issued=issued_high))
    assert verdict(b, "inc.wbc") == expected


# an unconvertible unit: skipped, listed in problems, the next usable value is used (§2.6, §5)
@pytest.mark.parametrize(("bad_unit", "earlier", "expected"), [
    ("furlongs", 3.5, "met"),
    ("furlongs", 2.5, "not_met"),
    ("mg/dL", 3.5, "met"),          # valid UCUM, wrong dimension for a cell count
])
def test_unconvertible_unit_skipped(bad_unit: str, earlier: float, expected: str) -> None:
    b = (Bundle().lab("6690-2", 1.0, bad_unit, "2026-05-25", rid="bad")
         .lab("6690-2", earlier, "10*9/L", "2026-05-10", rid="good"))
    res = screen(b)
    assert res.criterion("inc.wbc").verdict.value == expected
    assert [e.reference for e in res.criterion("inc.wbc").evidence] == ["Observation/good"]
    assert any(p.reference == "Observation/bad" and p.value == bad_unit for p in res.problems)


def test_unconvertible_unit_only_value_is_unknown() -> None:
    res = screen(Bundle().lab("6690-2", 3.5, "furlongs", D, rid="bad"))
    assert res.criterion("inc.wbc").verdict.value == "unknown"
    assert any(p.reference == "Observation/bad" for p in res.problems)


# record status (§2.11): entered-in-error / cancelled / registered are ignored
@pytest.mark.parametrize(("status", "expected"), [
    ("entered-in-error", "met"), ("cancelled", "met"), ("registered", "met"),
    ("preliminary", "not_met"), ("amended", "not_met"), ("corrected", "not_met"),
])
def test_observation_status(status: str, expected: str) -> None:
    b = (Bundle().lab("6690-2", 2.0, "10*9/L", "2026-05-25", status=status)
         .lab("6690-2", 3.5, "10*9/L", "2026-05-10"))
    assert verdict(b, "inc.wbc") == expected


# -- attestation-only criteria (§2.10, §4.1): most recent on or before as-of; absent → unknown --
ATTESTED = [("inc.hemodynamics", "hemodynamically-stable", "hemodynamically stable"),
            ("inc.consent", "informed-consent", "informed consent")]


@pytest.mark.parametrize(("cid", "code", "words"), ATTESTED)
@pytest.mark.parametrize(("value", "expected"), [(True, "met"), (False, "not_met")])
def test_attestation_value(cid: str, code: str, words: str, value: bool, expected: str) -> None:
    assert verdict(Bundle().attest(code, value, "2026-06-01"), cid) == expected


@pytest.mark.parametrize(("cid", "code", "words"), ATTESTED)
def test_attestation_absent_or_future(cid: str, code: str, words: str) -> None:
    c = crit(Bundle(), cid)
    assert c.verdict.value == "unknown"
    assert any(words in m for m in c.missing)
    assert verdict(Bundle().attest(code, True, "2026-06-02"), cid) == "unknown"
    assert verdict(Bundle().attest(code, True, "2026-06-02T08:00:00Z"), cid) == "unknown"


@pytest.mark.parametrize(("cid", "code", "words"), ATTESTED)
@pytest.mark.parametrize(("older", "newer", "expected"), [(False, True, "met"),
                                                         (True, False, "not_met")])
def test_attestation_most_recent_wins(cid: str, code: str, words: str, older: bool,
                                      newer: bool, expected: str) -> None:
    b = (Bundle().attest(code, older, "2026-05-01T09:00:00Z")
         .attest(code, newer, "2026-05-20T09:00:00Z"))
    assert verdict(b, cid) == expected


# date-only attestations are ordered by their day (SPEC §2.10), not by resource id
@pytest.mark.parametrize(("older", "newer", "expected"), [(False, True, "met"),
                                                         (True, False, "not_met")])
@pytest.mark.parametrize(("older_when", "newer_when"), [
    ("2026-05-01", "2026-05-20"),            # both date-only
    ("2026-05-01T09:00:00Z", "2026-05-20"),  # a dateTime and a later date-only
])
def test_attestation_most_recent_wins_date_only(older: bool, newer: bool, expected: str,
                                                older_when: str, newer_when: str) -> None:
    # ids chosen so that id order contradicts date order
    b = (Bundle().attest("hemodynamically-stable", older, older_when, rid="z-older")
         .attest("hemodynamically-stable", newer, newer_when, rid="a-newer"))
    assert verdict(b, "inc.hemodynamics") == expected


def test_cohort_status_follows_a_failed_common_inclusion() -> None:
    # SPEC §2.3: any inclusion not_met → every cohort ineligible
    res = screen(Bundle().lab("6690-2", 2.0, "10*9/L", D).condition("M06.9", "2020-01-01",
                                                                     system=ICD10CM))
    assert {c.status for c in res.cohorts} == {"ineligible"}
    assert "inc.wbc" in res.cohort("ra").blocking
    assert res.status == "ineligible"


@pytest.mark.parametrize(("first", "second", "expected"), [
    # same day, no time, two codes of one analyte: the first in the record is the latest,
    # whichever code it carries (the value-set order must not decide)
    (("26464-8", 2.0), ("6690-2", 5.0), "not_met"),
    (("6690-2", 5.0), ("26464-8", 2.0), "met"),
    (("6690-2", 2.0), ("26464-8", 5.0), "not_met"),
])
def test_wbc_exact_tie_first_in_record(first: tuple[str, float], second: tuple[str, float],
                                       expected: str) -> None:
    b = Bundle()
    for code, value in (first, second):
        b.lab(code, value, "10*9/L", D)
    assert verdict(b, "inc.wbc") == expected


# -- censored results ("<1.0", ">2"): valueQuantity.comparator bounds the value on one side ----
def _censored(code: str, comparator: str, value: float, unit: str | None,
              high: float | None = None) -> Bundle:
    b = Bundle().lab(code, value, unit, D, high=high)
    b.resources[-1]["valueQuantity"]["comparator"] = comparator
    return b


@pytest.mark.parametrize(("cid", "code", "comparator", "value", "unit", "high", "expected"), [
    ("inc.inr", "6301-6", "<", 1.0, None, 1.1, "met"),          # below 1.0 < 1.65
    ("inc.inr", "6301-6", "<", 2.0, None, 1.1, "unknown"),      # below 2.0: either side
    ("inc.inr", "6301-6", ">", 1.7, None, 1.1, "not_met"),      # above 1.7 ≥ 1.65
    ("inc.alt", "1742-6", "<", 10, "U/L", 40, "met"),           # below 10 ≤ 120
    ("inc.tbil", "1975-2", "<", 0.2, "mg/dL", 1.2, "met"),
    ("inc.alt", "1742-6", ">", 200, "U/L", 40, "unknown"),      # exemption attestation open
    ("inc.inr", "6301-6", "<", 1.65, None, 1.1, "met"),         # strictly below 1.5 × ULN
    ("inc.inr", "6301-6", "<=", 1.65, None, 1.1, "unknown"),    # may be 1.65 itself
    ("inc.inr", "6301-6", ">", 1.65, None, 1.1, "not_met"),
    ("inc.inr", "6301-6", ">=", 1.65, None, 1.1, "not_met"),
])
def test_censored_against_uln(cid: str, code: str, comparator: str, value: float,
                              unit: str | None, high: float, expected: str) -> None:
    c = crit(_censored(code, comparator, value, unit, high), cid)
    assert c.verdict.value == expected
    assert bool(c.missing) == (expected == "unknown")


@pytest.mark.parametrize(("comparator", "value", "expected"), [
    ("<", 2.0, "not_met"),   # below 2: surely < 3
    (">", 4.0, "met"),
    (">", 2.0, "unknown"),   # above 2: either side of 3
    ("<", 5.0, "unknown"),
    ("<", 3.0, "not_met"),   # strictly below 3
    ("<=", 3.0, "unknown"),  # may be 3 itself
    (">", 3.0, "met"),
    (">=", 3.0, "met"),
])
def test_censored_wbc_names_what_decides(comparator: str, value: float, expected: str) -> None:
    c = crit(_censored("6690-2", comparator, value, "10*9/L"), "inc.wbc")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert c.missing and "exact result" in c.missing[0]


# EHR spellings in a quantity's display ``unit`` with no UCUM ``code``: read as the UCUM unit
# they mean without doubt (units.DISPLAY_SPELLINGS); "K/uL" would otherwise be kelvin per µL
def _display_unit(code: str, value: float, unit: str, high: float | None = None) -> Bundle:
    b = Bundle().lab(code, value, None, D)
    b.resources[-1]["valueQuantity"]["unit"] = unit
    if high is not None:
        b.resources[-1]["referenceRange"] = [{"high": {"value": high, "unit": unit}}]
    return b


@pytest.mark.parametrize(("cid", "code", "value", "unit", "expected"), [
    ("inc.wbc", "6690-2", 3.0, "K/uL", "met"),          # 3 × 10^3/µL = 3 × 10^9/L
    ("inc.wbc", "6690-2", 2.99, "x10E3/uL", "not_met"),
    ("inc.wbc", "6690-2", 3000, "cells/uL", "met"),
    ("inc.hgb", "718-7", 6.0, "g/dl", "met"),           # 60 g/L
    ("inc.hgb", "718-7", 5.99, "g/dl", "not_met"),
    ("inc.wbc", "6690-2", 3.0, "furlongs", "unknown"),  # still not a unit
])
def test_display_unit_spellings(cid: str, code: str, value: float, unit: str,
                                expected: str) -> None:
    assert verdict(_display_unit(code, value, unit), cid) == expected


def test_display_unit_spelling_of_a_reference_range() -> None:
    b = _display_unit("1742-6", 120, "IU/L", high=40)   # ALT = 3 × ULN exactly
    assert verdict(b, "inc.alt") == "met"
    b = _display_unit("1742-6", 121, "IU/L", high=40)
    c = crit(b, "inc.alt")
    assert c.verdict.value == "unknown" and c.missing   # the exemption attestation is open
