"""One patient's facts, indexed for the questions the evaluator asks, at one as-of date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from eligo.data.facts import Condition, MedicationUse, Observation, PatientRecord, Problem
from eligo.data.terminology import ValueSet, ValueSetEntry, normalize_code
from eligo.ir.nodes import Analyte
from eligo.protocol.model import Protocol

__all__ = ["Context", "SiteRange"]


@dataclass(frozen=True, slots=True)
class SiteRange:
    high: float
    unit: str
    source: str  # the file it came from


def _recency(o: Observation) -> tuple[date, str, str]:
    # most recent first: day, then effective time, then issued (SPEC §1 same-day ties)
    return (
        o.day or date.min,
        o.effective.isoformat() if o.effective else "",
        o.issued.isoformat() if o.issued else "",
    )


class Context:
    def __init__(
        self,
        record: PatientRecord,
        protocol: Protocol,
        as_of: date,
        site_ranges: Mapping[str, SiteRange] | None = None,
    ) -> None:
        self.record = record
        self.protocol = protocol
        self.as_of = as_of
        self.site_ranges = site_ranges or {}
        self.problems: dict[tuple[str, str], Problem] = {}
        self._by_code: dict[tuple[str, str], list[Observation]] = defaultdict(list)
        for o in record.observations:
            if o.day is not None and o.day > as_of:
                continue  # data after the as-of date does not exist yet (SPEC §1)
            for c in o.codings:
                self._by_code[(c.system, normalize_code(c.system, c.code))].append(o)
        self._analyte_cache: dict[str, list[Observation]] = {}

    def problem(self, p: Problem) -> None:
        self.problems.setdefault((p.reference, p.field), p)

    def valueset(self, vid: str) -> ValueSet:
        return self.protocol.valuesets[vid]

    def observations(self, analyte: Analyte) -> list[Observation]:
        """Observations of the analyte on or before as-of, most recent first."""
        hit = self._analyte_cache.get(analyte.name)
        if hit is not None:
            return hit
        found: dict[int, Observation] = {}
        for vid in analyte.valuesets:
            vs = self.valueset(vid)
            if vs.exact_keys is not None:
                for key in vs.exact_keys:
                    for o in self._by_code.get(key, ()):
                        if vs.match(o.codings) is not None:
                            found[id(o)] = o
            else:
                for o in self.record.observations:
                    if (o.day is None or o.day <= self.as_of) and vs.match(o.codings):
                        found[id(o)] = o
        # record order first, so exact ties (same day, no time) keep the first in the record
        # on top, whichever of the analyte's codes each one carries (the OMOP loader numbers
        # rows the same way)
        if len(found) > 1:
            position = {id(o): i for i, o in enumerate(self.record.observations)}
            in_order = sorted(found.values(), key=lambda o: position[id(o)])
        else:
            in_order = list(found.values())
        result = sorted(in_order, key=_recency, reverse=True)
        self._analyte_cache[analyte.name] = result
        return result

    def attestations(self, code: str) -> list[Observation]:
        """Attestations with this code on or before as-of, most recent first (SPEC §2.10)."""
        found = self._by_code.get(("urn:eligo:attestation", code), [])
        return sorted(found, key=_recency, reverse=True)

    def conditions(self, vid: str) -> list[tuple[Condition, ValueSetEntry]]:
        """Conditions of the value set that exist on the as-of date (onset not after it)."""
        vs = self.valueset(vid)
        out = []
        for c in self.record.conditions:
            if c.onset_lo is not None and c.onset_lo > self.as_of:
                continue
            entry = vs.match(c.codings)
            if entry is not None:
                out.append((c, entry))
        return out

    def medications(self, vid: str) -> list[tuple[MedicationUse, ValueSetEntry]]:
        """Medication records of the value set that started on or before as-of."""
        vs = self.valueset(vid)
        out = []
        for m in self.record.medications:
            if m.start > self.as_of:
                continue
            entry = vs.match(m.codings)
            if entry is not None:
                out.append((m, entry))
        return out
