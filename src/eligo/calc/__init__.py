"""Clinical calculators: small pure functions with typed inputs, valid ranges and citations.

``CALCULATORS`` maps the rule-language name (``cockcroft_gault``) to its
:class:`~eligo.calc.base.Calculator`; the IR only names a calculator, and the backends look it
up here. A calculator module exports its calculators; add it to ``_MODULES`` to register them.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from types import MappingProxyType

from eligo.calc.base import Band, CalcInputError, Calculation, Calculator, Input

__all__ = ["CALCULATORS", "Band", "CalcInputError", "Calculation", "Calculator", "Input",
           "by_cli_name"]

_MODULES = ("eligo.calc.renal", "eligo.calc.ra", "eligo.calc.activity",
            "eligo.calc.glucocorticoids", "eligo.calc.classification",
            "eligo.calc.classification_iim")


def _collect() -> dict[str, Calculator]:
    found: dict[str, Calculator] = {}
    for module_name in _MODULES:
        module = import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, Calculator):
                found[obj.rule_name] = obj
    return found


CALCULATORS: Mapping[str, Calculator] = MappingProxyType(_collect())


def by_cli_name(name: str) -> Calculator | None:
    return CALCULATORS.get(name.replace("-", "_"))
