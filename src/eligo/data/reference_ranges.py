"""The site's reference ranges (``--reference-ranges FILE``): the ULN fallback of SPEC §2.5.

A CSV file with a header ``code,high,unit``: ``code`` is a LOINC code or a protocol analyte
name (``alt``), ``high`` the upper limit of normal, ``unit`` its UCUM unit. Lines starting
with ``#`` are comments.
"""

from __future__ import annotations

import csv
from pathlib import Path

from eligo.data import units
from eligo.errors import UsageError
from eligo.interpret.context import SiteRange

__all__ = ["read_reference_ranges"]


def read_reference_ranges(path: str | Path) -> dict[str, SiteRange]:
    source = str(path)
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise UsageError(f"{source}: cannot read reference ranges ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise UsageError(f"{source}: reference ranges must be UTF-8 text") from None
    lines = [(i, line) for i, line in enumerate(text.splitlines(), 1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise UsageError(f"{source}: no reference ranges (expected a header code,high,unit)")
    header_no, header = lines[0]
    columns = [c.strip() for c in next(csv.reader([header]))]
    if columns[:3] != ["code", "high", "unit"]:
        raise UsageError(f"{source}:{header_no}: expected the header 'code,high,unit', "
                         f"found '{header}'")
    out: dict[str, SiteRange] = {}
    for no, line in lines[1:]:
        row = [c.strip() for c in next(csv.reader([line]))]
        if len(row) < 3 or not row[0]:
            raise UsageError(f"{source}:{no}: expected code,high,unit, found '{line}'")
        try:
            high = float(row[1])
        except ValueError:
            raise UsageError(f"{source}:{no}: high must be a number, found '{row[1]}'") from None
        if not units.is_valid(row[2]):
            raise UsageError(f"{source}:{no}: '{row[2]}' is not a UCUM unit")
        out[row[0]] = SiteRange(high, row[2], f"{Path(source).name}:{no}")
    return out
