"""The public facade is small and explicit (httpx habit: __all__ is tested)."""

from __future__ import annotations

from datetime import date

import eligo
from eligo.errors import EligoError, EvaluationError, InputError, ProtocolError, UsageError
from tests.conftest import EXAMPLES


def test_public_names() -> None:
    assert sorted(eligo.__all__) == sorted([
        "EligoError", "InputError", "PatientRecord", "Protocol", "ProtocolError",
        "ScreeningResult", "SiteRange", "UsageError", "Verdict", "check_protocol",
        "load_protocol", "read_bundle", "screen", "screen_record",
    ])
    for name in eligo.__all__:
        assert getattr(eligo, name) is not None


def test_one_exception_root() -> None:
    for cls in (ProtocolError, InputError, UsageError, EvaluationError):
        assert issubclass(cls, EligoError)


def test_trace_keys_every_node_by_criterion_path(protocol: eligo.Protocol) -> None:
    result = eligo.screen(EXAMPLES / "ra-eligible.json", protocol, as_of=date(2026, 6, 1))
    ids = {t.node_id for t in result.trace}
    assert {c.id for c in protocol.criteria} <= ids
    assert "inc.crcl/0" in ids and "inc.crcl/0/0" in ids  # the comparison's left: the calculator
    entry = next(t for t in result.trace if t.node_id == "inc.wbc")
    assert entry.node == "Compare" and entry.outcome == "met"


def test_as_of_is_a_parameter_results_differ_with_it(protocol: eligo.Protocol) -> None:
    path = EXAMPLES / "ra-eligible.json"
    now = eligo.screen(path, protocol, as_of=date(2026, 6, 1))
    later = eligo.screen(path, protocol, as_of=date(2026, 9, 1))
    assert now.criterion("inc.wbc").verdict is eligo.Verdict.MET
    assert later.criterion("inc.wbc").verdict is eligo.Verdict.UNKNOWN  # labs now too old
