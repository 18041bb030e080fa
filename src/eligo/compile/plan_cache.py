"""The compiled plan cached on disk, beside the protocol cache (:mod:`eligo.protocol.cache`).

Compiling the protocol to SQL trees and rendering its statements costs about a second per run
(most of a 10⁴-person screening's own work) and gives the same text for the same inputs. The key
hashes eligo's own source code, the checked protocol, the as-of date and the engine (and, for
the statements, which analytes the source has), so a change to any of them compiles afresh.
If the cache cannot be written, eligo just compiles. Like the protocol cache, entries are
pickles: the cache folder must be writable by its user only.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from eligo.protocol.cache import cache_dir
from eligo.protocol.model import Protocol

__all__ = ["KEEP", "cached", "plan_key"]

T = TypeVar("T")


@lru_cache(maxsize=1)
def _code() -> bytes:
    """A digest of every module of eligo — the compiler, its dialects, the calculators'
    guards and the staging conventions all shape the plan — and of the libraries that render
    it (sqlglot) or convert its thresholds' units (pint, ucumvert)."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes())
    for package in ("sqlglot", "pint", "ucumvert"):
        try:
            h.update(f"{package}=={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            h.update(package.encode())
    return h.digest()


def plan_key(protocol: Protocol, *parts: object) -> str:
    """The key of a plan of ``protocol`` for ``parts`` (as-of date, engine, …; their ``repr``)."""
    h = hashlib.sha256(_code())
    # pickled twice: a protocol parsed just now and the same one read back from the protocol
    # cache pickle to different bytes (object sharing); their round trips do not
    once = pickle.dumps(protocol, protocol=pickle.HIGHEST_PROTOCOL)
    h.update(pickle.dumps(pickle.loads(once), protocol=pickle.HIGHEST_PROTOCOL))
    for part in parts:
        h.update(b"\0" + repr(part).encode())
    return h.hexdigest()[:32]


#: entries kept per kind, the most recently used: a plan is keyed by its as-of date, so a
#: daily screening would otherwise add a megabyte a day
KEEP = 8


def cached(kind: str, key: str, build: Callable[[], T]) -> T:
    """``build()``, or what it gave for the same ``key`` before (``<kind>-<key>.pickle``)."""
    target = cache_dir() / f"{kind}-{key}.pickle"
    if target.exists():
        try:
            with target.open("rb") as fh:
                value: T = pickle.load(fh)
        except Exception:  # a stale or truncated entry: rebuild it below
            pass
        else:
            with contextlib.suppress(OSError):  # recently used: kept by _prune
                os.utime(target)
            return value
    value = build()
    tmp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
        tmp = None
        _prune(target.parent, kind)
    except Exception:  # not writable, or not picklable: the value is still good
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return value


def _prune(folder: Path, kind: str) -> None:
    """Remove all but the :data:`KEEP` most recently used entries of ``kind``."""
    entries = []
    for f in folder.glob(f"{kind}-*.pickle"):
        try:
            entries.append((f.stat().st_mtime_ns, f))
        except OSError:  # removed meanwhile by another process
            continue
    for _, f in sorted(entries, reverse=True)[KEEP:]:
        f.unlink(missing_ok=True)
