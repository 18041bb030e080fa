"""``eligo calc NAME --INPUT VALUE …``: run one calculator from the command line.

Each calculator is a subcommand built from its inputs: ``--weight-basis`` for ``weight_basis``.
Quantities are ``'1.4 mg/dL'`` or a bare number in the input's own unit; booleans yes/no;
choices by name. Every bad input is a one-line message naming it, and exit status 2.

Only click is imported here at start-up; units (pint) load when a unit must be converted.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from eligo.calc.base import Calculator, Input

__all__ = ["calc", "parse_value"]

_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")
_TRUE = {"yes", "y", "true", "t", "1"}
_FALSE = {"no", "n", "false", "f", "0"}
#: spellings people type → UCUM
_UNIT_ALIASES = {"years": "a", "year": "a", "yr": "a", "y": "a", "lb": "[lb_av]",
                 "lbs": "[lb_av]", "in": "[in_i]", "inch": "[in_i]", "inches": "[in_i]",
                 "ft": "[ft_i]", "mm/hr": "mm/h"}
#: conversions pint cannot know, by input name (creatinine 1 mg/dL = 88.42 µmol/L)
_EQUIVALENCES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "creatinine": (("mg/dL", "umol/L", 88.42),),
}


class CalcUsageError(Exception):
    """A command-line value that cannot be read as the input wants (names the input)."""

    def __init__(self, input: str, message: str) -> None:
        self.input = input
        self.message = message
        super().__init__(f"{input}: {message}")


def _ucum(unit: str) -> str:
    u = unit.strip().replace("µ", "u").replace("μ", "u")
    return _UNIT_ALIASES.get(u.lower(), u)


def parse_value(inp: Input, text: str) -> Any:
    """The command-line text as the value ``inp`` takes (numbers in ``inp.unit``)."""
    if inp.kind == "boolean":
        t = text.strip().lower()
        if t in _TRUE:
            return True
        if t in _FALSE:
            return False
        raise CalcUsageError(inp.name, f"expected yes/no, got '{text}'")
    if inp.kind == "choice":
        t = text.strip().lower()
        if t in inp.choices:
            return t
        raise CalcUsageError(inp.name, f"expected one of {', '.join(inp.choices)}, "
                                       f"got '{text}'")
    m = _NUMBER.match(text)
    if not m:
        want = f" (e.g. '1.4 {inp.unit}')" if inp.unit and inp.unit != "1" else ""
        raise CalcUsageError(inp.name, f"expected a number{want}, got '{text}'")
    value = float(m.group(1))
    unit = m.group(2)
    if not unit:
        return value
    src, dst = _ucum(unit), inp.unit or "1"
    if src == dst:
        return value
    from eligo.data.units import UnitError, convert
    from eligo.ir.nodes import Equivalence

    eqs = tuple(Equivalence(*e) for e in _EQUIVALENCES.get(inp.name, ()))
    try:
        return convert(value, src, dst, eqs)
    except UnitError:
        raise CalcUsageError(inp.name, f"cannot convert '{unit}' to {dst}") from None


def _option_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def _input_help(inp: Input) -> str:
    parts = [inp.label]
    if inp.kind == "number":
        if inp.unit and inp.unit != "1":
            parts.append(f"[{inp.unit}]")
        if inp.low is not None or inp.high is not None:
            lo = "" if inp.low is None else f"{'>' if inp.low_exclusive else ''}{inp.low:g}"
            hi = "" if inp.high is None else f"{inp.high:g}"
            parts.append(f"(range {lo}–{hi}{', whole number' if inp.integer else ''})")
    if not inp.required:
        parts.append("(optional)")
    return " ".join(parts)


def _metavar(inp: Input) -> str:
    if inp.kind == "boolean":
        return "yes|no"
    if inp.kind == "choice":
        return "|".join(inp.choices)
    return "VALUE" if not inp.unit or inp.unit == "1" else "'VALUE [UNIT]'"


def _fail(calculator: str, input: str, message: str) -> NoReturn:
    click.echo(f"eligo: {calculator}: {_option_name(input)}: {message}", err=True)
    raise click.exceptions.Exit(2)


def _has_sex_alias(calc: Calculator) -> bool:
    return any(i.name == "female" and i.kind == "boolean" for i in calc.inputs)


def _format_value(v: float) -> str:
    return f"{v:.4g}" if abs(v) < 1e4 else f"{v:.0f}"


def _print_text(calc: Calculator, result: Any) -> None:
    unit = f" {result.unit}" if result.unit else ""
    click.echo(f"{calc.name}: {_format_value(result.value)}{unit}")
    if result.band is not None:
        click.echo(f"band: {result.band}")
    click.echo(f"arithmetic: {result.arithmetic}")
    shown = []
    for name, v in result.inputs.items():
        inp = calc.input(name)
        if isinstance(v, bool):
            shown.append(f"{name} {'yes' if v else 'no'}")
        elif isinstance(v, float):
            u = f" {inp.unit}" if inp.unit and inp.unit != "1" else ""
            shown.append(f"{name} {v:g}{u}")
        else:
            shown.append(f"{name} {v}")
    click.echo(f"inputs: {', '.join(shown)}")
    click.echo(f"citation: {result.citation}")


def _command(calc: Calculator) -> click.Command:
    def run(fmt: str, **given: str | None) -> None:
        from eligo.calc.base import CalcInputError

        values: dict[str, Any] = {}
        sex = given.pop("sex", None)
        for inp in calc.inputs:
            text = given.get(inp.name)
            if text is None:
                continue
            try:
                values[inp.name] = parse_value(inp, text)
            except CalcUsageError as exc:
                _fail(calc.name, exc.input, exc.message)
        if sex is not None:
            female = sex.strip().lower() in ("female", "f")
            if sex.strip().lower() not in ("female", "f", "male", "m"):
                _fail(calc.name, "sex", f"expected male or female, got '{sex}'")
            if "female" in values and values["female"] != female:
                _fail(calc.name, "sex", "contradicts --female")
            values["female"] = female
        try:
            result = calc.compute(**values)
        except CalcInputError as exc:
            name = "sex" if exc.input == "female" and sex is None and _has_sex_alias(calc) \
                and exc.message == "missing" else exc.input
            _fail(calc.name, name, exc.message)
        if fmt == "json":
            click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            _print_text(calc, result)

    params: list[click.Parameter] = []
    for inp in calc.inputs:
        params.append(click.Option([_option_name(inp.name), inp.name], metavar=_metavar(inp),
                                   help=_input_help(inp)))
    if _has_sex_alias(calc):
        params.append(click.Option(["--sex", "sex"], metavar="male|female",
                                   help="sex; sets --female"))
    params.append(click.Option(["--format", "fmt"], type=click.Choice(["text", "json"]),
                               default="text", show_default=True))
    help_text = f"{calc.title}. {calc.description}\n\nCitation: {calc.citation}"
    return click.Command(calc.name, params=params, callback=run, help=help_text,
                         short_help=calc.title, no_args_is_help=False)


class _CalcGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        from eligo.calc import CALCULATORS

        return sorted(c.name for c in CALCULATORS.values())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from eligo.calc import by_cli_name

        found = by_cli_name(cmd_name)
        return _command(found) if found is not None else None


@click.group(cls=_CalcGroup, context_settings={"help_option_names": ["-h", "--help"]})
def calc() -> None:
    """Run a clinical calculator: eligo calc NAME --INPUT VALUE … (NAME --help: its inputs)."""
