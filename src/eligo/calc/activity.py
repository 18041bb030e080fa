"""Disease activity and function scores that are sums of items: ESSDAI, mRSS, MMT-8, HAQ-DI.

Every item is an integer in its published range; ESSDAI, mRSS and MMT-8 can be bounded while
some items are unknown (``bounds``), so a threshold can be decided before every item is known.
"""

from __future__ import annotations

from collections.abc import Mapping

from eligo.calc.base import Band, Bounds, CalcInputError, Calculator, Input, Value

__all__ = ["ESSDAI", "HAQ_DI", "MMT8", "MRSS", "sum_bounds"]


def sum_bounds(highs: Mapping[str, float], weights: Mapping[str, float] | None = None
               ) -> Bounds:
    """Bounds of a (weighted) sum of items each in 0…high: unknown items span their range."""

    def bounds(known: Mapping[str, Value | None]) -> tuple[float, float]:
        lo = hi = 0.0
        for name, high in highs.items():
            w = weights[name] if weights else 1.0
            v = known.get(name)
            if isinstance(v, int | float) and not isinstance(v, bool):
                lo += w * float(v)
                hi += w * float(v)
            else:
                hi += w * high
        return lo, hi

    return bounds


def _term(label: str, v: float) -> str:
    return f"{label} {v:g}"


# -- ESSDAI -----------------------------------------------------------------------------------

#: domain: (label, weight, allowed activity levels) — Seror R et al. Ann Rheum Dis 2010;69:1103-9
_ESSDAI_DOMAINS: dict[str, tuple[str, int, tuple[int, ...]]] = {
    "constitutional": ("constitutional", 3, (0, 1, 2)),
    "lymphadenopathy": ("lymphadenopathy", 4, (0, 1, 2, 3)),
    "glandular": ("glandular", 2, (0, 1, 2)),
    "articular": ("articular", 2, (0, 1, 2, 3)),
    "cutaneous": ("cutaneous", 3, (0, 1, 2, 3)),
    "pulmonary": ("pulmonary", 5, (0, 1, 2, 3)),
    "renal": ("renal", 5, (0, 1, 2, 3)),
    "muscular": ("muscular", 6, (0, 1, 2, 3)),
    "pns": ("peripheral nervous system", 5, (0, 1, 2, 3)),
    "cns": ("central nervous system", 5, (0, 2, 3)),  # no "low" level
    "hematological": ("hematological", 2, (0, 1, 2, 3)),
    "biological": ("biological", 1, (0, 1, 2)),
}
_LEVEL_NAMES = ("none", "low", "moderate", "high")


def _essdai_label(label: str, levels: tuple[int, ...]) -> str:
    named = ", ".join(f"{lv} {_LEVEL_NAMES[lv]}" for lv in levels)
    return f"{label} domain activity level ({named})"


def _essdai(**levels: float) -> tuple[float, str, dict[str, object]]:
    total = 0.0
    terms = []
    scores: dict[str, float] = {}
    for name, (label, weight, allowed) in _ESSDAI_DOMAINS.items():
        level = levels[name]
        if int(level) not in allowed:
            raise CalcInputError("essdai", name,
                                 f"level {level:g} does not exist for the {label} domain "
                                 f"(allowed: {', '.join(str(a) for a in allowed)})")
        score = weight * level
        scores[name] = score
        total += score
        if level:
            terms.append(f"{label} {weight} × {level:g}")
    text = (" + ".join(terms) + " (other domains 0)") if terms else "every domain 0"
    return total, text, {"domain_scores": scores}


ESSDAI = Calculator(
    name="essdai",
    title="EULAR Sjögren's Syndrome Disease Activity Index",
    citation=("Seror R et al. Ann Rheum Dis 2010;69:1103-9; activity levels: Seror R et al. "
              "Ann Rheum Dis 2016;75:382-9"),
    unit=None,
    inputs=tuple(Input(name, _essdai_label(label, allowed), low=0, high=max(allowed),
                       integer=True)
                 for name, (label, _w, allowed) in _ESSDAI_DOMAINS.items()),
    formula=_essdai,
    bands=(Band("low", high=5, high_inclusive=False),
           Band("moderate", low=5, low_inclusive=True, high=14, high_inclusive=False),
           Band("high", low=14, low_inclusive=True)),
    bounds=sum_bounds({n: max(a) for n, (_l, _w, a) in _ESSDAI_DOMAINS.items()},
                      {n: w for n, (_l, w, _a) in _ESSDAI_DOMAINS.items()}),
    description="Weighted sum of 12 domain activity levels (0–123).",
)


# -- mRSS -------------------------------------------------------------------------------------

_MRSS_SITES: dict[str, str] = {
    "face": "face", "chest": "anterior chest", "abdomen": "abdomen",
    **{f"{part}_{side}": f"{label}, {side}"
       for part, label in (("fingers", "fingers"), ("hand", "dorsum of hand"),
                           ("forearm", "forearm"), ("upper_arm", "upper arm"),
                           ("thigh", "thigh"), ("lower_leg", "lower leg"),
                           ("foot", "dorsum of foot"))
       for side in ("right", "left")},
}


def _mrss(**sites: float) -> tuple[float, str]:
    total = sum(sites[s] for s in _MRSS_SITES)
    nonzero = [_term(s.replace("_", " "), sites[s]) for s in _MRSS_SITES if sites[s]]
    text = (" + ".join(nonzero) + " (other sites 0)") if nonzero else "every site 0"
    return total, text


MRSS = Calculator(
    name="mrss",
    title="modified Rodnan skin score",
    citation="Khanna D et al. J Scleroderma Relat Disord 2017;2:11-18",
    unit=None,
    inputs=tuple(Input(name, f"skin thickness, {label} (0–3)", low=0, high=3, integer=True)
                 for name, label in _MRSS_SITES.items()),
    formula=_mrss,
    bounds=sum_bounds(dict.fromkeys(_MRSS_SITES, 3.0)),
    description="Sum of skin thickness scores (0–3) at 17 sites (0–51).",
)


# -- MMT-8 ------------------------------------------------------------------------------------

_MMT8_BILATERAL = (("deltoid", "deltoid"), ("biceps", "biceps"),
                   ("gluteus_maximus", "gluteus maximus"), ("gluteus_medius", "gluteus medius"),
                   ("quadriceps", "quadriceps"), ("wrist_extensors", "wrist extensors"),
                   ("ankle_dorsiflexors", "ankle dorsiflexors"))
_MMT8_GROUPS: dict[str, str] = {
    "neck_flexors": "neck flexors",
    **{f"{name}_{side}": f"{label}, {side}" for name, label in _MMT8_BILATERAL
       for side in ("right", "left")},
}


def _mmt8(**groups: float) -> tuple[float, str]:
    total = sum(groups[g] for g in _MMT8_GROUPS)
    text = " + ".join(_term(g.replace("_", " "), groups[g]) for g in _MMT8_GROUPS)
    return total, text


MMT8 = Calculator(
    name="mmt8",
    title="Manual Muscle Testing (MMT-8)",
    citation="Rider LG et al. Arthritis Care Res 2010;62:465-72",
    unit=None,
    inputs=tuple(Input(name, f"{label} strength (Kendall 0–10)", low=0, high=10, integer=True)
                 for name, label in _MMT8_GROUPS.items()),
    formula=_mmt8,
    bounds=sum_bounds(dict.fromkeys(_MMT8_GROUPS, 10.0)),
    description="Neck flexors plus 7 muscle groups on both sides, Kendall 0–10 each (0–150).",
)


# -- HAQ-DI -----------------------------------------------------------------------------------

_HAQ_CATEGORIES: dict[str, str] = {
    "dressing": "dressing and grooming", "arising": "arising", "eating": "eating",
    "walking": "walking", "hygiene": "hygiene", "reach": "reach", "grip": "grip",
    "activities": "common daily activities",
}


def _haq_di(**answers: float | bool) -> tuple[float, str, dict[str, object]]:
    answered = [c for c in _HAQ_CATEGORIES if answers.get(c) is not None]
    if len(answered) < 6:
        missing = [c for c in _HAQ_CATEGORIES if c not in answered]
        raise CalcInputError("haq-di", missing[0],
                             f"missing (HAQ-DI needs at least 6 of the 8 categories; "
                             f"unanswered: {', '.join(missing)})")
    terms = []
    scores: dict[str, float] = {}
    for c in answered:
        raw = float(answers[c])
        score = raw
        if answers.get(f"{c}_aids") and raw < 2:
            score = 2.0
            terms.append(f"{c} {raw:g}→2 (aids/help)")
        else:
            terms.append(f"{c} {raw:g}")
        scores[c] = score
    total = sum(scores.values())
    value = total / len(answered)
    text = f"({' + '.join(terms)}) ÷ {len(answered)} = {total:g} ÷ {len(answered)}"
    return value, text, {"category_scores": scores, "categories_answered": len(answered)}


HAQ_DI = Calculator(
    name="haq-di",
    title="Health Assessment Questionnaire Disability Index",
    citation=("Fries JF et al. Arthritis Rheum 1980;23:137-45; scoring: Bruce B, Fries JF. "
              "Health Qual Life Outcomes 2003;1:20"),
    unit=None,
    inputs=(
        *(Input(c, f"{label} category score (0–3, highest item)", low=0, high=3, integer=True,
                required=False)
          for c, label in _HAQ_CATEGORIES.items()),
        *(Input(f"{c}_aids", f"aids/devices or help used for {label} (default no)",
                kind="boolean", required=False)
          for c, label in _HAQ_CATEGORIES.items()),
    ),
    formula=_haq_di,
    description="Mean of the 8 category scores (0–3), each raised to 2 when aids or help are "
                "used; needs at least 6 categories.",
)
