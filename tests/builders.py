"""A tiny fluent builder of FHIR R4 patient Bundles for the criterion tests (SPEC §3).

    b = Bundle(birth="1980-03-15", gender="female")
    b.lab("6690-2", 3.0, "10*9/L", "2026-05-20")
    b.qual("5196-1", "negative", "2026-05-01")
    b.attest("informed-consent", True, "2026-05-30")
    res = screen(b)                      # as-of 2026-06-01
    res.criterion("inc.wbc").verdict

Every method returns the builder, so calls chain. Dates are FHIR dates or dateTimes as text.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from eligo import load_protocol
from eligo.data.fhir_r4 import read_bundle_bytes
from eligo.interpret.context import SiteRange
from eligo.interpret.result import CriterionResult, ScreeningResult
from eligo.interpret.screen import screen_record
from eligo.protocol.model import Protocol

__all__ = [
    "ASSESSMENT",
    "AS_OF",
    "ATC",
    "ATTESTATION",
    "ICD10",
    "ICD10CM",
    "LOINC",
    "MEDICATION",
    "RXNORM",
    "SNOMED",
    "UCUM",
    "Bundle",
    "SiteRange",
    "crit",
    "protocol",
    "screen",
    "verdict",
]

AS_OF = date(2026, 6, 1)

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATTESTATION = "urn:eligo:attestation"
ASSESSMENT = "urn:eligo:assessment"
MEDICATION = "urn:eligo:medication"
_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_ALLERGY_VER = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"

#: qualitative results as SNOMED CT qualifier values (SPEC §2.7)
RESULTS = {
    "negative": "260385009",
    "positive": "10828004",
    "not detected": "260415000",
    "detected": "260373001",
}


def _cc(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _qty(value: float, unit: str | None) -> dict[str, Any]:
    q: dict[str, Any] = {"value": value}
    if unit is not None:
        q.update(unit=unit, system=UCUM, code=unit)
    return q


class Bundle:
    """One patient's FHIR R4 collection Bundle, built resource by resource."""

    def __init__(self, birth: str | None = "1980-03-15", gender: str | None = "female",
                 pid: str = "p1") -> None:
        patient: dict[str, Any] = {"resourceType": "Patient", "id": pid}
        if birth is not None:
            patient["birthDate"] = birth
        if gender is not None:
            patient["gender"] = gender
        self.resources: list[dict[str, Any]] = [patient]
        self._n = 0

    # -- plumbing -------------------------------------------------------------------------
    def add(self, resource: dict[str, Any], rid: str | None = None) -> Bundle:
        """Add any resource (an id is assigned if it has none)."""
        if "id" not in resource:
            self._n += 1
            resource["id"] = rid or f"{resource['resourceType'][:3].lower()}{self._n}"
        self.resources.append(resource)
        return self

    def _obs(self, system: str, code: str, when: str | None, *, status: str = "final",
             issued: str | None = None, rid: str | None = None) -> dict[str, Any]:
        o: dict[str, Any] = {"resourceType": "Observation", "status": status,
                             "code": _cc(system, code)}
        if when is not None:
            o["effectiveDateTime"] = when
        if issued is not None:
            o["issued"] = issued
        if rid is not None:
            o["id"] = rid
        return o

    # -- observations ---------------------------------------------------------------------
    def lab(self, code: str, value: float | None, unit: str | None, when: str | None, *,
            high: float | None = None, high_unit: str | None = None, system: str = LOINC,
            status: str = "final", issued: str | None = None, rid: str | None = None,
            integer: bool = False) -> Bundle:
        """A quantitative result; ``high`` is referenceRange.high (in ``high_unit`` or the
        value's unit); ``unit=None`` gives a unitless quantity, ``integer`` a valueInteger."""
        o = self._obs(system, code, when, status=status, issued=issued, rid=rid)
        if integer:
            o["valueInteger"] = int(value)  # type: ignore[arg-type]
        elif value is not None:
            o["valueQuantity"] = _qty(value, unit)
        if high is not None:
            o["referenceRange"] = [{"high": _qty(high, high_unit or unit)}]
        return self.add(o)

    def qual(self, code: str, result: str, when: str, *, system: str = LOINC,
             form: str = "snomed", rid: str | None = None) -> Bundle:
        """A qualitative result (SPEC §2.7). ``form``: "snomed" (positive / negative / detected /
        not detected as SNOMED CT valueCodeableConcept), "string" (valueString = result) or
        "flag" (interpretation code = result, e.g. POS, NEG, H, no value)."""
        o = self._obs(system, code, when, rid=rid)
        if form == "snomed":
            o["valueCodeableConcept"] = _cc(SNOMED, RESULTS[result])
        elif form == "string":
            o["valueString"] = result
        else:
            o["interpretation"] = [_cc(_INTERPRETATION, result)]
        return self.add(o)

    def attest(self, code: str, value: bool, when: str = "2026-05-30", *,
               rid: str | None = None) -> Bundle:
        """An investigator attestation (SPEC §2.10, §3.3)."""
        o = self._obs(ATTESTATION, code, when, rid=rid)
        o["valueBoolean"] = value
        return self.add(o)

    def assess(self, code: str, value: float, when: str, *, unit: str | None = None,
               system: str = ASSESSMENT, rid: str | None = None) -> Bundle:
        """A score (SPEC §3.2), unitless unless ``unit`` (e.g. "mm") is given."""
        o = self._obs(system, code, when, rid=rid)
        o["valueQuantity"] = _qty(value, unit)
        return self.add(o)

    # -- history --------------------------------------------------------------------------
    def condition(self, code: str, onset: str | None = None, *, system: str = ICD10CM,
                  clinical: str | None = "active", abatement: str | None = None,
                  recorded: str | None = None, verification: str | None = None,
                  rid: str | None = None) -> Bundle:
        c: dict[str, Any] = {"resourceType": "Condition", "code": _cc(system, code)}
        if clinical is not None:
            c["clinicalStatus"] = _cc(_CLINICAL, clinical)
        if verification is not None:
            c["verificationStatus"] = _cc(_VERIFICATION, verification)
        if onset is not None:
            c["onsetDateTime"] = onset
        if recorded is not None:
            c["recordedDate"] = recorded
        if abatement is not None:
            c["abatementDateTime"] = abatement
        if rid is not None:
            c["id"] = rid
        return self.add(c)

    def med_statement(self, code: str, start: str, end: str | None = None, *,
                      dose_mg: float | None = None, per_day: int = 1,
                      status: str = "completed", system: str = ATC,
                      rid: str | None = None) -> Bundle:
        """A MedicationStatement over effectivePeriod [start, end] (end omitted: open)."""
        period: dict[str, str] = {"start": start}
        if end is not None:
            period["end"] = end
        m: dict[str, Any] = {"resourceType": "MedicationStatement", "status": status,
                             "medicationCodeableConcept": _cc(system, code),
                             "effectivePeriod": period}
        if dose_mg is not None:
            m["dosage"] = [{
                "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": _qty(dose_mg, "mg")}],
            }]
        if rid is not None:
            m["id"] = rid
        return self.add(m)

    def med_admin(self, code: str, when: str, *, system: str = ATC,
                  status: str = "completed", rid: str | None = None) -> Bundle:
        m: dict[str, Any] = {"resourceType": "MedicationAdministration", "status": status,
                             "medicationCodeableConcept": _cc(system, code),
                             "effectiveDateTime": when}
        if rid is not None:
            m["id"] = rid
        return self.add(m)

    def allergy(self, code: str, *, system: str = ATC, criticality: str | None = None,
                severity: str | None = None, verification: str | None = None,
                rid: str | None = None) -> Bundle:
        a: dict[str, Any] = {"resourceType": "AllergyIntolerance", "code": _cc(system, code)}
        if criticality is not None:
            a["criticality"] = criticality
        if severity is not None:
            a["reaction"] = [{"severity": severity}]
        if verification is not None:
            a["verificationStatus"] = _cc(_ALLERGY_VER, verification)
        if rid is not None:
            a["id"] = rid
        return self.add(a)

    def research_subject(self, start: str | None = None, end: str | None = None, *,
                         status: str = "on-study", rid: str | None = None) -> Bundle:
        r: dict[str, Any] = {"resourceType": "ResearchSubject", "status": status}
        period = {k: v for k, v in (("start", start), ("end", end)) if v is not None}
        if period:
            r["period"] = period
        if rid is not None:
            r["id"] = rid
        return self.add(r)

    # -- output ---------------------------------------------------------------------------
    def json(self) -> dict[str, Any]:
        return {"resourceType": "Bundle", "type": "collection",
                "entry": [{"resource": r} for r in self.resources]}

    def bytes(self) -> bytes:
        return json.dumps(self.json()).encode()


CASES = Path(__file__).parent / "cases"


def _record_case(raw: bytes, as_of: date) -> None:
    """Keep the bundle as a conformance case every backend runs (tests/compile): the file
    name carries the as-of date it was screened at."""
    CASES.mkdir(exist_ok=True)
    digest = hashlib.sha1(raw).hexdigest()[:16]
    (CASES / f"{as_of.isoformat()}__{digest}.json").write_bytes(raw)


@lru_cache(maxsize=1)
def protocol() -> Protocol:
    """The cart-autoimmune protocol, loaded once per test session."""
    return load_protocol()


def screen(b: Bundle, as_of: date = AS_OF,
           site_ranges: Mapping[str, SiteRange] | None = None) -> ScreeningResult:
    """Read the bundle and screen it against cart-autoimmune."""
    if os.environ.get("ELIGO_RECORD_CASES") and site_ranges is None:
        _record_case(b.bytes(), as_of)
    record = read_bundle_bytes(b.bytes(), "test.json")
    return screen_record(record, protocol(), as_of, site_ranges)


def crit(b: Bundle, cid: str, as_of: date = AS_OF,
         site_ranges: Mapping[str, SiteRange] | None = None) -> CriterionResult:
    """One criterion's result for the bundle."""
    return screen(b, as_of, site_ranges).criterion(cid)


def verdict(b: Bundle, cid: str, as_of: date = AS_OF,
            site_ranges: Mapping[str, SiteRange] | None = None) -> str:
    """One criterion's verdict as text: "met", "not_met" or "unknown"."""
    return crit(b, cid, as_of, site_ranges).verdict.value
