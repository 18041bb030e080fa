"""``eligo protocol show``: the criteria as a reviewer reads them."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from eligo.calc import CALCULATORS
from eligo.ir.walk import decided_by
from eligo.protocol.model import Criterion, Protocol

__all__ = ["decision_source", "print_protocol"]


def decision_source(c: Criterion) -> str:
    """Whether the record decides a criterion, an investigator, or either."""
    data, attestations, calculators = decided_by(c.rule)
    parts = []
    if calculators:
        names = ", ".join(CALCULATORS[x].title if x in CALCULATORS else x for x in calculators)
        parts.append(f"computed ({names})")
    if data and not calculators:
        parts.append("computed from the record")
    elif data:
        parts.append("record data")
    if attestations:
        parts.append("investigator attestation (" + ", ".join(attestations) + ")")
    return " + ".join(parts) if parts else "—"


def print_protocol(protocol: Protocol, console: Console | None = None) -> None:
    out = console or Console()
    out.print(Text.assemble((protocol.title, "bold"), f"\n{protocol.id} {protocol.version}  "
                            f"{protocol.digest}\n{protocol.file}"))
    cohorts = {c.id: c.name for c in protocol.cohorts}
    for c in protocol.criteria:
        who = "all cohorts" if c.cohort is None else cohorts.get(c.cohort, c.cohort)
        body = Text()
        body.append(c.statement + "\n", style="bold")
        body.append("source:  ", style="dim")
        body.append(f"“{' '.join(c.source.split())}”\n", style="italic")
        body.append("rule:    ", style="dim")
        body.append(c.rule_text.replace("\n", "\n         ") + "\n", style="cyan")
        body.append("decided: ", style="dim")
        body.append(decision_source(c) + "\n",
                    style="green" if not decided_by(c.rule)[1] else "magenta")
        body.append("absent:  ", style="dim")
        body.append("open — no data: unknown" if c.absent == "open"
                    else "closed — not in the record: false")
        if c.interpretation:
            body.append("\nreading: ", style="dim")
            body.append(" ".join(c.interpretation.split()), style="yellow")
        out.print(Panel(body, title=f"[bold]{c.id}[/] · {c.kind} · {who}", title_align="left"))
    summary = Table(title="Who decides each criterion", title_justify="left",
                    title_style="bold")
    summary.add_column("criterion", style="cyan", no_wrap=True)
    summary.add_column("the record computes it")
    summary.add_column("an investigator attests")
    for c in protocol.criteria:
        data, attestations, calculators = decided_by(c.rule)
        computed = ", ".join(calculators) if calculators else ("yes" if data else "—")
        summary.add_row(c.id, computed, ", ".join(attestations) or "—")
    out.print(summary)
