"""How numbers, units and dates read in explanations."""

from __future__ import annotations

import math

__all__ = ["OP_WORDS", "fmt_num", "fmt_qty", "fmt_unit"]

_UNITS = {
    "10*9/L": "× 10^9/L",
    "10*3/uL": "× 10^3/µL",
    "/uL": "/µL",
    "umol/L": "µmol/L",
    "[lb_av]": "lb",
    "[IU]/L": "IU/L",
    "m[IU]/mL": "mIU/mL",
    "mg/kg/d": "mg/kg/day",
    "mg/d": "mg/day",
    "d": "days",
    "a": "years",
}

OP_WORDS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}


def fmt_num(v: float) -> str:
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == int(v) and abs(v) < 1e9:
        return str(int(v))
    if abs(v) >= 1000:
        return f"{v:.0f}"
    return f"{v:.4g}"


def fmt_unit(unit: str | None) -> str:
    if unit is None or unit in ("1", ""):
        return ""
    if unit.startswith("{") and unit.endswith("}"):
        return ""
    return _UNITS.get(unit, unit).replace("[IU]", "IU").replace("[lb_av]", "lb")


def fmt_qty(v: float, unit: str | None) -> str:
    u = fmt_unit(unit)
    if not u:
        return fmt_num(v)
    if u.startswith("×") or u.startswith("/"):
        return f"{fmt_num(v)} {u}" if u.startswith("×") else f"{fmt_num(v)}{u}"
    if u == "%":
        return f"{fmt_num(v)}%"
    return f"{fmt_num(v)} {u}"
