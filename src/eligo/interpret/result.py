"""What screening produces: verdicts with their evidence, missing data and explanation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from eligo.data.facts import Problem
from eligo.ir.truth import Verdict

__all__ = [
    "CohortResult",
    "CriterionResult",
    "Evidence",
    "ScreeningResult",
    "Status",
    "TraceEntry",
]

Status = Literal["eligible", "ineligible", "incomplete"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """One datum a verdict rests on."""

    reference: str
    value: float | str | bool | None = None
    unit: str | None = None
    date: str | None = None
    note: str | None = None  # e.g. "ULN 35 U/L from the Observation's reference range"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reference": self.reference, "value": self.value,
                               "unit": self.unit, "date": self.date}
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """The outcome of one IR node, keyed by a stable id: criterion id + child path."""

    node_id: str
    node: str  # the node's class name
    outcome: str  # verdict, or the value as text
    text: str


@dataclass(frozen=True, slots=True)
class CriterionResult:
    id: str
    kind: str
    cohort: str | None
    statement: str
    verdict: Verdict
    explanation: str
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "cohort": self.cohort,
            "verdict": self.verdict.value,
            "explanation": self.explanation,
            "evidence": [e.to_json() for e in self.evidence],
            "missing": list(self.missing),
        }


@dataclass(frozen=True, slots=True)
class CohortResult:
    id: str
    name: str
    status: Status
    blocking: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "blocking": list(self.blocking),
                "missing": list(self.missing)}


@dataclass(frozen=True)
class ScreeningResult:
    patient_id: str
    as_of: date
    source: str
    protocol_id: str
    protocol_version: str
    protocol_digest: str
    status: Status
    cohorts: tuple[CohortResult, ...]
    criteria: tuple[CriterionResult, ...]
    problems: tuple[Problem, ...] = ()
    trace: tuple[TraceEntry, ...] = field(default=(), repr=False)

    def criterion(self, cid: str) -> CriterionResult:
        for c in self.criteria:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def cohort(self, cid: str) -> CohortResult:
        for c in self.cohorts:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def to_json(self) -> dict[str, Any]:
        """The machine contract of SPEC §5."""
        return {
            "patient_id": self.patient_id,
            "as_of": self.as_of.isoformat(),
            "source": self.source,
            "protocol": {"id": self.protocol_id, "version": self.protocol_version,
                         "digest": self.protocol_digest},
            "status": self.status,
            "cohorts": [c.to_json() for c in self.cohorts],
            "criteria": [c.to_json() for c in self.criteria],
            "problems": [
                {"reference": p.reference, "field": p.field, "value": p.value, "why": p.why}
                for p in self.problems
            ],
        }
