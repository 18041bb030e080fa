"""``eligo calc``: listing, help, unit conversion, JSON shape, and exit 2 naming the input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from eligo.calc import CALCULATORS
from eligo.cli import cli

EXAMPLE = ["calc", "cockcroft-gault", "--age", "87", "--sex", "male", "--weight", "48 kg",
           "--height", "163 cm", "--creatinine", "1.4 mg/dL", "--weight-basis", "bmi-adjusted"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def test_issue_example_json() -> None:
    # MedCalc-Bench test row 1: 25.238 mL/min (BMI 18.07 < 18.5 → actual weight).
    code, out, _ = run(*EXAMPLE, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert {"calculator", "value", "unit", "inputs", "citation", "arithmetic"} <= set(data)
    assert data["calculator"] == "cockcroft-gault" and data["unit"] == "mL/min"
    assert data["value"] == pytest.approx(25.238, abs=1e-3)
    assert data["inputs"] == {"age": 87, "weight": 48, "creatinine": 1.4, "female": False,
                              "weight_basis": "bmi-adjusted", "height": 163}
    assert "Nephron 1976" in data["citation"]
    assert data["details"]["weight_used"] == 48


def test_text_format_shows_value_unit_band_and_arithmetic() -> None:
    code, out, _ = run(*EXAMPLE)
    assert code == 0
    assert out.splitlines()[0] == "cockcroft-gault: 25.24 mL/min"
    assert "arithmetic: weight basis bmi-adjusted: BMI 48 kg ÷ (1.63 m)² = 18.1" in out
    assert "citation: Cockcroft DW" in out
    code, out, _ = run("calc", "cdai", "--tjc28", "5", "--sjc28", "4", "--ptga", "3",
                       "--phga", "2")
    assert code == 0 and "cdai: 14" in out and "band: moderate" in out


def test_help_lists_every_calculator() -> None:
    code, out, _ = run("calc", "--help")
    assert code == 0
    for calc in CALCULATORS.values():
        assert calc.name in out


def test_calculator_help_lists_inputs_and_units() -> None:
    code, out, _ = run("calc", "cockcroft-gault", "--help")
    assert code == 0
    for text in ("--age", "--weight", "[kg]", "--creatinine", "[mg/dL]", "--weight-basis",
                 "actual|ideal|adjusted|bmi-adjusted", "--height", "[cm]", "--sex",
                 "--format", "Nephron 1976"):
        assert text in out
    code, out, _ = run("calc", "haq-di", "--help")
    assert code == 0 and "--dressing-aids" in out and "yes|no" in out


def test_creatinine_in_umol_per_litre_and_weight_in_pounds_height_in_inches() -> None:
    # MedCalc-Bench worked explanation: man, 43 y, 143 lb, 100.4 cm, creatinine 90 µmol/L,
    # adjusted weight 27.694 kg → 36.647 mL/min.
    code, out, _ = run("calc", "cockcroft-gault", "--age", "43 years", "--sex", "male",
                       "--weight", "143 lb", "--height", "100.4 cm", "--creatinine",
                       "90 µmol/L", "--weight-basis", "bmi-adjusted", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["inputs"]["creatinine"] == pytest.approx(90 / 88.42)
    assert data["inputs"]["weight"] == pytest.approx(64.864, abs=1e-3)
    assert data["value"] == pytest.approx(36.647, abs=0.01)
    # MedCalc-Bench explanation #1: woman, 20 y, 40 kg, 65.4 in, SCr 1.2 mg/dL → 47.222.
    code, out, _ = run("calc", "cockcroft-gault", "--age", "20", "--sex", "female", "--weight",
                       "40", "--height", "65.4 in", "--creatinine", "1.2", "--weight-basis",
                       "bmi-adjusted", "--format", "json")
    assert code == 0 and json.loads(out)["value"] == pytest.approx(47.222, abs=1e-3)


def test_crp_in_mg_per_litre_for_sdai() -> None:
    code, out, _ = run("calc", "sdai", "--tjc28", "5", "--sjc28", "4", "--ptga", "3",
                       "--phga", "2", "--crp", "12 mg/L", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["inputs"]["crp"] == pytest.approx(1.2) and data["value"] == pytest.approx(15.2)


def test_booleans_and_choices() -> None:
    base = ["calc", "cockcroft-gault", "--age", "60", "--weight", "72", "--creatinine", "1"]
    for word, value in (("yes", 68), ("true", 68), ("no", 80), ("false", 80)):
        code, out, _ = run(*base, "--female", word, "--format", "json")
        assert code == 0 and json.loads(out)["value"] == pytest.approx(value)
    code, out, _ = run(*base, "--sex", "female", "--format", "json")
    assert code == 0 and json.loads(out)["inputs"]["female"] is True
    code, out, _ = run("calc", "prednisone-equivalent", "--drug", "dexamethasone", "--dose",
                       "6 mg", "--weight", "40 kg", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["value"] == pytest.approx(40) and data["unit"] == "mg/d"
    assert data["details"]["mg_per_kg_per_day"] == pytest.approx(1)


@pytest.mark.parametrize(("args", "message"), [
    (["--age", "200"], "--age: 200 a is out of range (must be ≤ 130 a)"),
    (["--age", "old"], "--age: expected a number"),
    (["--creatinine", "1.4 mmol/s"], "--creatinine: cannot convert 'mmol/s' to mg/dL"),
    (["--creatinine", "1.4 furlongs"], "--creatinine: cannot convert"),
    (["--creatinine", "0 mg/dL"], "--creatinine: 0 mg/dL is out of range (must be > 0 mg/dL)"),
    (["--weight", "48 mg/dL"], "--weight: cannot convert"),
    (["--female", "maybe"], "--female: expected yes/no, got 'maybe'"),
    (["--sex", "other"], "--sex: expected male or female"),
    (["--sex", "female", "--female", "no"], "--sex: contradicts --female"),
    (["--weight-basis", "lean"], "--weight-basis: expected one of actual, ideal"),
    (["--weight-basis", "ideal"], "--height: missing (needed for weight basis 'ideal')"),
])
def test_bad_inputs_exit_2_naming_the_input(args: list[str], message: str) -> None:
    base = {"--age": "60", "--weight": "72", "--creatinine": "1", "--sex": "male"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    flat = [x for kv in base.items() for x in kv]
    code, out, err = run("calc", "cockcroft-gault", *flat)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_missing_input_exits_2_naming_it() -> None:
    code, _, err = run("calc", "cockcroft-gault", "--age", "60", "--weight", "72", "--sex",
                       "male")
    assert code == 2 and "--creatinine: missing" in err
    code, _, err = run("calc", "cockcroft-gault", "--age", "60", "--weight", "72",
                       "--creatinine", "1")
    assert code == 2 and "--sex: missing" in err
    code, _, err = run("calc", "essdai", "--constitutional", "1")
    assert code == 2 and "--lymphadenopathy: missing" in err


def test_domain_out_of_range_exits_2() -> None:
    args = [x for d in ("constitutional", "lymphadenopathy", "glandular", "articular",
                        "cutaneous", "pulmonary", "renal", "muscular", "pns", "hematological",
                        "biological") for x in (f"--{d}", "0")]
    code, out, err = run("calc", "essdai", *args, "--cns", "1")
    assert code == 2 and "essdai: --cns: level 1 does not exist" in err
    code, out, _ = run("calc", "essdai", *args, "--cns", "3", "--format", "json")
    assert code == 0 and json.loads(out)["value"] == 15 and json.loads(out)["band"] == "high"


def test_unknown_calculator_and_option_exit_2() -> None:
    code, _, err = run("calc", "apache-ii")
    assert code == 2 and "apache-ii" in err
    code, _, err = run("calc", "cdai", "--esr", "20")
    assert code == 2 and "--esr" in err
