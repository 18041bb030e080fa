"""The ``--as-of`` date of every command (``screen``, ``demo``, ``population``, ``synth``)."""

from __future__ import annotations

from datetime import date

import click

__all__ = ["as_of_date"]


def as_of_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date:
    """A click callback: ``YYYY-MM-DD``; no value means today."""
    if value is None:
        return date.today()  # the command line is the edge: the core takes as_of as given
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date as YYYY-MM-DD, got '{value}'") from None
