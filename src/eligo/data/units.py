"""UCUM units through pint, with the clinical UCUM grammar of ``ucumvert``.

Plain pint would read ``10*9/L`` as 90 per litre; ucumvert's registry parses UCUM proper.
Building that registry costs about half a second, so it is built on first need and every
conversion factor is cached, in memory and on disk (beside the protocol cache, keyed by the
versions of this module, pint and ucumvert): a patient whose units all equal the criterion's,
or whose units were converted before, never loads it.

Enzyme activities ``U`` and ``[IU]`` are the same for screening (SPEC §2.6), and a unit that is
only an annotation (``{INR}``, ``{score}``) or ``1`` means unitless.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from eligo.errors import EligoError
from eligo.ir.nodes import Equivalence

__all__ = ["UnitError", "convert", "dimensionality", "factor", "from_display", "is_valid",
           "normalize"]

_ANNOTATION = re.compile(r"\{[^}]*\}")


class UnitError(EligoError):
    """A unit is not UCUM, or cannot be converted to the one wanted."""


#: Lab spellings that are not UCUM (or are UCUM for something else: ``K/uL`` would be kelvin
#: per microlitre) but mean one UCUM unit without doubt; ``g/dl`` and ``10^3/uL`` parse as they
#: are. Applied only to a quantity's display ``unit`` when no UCUM ``code`` is given (SPEC §2.6
#: reads UCUM codes): what EHR exports and hand-written bundles carry. Keys are lower case.
DISPLAY_SPELLINGS: dict[str, str] = {
    "k/ul": "10*3/uL", "k/µl": "10*3/uL", "x10e3/ul": "10*3/uL", "x10^3/ul": "10*3/uL",
    "10e3/ul": "10*3/uL", "thou/ul": "10*3/uL",
    "x10e9/l": "10*9/L", "x10^9/l": "10*9/L", "10e9/l": "10*9/L",
    "/µl": "/uL", "cells/ul": "/uL", "cells/µl": "/uL", "cells/mm3": "/mm3",
    "miu/ml": "m[IU]/mL", "miu/l": "m[IU]/L", "iu/l": "[IU]/L", "iu/ml": "[IU]/mL",
    "mm/hr": "mm/h", "µmol/l": "umol/L", "μmol/l": "umol/L",
    "lb": "[lb_av]", "lbs": "[lb_av]", "inr": "1", "ratio": "1",
}


def from_display(unit: str | None) -> str | None:
    """A display unit in UCUM where :data:`DISPLAY_SPELLINGS` knows it, else as written."""
    if unit is None:
        return None
    return DISPLAY_SPELLINGS.get(unit.strip().lower(), unit)


def normalize(unit: str | None) -> str:
    """The canonical spelling eligo converts from: ``1`` for unitless."""
    if unit is None:
        return "1"
    u = _ANNOTATION.sub("", unit.strip())
    u = u.replace("[IU]", "U")
    if u in ("", "1"):
        return "1"
    return u


@lru_cache(maxsize=1)
def _registry() -> Any:
    import warnings

    from eligo.protocol.cache import cache_dir

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ucumvert import PintUcumRegistry

        # pint can cache its parsed definitions: half the cost of building the registry
        folder = cache_dir() / "pint"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return PintUcumRegistry(cache_folder=str(folder))
        except OSError:
            return PintUcumRegistry()


@lru_cache(maxsize=4096)
def _quantity(unit: str) -> Any:
    if unit == "1":
        return _registry().Quantity(1)
    try:
        q = _registry().from_ucum(unit)
    except Exception as exc:  # ucumvert raises its own parse errors
        raise UnitError(f"'{unit}' is not a valid UCUM unit") from exc
    if not hasattr(q, "to"):  # a bare annotation token
        raise UnitError(f"'{unit}' is not a valid UCUM unit")
    return q


def is_valid(unit: str | None) -> bool:
    try:
        _quantity(normalize(unit))
    except UnitError:
        return False
    return True


def dimensionality(unit: str | None) -> str:
    """A printable dimensionality, equal for units that convert into each other."""
    u = normalize(unit)
    if u == "1":
        return "dimensionless"
    return str(_quantity(u).dimensionality)


def _direct(src: str, dst: str) -> float | None:
    if src == dst:
        return 1.0
    a, b = _quantity(src), _quantity(dst)
    try:
        return float((a / b).to("dimensionless").magnitude)
    except Exception:
        return None


@lru_cache(maxsize=4096)
def _factor(src: str, dst: str, equivalences: tuple[Equivalence, ...]) -> float:
    key = f"{src}\t{dst}\t{equivalences!r}"
    known = _disk().get(key)
    if isinstance(known, float):
        return known
    if isinstance(known, str):  # the error message of a conversion that failed before
        raise UnitError(known)
    try:
        f = _compute(src, dst, equivalences)
    except UnitError as exc:
        _remember(key, str(exc))
        raise
    _remember(key, f)
    return f


_DISK: dict[str, float | str] | None = None
_NEW: dict[str, float | str] = {}


def _disk_path() -> Path:
    from importlib import metadata

    from eligo.protocol.cache import cache_dir

    h = hashlib.sha256(Path(__file__).read_bytes())
    for package in ("pint", "ucumvert"):
        try:
            h.update(f"{package} {metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            h.update(package.encode())
    return cache_dir() / f"units-{h.hexdigest()[:24]}.json"


def _disk() -> dict[str, float | str]:
    global _DISK
    if _DISK is None:
        try:
            loaded = json.loads(_disk_path().read_text("utf-8"))
            _DISK = {k: v for k, v in loaded.items() if isinstance(v, float | str)}
        except (OSError, ValueError, AttributeError):
            _DISK = {}
    return _DISK


def _remember(key: str, value: float | str) -> None:
    if not _NEW:
        atexit.register(_save)
    _NEW[key] = value


def _save() -> None:
    """Add the factors computed in this process to the disk cache (atomically; a cache that
    cannot be written is just not kept)."""
    path = _disk_path()
    try:
        try:
            merged = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            merged = {}
        merged.update(_NEW)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(merged, fh)
        os.replace(tmp, path)
    except (OSError, TypeError, ValueError):
        pass


def _compute(src: str, dst: str, equivalences: tuple[Equivalence, ...]) -> float:
    direct = _direct(src, dst)
    if direct is not None:
        return direct
    for eq in equivalences:
        f_in = _direct(src, normalize(eq.from_unit))
        f_out = _direct(normalize(eq.to_unit), dst)
        if f_in is not None and f_out is not None:
            return f_in * eq.factor * f_out
        # the same equivalence read backwards
        f_in = _direct(src, normalize(eq.to_unit))
        f_out = _direct(normalize(eq.from_unit), dst)
        if f_in is not None and f_out is not None:
            return f_in / eq.factor * f_out
    raise UnitError(f"cannot convert '{src}' to '{dst}'")


def factor(src: str | None, dst: str | None, equivalences: Sequence[Equivalence] = ()) -> float:
    """Multiply a value in ``src`` by this to express it in ``dst``; raises UnitError."""
    s, d = normalize(src), normalize(dst)
    if s == d:
        return 1.0
    return _factor(s, d, tuple(equivalences))


def convert(
    value: float, src: str | None, dst: str | None, equivalences: Sequence[Equivalence] = ()
) -> float:
    return value * factor(src, dst, equivalences)
