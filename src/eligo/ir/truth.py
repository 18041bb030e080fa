"""Kleene three-valued logic (SPEC §2.1): the only place verdicts are combined.

>>> and_(MET, UNKNOWN).value
'unknown'
>>> or_(MET, UNKNOWN).value
'met'
>>> at_least(2, [MET, UNKNOWN, NOT_MET]).value
'unknown'
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

__all__ = ["MET", "NOT_MET", "UNKNOWN", "Verdict", "and_", "at_least", "implies", "not_", "or_"]


class Verdict(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, value: bool | None) -> Verdict:
        if value is None:
            return cls.UNKNOWN
        return cls.MET if value else cls.NOT_MET


MET = Verdict.MET
NOT_MET = Verdict.NOT_MET
UNKNOWN = Verdict.UNKNOWN


def not_(a: Verdict) -> Verdict:
    if a is MET:
        return NOT_MET
    if a is NOT_MET:
        return MET
    return UNKNOWN


def and_(*verdicts: Verdict) -> Verdict:
    """Any not_met → not_met; else any unknown → unknown; else met (and of nothing is met)."""
    result = MET
    for v in verdicts:
        if v is NOT_MET:
            return NOT_MET
        if v is UNKNOWN:
            result = UNKNOWN
    return result


def or_(*verdicts: Verdict) -> Verdict:
    """Any met → met; else any unknown → unknown; else not_met (or of nothing is not_met)."""
    result = NOT_MET
    for v in verdicts:
        if v is MET:
            return MET
        if v is UNKNOWN:
            result = UNKNOWN
    return result


def implies(a: Verdict, b: Verdict) -> Verdict:
    """'If A then B' is (not A) or B."""
    return or_(not_(a), b)


def at_least(k: int, verdicts: Iterable[Verdict]) -> Verdict:
    """Met if ≥ k met; not_met if met + unknown < k; else unknown."""
    vs = list(verdicts)
    met = sum(v is MET for v in vs)
    unknown = sum(v is UNKNOWN for v in vs)
    if met >= k:
        return MET
    if met + unknown < k:
        return NOT_MET
    return UNKNOWN
