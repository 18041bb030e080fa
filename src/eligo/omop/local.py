"""The eligo local vocabulary in OMOP (``protocols/omop/local-concepts.yaml``).

Concepts with no standard OMOP concept — attestations, assessments, local medications and a
few special observation concepts — get site-local ids ≥ 2,000,000,000. Facts coded with a
``urn:eligo:<kind>`` system are written with these ids (see ``docs/omop.md``).

>>> local = local_concepts()
>>> local.concept_id("attestation", "informed-consent")
2000001001
>>> local.vocabulary_id("assessment")
'eligo Assessment'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

__all__ = [
    "ALLERGY",
    "KINDS",
    "SEVERE_ALLERGY",
    "TRIAL_PARTICIPATION",
    "ConceptRow",
    "LocalConcepts",
    "Vocabulary",
    "local_concepts",
]

Kind = Literal["attestation", "assessment", "medication", "special"]
KINDS: tuple[Kind, ...] = ("attestation", "assessment", "medication", "special")
#: the FHIR system of each kind that facts carry (``special`` concepts have none)
SYSTEM_PREFIX = "urn:eligo:"

ALLERGY = "allergy"
SEVERE_ALLERGY = "severe-allergy"
TRIAL_PARTICIPATION = "trial-participation"


@dataclass(frozen=True, slots=True)
class ConceptRow:
    """One row of the OMOP ``concept`` table (the columns eligo writes)."""

    concept_id: int
    concept_name: str
    domain_id: str
    vocabulary_id: str
    concept_class_id: str | None
    standard_concept: str | None
    concept_code: str


@dataclass(frozen=True, slots=True)
class Vocabulary:
    vocabulary_id: str
    domain_id: str


@dataclass(frozen=True, slots=True)
class _Local:
    concept_id: int
    name: str


class LocalConcepts:
    """Local concept ids by (kind, code), and the vocabulary of each kind."""

    def __init__(self, vocabularies: dict[str, Vocabulary],
                 concepts: dict[tuple[str, str], _Local]) -> None:
        self.vocabularies = vocabularies
        self._concepts = concepts

    def concept_id(self, kind: str, code: str) -> int | None:
        hit = self._concepts.get((kind, code))
        return hit.concept_id if hit is not None else None

    def vocabulary_id(self, kind: str) -> str:
        return self.vocabularies[kind].vocabulary_id

    def kind_of_system(self, system: str) -> str | None:
        """``urn:eligo:attestation`` → ``attestation``; None for any other system."""
        if not system.startswith(SYSTEM_PREFIX):
            return None
        kind = system[len(SYSTEM_PREFIX):]
        return kind if kind in self.vocabularies and kind != "special" else None

    def rows(self) -> list[ConceptRow]:
        """Every local concept as a ``concept`` row."""
        out = []
        for (kind, code), c in self._concepts.items():
            v = self.vocabularies[kind]
            out.append(ConceptRow(c.concept_id, c.name, v.domain_id, v.vocabulary_id, "eligo",
                                  "S", code))
        return out


def _parse(data: Any) -> LocalConcepts:
    if not isinstance(data, dict):
        raise ValueError("local-concepts.yaml: expected a mapping")
    vocabularies: dict[str, Vocabulary] = {}
    for kind, v in data["vocabularies"].items():
        vocabularies[str(kind)] = Vocabulary(str(v["vocabulary_id"]), str(v["domain_id"]))
    concepts: dict[tuple[str, str], _Local] = {}
    seen: set[int] = set()
    for kind, block in data["concepts"].items():
        if kind not in vocabularies:
            raise ValueError(f"local-concepts.yaml: concepts of unknown kind '{kind}'")
        for code, entry in block.items():
            cid = int(entry["concept_id"])
            if cid < 2_000_000_000 or cid in seen:
                raise ValueError(f"local-concepts.yaml: {kind}/{code}: concept_id {cid} is "
                                 "below 2,000,000,000 or used twice")
            seen.add(cid)
            concepts[(str(kind), str(code))] = _Local(cid, str(entry.get("name") or code))
    return LocalConcepts(vocabularies, concepts)


@lru_cache(maxsize=1)
def local_concepts() -> LocalConcepts:
    """The bundled local vocabulary (read once)."""
    from ruamel.yaml import YAML

    text = (resources.files("eligo").joinpath("protocols", "omop", "local-concepts.yaml")
            .read_text("utf-8"))
    return _parse(YAML(typ="safe", pure=True).load(text))
