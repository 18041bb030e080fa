"""A compiled-protocol cache, like Python's own ``.pyc``: parsing YAML, the rule grammar and
checking units costs most of a second; unpickling the checked result costs milliseconds.

The key is a hash of every input file (protocol, source text, value sets, grammar) and eligo's
version, so an edited file is always re-checked. The cache lives in ``$ELIGO_CACHE_DIR`` (else
``$XDG_CACHE_HOME/eligo``, else ``~/.cache/eligo``); if it cannot be written, eligo just loads.
:func:`cached` keeps the 8 most recently used entries of each kind; the compiled SQL plan's
cache (:mod:`eligo.compile.plan_cache`) stores through it too.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from importlib import metadata, resources
from pathlib import Path
from typing import TypeVar

from eligo.protocol.model import Protocol

__all__ = ["KEEP", "cache_dir", "cached", "load_protocol_cached"]


def cache_dir() -> Path:
    explicit = os.environ.get("ELIGO_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "eligo"


def _key(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        h.update(metadata.version("eligo").encode())
    except metadata.PackageNotFoundError:
        h.update(b"dev")
    try:
        for p in [path, *sorted((path.parent / "valuesets").glob("*.yaml")),
                  *sorted(path.parent.glob("*.txt"))]:
            h.update(p.name.encode() + b"\0" + p.read_bytes())
        h.update(resources.files("eligo.protocol").joinpath("rules.lark").read_bytes())
        for module in ("loader.py", "rules.py", "model.py"):
            h.update(resources.files("eligo.protocol").joinpath(module).read_bytes())
    except OSError:
        return None
    return h.hexdigest()[:32]


def load_protocol_cached(ref: str) -> Protocol:
    from eligo.protocol.loader import load_protocol, resolve_protocol_path

    path = resolve_protocol_path(ref)
    key = _key(path)
    if key is None:
        return load_protocol(path)
    return cached("protocol", key, lambda: load_protocol(path))


#: entries kept per kind, the most recently used: a compiled plan is keyed by its as-of date,
#: so a daily screening would otherwise add a megabyte a day
KEEP = 8

T = TypeVar("T")


def cached(kind: str, key: str, build: Callable[[], T]) -> T:
    """``build()``, or what it gave for the same ``key`` before (``<kind>-<key>.pickle`` in
    :func:`cache_dir`). Entries are pickles: the folder must be writable by its user only."""
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
