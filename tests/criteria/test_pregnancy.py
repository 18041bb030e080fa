"""inc.contraception, inc.pregnancy-test (SPEC §4.1) and exc.pregnancy (§4.3).

HCG: serum qualitative 2118-8 / 80385-8, quantitative 21198-7 / 19080-1 (positive above
referenceRange.high, else above 5 m[IU]/mL), urine 2106-3 (§3.1); 7-day window (§4.1)."""

from __future__ import annotations

import pytest

from builders import Bundle, crit, verdict

CBP = "childbearing-potential"


# -- inc.contraception = (not childbearing-potential) or contraception-agreed (§4.1) ------------
@pytest.mark.parametrize(("cbp", "agreed", "expected"), [
    (False, None, "met"),
    (False, False, "met"),
    (True, True, "met"),
    (True, False, "not_met"),
    (True, None, "unknown"),
    (None, True, "met"),
    (None, False, "unknown"),
    (None, None, "unknown"),
])
def test_contraception(cbp: bool | None, agreed: bool | None, expected: str) -> None:
    b = Bundle(gender="male")  # the rule is the same for a man (his partner's potential)
    if cbp is not None:
        b.attest(CBP, cbp)
    if agreed is not None:
        b.attest("contraception-agreed", agreed)
    c = crit(b, "inc.contraception")
    assert c.verdict.value == expected
    if expected == "unknown":
        assert c.missing


# -- inc.pregnancy-test = male or not cbp or (serum HCG negative and not lactating), Kleene -----
def cbp_female(lactating: bool | None = False) -> Bundle:
    b = Bundle(gender="female").attest(CBP, True)
    if lactating is not None:
        b.attest("lactating", lactating)
    return b


@pytest.mark.parametrize(("gender", "cbp", "expected"), [
    ("male", None, "met"),
    ("male", True, "met"),
    ("female", False, "met"),
    ("female", None, "unknown"),
    ("unknown", False, "met"),
    ("unknown", None, "unknown"),
])
def test_pregnancy_test_not_applicable(gender: str, cbp: bool | None, expected: str) -> None:
    b = Bundle(gender=gender)
    if cbp is not None:
        b.attest(CBP, cbp)
    assert verdict(b, "inc.pregnancy-test") == expected


@pytest.mark.parametrize(("code", "day", "lactating", "expected"), [
    ("2118-8", "2026-05-28", False, "met"),
    ("80385-8", "2026-05-28", False, "met"),
    ("2118-8", "2026-05-28", True, "not_met"),
    ("2118-8", "2026-05-28", None, "unknown"),
    ("2118-8", "2026-05-25", False, "met"),      # exactly 7 days before as-of
    ("2118-8", "2026-05-24", False, "unknown"),  # 8 days
    ("2118-8", "2026-06-02", False, "unknown"),  # after as-of
    ("2106-3", "2026-05-28", False, "unknown"),  # urine does not satisfy the serum test
])
def test_pregnancy_test_serum_negative(code: str, day: str, lactating: bool | None,
                                       expected: str) -> None:
    b = cbp_female(lactating).qual(code, "negative", day)
    c = crit(b, "inc.pregnancy-test")
    assert c.verdict.value == expected
    if expected == "unknown" and lactating is not None:
        assert any("HCG" in m for m in c.missing)


def test_pregnancy_test_no_hcg_is_unknown() -> None:
    c = crit(cbp_female(), "inc.pregnancy-test")
    assert c.verdict.value == "unknown"
    assert any("serum HCG" in m and "7 days" in m for m in c.missing)


@pytest.mark.parametrize(("value", "unit", "high", "expected"), [
    (5.0, "m[IU]/mL", None, "met"),        # not above 5 m[IU]/mL: negative
    (4.9, "m[IU]/mL", None, "met"),
    (5.1, "m[IU]/mL", None, "not_met"),    # above 5: positive
    (5.1, "[IU]/L", None, "not_met"),      # 5.1 [IU]/L = 5.1 m[IU]/mL
    (4.0, "[IU]/L", None, "met"),
    (8.0, "m[IU]/mL", 10.0, "met"),        # the Observation's own reference range decides
    (10.1, "m[IU]/mL", 10.0, "not_met"),
])
def test_pregnancy_test_quantitative_hcg(value: float, unit: str, high: float | None,
                                         expected: str) -> None:
    for code in ("21198-7", "19080-1"):
        b = cbp_female().lab(code, value, unit, "2026-05-28", high=high)
        assert verdict(b, "inc.pregnancy-test") == expected, code


@pytest.mark.parametrize(("positive_code", "positive_day", "expected"), [
    ("2106-3", "2026-05-30", "not_met"),   # positive urine HCG within 7 days
    ("2106-3", "2026-05-24", "met"),       # 8 days before: outside the window
    ("2118-8", "2026-05-26", "not_met"),   # earlier positive serum HCG, latest negative
])
def test_pregnancy_test_any_positive_hcg(positive_code: str, positive_day: str,
                                         expected: str) -> None:
    b = cbp_female().qual("2118-8", "negative", "2026-05-28")
    b.qual(positive_code, "positive", positive_day)
    assert verdict(b, "inc.pregnancy-test") == expected


def test_pregnancy_test_positive_serum_without_lactation_answer() -> None:
    # positive HCG: false whatever the lactation answer (Kleene and: not_met wins)
    b = cbp_female(lactating=None).qual("2118-8", "positive", "2026-05-30")
    assert verdict(b, "inc.pregnancy-test") == "not_met"


# -- exc.pregnancy: current pregnancy Condition, positive HCG within 7 days, intends-pregnancy;
#    closed (§4.3) --------------------------------------------------------------------------
def test_exc_pregnancy_nothing_recorded() -> None:
    c = crit(Bundle(), "exc.pregnancy")
    assert c.verdict.value == "not_met"
    assert c.missing == ()


@pytest.mark.parametrize(("code", "result", "day", "expected"), [
    ("2106-3", "positive", "2026-05-30", "met"),      # urine counts for the exclusion
    ("2106-3", "detected", "2026-05-30", "met"),
    ("2118-8", "positive", "2026-05-25", "met"),      # exactly 7 days before
    ("2118-8", "positive", "2026-05-24", "not_met"),  # 8 days
    ("2118-8", "positive", "2026-06-02", "not_met"),  # after as-of
    ("2118-8", "negative", "2026-05-30", "not_met"),
    ("2106-3", "not detected", "2026-05-30", "not_met"),
])
def test_exc_pregnancy_qualitative_hcg(code: str, result: str, day: str,
                                       expected: str) -> None:
    assert verdict(Bundle().qual(code, result, day), "exc.pregnancy") == expected


@pytest.mark.parametrize(("value", "high", "expected"), [
    (5.0, None, "not_met"), (5.1, None, "met"), (9.0, 10.0, "not_met"), (10.5, 10.0, "met"),
])
def test_exc_pregnancy_quantitative_hcg(value: float, high: float | None,
                                        expected: str) -> None:
    b = Bundle().lab("21198-7", value, "m[IU]/mL", "2026-05-30", high=high)
    assert verdict(b, "exc.pregnancy") == expected


def test_urine_hcg_positive_both_criteria() -> None:
    # the brief's pairing: urine HCG positive → inc.pregnancy-test not_met, exc.pregnancy met
    from builders import screen
    res = screen(cbp_female().qual("2118-8", "negative", "2026-05-28")
                 .qual("2106-3", "positive", "2026-05-30"))
    assert res.criterion("inc.pregnancy-test").verdict.value == "not_met"
    assert res.criterion("exc.pregnancy").verdict.value == "met"


@pytest.mark.parametrize(("code", "clinical", "onset", "expected"), [
    ("Z33.1", "active", "2026-03-01", "met"),
    ("O09.90", "active", "2026-03-01", "met"),
    ("O26.891", None, "2026-03-01", "met"),         # no clinicalStatus: current
    ("O09.90", "resolved", "2025-01-01", "not_met"),  # not current
    ("O09.90", "inactive", "2025-01-01", "not_met"),
    ("Z33.1", "active", "2026-06-10", "not_met"),   # onset after as-of: does not exist yet
    ("Z32.01", "active", "2026-05-01", "not_met"),  # a positive test code, not in the set
])
def test_exc_pregnancy_condition(code: str, clinical: str | None, onset: str,
                                 expected: str) -> None:
    b = Bundle().condition(code, onset, clinical=clinical)
    assert verdict(b, "exc.pregnancy") == expected


@pytest.mark.parametrize(("value", "expected"), [(True, "met"), (False, "not_met")])
def test_exc_pregnancy_intends(value: bool, expected: str) -> None:
    assert verdict(Bundle().attest("intends-pregnancy", value), "exc.pregnancy") == expected


# §2.6: a converted HCG at exactly 5 m[IU]/mL does not exceed it (no boundary lost to rounding)
@pytest.mark.parametrize(("value", "unit", "high", "high_unit", "expected"), [
    (5_000_000, "n[IU]/mL", None, None, "not_met"),      # = 5 m[IU]/mL in nano units
    (5_000_001, "n[IU]/mL", None, None, "met"),
    (5.0, "m[IU]/mL", 5000, "m[IU]/L", "not_met"),       # the range in another unit
    (5.01, "m[IU]/mL", 5000, "m[IU]/L", "met"),
])
def test_exc_pregnancy_converted_hcg_boundary(value: float, unit: str, high: float | None,
                                              high_unit: str | None, expected: str) -> None:
    b = Bundle().lab("21198-7", value, unit, "2026-05-30", high=high, high_unit=high_unit)
    assert verdict(b, "exc.pregnancy") == expected


@pytest.mark.parametrize(("comparator", "value", "excluded", "test"), [
    (">", 5, "met", "not_met"),        # surely above 5 m[IU]/mL: positive
    ("<", 10, "not_met", "unknown"),   # below 10: cannot tell; not a positive test either
    ("<", 5, "not_met", "met"),        # below 5: negative
])
def test_censored_quantitative_hcg(comparator: str, value: float, excluded: str,
                                   test: str) -> None:
    b = (Bundle().attest(CBP, True).attest("lactating", False)
         .lab("21198-7", value, "m[IU]/mL", "2026-05-30"))
    b.resources[-1]["valueQuantity"]["comparator"] = comparator
    assert verdict(b, "exc.pregnancy") == excluded
    assert verdict(b, "inc.pregnancy-test") == test


def test_hcg_in_a_display_unit_spelling() -> None:
    b = Bundle().lab("21198-7", 2500, None, "2026-05-30")
    b.resources[-1]["valueQuantity"]["unit"] = "mIU/mL"   # no UCUM code: m[IU]/mL
    assert verdict(b, "exc.pregnancy") == "met"
