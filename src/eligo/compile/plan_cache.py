"""The compiled plan cached on disk, beside the protocol cache (:mod:`eligo.protocol.cache`).

Compiling the protocol to SQL trees and rendering its statements costs about a second per run
(most of a 10⁴-person screening's own work) and gives the same text for the same inputs. The key
hashes eligo's own source code, the checked protocol, the as-of date and the engine (and, for
the statements, which analytes the source has), so a change to any of them compiles afresh.
Entries are stored by :func:`eligo.protocol.cache.cached`, as the protocol's are; if the cache
cannot be written, eligo just compiles.
"""

from __future__ import annotations

import hashlib
import pickle
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from eligo.protocol.model import Protocol

__all__ = ["derived_key", "plan_key"]


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


def derived_key(key: str, *parts: object) -> str:
    """A key for something built from what ``key`` names and ``parts`` (the statements of a
    plan for the analytes present): the protocol is not hashed again."""
    h = hashlib.sha256(key.encode())
    for part in parts:
        h.update(b"\0" + repr(part).encode())
    return h.hexdigest()[:32]
