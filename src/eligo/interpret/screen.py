"""Screen one patient: evaluate every criterion, then cohort and overall status (SPEC §2.3–4)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from eligo.data.facts import PatientRecord
from eligo.interpret.context import Context, SiteRange
from eligo.interpret.evaluator import Evaluator
from eligo.interpret.result import CohortResult, CriterionResult, ScreeningResult, Status
from eligo.ir.truth import MET, NOT_MET, UNKNOWN
from eligo.protocol.model import Protocol

__all__ = ["screen_record"]


def screen_record(
    record: PatientRecord,
    protocol: Protocol,
    as_of: date,
    site_ranges: Mapping[str, SiteRange] | None = None,
) -> ScreeningResult:
    ctx = Context(record, protocol, as_of, site_ranges)
    ev = Evaluator(ctx)
    criteria = []
    by_id: dict[str, CriterionResult] = {}
    for c in protocol.criteria:
        out = ev.criterion(c.id)
        result = CriterionResult(
            id=c.id, kind=c.kind, cohort=c.cohort, statement=c.statement, verdict=out.verdict,
            explanation=out.text, evidence=tuple(out.evidence), missing=tuple(out.missing),
        )
        criteria.append(result)
        by_id[c.id] = result
    cohorts = tuple(_cohort(protocol, cohort.id, cohort.name, by_id) for cohort in protocol.cohorts)
    overall: Status
    if any(c.status == "eligible" for c in cohorts):
        overall = "eligible"
    elif any(c.status == "incomplete" for c in cohorts):
        overall = "incomplete"
    else:
        overall = "ineligible"
    problems = tuple(record.problems) + tuple(
        p for p in ctx.problems.values() if p not in record.problems
    )
    return ScreeningResult(
        patient_id=record.patient.id, as_of=as_of, source=record.source,
        protocol_id=protocol.id, protocol_version=protocol.version,
        protocol_digest=protocol.digest, status=overall, cohorts=cohorts,
        criteria=tuple(criteria), problems=problems, trace=tuple(ev.trace),
    )


def _cohort(
    protocol: Protocol, cid: str, name: str, results: Mapping[str, CriterionResult]
) -> CohortResult:
    mine = [results[c.id] for c in protocol.criteria_for(cid)]
    failing = [
        r.id for r in mine
        if (r.kind == "inclusion" and r.verdict is NOT_MET)
        or (r.kind == "exclusion" and r.verdict is MET)
    ]
    if failing:
        return CohortResult(cid, name, "ineligible", tuple(failing))
    open_ = [r for r in mine if r.verdict is UNKNOWN]
    if open_:
        missing: dict[str, None] = {}
        for r in open_:
            for m in r.missing:
                missing.setdefault(m, None)
        return CohortResult(cid, name, "incomplete", tuple(r.id for r in open_), tuple(missing))
    return CohortResult(cid, name, "eligible")
