"""Fuzz-ish robustness of the FHIR R4 reader (fixed seed, no hypothesis).

One example bundle is corrupted field by field: a key deleted, or its value replaced by a
value of the wrong shape (a list, an object, a number, null, a boolean, a bad date …). The
reader must never raise anything but ``InputError``; when it returns, the patient is kept,
and a fault in one resource leaves every other resource's facts as they were (SPEC §5: a
resource that cannot be used is left out, the patient is still screened).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eligo.data import facts as f
from eligo.data.fhir_r4 import read_bundle_bytes
from eligo.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "iim-gcsf.json"
SOURCE = "iim-gcsf.json"
PATIENT_ID = "iim-gcsf"
SEED = 20260601
PER_ENTRY = 3  # single-fault variants per entry
MULTI = 30  # variants with one fault in every entry


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


def _corrupt(entry: dict[str, Any], rng: random.Random) -> str:
    """Delete or corrupt one field of ``entry`` in place; return what was done."""
    path = rng.choice(list(_paths(entry)))
    parent = entry
    for step in path[:-1]:
        parent = parent[step]
    key = path[-1]
    old = parent[key]
    choices: list[Any] = ["delete", [old], [], {"value": old}, {}, 12345, -1.5, None, True,
                          "", "2026-13-45", "[object Object]"]
    if path == ("resource", "id") or path == ("resource", "resourceType"):
        # a different *string* id or type is a different resource, not a corruption
        choices = [c for c in choices if not isinstance(c, str) or c == "delete"]
    how = rng.choice(choices)
    if how == "delete":
        del parent[key]
    else:
        parent[key] = how
    return f"{'.'.join(map(str, path))} <- {how!r}"


def _variants() -> list[tuple[str, int | None, bytes]]:
    base = json.loads(EXAMPLE.read_bytes())
    rng = random.Random(SEED)
    out = []
    for i in range(len(base["entry"])):
        for k in range(PER_ENTRY):
            b = copy.deepcopy(base)
            how = _corrupt(b["entry"][i], rng)
            out.append((f"entry{i}-{k}: {how}", i, json.dumps(b).encode()))
    for k in range(MULTI):
        b = copy.deepcopy(base)
        for entry in b["entry"]:
            _corrupt(entry, rng)
        out.append((f"all-{k}", None, json.dumps(b).encode()))
    return out


VARIANTS = _variants()


def _facts(rec: f.PatientRecord) -> dict[str, Any]:
    """Every fact, by reference."""
    out: dict[str, Any] = {}
    for part in (rec.observations, rec.conditions, rec.medications, rec.allergies,
                 rec.research_subjects):
        for fact in part:
            out.setdefault(fact.reference, []).append(fact)
    return out


BASELINE = read_bundle_bytes(EXAMPLE.read_bytes(), SOURCE)
BASE_REFS = [f"{e['resource']['resourceType']}/{e['resource']['id']}"
             for e in json.loads(EXAMPLE.read_bytes())["entry"]]


def test_baseline() -> None:
    assert BASELINE.patient.id == PATIENT_ID
    assert BASELINE.problems == []
    assert len(_facts(BASELINE)) == len(BASE_REFS) - 1  # all but the Patient
    assert len(VARIANTS) == len(BASE_REFS) * PER_ENTRY + MULTI >= 100
    # the corruptions really change the input
    assert all(raw != EXAMPLE.read_bytes() for _, _, raw in VARIANTS)


@pytest.mark.parametrize(("what", "index", "raw"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_corrupted_bundle(what: str, index: int | None, raw: bytes) -> None:
    try:
        rec = read_bundle_bytes(raw, SOURCE)
    except InputError as exc:
        assert str(exc).startswith(f"{SOURCE}: ")
        return
    assert rec.patient.id == PATIENT_ID
    assert rec.source == SOURCE
    for p in rec.problems:
        assert p.reference and p.why
        assert isinstance(p.field, str) and isinstance(p.value, str)
    if index is None:
        return
    # one faulty resource: every other resource reads exactly as before, with no problem
    hit = BASE_REFS[index]
    kept = {r: v for r, v in _facts(BASELINE).items() if r != hit}
    got = {r: v for r, v in _facts(rec).items()
           if r != hit and r in BASE_REFS}
    assert got == kept
    assert all(p.reference == hit or p.reference not in BASE_REFS for p in rec.problems)
    if index != 0:  # the Patient is untouched
        assert (rec.patient.birth_date, rec.patient.gender) == (
            BASELINE.patient.birth_date, BASELINE.patient.gender)
