"""``eligo protocol show``: the criteria as a reviewer reads them."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from eligo.protocol.model import Protocol

__all__ = ["print_protocol"]


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
        body.append("absent:  ", style="dim")
        body.append("open — no data: unknown" if c.absent == "open"
                    else "closed — not in the record: false")
        if c.interpretation:
            body.append("\nreading: ", style="dim")
            body.append(" ".join(c.interpretation.split()), style="yellow")
        out.print(Panel(body, title=f"[bold]{c.id}[/] · {c.kind} · {who}", title_align="left"))
