"""A self-contained, printable HTML report (one section per patient, no external assets)."""

from __future__ import annotations

from collections.abc import Sequence

from eligo.interpret.result import ScreeningResult
from eligo.report.sections import sections, what_to_do

__all__ = ["render_html"]


def render_html(results: Sequence[ScreeningResult]) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("eligo", "report/templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = env.get_template("report.html.j2")
    return template.render(results=list(results), sections=sections, what_to_do=what_to_do)
