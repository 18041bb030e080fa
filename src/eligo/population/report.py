"""The population report: one self-contained HTML page with a funnel per cohort."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from eligo.protocol.model import Protocol

if TYPE_CHECKING:
    from eligo.population.run import PopulationResult

__all__ = ["write_report"]


def write_report(result: PopulationResult, protocol: Protocol, as_of: date, source: str,
                 path: Path) -> None:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("eligo", "report/templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    html = env.get_template("population.html.j2").render(
        r=result, protocol=protocol, as_of=as_of, source=source,
        cohort_names={c.id: c.name for c in protocol.cohorts})
    path.write_text(html, "utf-8")
