"""Generic traversal of IR trees (rewrites and design-time questions build on it)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from eligo.ir import nodes as n

__all__ = ["decided_by", "iter_nodes"]

_LEAVES_FROM_DATA = (
    n.Latest, n.Extremum, n.Age, n.Change, n.LongestExposure, n.MaxDailyDosePerKg,
    n.CurrentDoseStretch, n.DistinctGroups, n.Positive, n.HasCondition, n.DiagnosedBefore,
    n.ConditionNear, n.UsedDrug, n.HasAllergy, n.TrialParticipation, n.Sex,
)


def iter_nodes(node: Any) -> Iterator[Any]:
    """Every IR node below ``node`` (itself first), depth first, in field order."""
    yield node
    if not dataclasses.is_dataclass(node):
        return
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, tuple):  # Calc args: (name, expr)
                item = item[1]
            if dataclasses.is_dataclass(item) and not isinstance(
                item, n.Analyte | n.Window | n.Equivalence
            ):
                yield from iter_nodes(item)


def decided_by(rule: n.BoolExpr) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
    """(reads record data?, attestation codes it asks for, calculators it computes)."""
    data = False
    attestations: list[str] = []
    calculators: list[str] = []
    for node in iter_nodes(rule):
        if isinstance(node, n.Attested) and node.code not in attestations:
            attestations.append(node.code)
        elif isinstance(node, n.Calc) and node.name not in calculators:
            calculators.append(node.name)
        if isinstance(node, _LEAVES_FROM_DATA):
            data = True
    return data, tuple(attestations), tuple(calculators)
