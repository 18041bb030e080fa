"""The command line. Every EligoError becomes a one-line message and an exit status:
0 every file screened (whatever the verdicts), 1 some input could not be read, 2 usage error.

Heavy modules are imported inside commands so that start-up stays short.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from eligo.cli_dates import as_of_date

if TYPE_CHECKING:
    from eligo.interpret.result import ScreeningResult
    from eligo.protocol.model import Protocol

__all__ = ["main"]

DEMO_AS_OF = date(2026, 6, 1)


def _fail(message: str, status: int = 2) -> None:
    click.echo(f"eligo: {message}", err=True)
    sys.exit(status)


def _load(ref: str) -> Protocol:
    from eligo.errors import EligoError
    from eligo.protocol.cache import load_protocol_cached

    try:
        protocol = load_protocol_cached(ref)
    except EligoError as exc:
        _fail(str(exc))
        raise  # unreachable
    import gc

    gc.freeze()  # the protocol lives for the whole run: keep the collector off its objects
    return protocol


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="eligo")
def cli() -> None:
    """Clinical-trial eligibility screening, criterion by criterion, that says why."""


@cli.command()
@click.option("--protocol", "protocol_ref", default="cart-autoimmune", show_default=True,
              help="A bundled protocol id or a protocol YAML file.")
@click.option("--as-of", "as_of", callback=as_of_date, metavar="YYYY-MM-DD",
              help="Screening date; windows count back from it. Default: today.")
@click.option("--reference-ranges", "ranges", type=click.Path(dir_okay=False),
              help="CSV code,high,unit of the site's upper limits of normal.")
@click.option("--format", "fmt", type=click.Choice(["json", "table", "html"]), default="table",
              show_default=True)
@click.argument("files", nargs=-1, required=True, type=click.Path())
def screen(protocol_ref: str, as_of: date, ranges: str | None, fmt: str,
           files: Sequence[str]) -> None:
    """Screen FHIR R4 Bundles (one patient each) against a protocol."""
    from eligo.errors import EligoError

    protocol = _load(protocol_ref)
    site = None
    if ranges:
        from eligo.data.reference_ranges import read_reference_ranges

        try:
            site = read_reference_ranges(ranges)
        except EligoError as exc:
            _fail(str(exc))
    results, failed = _screen_files(files, protocol, as_of, site, fmt)
    if fmt == "html":
        from eligo.report.html import render_html

        click.echo(render_html(results))
    sys.exit(1 if failed else 0)


def _screen_files(files: Sequence[str], protocol: Protocol, as_of: date, site: Any,
                  fmt: str) -> tuple[list[ScreeningResult], int]:
    from eligo.data.fhir_r4 import read_bundle
    from eligo.errors import InputError
    from eligo.interpret.screen import screen_record

    console = None
    if fmt == "table":
        from eligo.report.table import make_console, print_table

        console = make_console()
    results = []
    failed = 0
    for f in files:
        try:
            record = read_bundle(f)
        except InputError as exc:
            failed += 1
            if fmt == "json":
                click.echo(json.dumps({"source": f, "error": exc.message}, ensure_ascii=False))
            else:
                click.echo(f"eligo: {exc}", err=True)
            continue
        result = screen_record(record, protocol, as_of, site)
        results.append(result)
        if fmt == "json":
            click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        elif console is not None:
            print_table(result, console)
    return results, failed


@cli.group()
def protocol() -> None:
    """Check or show a protocol file."""


@protocol.command("check")
@click.argument("ref", default="cart-autoimmune")
def protocol_check(ref: str) -> None:
    """Load a protocol and report every error and warning (exit 2 if any error)."""
    from eligo.errors import EligoError
    from eligo.protocol.loader import check_protocol

    try:
        loaded, diagnostics = check_protocol(ref)
    except EligoError as exc:
        _fail(str(exc))
        return
    for d in diagnostics:
        color = {"error": "red", "warning": "yellow", "info": "blue"}[d.severity]
        click.echo(click.style(d.render(), fg=color))
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = sum(d.severity == "warning" for d in diagnostics)
    if loaded is not None:
        click.echo(f"{loaded.id} {loaded.version}: {len(loaded.criteria)} criteria, "
                   f"{len(loaded.valuesets)} value sets, {errors} error(s), "
                   f"{warnings} warning(s)")
    else:
        click.echo(f"{ref}: {errors} error(s), {warnings} warning(s)")
    sys.exit(2 if errors else 0)


@protocol.command("show")
@click.argument("ref", default="cart-autoimmune")
def protocol_show(ref: str) -> None:
    """Print every criterion: statement, restored text, source quote and rule."""
    from eligo.report.protocol_text import print_protocol

    print_protocol(_load(ref))


@cli.command()
@click.option("--examples", "folder", default="examples", show_default=True,
              type=click.Path(file_okay=False), help="Folder of example FHIR Bundles.")
@click.option("--as-of", "as_of", callback=as_of_date, default=DEMO_AS_OF.isoformat(),
              show_default=True, metavar="YYYY-MM-DD")
def demo(folder: str, as_of: date) -> None:
    """Screen the bundled example patients and print a summary."""
    from eligo.report.table import make_console, print_summary, print_table

    files = sorted(str(p) for p in Path(folder).glob("*.json"))
    if not files:
        _fail(f"{folder}: no example bundles (*.json) found")
    protocol = _load("cart-autoimmune")
    results, failed = _screen_files(files, protocol, as_of, None, "summary")
    console = make_console()
    incomplete = next((r for r in results if r.status == "incomplete"), None)
    if incomplete is not None:
        console.rule(f"One checklist in full: {incomplete.patient_id}")
        print_table(incomplete, console)
    print_summary(results, console)
    sys.exit(1 if failed else 0)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="eligo")
    except KeyboardInterrupt:
        _fail("interrupted", 130)


from eligo.calc.cli import calc as _calc_command  # noqa: E402  (click and the registry only)

cli.add_command(_calc_command)

from eligo.omop.cli import omop as _omop_command  # noqa: E402  (click only at start-up)

cli.add_command(_omop_command)

from eligo.omop.synth_cli import synth as _synth_command  # noqa: E402  (click only)

cli.add_command(_synth_command)

from eligo.population.cli import population as _population_command  # noqa: E402

cli.add_command(_population_command)
