"""Grouping criteria the way a screening checklist reads: by kind and cohort."""

from __future__ import annotations

from eligo.interpret.result import CriterionResult, ScreeningResult

__all__ = ["sections", "what_to_do"]


def sections(result: ScreeningResult) -> list[tuple[str, list[CriterionResult]]]:
    """(title, criteria) in protocol order: common inclusion, each cohort's inclusion, …"""
    cohort_names = {c.id: c.name for c in result.cohorts}
    order: dict[tuple[str, str | None], list[CriterionResult]] = {}
    for c in result.criteria:
        order.setdefault((c.kind, c.cohort), []).append(c)
    out = []
    for kind in ("inclusion", "exclusion"):
        for cohort in [None, *cohort_names]:
            items = order.get((kind, cohort))
            if items:
                who = "Common" if cohort is None else cohort_names[cohort]
                title = f"{who} {kind}" if cohort is None else f"{kind.capitalize()} — {who}"
                out.append((title, items))
    return out


def what_to_do(result: ScreeningResult) -> list[str]:
    """Every missing item of the cohorts that are still open, once, in protocol order."""
    open_cohorts = {c.id for c in result.cohorts if c.status == "incomplete"}
    seen: dict[str, None] = {}
    for c in result.criteria:
        if (c.cohort is None and not open_cohorts) or c.cohort not in (None, *open_cohorts):
            continue
        for m in c.missing:
            seen.setdefault(m, None)
    return list(seen)
