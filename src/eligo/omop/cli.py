"""``eligo omop …``: OMOP CDM commands. ``load`` writes FHIR Bundles into a DuckDB CDM.

Exit status: 0 every bundle loaded, 1 some bundle could not be read (the others are still
loaded) or the database could not be opened, 2 usage error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from eligo.data.facts import PatientRecord

__all__ = ["omop"]


@click.group()
def omop() -> None:
    """OMOP CDM: load FHIR Bundles into a CDM database."""


@omop.command("load")
@click.argument("bundles", nargs=-1, required=True, type=click.Path())
@click.option("--into", "db", required=True, type=click.Path(dir_okay=False),
              metavar="DB", help="DuckDB database file (created if missing).")
def load(bundles: Sequence[str], db: str) -> None:
    """Write FHIR R4 Bundles (one patient each) into the OMOP CDM tables of DB."""
    import duckdb

    from eligo.data.fhir_r4 import read_bundle
    from eligo.errors import InputError
    from eligo.omop.load import load_records
    from eligo.protocol.cache import load_protocol_cached

    failed: list[str] = []

    def records() -> Iterator[PatientRecord]:
        for path in bundles:
            try:
                yield read_bundle(path)
            except InputError as exc:
                failed.append(path)
                click.echo(f"eligo: {exc}", err=True)

    try:
        con = duckdb.connect(db)
    except duckdb.Error as exc:
        click.echo(f"eligo: {db}: cannot open the database ({exc})", err=True)
        sys.exit(1)
    try:
        report = load_records(records(), con, load_protocol_cached("cart-autoimmune"))
    except duckdb.Error as exc:
        click.echo(f"eligo: {db}: nothing loaded, the database refused the rows ({exc})",
                   err=True)
        sys.exit(1)
    finally:
        con.close()
    for w in report.warnings:
        click.echo(f"warning: {w}")
    n = len(report.persons)
    click.echo(f"{db}: {n} person{'' if n == 1 else 's'} loaded"
               + (f", {len(failed)} bundle{'' if len(failed) == 1 else 's'} failed"
                  if failed else ""))
    for table, count in report.rows.items():
        if table != "person":
            click.echo(f"  {table}: {count} row{'' if count == 1 else 's'}")
    k = len(report.warnings)
    click.echo(f"  {k} warning{'' if k == 1 else 's'}")
    sys.exit(1 if failed else 0)
