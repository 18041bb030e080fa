"""UCUM units through pint, with the clinical UCUM grammar of ``ucumvert``.

Plain pint would read ``10*9/L`` as 90 per litre; ucumvert's registry parses UCUM proper.
Building that registry costs about half a second, so it is built on first need and every
conversion factor is cached: a patient whose units all equal the criterion's never loads it.

Enzyme activities ``U`` and ``[IU]`` are the same for screening (SPEC §2.6), and a unit that is
only an annotation (``{INR}``, ``{score}``) or ``1`` means unitless.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from eligo.errors import EligoError
from eligo.ir.nodes import Equivalence

__all__ = ["UnitError", "convert", "dimensionality", "factor", "is_valid", "normalize"]

_ANNOTATION = re.compile(r"\{[^}]*\}")


class UnitError(EligoError):
    """A unit is not UCUM, or cannot be converted to the one wanted."""


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
