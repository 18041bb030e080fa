"""Value sets: which codings belong to what, and the attributes each member carries.

A value set file lists entries ``{system, code, display, source, attributes}``. A code may be
exact (``M06.1``), a code with all below it (``M05*``), or a range of three-character ICD
categories with all below them (``C00-C96*``). ICD codes match with or without their dot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from eligo.data.facts import Coding

__all__ = ["SYSTEMS", "ValueSet", "ValueSetEntry", "normalize_code"]

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"

#: value-set system aliases → the FHIR system URIs they match
SYSTEMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "loinc": (LOINC,),
        "snomed": (SNOMED,),
        "icd-10": (ICD10, ICD10CM),
        "icd-10-cm": (ICD10CM,),
        "atc": ("http://www.whocc.no/atc",),
        "rxnorm": ("http://www.nlm.nih.gov/research/umls/rxnorm",),
        "assessment": ("urn:eligo:assessment",),
        "attestation": ("urn:eligo:attestation",),
        "medication": ("urn:eligo:medication",),
    }
)
_ICD = {ICD10, ICD10CM}

#: Drugs that have no ATC code, recognised by name where a record gives no standard code: SPEC
#: §3.5 "telitacicept (no ATC: by name or a local code)"; iguratimod, also without an ATC code,
#: is read the same way (SPEC §3.5 lists it among the RA csDMARDs with no code to match).
NAMED_MEDICATIONS: tuple[str, ...] = ("telitacicept", "iguratimod")
#: code systems whose medication codes the value sets match by code (names are not read there)
CODED_MEDICATION_SYSTEMS = frozenset(SYSTEMS["atc"] + SYSTEMS["rxnorm"] + SYSTEMS["medication"])


def normalize_code(system: str, code: str) -> str:
    c = code.strip()
    if system in _ICD:
        return c.replace(".", "").upper()
    return c


@dataclass(frozen=True, slots=True)
class ValueSetEntry:
    system: str  # alias
    code: str  # as written: exact, prefix* or range
    display: str
    source: str
    attributes: Mapping[str, str | float] = field(default_factory=dict)


class _Matcher:
    """Exact codes in a dict; prefixes and category ranges scanned (there are few)."""

    __slots__ = ("exact", "prefixes", "ranges")

    def __init__(self, entries: tuple[ValueSetEntry, ...]) -> None:
        self.exact: dict[tuple[str, str], ValueSetEntry] = {}
        self.prefixes: list[tuple[str, str, ValueSetEntry]] = []
        self.ranges: list[tuple[str, str, str, ValueSetEntry]] = []
        for e in entries:
            for uri in SYSTEMS[e.system]:
                code = e.code
                star = code.endswith("*")
                body = code[:-1] if star else code
                if "-" in body and uri in _ICD:
                    lo, hi = body.split("-", 1)
                    first, last = normalize_code(uri, lo)[:3], normalize_code(uri, hi)[:3]
                    self.ranges.append((uri, first, last, e))
                elif star:
                    self.prefixes.append((uri, normalize_code(uri, body), e))
                else:
                    self.exact[(uri, normalize_code(uri, body))] = e

    def find(self, system: str, code: str) -> ValueSetEntry | None:
        c = normalize_code(system, code)
        hit = self.exact.get((system, c))
        if hit is not None:
            return hit
        for uri, prefix, e in self.prefixes:
            if uri == system and c.startswith(prefix):
                return e
        for uri, lo, hi, e in self.ranges:
            if uri == system and lo <= c[:3] <= hi:
                return e
        return None


class ValueSet:
    """A named set of codes. ``match`` returns the member entry a coding falls under."""

    def __init__(
        self,
        id: str,
        title: str,
        source: str,
        include: tuple[ValueSetEntry, ...],
        exclude: tuple[ValueSetEntry, ...] = (),
        file: str | None = None,
    ) -> None:
        self.id = id
        self.title = title
        self.source = source
        self.include = include
        self.exclude = exclude
        self.file = file
        self._include = _Matcher(include)
        self._exclude = _Matcher(exclude)
        self._cache: dict[tuple[str, str], ValueSetEntry | None] = {}
        #: (system URI, normalised code) of exact members, when the set has no patterns: a
        #: source can then look members up in its own index instead of scanning its facts
        self.exact_keys: tuple[tuple[str, str], ...] | None = (
            None
            if self._include.prefixes or self._include.ranges
            else tuple(self._include.exact)
        )

    def __repr__(self) -> str:
        return f"ValueSet({self.id!r}, {len(self.include)} entries)"

    def __getstate__(self) -> dict[str, object]:
        # the match memo is this process's: pickled, it would make the same value set's
        # bytes (the plan cache's key) depend on what was matched before
        return {k: v for k, v in self.__dict__.items() if k != "_cache"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._cache = {}

    def match_coding(self, system: str, code: str) -> ValueSetEntry | None:
        key = (system, code)
        try:
            return self._cache[key]
        except KeyError:
            pass
        hit = self._include.find(system, code)
        if hit is not None and self._exclude.find(system, code) is not None:
            hit = None
        self._cache[key] = hit
        return hit

    def match(self, codings: tuple[Coding, ...]) -> ValueSetEntry | None:
        for c in codings:
            hit = self.match_coding(c.system, c.code)
            if hit is not None:
                return hit
        return None
