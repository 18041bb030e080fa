"""Population screening speed: `eligo population` on synthetic OMOP CDMs of 10⁴–10⁶ persons.

    python benchmarks/bench_population.py                      # 10⁴, 10⁵, 10⁶ (~11 min, 2 cores)
    python benchmarks/bench_population.py --max-persons 100000 # stop after 10⁵
    python benchmarks/bench_population.py --no-circe           # skip the OHDSI Circe peer
    python benchmarks/bench_population.py --no-spark           # skip the Spark local-mode run

Figures (see benchmarks/README.md):

1. `eligo synth` generation time (once; the DuckDB files are cached under --data-dir) and
   `eligo population` end to end from the command line (subprocess wall time, peak RSS from
   ``/usr/bin/time -v``) with the phases it prints and its CPU time (user + system); median of
   --runs runs.
2. The scan floor on the same file: one pass over the fact tables in a fresh DuckDB connection
   (latest measurement value per person and concept in the 28-day window; per-person, per-concept
   count / first / last date of conditions and drug exposures), median of --runs runs, and full
   screening ÷ floor: wall ÷ wall, and CPU ÷ CPU (work, whatever the cores did meanwhile).
3. The per-patient interpreter (`read_bundle_bytes` + `screen_record`) on 10⁴ distinct 71-resource
   FHIR bundles in one process, and population persons/s ÷ interpreter persons/s.
4. The OHDSI peer: an equivalent subset as a Circe cohort definition (benchmarks/circe_peer.py,
   run in its own venv), its SQL on the 10⁵ CDM, beside eligo restricted to the same subset.
5. Spark in local mode on the 10⁵ CDM (`--engine spark`), beside DuckDB on the same file: wall
   time and whether the verdict and status tables are identical.

Every timing is printed with the load average; other processes on the machine add noise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 6, 1)
WINDOW_DAYS = 28  # the protocol's screening window: as-of − 28 days … as-of, both included
TIME_V = Path("/usr/bin/time")


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def eligo_exe() -> str:
    exe = Path(sys.executable).parent / "eligo"
    return str(exe) if exe.exists() else shutil.which("eligo") or "eligo"


def human(n: int) -> str:
    return f"10^{len(str(n)) - 1}" if str(n).strip("0") == "1" else f"{n:,}"


# -- 1. generation and the CLI ----------------------------------------------------------------
def generate(n: int, seed: int, data_dir: Path) -> dict:
    """The CDM for ``n`` persons, generated once; the sidecar JSON keeps the generation time."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db, meta = data_dir / f"pop-{n}.duckdb", data_dir / f"pop-{n}.json"
    if db.exists() and meta.exists():
        info = json.loads(meta.read_text())
        if info.get("seed") == seed and info.get("rc") == 0:
            info["cached"] = True
            info["path"] = str(db)
            return info
    db.unlink(missing_ok=True)
    cmd = [eligo_exe(), "synth", "--persons", str(n), "--seed", str(seed), "--out", str(db),
           "--no-progress"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    secs = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr[-800:]}")
    info = {"persons": n, "seed": seed, "seconds": secs, "bytes": db.stat().st_size, "rc": 0,
            "log": (p.stdout + p.stderr).strip()}
    meta.write_text(json.dumps(info))
    info["cached"] = False
    info["path"] = str(db)
    return info


@dataclass
class CliRun:
    wall: float
    peak_mb: float
    phases: dict[str, float] = field(default_factory=dict)
    summary: str = ""
    cpu: float = float("nan")  # user + system seconds (``/usr/bin/time -v``), all threads


# the phases `eligo population` prints, in order
PHASES = ("open", "compile", "stage", "screen", "summarise", "write", "coverage", "report")
PHASE_LINE = re.compile(r"written to .*\((.*)\)\s*$", re.M)


def run_cli(argv: list[str], env: dict[str, str]) -> CliRun:
    """Wall time (perf_counter around the subprocess) and peak RSS of one command."""
    with tempfile.NamedTemporaryFile(prefix="time-v-", suffix=".txt", delete=False) as f:
        tv = Path(f.name)
    use_time = TIME_V.exists()
    full = [str(TIME_V), "-v", "-o", str(tv), *argv] if use_time else argv
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    p = subprocess.run(full, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {p.returncode}: {p.stderr[-1500:]}")
    peak_kb, cpu = 0.0, float("nan")
    if use_time:
        text = tv.read_text()
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        peak_kb = float(m.group(1)) if m else 0.0
        times = re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text)
        cpu = sum(float(t) for t in times) if len(times) == 2 else cpu
    else:  # the maximum over all children so far: only a lower bound after the first run
        peak_kb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    tv.unlink(missing_ok=True)
    out = p.stdout + p.stderr
    phases: dict[str, float] = {}
    m = PHASE_LINE.search(out)
    if m:
        for name, secs in re.findall(r"(\w+) ([\d.]+) s", m.group(1)):
            phases[name] = float(secs)
    first = next((ln for ln in out.splitlines() if "persons screened" in ln), "")
    return CliRun(wall, peak_kb / 1024, phases, first.strip(), cpu)


def population_cmd(db: str, out: Path, protocol: str | None = None) -> list[str]:
    cmd = [eligo_exe(), "population", "--omop", db, "--as-of", AS_OF.isoformat(),
           "--out", str(out), "--no-progress"]
    if protocol:
        cmd += ["--protocol", protocol]
    return cmd


def time_population(db: str, runs: int, env: dict[str, str], protocol: str | None = None,
                    keep: Path | None = None) -> list[CliRun]:
    results = []
    for i in range(runs):
        out = Path(tempfile.mkdtemp(prefix="eligo-pop-out-"))
        try:
            results.append(run_cli(population_cmd(db, out, protocol), env))
            if keep is not None and i == runs - 1:
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(out, keep)
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return results


def median_run(runs: list[CliRun]) -> CliRun:
    walls = sorted(runs, key=lambda r: r.wall)
    med = walls[len(walls) // 2]
    phases = {k: statistics.median(r.phases.get(k, 0.0) for r in runs) for k in med.phases}
    return CliRun(statistics.median(r.wall for r in runs), max(r.peak_mb for r in runs),
                  phases, med.summary, statistics.median(r.cpu for r in runs))


# -- 2. the scan floor ----------------------------------------------------------------------
FLOOR_SQL = {
    "measurement: latest value per person × concept in the window (arg_max)": """
        CREATE TEMP TABLE floor_meas AS
        SELECT person_id, measurement_concept_id,
               arg_max(value_as_number, measurement_datetime) AS value,
               arg_max(unit_concept_id, measurement_datetime) AS unit,
               arg_max(range_high, measurement_datetime) AS uln,
               max(measurement_date) AS day
        FROM src.measurement
        WHERE measurement_date BETWEEN DATE '{start}' AND DATE '{as_of}'
        GROUP BY person_id, measurement_concept_id""",
    "condition_occurrence: count, first, last per person × concept": """
        CREATE TEMP TABLE floor_cond AS
        SELECT person_id, condition_concept_id, condition_source_concept_id, count(*) AS n,
               min(condition_start_date) AS first_day, max(condition_start_date) AS last_day
        FROM src.condition_occurrence
        GROUP BY person_id, condition_concept_id, condition_source_concept_id""",
    "drug_exposure: count, first, last per person × concept": """
        CREATE TEMP TABLE floor_drug AS
        SELECT person_id, drug_concept_id, drug_source_concept_id, count(*) AS n,
               min(drug_exposure_start_date) AS first_day,
               max(coalesce(drug_exposure_end_date, drug_exposure_start_date)) AS last_day
        FROM src.drug_exposure
        GROUP BY person_id, drug_concept_id, drug_source_concept_id""",
}


def scan_floor(db: str) -> tuple[float, dict[str, float], dict[str, int], float]:
    """One fresh DuckDB connection, the CDM attached read-only; total and per-table time, and
    the CPU seconds (user + system, every thread of this process) the floor took."""
    from datetime import timedelta

    import duckdb
    start = (AS_OF - timedelta(days=WINDOW_DAYS)).isoformat()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH '{db}' AS src (READ_ONLY)")
    parts: dict[str, float] = {}
    for label, q in FLOOR_SQL.items():
        t = time.perf_counter()
        con.execute(q.format(start=start, as_of=AS_OF.isoformat()))
        parts[label] = time.perf_counter() - t
    rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("floor_meas", "floor_cond", "floor_drug")}
    con.close()
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    return wall, parts, rows, cpu


def python_baseline(env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# -- 3. the interpreter -------------------------------------------------------------------
def interpreter(n_bundles: int, n_resources: int, passes: int) -> dict:
    from bundles import make_bundle, resource_counts

    from eligo import load_protocol
    from eligo.data.fhir_r4 import read_bundle_bytes
    from eligo.interpret.screen import screen_record

    protocol = load_protocol()
    t0 = time.perf_counter()
    bundles = [make_bundle(n_resources, seed=20_000 + i) for i in range(n_bundles)]
    gen = time.perf_counter() - t0
    counts = resource_counts(bundles[0])
    facts = sum(v for k, v in counts.items()
                if k in ("Observation", "Condition", "MedicationStatement"))
    times = []
    for _ in range(passes):
        t = time.perf_counter()
        for i, raw in enumerate(bundles):
            screen_record(read_bundle_bytes(raw, f"p{i}.json"), protocol, AS_OF)
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    return {"n": n_bundles, "resources": n_resources, "facts": facts, "gen_s": gen,
            "mb": sum(map(len, bundles)) / 1e6, "times": times, "median": med,
            "per_s": n_bundles / med}


# -- 5. Spark ---------------------------------------------------------------------------------
def spark_run(db: str, env: dict[str, str]) -> dict:
    """`eligo population --engine spark` once, and the same file on DuckDB: wall times, and
    how many rows of verdicts.parquet and status.parquet differ between the two."""
    import duckdb

    outs = {e: Path(tempfile.mkdtemp(prefix=f"eligo-pop-{e}-")) for e in ("spark", "duckdb")}
    try:
        spark = run_cli([*population_cmd(db, outs["spark"]), "--engine", "spark"], env)
        duck = run_cli(population_cmd(db, outs["duckdb"]), env)
        con = duckdb.connect()
        differ = 0
        for f in ("verdicts.parquet", "status.parquet"):
            a, b = (f"'{outs[e] / f}'" for e in ("spark", "duckdb"))
            for x, y in ((a, b), (b, a)):
                differ += con.execute(f"SELECT count(*) FROM (SELECT * FROM {x} EXCEPT ALL "
                                      f"SELECT * FROM {y})").fetchone()[0]
        con.close()
    finally:
        for out in outs.values():
            shutil.rmtree(out, ignore_errors=True)
    return {"wall": spark.wall, "phases": spark.phases, "peak_mb": spark.peak_mb,
            "duck_wall": duck.wall, "differ": differ}


# -- main -----------------------------------------------------------------------------------
def machine() -> dict[str, str]:
    def sh(cmd: str) -> str:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    model = sh("lscpu | sed -n 's/^Model name: *//p' | head -1")
    mem = sh("free -h | awk '/^Mem:/ {print $2\" total, \"$7\" available\"}'")
    import duckdb
    return {"nproc": sh("nproc"), "cpu": model, "mem": mem,
            "python": platform.python_version(), "duckdb": duckdb.__version__}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-persons", type=int, default=1_000_000,
                    help="largest population (10^4, 10^5, 10^6 up to this; default 10^6)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per size (and scan floors)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-dir", default="/tmp/eligo-popbench",
                    help="where the generated CDMs are cached (default /tmp/eligo-popbench)")
    ap.add_argument("--bundles", type=int, default=10_000)
    ap.add_argument("--bundle-resources", type=int, default=71,
                    help="resources per bundle, the Patient included (default 71)")
    ap.add_argument("--interp-passes", type=int, default=3)
    ap.add_argument("--no-circe", action="store_true", help="skip the OHDSI Circe peer")
    ap.add_argument("--circe-python", default="/tmp/circe-venv/bin/python",
                    help="python of a venv with ohdsi-circepy installed")
    ap.add_argument("--circe-persons", type=int, default=100_000)
    ap.add_argument("--no-spark", action="store_true", help="skip the Spark local-mode run")
    ap.add_argument("--spark-persons", type=int, default=100_000)
    ap.add_argument("--json", help="also write every figure to this JSON file")
    args = ap.parse_args()

    env = dict(os.environ)
    env.setdefault("ELIGO_CACHE_DIR", tempfile.mkdtemp(prefix="eligo-popbench-cache-"))
    os.environ["ELIGO_CACHE_DIR"] = env["ELIGO_CACHE_DIR"]
    data_dir = Path(args.data_dir)
    sizes = [n for n in (10_000, 100_000, 1_000_000) if n <= args.max_persons]
    mach = machine()
    print(f"eligo population benchmark — {date.today()}, python {mach['python']}, "
          f"duckdb {mach['duckdb']}, {mach['nproc']} CPUs ({mach['cpu']}), {mach['mem']}")
    print(f"as-of {AS_OF}; sizes {', '.join(human(n) for n in sizes)}; runs={args.runs}; "
          f"{load()} at start\n")
    results: dict = {"machine": mach, "sizes": {}}

    base = python_baseline(env, 5)
    results["python_c_pass"] = base
    print(f"baseline `python -c pass`: {base:.3f} s\n")

    rows: list[tuple[str, str, str]] = []
    for n in sizes:
        gen = generate(n, args.seed, data_dir)
        db = gen["path"]
        runs = args.runs
        cached = " (cached file: time from its first generation)" if gen["cached"] else ""
        print(f"[{human(n)} persons] {db}, {gen['bytes'] / 1e9:.2f} GB; generated in "
              f"{gen['seconds']:.1f} s{cached}")
        if n == sizes[0]:
            time_population(db, 1, env)  # warm-up: protocol cache, imports, page cache
        print(f"  eligo population and the scan floor ×{runs}, alternated … ({load()})",
              flush=True)
        # alternated, each floor right after its CLI run: this machine's speed drifts by tens
        # of per cent within minutes, and the ratio is the figure
        cli_runs: list[CliRun] = []
        floor_runs = []
        for _ in range(runs):
            cli_runs += time_population(db, 1, env)
            floor_runs.append(scan_floor(db))
        cli = median_run(cli_runs)
        print(f"  eligo population: {cli.wall:.2f} s wall (runs: "
              f"{', '.join(f'{r.wall:.2f}' for r in cli_runs)}), peak RSS {cli.peak_mb:,.0f} MB")
        print("    phases (median): "
              + ", ".join(f"{k} {v:.2f} s" for k, v in cli.phases.items())
              + f"; outside the phases (interpreter start-up, imports, protocol cache): "
              f"{cli.wall - sum(cli.phases.values()):.2f} s")
        print(f"    {cli.summary}")
        floor = statistics.median(f[0] for f in floor_runs)
        parts = {k: statistics.median(f[1][k] for f in floor_runs) for k in FLOOR_SQL}
        print(f"  scan floor: {floor:.2f} s (runs: "
              f"{', '.join(f'{f[0]:.2f}' for f in floor_runs)}); rows {floor_runs[0][2]}")
        for k, v in parts.items():
            print(f"    {v:6.2f} s  {k}")
        floor_cpu = statistics.median(f[3] for f in floor_runs)
        cores = os.cpu_count() or 1
        engine_s = sum(v for k, v in cli.phases.items() if k in ("stage", "compile", "screen"))
        pairs = ", ".join(f"{c.wall / f[0]:.1f}x" for c, f in zip(cli_runs, floor_runs,
                                                                   strict=True))
        print(f"  ratio CLI wall ÷ floor {cli.wall / floor:.1f}x (run by run: {pairs}); "
              "(stage+compile+screen) ÷ floor "
              f"{engine_s / floor:.1f}x; {n / cli.wall:,.0f} persons/s end to end; "
              f"{cli.wall / n * 1e5:.1f} s per 10^5 persons  ({load()})", flush=True)
        # the work, not the wall: how much of the gap is cores left idle (Python phases) and
        # how much is CPU the screening spends beyond the scans
        print(f"  CPU (user+system): eligo population {cli.cpu:.1f} s, floor {floor_cpu:.1f} s "
              f"= {cli.cpu / floor_cpu:.1f}x; at {cores} busy cores the CLI's CPU alone "
              f"needs {cli.cpu / cores:.1f} s = {cli.cpu / cores / floor:.1f}x "
              "the floor's wall\n", flush=True)
        results["sizes"][n] = {
            "generation_s": gen["seconds"], "generation_cached": gen["cached"],
            "bytes": gen["bytes"], "runs": [r.__dict__ for r in cli_runs],
            "wall": cli.wall, "peak_mb": cli.peak_mb, "phases": cli.phases,
            "floor": floor, "floor_runs": [f[0] for f in floor_runs], "floor_parts": parts,
            "engine_s": engine_s, "cpu": cli.cpu, "floor_cpu": floor_cpu}

    # -- growth -----------------------------------------------------------------------------
    print("growth with N:")
    print("| persons | generate | eligo population (wall) | per 10^5 persons | persons/s "
          f"| peak RSS | {' / '.join(PHASES)} | scan floor | wall ÷ floor |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, r in results["sizes"].items():
        ph = " / ".join(f"{r['phases'].get(k, float('nan')):.1f}" for k in PHASES)
        print(f"| {n:,} | {r['generation_s']:.1f} s | {r['wall']:.1f} s | "
              f"{r['wall'] / n * 1e5:.1f} s | {n / r['wall']:,.0f} | {r['peak_mb']:,.0f} MB | "
              f"{ph} s | {r['floor']:.2f} s | {r['wall'] / r['floor']:.1f}x |")
    print()

    # -- 3. interpreter ---------------------------------------------------------------------
    print(f"[interpreter: {args.bundles:,} distinct {args.bundle_resources}-resource bundles] "
          f"({load()})", flush=True)
    it = interpreter(args.bundles, args.bundle_resources, args.interp_passes)
    results["interpreter"] = it
    print(f"  {it['facts']} fact resources per bundle (Observation/Condition/MedicationStatement), "
          f"{it['mb']:.0f} MB in memory, generated in {it['gen_s']:.1f} s")
    print(f"  read + screen: {it['median']:.2f} s per pass (passes: "
          f"{', '.join(f'{t:.2f}' for t in it['times'])}) = {it['per_s']:,.0f} persons/s, "
          f"{it['median'] / it['n'] * 1e3:.2f} ms each\n", flush=True)

    # -- summary rows -------------------------------------------------------------------------
    largest = max(results["sizes"])
    big = results["sizes"][largest]
    for n, r in results["sizes"].items():
        note = f" (median of {args.runs})"
        rows.append((f"`eligo population`, {n:,} persons, wall{note}",
                     f"{r['wall']:.1f} s = {n / r['wall']:,.0f} persons/s; "
                     f"{r['wall'] / n * 1e5:.1f} s per 10^5; peak RSS {r['peak_mb']:,.0f} MB", "—"))
        rows.append((f"  phases {' / '.join(PHASES)}, {n:,}",
                     " / ".join(f"{r['phases'].get(k, 0):.1f}" for k in PHASES) + " s", "—"))
        ok = r["wall"] / r["floor"] <= 3
        rows.append((f"scan floor, {n:,} persons; ratio full screening ÷ floor",
                     f"{r['floor']:.2f} s; {r['wall'] / r['floor']:.1f}x (CLI wall), "
                     f"{r['engine_s'] / r['floor']:.1f}x (stage+compile+screen only); CPU "
                     f"{r['cpu']:.1f} s vs {r['floor_cpu']:.1f} s = "
                     f"{r['cpu'] / r['floor_cpu']:.1f}x",
                     "≤ 3x " + ("✓ met" if ok else "✗ MISSED")))
        rows.append((f"`eligo synth` generation, {n:,} persons",
                     f"{r['generation_s']:.1f} s ({r['bytes'] / 1e9:.2f} GB)", "—"))
    pop_rate = largest / big["wall"]
    ratio = pop_rate / it["per_s"]
    rows.append((f"interpreter, {it['n']:,} distinct {it['resources']}-resource bundles "
                 f"({it['facts']} facts), one process",
                 f"{it['per_s']:,.0f} persons/s ({it['median'] / it['n'] * 1e3:.2f} ms each)", "—"))
    rows.append((f"ratio population ({largest:,}) ÷ interpreter persons/s",
                 f"{ratio:.0f}x", "≥ 100x " + ("✓ met" if ratio >= 100 else "✗ MISSED")))
    rows.append(("baseline `python -c pass`", f"{base:.3f} s", "—"))

    # -- 4. Circe -----------------------------------------------------------------------------
    if not args.no_circe:
        n = min(args.circe_persons, largest)
        print(f"[OHDSI Circe peer on {n:,} persons] ({load()})", flush=True)
        import circe_peer

        db = generate(n, args.seed, data_dir)["path"]
        try:
            c = circe_peer.run(db, AS_OF, args.circe_python, env, runs=args.runs)
        except Exception as exc:  # the peer is best-effort: report why it failed
            c = {"error": f"{type(exc).__name__}: {exc}"}
        results["circe"] = c
        if "error" in c:
            print(f"  Circe peer failed: {c['error']}\n")
            rows.append(("OHDSI Circe peer", "failed: " + c["error"][:200], "—"))
        else:
            for line in c["lines"]:
                print("  " + line)
            print()
            rows.extend(c["rows"])

    # -- 5. Spark, local mode ------------------------------------------------------------------
    if not args.no_spark:
        n = min(args.spark_persons, largest)
        print(f"[Spark local mode on {n:,} persons] ({load()})", flush=True)
        db = generate(n, args.seed, data_dir)["path"]
        sp = spark_run(db, env)
        results["spark"] = sp
        print(f"  eligo population --engine spark: {sp['wall']:.1f} s wall; phases "
              + ", ".join(f"{k} {v:.1f} s" for k, v in sp["phases"].items())
              + f"; verdict rows differing from DuckDB's: {sp['differ']}\n", flush=True)
        rows.append((f"`eligo population --engine spark` (local[2]), {n:,} persons (one run)",
                     f"{sp['wall']:.1f} s wall (DuckDB {sp['duck_wall']:.1f} s); verdicts and "
                     f"statuses identical to DuckDB's: {'yes' if sp['differ'] == 0 else 'NO'} "
                     f"({sp['differ']} rows differ)", "identical ✓" if sp["differ"] == 0
                     else "identical ✗"))

    print(f"{load()} at end\n")
    print("## Summary\n")
    print("| figure | value | goal |")
    print("|---|---|---|")
    for fig, val, goal in rows:
        print(f"| {fig} | {val} | {goal} |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
