"""2017 EULAR/ACR classification criteria for adult and juvenile idiopathic inflammatory
myopathies (IIM) and their major subgroups (Lundberg IE et al. Ann Rheum Dis 2017;76:1955-64).

``value`` is the probability of IIM in %, 1 / (1 + exp(c − score)) with c = 5.33 without and
6.49 with a muscle biopsy; ``details`` hold the weighted score, the model used and (when the
probability is ≥ 55 %) the subgroup from the paper's classification tree. Bands follow the
probability: definite ≥ 90 %, probable ≥ 55 %, possible ≥ 50 %. The paper also states the cut-offs
as scores (without biopsy ≥ 5.3 / 5.5 / 7.5, with biopsy ≥ 6.5 / 6.7 / 8.7); with c = 5.33 a
score of exactly 5.5 (or 7.5) without biopsy gives 54.2 % (89.8 %), so the two readings differ by
one tenth of a point there. ``details["band_by_score"]`` gives the score reading so the difference
is visible.

Every input is optional (the record may lack it); ``bounds`` gives the lowest and highest
probability still possible, over both models when it is not known whether a biopsy was done.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from eligo.calc.base import Band, CalcInputError, Input, Value
from eligo.calc.classification import ClassificationCalculator, fmt, known, need

__all__ = ["IIM_2017", "iim_probability"]

_NAME = "iim-2017"
#: logistic constants: probability = 1 / (1 + exp(c − score))
_C = {False: 5.33, True: 6.49}

#: (input, label, weight without biopsy, weight with biopsy)
_ITEMS: tuple[tuple[str, str, float, float], ...] = (
    ("weakness_upper", "objective symmetric proximal weakness, upper extremities", 0.7, 0.7),
    ("weakness_lower", "objective symmetric proximal weakness, lower extremities", 0.8, 0.5),
    ("neck_flexors_weaker", "neck flexors weaker than neck extensors", 1.9, 1.6),
    ("legs_proximal_weaker", "in the legs, proximal muscles weaker than distal", 0.9, 1.2),
    ("heliotrope_rash", "heliotrope rash", 3.1, 3.2),
    ("gottron_papules", "Gottron's papules", 2.1, 2.7),
    ("gottron_sign", "Gottron's sign", 3.3, 3.7),
    ("dysphagia", "dysphagia or oesophageal dysmotility", 0.7, 0.6),
    ("anti_jo1", "anti-Jo-1 (anti-histidyl-tRNA synthetase) positive", 3.9, 3.8),
    ("enzymes_elevated", "elevated CK, LDH, AST or ALT (above ULN)", 1.3, 1.4),
)
#: muscle biopsy features (scored only with a biopsy)
_BIOPSY: tuple[tuple[str, str, float], ...] = (
    ("endomysial_infiltration",
     "endomysial mononuclear infiltration surrounding, not invading, myofibres", 1.7),
    ("perimysial_infiltration", "perimysial and/or perivascular mononuclear infiltration", 1.2),
    ("perifascicular_atrophy", "perifascicular atrophy", 1.9),
    ("rimmed_vacuoles", "rimmed vacuoles", 3.1),
)
_AGE = {False: (1.3, 2.1), True: (1.5, 2.2)}  # onset 18–<40, ≥ 40

_INPUTS = (
    Input("age_at_onset", "age at onset of the first symptom assumed related to the disease",
          "a", low=0, high=120, required=False),
    *(Input(name, label, kind="boolean", required=False) for name, label, _a, _b in _ITEMS),
    Input("biopsy", "muscle biopsy performed", kind="boolean", required=False),
    *(Input(name, label, kind="boolean", required=False) for name, label, _w in _BIOPSY),
    Input("finger_flexor_weakness", "finger flexor weakness (subgroup tree only)",
          kind="boolean", required=False),
    Input("treatment_unresponsive", "no improvement with treatment (subgroup tree only)",
          kind="boolean", required=False),
)


def iim_probability(score: float, biopsy: bool) -> float:
    """Probability of IIM in % for a weighted score."""
    return 100.0 / (1.0 + math.exp(_C[biopsy] - score))


def _age_points(age: float, biopsy: bool) -> float:
    young, old = _AGE[biopsy]
    return old if age >= 40 else young if age >= 18 else 0.0


def _band_by_score(score: float, biopsy: bool) -> str:
    possible, probable, definite = (6.5, 6.7, 8.7) if biopsy else (5.3, 5.5, 7.5)
    if score >= definite:
        return "definite IIM"
    if score >= probable:
        return "probable IIM"
    if score >= possible:
        return "possible IIM"
    return "IIM unlikely"


def _subgroup(v: Mapping[str, Any], age: float, biopsy: bool) -> str:
    """The EULAR/ACR classification tree (Lundberg 2017, figure 2), for a patient with IIM."""
    skin = v["heliotrope_rash"] or v["gottron_papules"] or v["gottron_sign"]
    if age < 18:
        return "juvenile dermatomyositis" if skin else "juvenile myositis other than JDM"
    if skin:
        weak = (v["weakness_upper"] or v["weakness_lower"] or v["neck_flexors_weaker"]
                or v["legs_proximal_weaker"])
        return "dermatomyositis" if weak else "amyopathic dermatomyositis"
    if biopsy and v.get("rimmed_vacuoles"):
        return "inclusion body myositis"
    ffw, unresp = v.get("finger_flexor_weakness"), v.get("treatment_unresponsive")
    if ffw and unresp:
        return "inclusion body myositis"
    if ffw is False or unresp is False:
        return "polymyositis (including immune-mediated necrotising myopathy)"
    return ("polymyositis (including IMNM) or inclusion body myositis: finger flexor weakness "
            "and response to treatment not recorded")


def _iim(**values: Any) -> tuple[float, str, dict[str, Any]]:
    age = float(need(_NAME, "age_at_onset", values.get("age_at_onset")))
    v: dict[str, Any] = {name: bool(need(_NAME, name, values.get(name)))
                         for name, _l, _a, _b in _ITEMS}
    biopsy = bool(need(_NAME, "biopsy", values.get("biopsy")))
    a = _age_points(age, biopsy)
    span = "≥ 40" if age >= 40 else "18–40" if age >= 18 else "< 18"
    parts = [f"age at onset {fmt(age)} ({span}) → {fmt(a)}"]
    items: dict[str, float] = {"age_at_onset": a}
    total = a
    for name, label, w0, w1 in _ITEMS:
        if v[name]:
            w = w1 if biopsy else w0
            parts.append(f"{label} → {fmt(w)}")
            items[name] = w
            total += w
    if biopsy:
        for name, label, w in _BIOPSY:
            v[name] = bool(need(_NAME, name, values.get(name)))
            if v[name]:
                parts.append(f"{label} → {fmt(w)}")
                items[name] = w
                total += w
    else:
        given = [name for name, _l, _w in _BIOPSY if values.get(name)]
        if given:
            raise CalcInputError(_NAME, given[0], "a biopsy finding needs biopsy = yes")
    for name in ("finger_flexor_weakness", "treatment_unresponsive"):
        v[name] = values.get(name)
    score = round(total, 1)
    c = _C[biopsy]
    p = iim_probability(score, biopsy)
    model = "with muscle biopsy" if biopsy else "without muscle biopsy"
    text = (" + ".join(parts) + f" = {fmt(score)} ({model}); "
            f"probability 1 / (1 + exp({fmt(c)} − {fmt(score)})) = {p:.1f} %")
    skin = v["heliotrope_rash"] or v["gottron_papules"] or v["gottron_sign"]
    details: dict[str, Any] = {
        "score": score, "biopsy": biopsy, "model": model, "probability": p,
        "items": items, "band_by_score": _band_by_score(score, biopsy),
        "subgroup": _subgroup(v, age, biopsy) if p >= 55 else None,
    }
    if not skin and not biopsy:
        # the authors' calculator: without heliotrope rash or Gottron's papules/sign, muscle
        # biopsy features should be present to classify a patient as IIM
        details["note"] = ("no heliotrope rash or Gottron's papules/sign: the criteria's authors "
                           "advise a muscle biopsy to classify")
    return p, text, details


def _score_bounds(values: Mapping[str, Value | None], inputs: Mapping[str, Input],
                  biopsy: bool) -> tuple[float, float]:
    age = known(values, inputs["age_at_onset"])
    if age is None:
        lo, hi = 0.0, _AGE[biopsy][1]
    else:
        lo = hi = _age_points(float(age), biopsy)
    weighted = [(name, w1 if biopsy else w0) for name, _l, w0, w1 in _ITEMS]
    if biopsy:
        weighted += [(name, w) for name, _l, w in _BIOPSY]
    for name, w in weighted:
        x = known(values, inputs[name])
        if x is True:
            lo += w
        if x is None or x is True:
            hi += w
    return round(lo, 1), round(hi, 1)


def _iim_bounds(values: Mapping[str, Value | None]) -> tuple[float, float]:
    inputs = {i.name: i for i in _INPUTS}
    b = known(values, inputs["biopsy"])
    models = [False, True] if b is None else [bool(b)]
    probs = []
    for biopsy in models:
        lo, hi = _score_bounds(values, inputs, biopsy)
        probs += [iim_probability(lo, biopsy), iim_probability(hi, biopsy)]
    return min(probs), max(probs)


IIM_2017 = ClassificationCalculator(
    name=_NAME,
    title="2017 EULAR/ACR classification criteria for idiopathic inflammatory myopathies",
    citation="Lundberg IE et al. Ann Rheum Dis 2017;76:1955-64 "
             "(Arthritis Rheumatol 2017;69:2271-82)",
    unit="%",
    inputs=_INPUTS,
    formula=_iim,
    bands=(Band("IIM unlikely", high=50, high_inclusive=False),
           Band("possible IIM", low=50, low_inclusive=True, high=55, high_inclusive=False),
           Band("probable IIM", low=55, low_inclusive=True, high=90, high_inclusive=False),
           Band("definite IIM", low=90, low_inclusive=True)),
    bounds=_iim_bounds,
    description="Probability of IIM from the weighted score (with or without muscle biopsy); "
                "≥ 55 % probable, ≥ 90 % definite; subgroup by the classification tree.",
)
