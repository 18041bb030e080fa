"""UCUM unit conversions of SPEC §2.6, through pint + ucumvert."""

from __future__ import annotations

from pathlib import Path

import pytest

from eligo.data import units
from eligo.ir.nodes import Equivalence

CREATININE = (Equivalence("mg/dL", "umol/L", 88.42),)
BILIRUBIN = (Equivalence("mg/dL", "umol/L", 17.104),)
HEMOGLOBIN = (Equivalence("mmol/L", "g/L", 16.114),)


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected", "eq"),
    [
        (6200, "/uL", "10*9/L", 6.2, ()),
        (6.2, "10*3/uL", "10*9/L", 6.2, ()),
        (6200, "/mm3", "10*9/L", 6.2, ()),
        (13.5, "g/dL", "g/L", 135, ()),
        (88.42, "umol/L", "mg/dL", 1.0, CREATININE),
        (1.0, "mg/dL", "umol/L", 88.42, CREATININE),
        (17.104, "umol/L", "mg/dL", 1.0, BILIRUBIN),
        (8.0, "mmol/L", "g/L", 128.912, HEMOGLOBIN),
        (2.4, "mg/dL", "mg/L", 24, ()),
        (150, "[lb_av]", "kg", 68.0388555, ()),
        (48000, "g", "kg", 48, ()),
        (40, "U/L", "[IU]/L", 40, ()),
        (40, "[IU]/L", "U/L", 40, ()),
        (1.1, "{INR}", None, 1.1, ()),
        (1.1, "1", None, 1.1, ()),
        (55, "mm", "{score}", 5.5, (Equivalence("mm", "1", 0.1),)),
    ],
)
def test_conversions(value: float, src: str, dst: str | None, expected: float,
                     eq: tuple[Equivalence, ...]) -> None:
    assert units.convert(value, src, dst, eq) == pytest.approx(expected, rel=1e-9)


def test_plain_pint_trap_is_avoided() -> None:
    # plain pint reads 10*9/L as "90 per litre"; UCUM means 10^9 per litre
    assert units.factor("10*9/L", "/L") == pytest.approx(1e9)


def test_decimal_boundary_survives_conversion() -> None:
    # SPEC §2.6: 6.0 g/dL is 60 g/L — compared with a tolerance, not lost to rounding
    assert units.convert(6.0, "g/dL", "g/L") == pytest.approx(60, rel=1e-12)


@pytest.mark.parametrize(
    ("src", "dst"),
    [("g/L", "10*9/L"), ("mg/dL", "umol/L"), ("mm/h", "mg/L"), ("kg", "mL/min")],
)
def test_incompatible_units_raise(src: str, dst: str) -> None:
    with pytest.raises(units.UnitError, match="cannot convert"):
        units.factor(src, dst)


@pytest.mark.parametrize("bad", ["furlongs", "x10^9/L", "mg/dl/%%"])
def test_unknown_units_are_invalid(bad: str) -> None:
    assert not units.is_valid(bad)
    with pytest.raises(units.UnitError):
        units.factor(bad, "g/L")


@pytest.mark.parametrize("unit", ["10*9/L", "/uL", "m[IU]/mL", "mL/min", "mm[Hg]", "{score}"])
def test_valid_units(unit: str) -> None:
    assert units.is_valid(unit)


def test_dimensionality_tells_cell_counts_from_concentrations() -> None:
    assert units.dimensionality("10*9/L") == units.dimensionality("/uL")
    assert units.dimensionality("10*9/L") != units.dimensionality("g/L")


def test_factors_are_kept_on_disk_and_reused(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A factor computed once is read back from the cache folder by a later process (here:
    the module's memory cleared), without pint; a failed conversion keeps its message."""
    monkeypatch.setenv("ELIGO_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(units, "_DISK", None)
    monkeypatch.setattr(units, "_NEW", {})
    units._factor.cache_clear()
    assert units.factor("mg/dL", "g/L") == pytest.approx(0.01)
    with pytest.raises(units.UnitError) as failed:
        units.factor("mg/dL", "10*9/L")
    units._save()
    assert len(list(tmp_path.glob("units-*.json"))) == 1

    def no_pint(*_: object) -> float:
        raise AssertionError("pint was asked again")

    monkeypatch.setattr(units, "_DISK", None)
    monkeypatch.setattr(units, "_compute", no_pint)
    units._factor.cache_clear()
    assert units.factor("mg/dL", "g/L") == pytest.approx(0.01)
    with pytest.raises(units.UnitError) as again:
        units.factor("mg/dL", "10*9/L")
    assert str(again.value) == str(failed.value)
    units._factor.cache_clear()
