"""A terminal checklist with rich: verdicts coloured by what they mean for the patient."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from eligo.interpret.result import CriterionResult, ScreeningResult
from eligo.ir.truth import Verdict
from eligo.report.sections import sections, what_to_do

__all__ = ["make_console", "print_summary", "print_table"]

_STATUS_STYLE = {"eligible": "bold green", "ineligible": "bold red", "incomplete": "bold yellow"}


def make_console() -> Console:
    """A console; when output is not a terminal (a pipe, CI) it is 132 columns wide, not 80."""
    console = Console()
    if not console.is_terminal:
        console = Console(width=132)
    return console


def _verdict_cell(c: CriterionResult) -> Text:
    good = (c.verdict is Verdict.MET) == (c.kind == "inclusion")
    if c.verdict is Verdict.UNKNOWN:
        return Text("? unknown", style="yellow")
    label = "✔ met" if c.verdict is Verdict.MET else "✘ not met"
    return Text(label, style="green" if good else "red")


def render(result: ScreeningResult) -> Group:
    head = Text.assemble(
        ("Patient ", "bold"), (result.patient_id, "bold cyan"),
        f"  ({result.source})  as of {result.as_of.isoformat()}  ",
        ("overall: ", "bold"), (result.status, _STATUS_STYLE[result.status]),

    )
    cohorts = Table.grid(padding=(0, 2))
    for cohort in result.cohorts:
        cohorts.add_row(Text(cohort.id, style="bold"),
                        Text(cohort.status, style=_STATUS_STYLE[cohort.status]),
                        Text(cohort.name, style="dim"),
                        Text(", ".join(cohort.blocking), style="dim"))
    parts: list[object] = [head, cohorts]
    for title, items in sections(result):
        table = Table(title=title, title_justify="left", title_style="bold", expand=True,
                      show_lines=False)
        table.add_column("criterion", no_wrap=True, style="cyan")
        table.add_column("verdict", no_wrap=True)
        table.add_column("why", ratio=1)
        for c in items:
            why = c.explanation
            if c.missing:
                why += "\nmissing: " + "; ".join(c.missing)
            table.add_row(c.id, _verdict_cell(c), Text(why))
        parts.append(table)
    todo = what_to_do(result)
    if todo:
        parts.append(Panel(Text("\n".join(f"• {m}" for m in todo)), title="To finish screening",
                           title_align="left", border_style="yellow"))
    if result.problems:
        parts.append(Panel(Text("\n".join(f"• {p.reference} {p.field} '{p.value}': {p.why}"
                                          for p in result.problems)),
                           title="Data not used", title_align="left", border_style="red"))
    return Group(*parts)  # type: ignore[arg-type]


def print_table(result: ScreeningResult, console: Console | None = None) -> None:
    (console or Console()).print(render(result))


def print_summary(results: list[ScreeningResult], console: Console | None = None) -> None:
    """One line per patient: cohort statuses and what blocks the best cohort."""
    table = Table(title="Screening summary", title_justify="left", title_style="bold")
    table.add_column("patient", style="cyan", no_wrap=True)
    table.add_column("overall", no_wrap=True)
    for cid in (c.id for c in results[0].cohorts) if results else ():
        table.add_column(cid, no_wrap=True)
    table.add_column("blocking (best cohort)", ratio=1)
    for r in results:
        rank = {"eligible": 0, "incomplete": 1, "ineligible": 2}
        best = min(r.cohorts, key=lambda c: (rank[c.status], len(c.blocking)))
        blocking = "—" if best.status == "eligible" else f"{best.id}: " + ", ".join(best.blocking)
        table.add_row(r.patient_id, Text(r.status, style=_STATUS_STYLE[r.status]),
                      *(Text(c.status, style=_STATUS_STYLE[c.status]) for c in r.cohorts),
                      Text(blocking))
    (console or Console()).print(table)
