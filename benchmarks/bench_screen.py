"""Screening speed: eligo's reader + interpreter, against fhir.resources, and the CLI start-up.

    python benchmarks/bench_screen.py            # full run (~2–3 min on 2 cores)
    python benchmarks/bench_screen.py --quick    # fewer runs, 200 bundles: a smoke test

Every figure is the median of N timed runs after a warm-up run, with min and max, measured with
``time.perf_counter``. See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bundles import make_bundle

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 6, 1)
EXAMPLE = "examples/ra-eligible.json"


@dataclass
class Stat:
    median: float
    lo: float
    hi: float
    n: int
    gc_share: float = 0.0  # share of the timed runs spent in the cyclic GC

    def fmt(self, unit: str = "ms") -> str:
        k = {"ms": 1e3, "s": 1.0}[unit]
        gc_note = f", GC {self.gc_share:.0%}" if unit == "ms" or self.gc_share else ""
        d = 2 if unit == "ms" else 3
        return (f"{self.median * k:8.{d}f} {unit}  (min {self.lo * k:.{d}f}, "
                f"max {self.hi * k:.{d}f},"
                f" n={self.n}{gc_note})")


class GcClock:
    """Total time spent in the cyclic garbage collector while active (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._t0 = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._t0

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def measure(fn: Callable[[], object], runs: int, warmup: int = 1) -> Stat:
    for _ in range(warmup):
        fn()
    times = []
    with GcClock() as clock:
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return Stat(statistics.median(times), min(times), max(times), runs,
                clock.total / sum(times))


def cli_goal(s: Stat) -> str:
    return "≤ 0.6 s " + ("✓ met" if s.median <= 0.6 else "✗ MISSED")


def ms(x: float) -> str:
    return f"{x * 1e3:.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="fewer runs (3) and 200 bundles for the throughput figure")
    ap.add_argument("--runs", type=int, default=None, help="timed runs per figure (default 9)")
    ap.add_argument("--bundles", type=int, default=None,
                    help="distinct bundles for the throughput figure (default 1000)")
    args = ap.parse_args()
    runs = args.runs or (3 if args.quick else 9)
    n_bundles = args.bundles or (200 if args.quick else 1000)
    small_runs = runs if args.quick else max(runs, 51)  # ~5 ms calls: more runs, same cost

    tmp_root = tempfile.TemporaryDirectory(prefix="eligo-bench-")  # removed at exit
    tempfile.tempdir = tmp_root.name  # every mkdtemp below lands inside it
    cache = tempfile.mkdtemp(prefix="eligo-bench-cache-")
    os.environ["ELIGO_CACHE_DIR"] = cache

    from eligo import load_protocol
    from eligo.data.fhir_r4 import read_bundle_bytes
    from eligo.interpret.screen import screen_record

    protocol = load_protocol()

    print(f"eligo screening benchmark — python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {'QUICK ' if args.quick else ''}runs={runs}")
    print(f"protocol {protocol.id} {protocol.version}, as-of {AS_OF}; "
          f"load average at start {os.getloadavg()[0]:.2f} (other processes add noise)\n")

    rows: list[tuple[str, str, str]] = []

    # -- 1. one patient, from bytes --------------------------------------------------------
    # eligo is timed before fhir.resources is imported: its ~20k extra long-lived objects
    # would make every full GC pass in this process slower than in a real eligo process.
    raws = {n: make_bundle(n, seed=1) for n in (200, 5000)}
    eligo_stats: dict[int, tuple[Stat, Stat, Stat]] = {}
    for n, nruns in ((200, small_runs), (5000, runs)):
        raw = raws[n]
        print(f"[{n:>5}-resource bundle, {len(raw) / 1e6:.2f} MB]")

        def read_screen(raw: bytes = raw) -> object:
            return screen_record(read_bundle_bytes(raw, "bench.json"), protocol, AS_OF)

        record = read_bundle_bytes(raw, "bench.json")
        s_all = measure(read_screen, nruns)
        s_read = measure(partial(read_bundle_bytes, raw, "bench.json"), nruns)
        s_eval = measure(partial(screen_record, record, protocol, AS_OF), nruns)
        del record
        eligo_stats[n] = (s_all, s_read, s_eval)
        print(f"  eligo read + screen      {s_all.fmt()}")
        print(f"    of which read (decode) {s_read.fmt()}")
        print(f"    of which screen        {s_eval.fmt()}\n")

    # -- 2. throughput over distinct bundles -----------------------------------------------
    t0 = time.perf_counter()
    bundles = [make_bundle(200, seed=10_000 + i) for i in range(n_bundles)]
    gen_s = time.perf_counter() - t0
    mb = sum(map(len, bundles)) / 1e6
    print(f"[throughput: {n_bundles} distinct 200-resource bundles, {mb:.0f} MB in memory, "
          f"generated in {gen_s:.1f} s]")

    def screen_all() -> object:
        for i, raw in enumerate(bundles):
            screen_record(read_bundle_bytes(raw, f"p{i}.json"), protocol, AS_OF)
        return None

    passes = 1 if args.quick else max(runs, 7)
    s_tp = measure(screen_all, passes, warmup=0 if args.quick else 1)
    per_s = n_bundles / s_tp.median
    print(f"  {n_bundles} patients        {s_tp.fmt('s')}")
    print(f"  => {per_s:,.0f} patients/s  (best pass {n_bundles / s_tp.lo:,.0f}/s, "
          f"worst {n_bundles / s_tp.hi:,.0f}/s), {s_tp.median / n_bundles * 1e3:.2f} ms each\n")
    bundles.clear()

    # -- 2b. fhir.resources on the same bytes ----------------------------------------------
    from fhir.resources.R4B.bundle import Bundle

    for n in (200, 5000):
        raw = raws[n]
        s_all, s_read, s_eval = eligo_stats[n]
        s_fhir = measure(partial(Bundle.model_validate_json, raw), runs)
        ratio = s_all.median / s_fhir.median
        print(f"[{n:>5}-resource bundle] fhir.resources R4B Bundle.model_validate_json only")
        print(f"                           {s_fhir.fmt()}")
        print(f"  ratio eligo read+screen / fhir.resources: {ratio:.3f}  "
              f"(fhir.resources is {1 / ratio:.1f}x slower)\n")
        limit = 0.010 if n == 200 else 0.150
        goal = f"≤ {limit * 1e3:.0f} ms " + ("✓ met" if s_all.median <= limit else "✗ MISSED")
        rows.append((f"read + screen, {n:,} resources ({len(raw) / 1e6:.2f} MB)",
                     f"{ms(s_all.median)} (min {ms(s_all.lo)}, max {ms(s_all.hi)}; "
                     f"GC {s_all.gc_share:.0%})", goal))
        rows.append(("  of which read / screen (timed separately)",
                     f"{ms(s_read.median)} / {ms(s_eval.median)}", "—"))
        rows.append((f"fhir.resources R4B validate only, {n:,} resources",
                     f"{ms(s_fhir.median)} (min {ms(s_fhir.lo)}, max {ms(s_fhir.hi)})", "—"))
        rows.append((f"ratio eligo / fhir.resources, {n:,} resources",
                     f"{ratio:.3f} ({1 / ratio:.1f}x faster)",
                     "< 1 " + ("✓ met" if ratio < 1 else "✗ MISSED")))
    rows.append((f"throughput, {n_bundles:,} distinct 200-resource bundles, one process",
                 f"{per_s:,.0f} patients/s (min {n_bundles / s_tp.hi:,.0f}, "
                 f"max {n_bundles / s_tp.lo:,.0f}; {passes} passes; GC {s_tp.gc_share:.0%})",
                 "— (≤ 10 ms each implies ≥ 100/s)"))

    # -- 3. CLI start-up -------------------------------------------------------------------
    exe = Path(sys.executable)
    eligo = exe.parent / "eligo"
    cmd = [str(eligo), "screen", "--as-of", AS_OF.isoformat(), "--format", "json", EXAMPLE]

    # Bytecode: an installed eligo has its .pyc files. This sandbox may set
    # PYTHONDONTWRITEBYTECODE=1 (then every eligo module is compiled at each start), so the CLI
    # runs write and read .pyc under a private PYTHONPYCACHEPREFIX (nothing under src/ is
    # touched); the warm-up run fills it. One extra figure shows the no-bytecode case.
    pyc_dir = tempfile.mkdtemp(prefix="eligo-bench-pyc-")

    def run(argv: list[str], cache_dir: str, pyc: bool = True) -> None:
        env = dict(os.environ, ELIGO_CACHE_DIR=cache_dir)
        if pyc:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = pyc_dir
        else:
            env.pop("PYTHONPYCACHEPREFIX", None)
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        p = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, check=False)
        if p.returncode != 0:
            raise SystemExit(f"{argv} exited {p.returncode}: {p.stderr.decode()[:500]}")

    cli_runs = max(runs, 7) if not args.quick else runs
    print(f"[CLI: {' '.join(cmd[1:])}]")
    s_py = measure(lambda: run([str(exe), "-c", "pass"], cache), cli_runs)
    warm_dir = tempfile.mkdtemp(prefix="eligo-bench-warm-")
    s_warm = measure(lambda: run(cmd, warm_dir), cli_runs)  # the warm-up run fills the caches
    s_cold = measure(lambda: run(cmd, tempfile.mkdtemp(prefix="eligo-bench-cold-")),
                     cli_runs, warmup=0)
    s_nopyc = measure(lambda: run(cmd, warm_dir, pyc=False), cli_runs)
    print(f"  python -c pass           {s_py.fmt('s')}")
    for label, st in (("warm cache", s_warm), ("cold cache", s_cold),
                      ("warm, no .pyc", s_nopyc)):
        print(f"  eligo screen, {label:<13}{st.fmt('s')}  = {st.median / s_py.median:.1f}x "
              f"baseline; eligo's own cost {ms(st.median - s_py.median)}")
    print()

    def cli_row(st: Stat) -> str:
        return (f"{st.median:.3f} s (min {st.lo:.3f}, max {st.hi:.3f}); "
                f"{st.median / s_py.median:.1f}x baseline, own cost "
                f"{st.median - s_py.median:.3f} s")

    rows.append(("baseline `python -c pass`", f"{s_py.median:.3f} s (min {s_py.lo:.3f}, "
                 f"max {s_py.hi:.3f})", "—"))
    rows.append(("`eligo screen` (CLI wall time), warm protocol cache", cli_row(s_warm),
                 cli_goal(s_warm)))
    rows.append(("`eligo screen` (CLI wall time), first run, empty cache dir", cli_row(s_cold),
                 cli_goal(s_cold)))
    rows.append(("`eligo screen`, warm protocol cache, no .pyc (PYTHONDONTWRITEBYTECODE=1)",
                 cli_row(s_nopyc), "— (" + cli_goal(s_nopyc) + ")"))

    # -- summary ---------------------------------------------------------------------------
    print(f"load average at end {os.getloadavg()[0]:.2f}\n")
    print("## Summary" + (" (QUICK run: not for RESULTS.md)" if args.quick else ""))
    print()
    print("| figure | value | goal |")
    print("|---|---|---|")
    for fig, val, goal in rows:
        print(f"| {fig} | {val} | {goal} |")


if __name__ == "__main__":
    main()
