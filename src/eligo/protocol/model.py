"""A loaded protocol: criteria with their IR rules, value sets, analytes, attestations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from eligo.data.terminology import ValueSet
from eligo.ir.nodes import Analyte, BoolExpr, Window

__all__ = ["Cohort", "Criterion", "Diagnostic", "Protocol"]


@dataclass(frozen=True, slots=True)
class Cohort:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    kind: Literal["inclusion", "exclusion"]
    cohort: str | None  # None = common to every cohort
    statement: str
    source: str  # the exact quote of the protocol text it reads
    absent: Literal["open", "closed"]
    rule: BoolExpr
    rule_text: str
    interpretation: str | None = None  # where SPEC is silent or read with judgement
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A design-time finding. Errors stop loading; warnings and notes are reported."""

    severity: Literal["error", "warning", "info"]
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    criterion: str | None = None

    def render(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        crit = f" [{self.criterion}]" if self.criterion else ""
        return f"{where}: {self.severity}{crit}: {self.message}"


@dataclass(frozen=True)
class Protocol:
    id: str
    version: str
    title: str
    digest: str
    file: str
    cohorts: tuple[Cohort, ...]
    criteria: tuple[Criterion, ...]
    valuesets: Mapping[str, ValueSet]
    analytes: Mapping[str, Analyte]
    attestations: Mapping[str, str]
    windows: Mapping[str, Window]
    source_text: str

    def criterion(self, cid: str) -> Criterion:
        for c in self.criteria:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def criteria_for(self, cohort: str) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.cohort in (None, cohort))
