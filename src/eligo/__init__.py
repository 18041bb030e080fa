"""eligo — criterion-by-criterion clinical-trial eligibility screening that explains itself.

>>> from datetime import date
>>> import eligo
>>> protocol = eligo.load_protocol("cart-autoimmune")
>>> protocol.id
'cart-autoimmune'
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from eligo.data.facts import PatientRecord
from eligo.data.fhir_r4 import read_bundle
from eligo.errors import EligoError, InputError, ProtocolError, UsageError
from eligo.interpret.context import SiteRange
from eligo.interpret.result import ScreeningResult
from eligo.interpret.screen import screen_record
from eligo.ir.truth import Verdict
from eligo.protocol.model import Diagnostic, Protocol

__all__ = [
    "EligoError",
    "InputError",
    "PatientRecord",
    "Protocol",
    "ProtocolError",
    "ScreeningResult",
    "SiteRange",
    "UsageError",
    "Verdict",
    "check_protocol",
    "load_protocol",
    "read_bundle",
    "screen",
    "screen_record",
]


def load_protocol(ref: str | Path = "cart-autoimmune") -> Protocol:
    """Load and check a bundled protocol (by id) or a protocol YAML file."""
    from eligo.protocol.loader import load_protocol as _load  # lark, ruamel: only when needed

    return _load(ref)


def check_protocol(ref: str | Path) -> tuple[Protocol | None, list[Diagnostic]]:
    """Load a protocol and return it (None on errors) with every design-time diagnostic."""
    from eligo.protocol.loader import check_protocol as _check

    return _check(ref)


def screen(
    bundle: str | Path,
    protocol: Protocol | None = None,
    *,
    as_of: date,
    site_ranges: Mapping[str, SiteRange] | None = None,
) -> ScreeningResult:
    """Read one FHIR R4 Bundle file and screen it against ``protocol`` at ``as_of``."""
    record = read_bundle(bundle)
    return screen_record(record, protocol or load_protocol(), as_of, site_ranges)
