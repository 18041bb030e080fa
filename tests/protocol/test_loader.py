"""Protocol loading and design-time checks: every error says file:line:column and criterion."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from tests.conftest import shared_dir

from eligo import Protocol, ProtocolError, check_protocol, load_protocol
from eligo.protocol.loader import bundled_protocols

BUNDLED = bundled_protocols()["cart-autoimmune"]


def spec_ids() -> list[str]:
    """Every criterion id of SPEC §4 (first column of its tables)."""
    text = (shared_dir() / "SPEC.md").read_text("utf-8")
    section = text[text.index("## 4. Criteria"): text.index("## 5. Output")]
    return re.findall(r"^\| `([a-z0-9.-]+)` \|", section, flags=re.M)


def test_protocol_has_exactly_the_spec_ids(protocol: Protocol) -> None:
    ids = [c.id for c in protocol.criteria]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(spec_ids())
    assert len(ids) == 54


def test_bundled_protocol_has_no_errors_or_warnings() -> None:
    loaded, diagnostics = check_protocol("cart-autoimmune")
    assert loaded is not None
    assert [d for d in diagnostics if d.severity != "info"] == []


def test_every_source_quote_is_in_the_source_text(protocol: Protocol) -> None:
    source = " ".join(protocol.source_text.split())
    for c in protocol.criteria:
        assert " ".join(c.source.split()) in source, c.id


def test_bundled_source_text_is_the_shared_one(protocol: Protocol) -> None:
    shared = shared_dir() / "protocol-source.txt"
    assert protocol.source_text == shared.read_text("utf-8")


def test_digest_is_stable_and_changes_with_content(tmp_path: Path) -> None:
    a = load_protocol("cart-autoimmune").digest
    assert a == load_protocol("cart-autoimmune").digest
    copy = _copy(tmp_path)
    path = copy / "cart-autoimmune.yaml"
    path.write_text(path.read_text("utf-8").replace('version: "1.0.0"', 'version: "1.0.1"'))
    assert load_protocol(path).digest != a


def _copy(tmp_path: Path) -> Path:
    n = len(list(tmp_path.glob("proto*")))
    folder = tmp_path / f"proto{n}"
    shutil.copytree(BUNDLED.parent, folder)
    return folder


def _edit(tmp_path: Path, old: str, new: str) -> Path:
    folder = _copy(tmp_path)
    path = folder / "cart-autoimmune.yaml"
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def _errors(path: Path) -> list[str]:
    _, diagnostics = check_protocol(path)
    return [d.render() for d in diagnostics if d.severity == "error"]


def test_unknown_analyte_with_suggestion_and_position(tmp_path: Path) -> None:
    path = _edit(tmp_path, "rule: latest(wbc) >= 3 '10*9/L'", "rule: latest(wcb) >= 3 '10*9/L'")
    line = _line_of(path, "latest(wcb)")
    errors = _errors(path)
    assert len(errors) == 1
    assert f"{path}:{line}:" in errors[0]
    assert "[inc.wbc]" in errors[0]
    assert "unknown analyte 'wcb'" in errors[0] and "did you mean 'wbc'" in errors[0]
    col = int(errors[0].split(":")[2])
    assert path.read_text("utf-8").splitlines()[line - 1][col - 1:].startswith("wcb")


def test_unknown_value_set_function_and_attestation(tmp_path: Path) -> None:
    path = _edit(tmp_path, "rule: condition(cirrhosis)", "rule: condition(cirrhosys)")
    assert any("unknown value set 'cirrhosys'" in e and "'cirrhosis'" in e for e in _errors(path))
    path = _edit(tmp_path, "rule: condition(esrd)", "rule: conditon(esrd)")
    assert any("unknown function 'conditon'" in e and "'condition'" in e for e in _errors(path))
    path = _edit(tmp_path, "rule: attested(hemodynamically-stable)",
                 "rule: attested(hemodynamicaly-stable)")
    assert any("unknown attestation" in e and "'hemodynamically-stable'" in e
               for e in _errors(path))


def test_type_error_cell_count_against_concentration(tmp_path: Path) -> None:
    path = _edit(tmp_path, "rule: latest(wbc) >= 3 '10*9/L'", "rule: latest(wbc) >= 3 'g/L'")
    errors = _errors(path)
    assert len(errors) == 1 and "[inc.wbc]" in errors[0]
    assert "cannot compare '10*9/L'" in errors[0] and "'g/L'" in errors[0]


def test_type_error_number_where_condition_expected(tmp_path: Path) -> None:
    path = _edit(tmp_path, "rule: latest(hgb) >= 60 'g/L'", "rule: latest(hgb)")
    assert any("must be a condition" in e for e in _errors(path))
    path = _edit(tmp_path, "rule: latest(hgb) >= 60 'g/L'", "rule: latest(hgb) >= male")
    assert any("expected a number here" in e for e in _errors(path))


def test_unknown_unit_and_syntax_error(tmp_path: Path) -> None:
    path = _edit(tmp_path, "rule: latest(hgb) >= 60 'g/L'", "rule: latest(hgb) >= 60 'furlong'")
    assert any("unknown UCUM unit 'furlong'" in e for e in _errors(path))
    path = _edit(tmp_path, "rule: latest(hgb) >= 60 'g/L'", "rule: latest(hgb) >= >= 60")
    assert any("syntax error" in e and "[inc.hgb]" in e for e in _errors(path))


def test_error_inside_block_rule_points_at_its_line(tmp_path: Path) -> None:
    path = _edit(tmp_path, "      or (condition(gilbert-syndrome) and latest(tbil) <= 3 x uln)",
                 "      or (condition(gilbert-syndrom) and latest(tbil) <= 3 x uln)")
    line = _line_of(path, "condition(gilbert-syndrom)")
    errors = _errors(path)
    assert len(errors) == 1 and f":{line}:" in errors[0] and "[inc.tbil]" in errors[0]


def test_duplicate_id_is_an_error(tmp_path: Path) -> None:
    path = _edit(tmp_path, "- id: inc.hgb", "- id: inc.wbc")
    assert any("criterion id 'inc.wbc' used twice" in e for e in _errors(path))


def test_quote_not_in_source_is_a_warning(tmp_path: Path) -> None:
    path = _edit(tmp_path, 'source: "Hemoglobin =60g/L"', 'source: "Hemoglobin at least 60 g/L"')
    loaded, diagnostics = check_protocol(path)
    assert loaded is not None
    warnings = [d for d in diagnostics if d.severity == "warning"]
    assert len(warnings) == 1 and warnings[0].criterion == "inc.hgb"
    assert "source quote not found" in warnings[0].message


def test_empty_value_set_is_a_warning(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "valuesets" / "esrd.yaml").write_text(
        'id: esrd\ntitle: "End-stage renal disease"\nsource: test\ninclude: []\n', "utf-8")
    loaded, diagnostics = check_protocol(folder / "cart-autoimmune.yaml")
    assert loaded is not None
    assert any(d.severity == "warning" and "'esrd' contains no codes" in d.message
               for d in diagnostics)


def test_criterion_reference_cycle_is_an_error(tmp_path: Path) -> None:
    path = _edit(tmp_path, "rule: attested(symptoms-problematic)",
                 "rule: criterion(ra.inc.d2t)")
    assert any("cycle" in e for e in _errors(path))


def test_load_protocol_raises_with_location(tmp_path: Path) -> None:
    path = _edit(tmp_path, "rule: latest(wbc) >= 3 '10*9/L'", "rule: latest(wcb) >= 3 '10*9/L'")
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    assert info.value.file == str(path) and info.value.criterion == "inc.wbc"
    assert info.value.line == _line_of(path, "latest(wcb)")


def test_not_yaml_and_unknown_protocol(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n", "utf-8")
    _, diagnostics = check_protocol(bad)
    assert diagnostics[0].severity == "error" and "not valid YAML" in diagnostics[0].message
    assert diagnostics[0].line is not None
    with pytest.raises(ProtocolError, match="did you mean cart-autoimmune"):
        load_protocol("cart-autoimune")


def test_ir_is_frozen_and_hashable(protocol: Protocol) -> None:
    rule = protocol.criterion("inc.wbc").rule
    assert hash(rule) == hash(load_protocol().criterion("inc.wbc").rule)
    with pytest.raises(AttributeError):
        rule.op = "<"  # type: ignore[misc]
