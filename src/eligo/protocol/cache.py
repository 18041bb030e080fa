"""A compiled-protocol cache, like Python's own ``.pyc``: parsing YAML, the rule grammar and
checking units costs most of a second; unpickling the checked result costs milliseconds.

The key is a hash of every input file (protocol, source text, value sets, grammar) and eligo's
version, so an edited file is always re-checked. The cache lives in ``$ELIGO_CACHE_DIR`` (else
``$XDG_CACHE_HOME/eligo``, else ``~/.cache/eligo``); if it cannot be written, eligo just loads.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from importlib import metadata, resources
from pathlib import Path

from eligo.protocol.model import Protocol

__all__ = ["cache_dir", "load_protocol_cached"]


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
    target = cache_dir() / f"protocol-{key}.pickle" if key else None
    if target is not None and target.exists():
        try:
            with target.open("rb") as fh:
                cached = pickle.load(fh)
            if isinstance(cached, Protocol):
                return cached
        except Exception:  # a stale or truncated cache entry: rebuild it below
            pass
    protocol = load_protocol(path)
    if target is not None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(protocol, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
        except OSError:
            pass
    return protocol
