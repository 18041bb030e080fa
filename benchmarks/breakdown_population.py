"""Where `eligo population` spends its time: every staging and screening table, timed in-process.

    python benchmarks/breakdown_population.py /tmp/eligo-popbench/pop-100000.duckdb

Runs the same steps as ``eligo.population.run.screen_population`` up to the verdicts (open,
stage, compile, screen; not the summaries or the report) on an OMOP DuckDB file, timing every
``CREATE TEMP TABLE`` eligo issues (``DuckDBEngine._table``) and the Python work between them,
and prints them largest first. One run; companion to bench_population.py.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from datetime import date


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("omop", help="OMOP CDM DuckDB file (eligo synth)")
    ap.add_argument("--as-of", default="2026-06-01")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    as_of = date.fromisoformat(args.as_of)

    from eligo.compile.engine import DuckDBEngine
    from eligo.protocol.cache import load_protocol_cached

    protocol = load_protocol_cached("cart-autoimmune")
    tables: dict[str, float] = defaultdict(float)
    original = DuckDBEngine._table

    def timed(self: DuckDBEngine, name: str, query: object) -> None:
        t = time.perf_counter()
        original(self, name, query)  # type: ignore[arg-type]
        tables[name] += time.perf_counter() - t

    DuckDBEngine._table = timed  # type: ignore[method-assign]
    phases: dict[str, float] = {}
    t0 = time.perf_counter()
    eng = DuckDBEngine.open(protocol, args.omop)
    phases["open"] = time.perf_counter() - t0
    t = time.perf_counter()
    compiled = eng.compile(as_of)
    phases["compile"] = time.perf_counter() - t
    t = time.perf_counter()
    eng.stage(as_of, compiled)
    statements = eng.statements(compiled)
    phases["stage"] = time.perf_counter() - t
    staged = dict(tables)
    t = time.perf_counter()
    for name, query in statements:
        eng._table(name, query)
    phases["screen"] = time.perf_counter() - t
    persons = eng.con.execute("SELECT count(*) FROM eligo_person").fetchone()[0]
    print(f"{args.omop}: {persons:,} persons; phases "
          + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
    print(f"stage: {sum(staged.values()):.2f} s in {len(staged)} tables, "
          f"{phases['stage'] - sum(staged.values()):.2f} s between them (keys, unit factors)")
    for name, secs in sorted(staged.items(), key=lambda kv: -kv[1])[: args.top]:
        rows = eng.con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        print(f"  {secs:7.2f} s  {name} ({rows:,} rows)")
    screen = {k: v for k, v in tables.items() if k not in staged}
    print(f"screen: {len(statements)} statements, {sum(screen.values()):.2f} s")
    for name, secs in sorted(screen.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {secs:7.2f} s  {name}")


if __name__ == "__main__":
    main()
