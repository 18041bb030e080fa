"""``eligo synth --persons N --seed S --out pop.duckdb``: write a synthetic OMOP CDM.

Only click is imported at start-up; DuckDB and the generator load when the command runs.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import click

from eligo.cli_dates import as_of_date

__all__ = ["synth"]


@click.command("synth")
@click.option("--persons", type=click.IntRange(min=1), required=True,
              help="Number of persons to generate.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed: the same seed gives the same database.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="DuckDB file to write.")
@click.option("--as-of", "as_of", callback=as_of_date, default="2026-06-01", show_default=True,
              metavar="YYYY-MM-DD", help="Screening date the recent data lead up to.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar.")
def synth(persons: int, seed: int, out: str, as_of: date, force: bool, progress: bool) -> None:
    """Write a synthetic OMOP CDM population (the four cohort diseases enriched; a share of
    their persons complete and eligible as of --as-of, more nearly eligible)."""
    path = Path(out)
    if path.exists() and not force:
        raise click.UsageError(f"{out} exists (use --force to overwrite it)")
    if not path.parent.exists():
        raise click.UsageError(f"{path.parent}: no such directory")
    if path.exists():
        path.unlink()
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            wal.unlink()
    from eligo.omop.synth import synthesize

    started = time.perf_counter()
    try:
        counts = synthesize(str(path), persons, seed, as_of, progress=progress)
    except Exception as exc:  # a half-written file is useless: remove it
        if path.exists():
            path.unlink()
        click.echo(f"eligo: synth failed: {exc}", err=True)
        sys.exit(1)
    elapsed = time.perf_counter() - started
    facts = ", ".join(f"{t} {n:,}" for t, n in counts.items())
    click.echo(f"{out}: {persons:,} persons in {elapsed:.1f} s ({facts})")
