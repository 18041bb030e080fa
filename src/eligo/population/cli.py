"""``eligo population``: the command line of population screening."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from eligo.cli_dates import as_of_date

__all__ = ["population"]


@click.command()
@click.option("--omop", "source", required=True, metavar="SOURCE",
              help="OMOP CDM: a DuckDB file, a folder of Parquet files, or postgresql://…")
@click.option("--as-of", "as_of", callback=as_of_date, metavar="YYYY-MM-DD",
              help="Screening date. Default: today.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for verdicts.parquet, status.parquet, the CSV tables, report.html.")
@click.option("--protocol", "protocol_ref", default="cart-autoimmune", show_default=True)
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb",
              show_default=True)
@click.option("--scratch", type=click.Path(dir_okay=False),
              help="A DuckDB file for eligo's working state when a population outgrows memory.")
@click.option("--reference-ranges", "ranges", type=click.Path(dir_okay=False),
              help="Site reference ranges (CSV code,high,unit): the ULN where a row has none.")
@click.option("--memory-limit", metavar="SIZE",
              help="DuckDB's working memory, e.g. 6GB; beyond it, it spills to a temporary "
                   "folder. Default: a quarter of this machine's RAM.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def population(source: str, as_of: date, out: str, protocol_ref: str, engine: str,
               scratch: str | None, ranges: str | None, memory_limit: str | None,
               progress: bool) -> None:
    """Screen every person of an OMOP CDM (read-only) against a protocol."""
    from tqdm import tqdm

    from eligo.errors import EligoError
    from eligo.population.run import screen_population
    from eligo.protocol.cache import load_protocol_cached

    try:
        protocol = load_protocol_cached(protocol_ref)
        site = None
        if ranges:
            from eligo.data.reference_ranges import read_reference_ranges

            site = read_reference_ranges(ranges)
        bar = tqdm(total=None, desc="population", unit=" step", disable=not progress,
                   file=sys.stderr)

        def step(text: str) -> None:
            bar.set_postfix_str(text)
            bar.update(1)

        result = screen_population(protocol, source, as_of, Path(out), progress=step,
                                   scratch=scratch, spark=engine == "spark",
                                   site_ranges=site, memory_limit=memory_limit)
        bar.close()
    except EligoError as exc:
        click.echo(f"eligo: {exc}", err=True)
        sys.exit(2)
    _print_summary(result)


def _print_summary(result: object) -> None:
    from rich.table import Table

    from eligo.population.run import PopulationResult
    from eligo.report.table import make_console

    assert isinstance(result, PopulationResult)
    console = make_console()
    console.print(f"[bold]{result.persons:,} persons[/] screened: "
                  + ", ".join(f"{result.overall.get(s, 0):,} {s}"
                              for s in ("eligible", "incomplete", "ineligible")))
    for cohort, counts in result.cohorts.items():
        table = Table(title=f"Attrition — {cohort}: {counts.get('eligible', 0):,} eligible, "
                      f"{counts.get('incomplete', 0):,} incomplete, "
                      f"{counts.get('ineligible', 0):,} ineligible",
                      title_justify="left", title_style="bold")
        for col in ("#", "criterion", "remaining", "lost", "unresolved"):
            table.add_column(col, justify="right" if col not in ("criterion",) else "left")
        for a in result.attrition:
            if a["cohort"] == cohort:
                table.add_row(str(a["step"]), a["criterion"], f"{a['remaining']:,}",
                              f"{a['lost']:,}", f"{a['unresolved']:,}")
        console.print(table)
    for note in result.source_notes:
        console.print(f"[yellow]source:[/] {note}")
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
    console.print(f"written to {result.out} ({timing})", soft_wrap=True)  # one line to parse
