"""Rule-language constructs added for computed criteria: first(…), times_uln(…), walking."""

from __future__ import annotations

import pytest

from eligo import Protocol
from eligo.ir import nodes as n
from eligo.ir.walk import decided_by, iter_nodes
from eligo.protocol.rules import RuleError, Scope, parse_rule


def scope(protocol: Protocol) -> Scope:
    return Scope(protocol.analytes, protocol.valuesets, protocol.attestations, protocol.windows,
                 {c.id for c in protocol.criteria})


def test_first_of_conditions_is_first_known(protocol: Protocol) -> None:
    rule = parse_rule("first(attested(informed-consent), latest(wbc) >= 3 '10*9/L')",
                      scope(protocol))
    assert isinstance(rule, n.FirstKnown) and len(rule.items) == 2


def test_first_of_numbers_is_coalesce_and_mixing_is_an_error(protocol: Protocol) -> None:
    rule = parse_rule("first(latest(cdai), latest(das28-esr)) > 3", scope(protocol))
    assert isinstance(rule, n.Compare) and isinstance(rule.left, n.Coalesce)
    with pytest.raises(RuleError, match="not a mix"):
        parse_rule("first(latest(cdai), male) > 3", scope(protocol))


def test_times_uln_needs_a_measurement(protocol: Protocol) -> None:
    rule = parse_rule("times_uln(latest(alt)) > 3", scope(protocol))
    assert isinstance(rule, n.Compare) and isinstance(rule.left, n.TimesUln)
    with pytest.raises(RuleError, match="measured value"):
        parse_rule("times_uln(age) > 3", scope(protocol))


def test_positions_are_reported(protocol: Protocol) -> None:
    with pytest.raises(RuleError) as info:
        parse_rule("latest(wbc) >= 3 '10*9/L' and\n  attested(nope)", scope(protocol))
    assert (info.value.line, info.value.column) == (2, 12)


def test_decided_by_tells_record_from_investigator(protocol: Protocol) -> None:
    assert decided_by(protocol.criterion("inc.hemodynamics").rule) == (
        False, ("hemodynamically-stable",), ())
    assert decided_by(protocol.criterion("inc.wbc").rule) == (True, (), ())
    assert decided_by(protocol.criterion("inc.crcl").rule)[2] == ("cockcroft_gault",)


def test_iter_nodes_reaches_every_leaf(protocol: Protocol) -> None:
    kinds = {type(x).__name__ for x in iter_nodes(protocol.criterion("inc.crcl").rule)}
    assert {"Compare", "Calc", "Age", "Latest", "Sex", "Number"} <= kinds
