"""Classification criteria as scores: 2016 ACR/EULAR primary Sjögren's, 2010 ACR/EULAR rheumatoid
arthritis and 2013 ACR/EULAR systemic sclerosis (the 2017 EULAR/ACR myositis criteria are in
:mod:`eligo.calc.classification_iim`).

Every input is a component in clinical terms that a rule can feed from the record, and every
input is optional (``required=False``): ``compute`` names the first one it still needs, and
``bounds`` gives the lowest and highest total still possible while some are unknown (an unknown
item contributes from its minimum to its maximum weight; for "highest weight per item" groups the
group contributes from the highest weight already known present to the highest weight still
possible). In ``bounds`` an input that is *absent* from the mapping takes its default (if it has
one); an input present with the value ``None`` is unknown.

**Entry and exclusion criteria.** When an entry criterion is not met or an exclusion is present,
the criteria do not apply: ``value`` is **0** (so a rule ``score >= 4`` is simply not met),
``band`` says why ("excluded", "entry criterion not met"), the arithmetic still shows every
item, and ``details["score"]`` holds the weighted score the items would give
(``details["applicable"]`` is False). ``bounds`` follows the same rule: a known exclusion gives
(0, 0); an unknown exclusion or entry criterion lowers the lowest possible value to 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from eligo.calc.base import Band, CalcInputError, Calculation, Calculator, Input, Value

__all__ = ["RA_2010", "SJOGREN_2016", "SSC_2013", "ClassificationCalculator"]


@dataclass(frozen=True)
class ClassificationCalculator(Calculator):
    """A calculator whose band can be overridden by the formula (``details["classification"]``),
    so that an excluded patient's band says "excluded" rather than "does not meet"."""

    def compute(self, **values: Any) -> Calculation:
        result = super().compute(**values)
        label = result.details.get("classification")
        return replace(result, band=str(label)) if label is not None else result


# -- helpers -------------------------------------------------------------------------------------
def known(values: Mapping[str, Value | None], inp: Input) -> Value | None:
    """The value ``bounds`` should use: absent → the input's default; present None → unknown."""
    if inp.name in values:
        return values[inp.name]
    return inp.default


def need(calc: str, name: str, value: Value | None) -> Value:
    if value is None:
        raise CalcInputError(calc, name, "missing")
    return value


def fmt(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class Group:
    """A "highest weight per item" group of yes/no findings (a single finding is a group of one)."""

    label: str
    members: tuple[tuple[str, str, float], ...]  # (input name, label, weight)

    def score(self, calc: str, values: Mapping[str, Any]) -> tuple[float, str]:
        present = []
        for name, label, weight in self.members:
            v = need(calc, name, values.get(name))
            if v:
                present.append((weight, label))
        if not present:
            return 0.0, f"{self.label} absent → 0"
        weight, label = max(present)
        if len(self.members) > 1 and len(present) > 1:
            others = ", ".join(lbl for w, lbl in sorted(present, reverse=True)[1:])
            return weight, f"{label} → {fmt(weight)} (highest of the item; also {others})"
        return weight, f"{label} → {fmt(weight)}"

    def bounds(self, inputs: Mapping[str, Input], values: Mapping[str, Value | None]
               ) -> tuple[float, float]:
        lo = hi = 0.0
        for name, _label, weight in self.members:
            v = known(values, inputs[name])
            if v is True:
                lo = max(lo, weight)
            if v is None or v is True:
                hi = max(hi, weight)
        return lo, hi


def applicability(entry: Value | None, excluded: Value | None) -> str | None:
    """None when the criteria apply; otherwise the reason (for the band)."""
    if excluded is True:
        return "excluded"
    if entry is False:
        return "entry criterion not met"
    return None


def applied(total: float, parts: Sequence[str], threshold: float, reason: str | None,
            details: dict[str, Any], meets: str = "meets criteria",
            fails: str = "does not meet") -> tuple[float, str, dict[str, Any]]:
    sums = " + ".join(parts) + f" = {fmt(total)}"
    details["score"] = total
    details["threshold"] = threshold
    if reason is not None:
        details["applicable"] = False
        details["classification"] = reason
        return 0.0, f"{reason} → 0 (the items would give {sums})", details
    details["applicable"] = True
    details["classification"] = meets if total >= threshold else fails
    op = "≥" if total >= threshold else "<"
    return total, f"{sums} {op} {fmt(threshold)}", details


def bounds_with_applicability(lo: float, hi: float, entry: Value | None,
                              excluded: Value | None) -> tuple[float, float]:
    if excluded is True or entry is False:
        return 0.0, 0.0
    if excluded is None or entry is None:
        return 0.0, hi
    return lo, hi


def _bands(threshold: float) -> tuple[Band, ...]:
    return (Band("does not meet", high=threshold, high_inclusive=False),
            Band("meets criteria", low=threshold, low_inclusive=True))


# -- 2016 ACR/EULAR primary Sjögren's syndrome ---------------------------------------------------
_SS_NAME = "sjogren-2016"
_SS_INPUTS = (
    Input("focus_score", "labial salivary gland focus score (foci per 4 mm²)", "1",
          low=0, high=50, required=False),
    Input("anti_ssa", "anti-SSA/Ro antibody positive", kind="boolean", required=False),
    Input("ocular_staining_score", "ocular staining score, worse eye (0–12)", "1",
          low=0, high=12, required=False),
    Input("schirmer", "Schirmer test, worse eye (mm in 5 min)", "mm", low=0, high=35,
          required=False),
    Input("salivary_flow", "unstimulated whole saliva flow rate", "mL/min", low=0, high=10,
          required=False),
    Input("entry", "entry criterion: ocular or oral dryness symptoms, or suspicion of Sjögren's "
          "from ESSDAI (≥ 1 domain positive)", kind="boolean", required=False),
    Input("excluded", "an exclusion: head and neck radiation, active HCV (PCR), AIDS, "
          "sarcoidosis, amyloidosis, graft-versus-host disease, IgG4-related disease",
          kind="boolean", required=False),
)
#: (input, weight, test, text if met, text if not)
_SS_ITEMS: tuple[tuple[str, float, Callable[[Any], bool], str, str], ...] = (
    ("focus_score", 3, lambda v: v >= 1, "focus score {v} ≥ 1", "focus score {v} < 1"),
    ("anti_ssa", 3, bool, "anti-SSA/Ro positive", "anti-SSA/Ro negative"),
    ("ocular_staining_score", 1, lambda v: v >= 5, "ocular staining score {v} ≥ 5",
     "ocular staining score {v} < 5"),
    ("schirmer", 1, lambda v: v <= 5, "Schirmer {v} mm/5 min ≤ 5", "Schirmer {v} mm/5 min > 5"),
    ("salivary_flow", 1, lambda v: v <= 0.1, "unstimulated saliva flow {v} mL/min ≤ 0.1",
     "unstimulated saliva flow {v} mL/min > 0.1"),
)


def _sjogren(focus_score: float | None = None, anti_ssa: bool | None = None,
             ocular_staining_score: float | None = None, schirmer: float | None = None,
             salivary_flow: float | None = None, entry: bool | None = None,
             excluded: bool | None = None) -> tuple[float, str, dict[str, Any]]:
    values: dict[str, Any] = {"focus_score": focus_score, "anti_ssa": anti_ssa,
                              "ocular_staining_score": ocular_staining_score,
                              "schirmer": schirmer, "salivary_flow": salivary_flow}
    parts, items, total = [], {}, 0.0
    for name, weight, test, yes, no in _SS_ITEMS:
        v = need(_SS_NAME, name, values[name])
        met = test(v)
        w = weight if met else 0
        text = (yes if met else no).format(v=fmt(float(v)) if not isinstance(v, bool) else v)
        parts.append(f"{text} → {fmt(w)}")
        items[name] = w
        total += w
    entry = bool(need(_SS_NAME, "entry", entry))
    excluded = bool(need(_SS_NAME, "excluded", excluded))
    details: dict[str, Any] = {"items": items, "entry": entry, "excluded": excluded}
    return applied(total, parts, 4, applicability(entry, excluded), details)


def _sjogren_bounds(values: Mapping[str, Value | None]) -> tuple[float, float]:
    inputs = {i.name: i for i in _SS_INPUTS}
    lo = hi = 0.0
    for name, weight, test, _yes, _no in _SS_ITEMS:
        v = known(values, inputs[name])
        if v is None:
            hi += weight
        elif test(v):
            lo += weight
            hi += weight
    return bounds_with_applicability(lo, hi, known(values, inputs["entry"]),
                                     known(values, inputs["excluded"]))


SJOGREN_2016 = ClassificationCalculator(
    name=_SS_NAME,
    title="2016 ACR/EULAR classification criteria for primary Sjögren's syndrome",
    citation="Shiboski CH et al. Arthritis Rheumatol 2017;69:35-45 (Ann Rheum Dis 2017;76:9-16)",
    unit=None,
    inputs=_SS_INPUTS,
    formula=_sjogren,
    bands=_bands(4),
    bounds=_sjogren_bounds,
    description="Sum of weighted items; ≥ 4 classifies as primary Sjögren's syndrome when the "
                "entry criterion is met and no exclusion applies (otherwise the value is 0).",
)


# -- 2010 ACR/EULAR rheumatoid arthritis --------------------------------------------------------
_RA_NAME = "ra-2010"
_RA_INPUTS = (
    Input("large_joints", "large joints involved (shoulders, elbows, hips, knees, ankles)", "1",
          low=0, high=10, integer=True, required=False),
    Input("small_joints", "small joints involved (MCP, PIP, MTP 2–5, thumb IP, wrists)", "1",
          low=0, high=30, integer=True, required=False),
    Input("other_joints", "other joints involved (e.g. temporomandibular, acromioclavicular, "
          "sternoclavicular); count only towards '> 10 joints'", "1", low=0, high=20,
          integer=True, required=False, default=0.0),
    Input("rf_x_uln", "rheumatoid factor ÷ upper limit of normal", "1", low=0, high=10000,
          required=False),
    Input("acpa_x_uln", "ACPA (anti-CCP) ÷ upper limit of normal", "1", low=0, high=10000,
          required=False),
    Input("crp_x_uln", "CRP ÷ upper limit of normal", "1", low=0, high=10000, required=False),
    Input("esr_x_uln", "ESR ÷ upper limit of normal", "1", low=0, high=10000, required=False),
    Input("symptom_weeks", "duration of symptoms (synovitis) in weeks", "wk", low=0, high=5200,
          required=False),
)


def _joint_points(large: float, small: float, other: float) -> tuple[int, str]:
    total = large + small + other
    if total > 10 and small >= 1:
        return 5, "> 10 joints (≥ 1 small)"
    if small >= 4:
        return 3, "4–10 small joints"
    if small >= 1:
        return 2, "1–3 small joints"
    if large >= 2:
        return 1, "2–10 large joints"
    return 0, "0–1 large joint"


def _serology_points(x: float) -> int:
    return 0 if x <= 1 else 2 if x <= 3 else 3


def _ra(large_joints: float | None = None, small_joints: float | None = None,
        other_joints: float = 0.0, rf_x_uln: float | None = None,
        acpa_x_uln: float | None = None, crp_x_uln: float | None = None,
        esr_x_uln: float | None = None, symptom_weeks: float | None = None
        ) -> tuple[float, str, dict[str, Any]]:
    large = float(need(_RA_NAME, "large_joints", large_joints))
    small = float(need(_RA_NAME, "small_joints", small_joints))
    a, a_text = _joint_points(large, small, other_joints)
    joints = f"{fmt(large)} large + {fmt(small)} small"
    if other_joints:
        joints += f" + {fmt(other_joints)} other"
    # 2010 criteria: "at least 1 test result is needed for classification" (serology, APR)
    sero = {k: v for k, v in (("RF", rf_x_uln), ("ACPA", acpa_x_uln)) if v is not None}
    if not sero:
        raise CalcInputError(_RA_NAME, "rf_x_uln", "missing (at least one of RF and ACPA)")
    b = max(_serology_points(v) for v in sero.values())
    b_text = {0: "RF and ACPA negative", 2: "low-positive (≤ 3 × ULN)",
              3: "high-positive (> 3 × ULN)"}[b]
    sero_text = ", ".join(f"{k} {fmt(v)} × ULN" for k, v in sero.items())
    apr = {k: v for k, v in (("CRP", crp_x_uln), ("ESR", esr_x_uln)) if v is not None}
    if not apr:
        raise CalcInputError(_RA_NAME, "crp_x_uln", "missing (at least one of CRP and ESR)")
    c = 1 if any(v > 1 for v in apr.values()) else 0
    apr_text = ", ".join(f"{k} {fmt(v)} × ULN" for k, v in apr.items())
    weeks = float(need(_RA_NAME, "symptom_weeks", symptom_weeks))
    d = 1 if weeks >= 6 else 0
    parts = [f"joints ({joints}: {a_text}) → {a}",
             f"serology ({sero_text}: {b_text}) → {b}",
             f"acute-phase reactants ({apr_text}: {'abnormal' if c else 'normal'}) → {c}",
             f"symptoms {fmt(weeks)} wk ({'≥' if d else '<'} 6 weeks) → {d}"]
    details: dict[str, Any] = {
        "items": {"joints": a, "serology": b, "acute_phase": c, "duration": d},
        "not_tested": [k for k in ("RF", "ACPA", "CRP", "ESR") if k not in sero | apr]}
    return applied(float(a + b + c + d), parts, 6, None, details)


def _ra_bounds(values: Mapping[str, Value | None]) -> tuple[float, float]:
    inputs = {i.name: i for i in _RA_INPUTS}

    def get(name: str) -> Any:
        return known(values, inputs[name])

    def extreme(name: str, high: bool) -> float:
        v = get(name)
        if v is None:
            inp = inputs[name]
            return float((inp.high if high else inp.low) or 0)
        return float(v)

    # joint points never decrease when a count grows: evaluate at both ends
    lo = float(_joint_points(*(extreme(n, False) for n in
                               ("large_joints", "small_joints", "other_joints")))[0])
    hi = float(_joint_points(*(extreme(n, True) for n in
                               ("large_joints", "small_joints", "other_joints")))[0])
    sero = [get("rf_x_uln"), get("acpa_x_uln")]
    known_sero = [_serology_points(float(v)) for v in sero if v is not None]
    lo += max(known_sero, default=0)
    hi += 3 if None in sero else max(known_sero)
    apr = [get("crp_x_uln"), get("esr_x_uln")]
    abnormal = any(v is not None and float(v) > 1 for v in apr)
    lo += 1 if abnormal else 0
    hi += 1 if abnormal or None in apr else 0
    weeks = get("symptom_weeks")
    lo += 1 if weeks is not None and float(weeks) >= 6 else 0
    hi += 1 if weeks is None or float(weeks) >= 6 else 0
    return lo, hi


RA_2010 = ClassificationCalculator(
    name=_RA_NAME,
    title="2010 ACR/EULAR classification criteria for rheumatoid arthritis",
    citation="Aletaha D et al. Arthritis Rheum 2010;62:2569-81",
    unit=None,
    inputs=_RA_INPUTS,
    formula=_ra,
    bands=_bands(6),
    bounds=_ra_bounds,
    description="Joints (0–5) + serology (0–3) + acute-phase reactants (0–1) + duration (0–1); "
                "≥ 6/10 classifies as definite RA.",
)


# -- 2013 ACR/EULAR systemic sclerosis ----------------------------------------------------------
_SSC_NAME = "ssc-2013"
_SSC_GROUPS = (
    Group("skin thickening of the fingers of both hands proximal to the MCP joints",
          (("skin_proximal_mcp", "skin thickening proximal to the MCP joints (sufficient)", 9),)),
    Group("skin thickening of the fingers",
          (("puffy_fingers", "puffy fingers", 2),
           ("sclerodactyly", "sclerodactyly (distal to MCP, proximal to PIP)", 4))),
    Group("fingertip lesions",
          (("digital_ulcers", "digital tip ulcers", 2),
           ("pitting_scars", "fingertip pitting scars", 3))),
    Group("telangiectasia", (("telangiectasia", "telangiectasia", 2),)),
    Group("abnormal nailfold capillaries",
          (("nailfold_capillaries", "abnormal nailfold capillaries", 2),)),
    Group("PAH and/or ILD",
          (("pah", "pulmonary arterial hypertension", 2),
           ("ild", "interstitial lung disease", 2))),
    Group("Raynaud's phenomenon", (("raynaud", "Raynaud's phenomenon", 3),)),
    Group("SSc-related autoantibodies",
          (("anti_centromere", "anticentromere", 3),
           ("anti_topoisomerase", "anti-topoisomerase I (Scl-70)", 3),
           ("anti_rnap3", "anti-RNA polymerase III", 3))),
)
_SSC_INPUTS = (
    *(Input(name, label, kind="boolean", required=False)
      for g in _SSC_GROUPS for name, label, _w in g.members),
    Input("excluded", "not applicable: skin thickening sparing the fingers, or a "
          "scleroderma-like disorder better explaining the manifestations", kind="boolean",
          required=False),
)


def _ssc(**values: Any) -> tuple[float, str, dict[str, Any]]:
    parts, items, total = [], {}, 0.0
    for g in _SSC_GROUPS:
        w, text = g.score(_SSC_NAME, values)
        parts.append(text)
        items[g.label] = w
        total += w
    excluded = bool(need(_SSC_NAME, "excluded", values.get("excluded")))
    details: dict[str, Any] = {"items": items, "excluded": excluded,
                               "sufficient_criterion": bool(values.get("skin_proximal_mcp"))}
    return applied(total, parts, 9, applicability(True, excluded), details)


def _ssc_bounds(values: Mapping[str, Value | None]) -> tuple[float, float]:
    inputs = {i.name: i for i in _SSC_INPUTS}
    lo = hi = 0.0
    for g in _SSC_GROUPS:
        glo, ghi = g.bounds(inputs, values)
        lo += glo
        hi += ghi
    return bounds_with_applicability(lo, hi, True, known(values, inputs["excluded"]))


SSC_2013 = ClassificationCalculator(
    name=_SSC_NAME,
    title="2013 ACR/EULAR classification criteria for systemic sclerosis",
    citation="van den Hoogen F et al. Arthritis Rheum 2013;65:2737-47 "
             "(Ann Rheum Dis 2013;72:1747-55)",
    unit=None,
    inputs=_SSC_INPUTS,
    formula=_ssc,
    bands=_bands(9),
    bounds=_ssc_bounds,
    description="Sum of the highest weight in each item; ≥ 9 classifies as definite SSc "
                "(skin thickening proximal to the MCP joints alone is sufficient, 9). Not "
                "applicable (value 0) with skin thickening sparing the fingers or a "
                "scleroderma-like disorder better explaining the manifestations.",
)
