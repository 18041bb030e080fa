"""Reference check of the msgspec FHIR R4 reader against ``fhir.resources.R4B``.

Every example bundle (and one synthetic "kitchen sink" bundle exercising the elements the
examples do not use) is validated with the complete R4B model, and the facts SPEC §2.6–2.11
and §3 say the reader must produce are derived here, independently, from the validated
objects. ``eligo.data.fhir_r4.read_bundle`` must produce exactly the same facts.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from eligo.data.fhir_r4 import read_bundle

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))

UCUM = "http://unitsofmeasure.org"
IGNORED_OBSERVATION = {"entered-in-error", "cancelled", "registered"}  # SPEC §2.11
IGNORED_VERIFICATION = {"refuted", "entered-in-error"}  # SPEC §2.11 (Condition, allergy)
IGNORED_MEDICATION = {"entered-in-error", "not-taken", "cancelled"}  # SPEC §2.8
IGNORED_SUBJECT = {"candidate", "ineligible", "not-registered"}  # SPEC §2.11
UCUM_DAYS = {"s": Decimal(1) / 86400, "min": Decimal(1) / 1440, "h": Decimal(1) / 24,
             "d": Decimal(1), "wk": Decimal(7), "mo": Decimal(30), "a": Decimal(365)}


class Unusable(Exception):
    """The resource cannot be used (SPEC §5 problems): it is left out."""


# -- FHIR primitive → days ----------------------------------------------------------------
def days_of(value: Any) -> tuple[date, date]:
    """A validated R4B date/dateTime (date, datetime, or partial text) → first/last day."""
    if isinstance(value, datetime):
        return value.date(), value.date()  # the local calendar day as written
    if isinstance(value, date):
        return value, value
    text = str(value)
    if len(text) == 4:  # YYYY
        return date(int(text), 1, 1), date(int(text), 12, 31)
    year, month = int(text[:4]), int(text[5:7])  # YYYY-MM
    first = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first, following - timedelta(days=1)


def exact_day(value: Any) -> date:
    lo, hi = days_of(value)
    if lo != hi:
        raise Unusable("date less precise than a day")
    return lo


def codings(cc: Any) -> tuple[tuple[str, str, str | None], ...]:
    if cc is None:
        return ()
    return tuple((c.system, c.code, c.display) for c in (cc.coding or [])
                 if c.system and c.code)


def first_code(cc: Any) -> str | None:
    if cc is None:
        return None
    return next((c.code for c in (cc.coding or []) if c.code), None)


def num(x: Decimal | int | None) -> float | None:
    return None if x is None else float(x)


# -- the reference derivation ------------------------------------------------------------
def expected_facts(raw: bytes) -> dict[str, Any]:
    bundle = Bundle.model_validate_json(raw)
    assert bundle.type in {"collection", "transaction", "batch", "searchset"}
    entries = [(e.fullUrl, e.resource) for e in (bundle.entry or []) if e.resource is not None]
    meds = {}
    for full_url, r in entries:
        if r.get_resource_type() == "Medication":
            meds[f"Medication/{r.id}"] = r
            if full_url:
                meds[full_url] = r

    out: dict[str, Any] = {"patient": [], "observations": [], "conditions": [],
                           "medications": [], "allergies": [], "subjects": [],
                           "unusable": set()}
    for _url, r in entries:
        kind = r.get_resource_type()
        ref = f"{kind}/{r.id}"
        try:
            if kind == "Patient":
                out["patient"].append((r.id, r.birthDate, r.gender))
            elif kind == "Observation":
                row = observation(r, ref)
                if row is not None:
                    out["observations"].append(row)
            elif kind == "Condition":
                row = condition(r, ref)
                if row is not None:
                    out["conditions"].append(row)
            elif kind in ("MedicationStatement", "MedicationAdministration",
                          "MedicationRequest"):
                row = medication(r, kind, ref, meds)
                if row is not None:
                    out["medications"].append(row)
            elif kind == "AllergyIntolerance":
                if first_code(r.verificationStatus) not in IGNORED_VERIFICATION:
                    out["allergies"].append((
                        ref, codings(r.code), r.criticality,
                        any(x.severity == "severe" for x in (r.reaction or []))))
            elif kind == "ResearchSubject" and r.status not in IGNORED_SUBJECT:
                p = r.period
                out["subjects"].append((
                    ref, r.status,
                    exact_day(p.start) if p and p.start else None,
                    exact_day(p.end) if p and p.end else None))
        except Unusable:
            out["unusable"].add(ref)
    assert len(out["patient"]) == 1, "the reference expects one Patient per example"
    return out


def observation(r: Any, ref: str) -> tuple[Any, ...] | None:
    if r.status in IGNORED_OBSERVATION:
        return None
    when = r.effectiveDateTime or (r.effectivePeriod.start if r.effectivePeriod else None) \
        or r.effectiveInstant
    if when is not None:
        day = exact_day(when)
    elif r.issued is not None:
        day = exact_day(r.issued)
    else:
        raise Unusable("no date")
    value = unit = None
    if r.valueQuantity is not None:
        q = r.valueQuantity
        if q.value is None:
            raise Unusable("quantity without value")
        value = float(q.value)
        # the UCUM code; a non-UCUM code is not a UCUM unit, so the human-readable unit
        unit = q.code if q.code is not None and q.system in (None, UCUM) else (q.unit or q.code)
    elif r.valueInteger is not None:
        value = float(r.valueInteger)
    high = next((rr.high for rr in (r.referenceRange or []) if rr.high is not None), None)
    interpretation = tuple(c.code for cc in (r.interpretation or [])
                           for c in (cc.coding or []) if c.code)
    return (ref, codings(r.code), day, value, unit, num(high.value) if high else None,
            codings(r.valueCodeableConcept), r.valueString, r.valueBoolean, interpretation)


def condition(r: Any, ref: str) -> tuple[Any, ...] | None:
    if first_code(r.verificationStatus) in IGNORED_VERIFICATION:
        return None
    onset = r.onsetDateTime or (r.onsetPeriod.start if r.onsetPeriod else None) \
        or r.recordedDate
    lo, hi = days_of(onset) if onset is not None else (None, None)
    end = r.abatementDateTime or (r.abatementPeriod.end if r.abatementPeriod else None)
    abatement = days_of(end)[1] if end is not None else None
    return (ref, codings(r.code), lo, hi, abatement, first_code(r.clinicalStatus))


def per_day(dosages: list[Any] | None) -> tuple[Any, float | None]:
    if not dosages:
        return None, None
    d = dosages[0]
    dose = next((dr.doseQuantity for dr in (d.doseAndRate or []) if dr.doseQuantity), None)
    rep = d.timing.repeat if d.timing else None
    if rep is None or rep.period is None or rep.periodUnit not in UCUM_DAYS:
        return dose, None
    return dose, float((rep.frequency or 1) / (rep.period * UCUM_DAYS[rep.periodUnit]))


def medication(r: Any, kind: str, ref: str, meds: dict[str, Any]) -> tuple[Any, ...] | None:
    if r.status in IGNORED_MEDICATION:
        return None
    if r.medicationCodeableConcept is not None:
        codes = codings(r.medicationCodeableConcept)
    else:
        med = meds.get(r.medicationReference.reference or "")
        codes = codings(med.code) if med is not None else ()
    if not codes:
        raise Unusable("no medication code")
    end: date | None = None
    open_end: str | None = None
    if kind == "MedicationRequest":
        if r.authoredOn is None:
            raise Unusable("no date")
        start = exact_day(r.authoredOn)
        dr = r.dispenseRequest
        supply = dr.expectedSupplyDuration if dr else None
        if supply is not None and supply.value is not None:
            days = supply.value * UCUM_DAYS[supply.code or "d"]
            end = start + timedelta(days=max(int(days) - 1, 0))  # inclusive of both ends
        elif dr and dr.validityPeriod and dr.validityPeriod.end:
            end = exact_day(dr.validityPeriod.end)
        else:
            open_end = "unknown"
        dose, freq = per_day(r.dosageInstruction)
    else:
        if r.effectiveDateTime is not None:
            start = end = exact_day(r.effectiveDateTime)
        elif r.effectivePeriod is not None and r.effectivePeriod.start is not None:
            start = exact_day(r.effectivePeriod.start)
            if r.effectivePeriod.end is not None:
                end = exact_day(r.effectivePeriod.end)
            elif kind == "MedicationStatement" and r.status == "active":
                open_end = "ongoing"
            else:
                open_end = "unknown"
        else:
            raise Unusable("no date")
        if kind == "MedicationStatement":
            dose, freq = per_day(r.dosage)
        else:  # one administration: its dose, on its day(s)
            dose, freq = (r.dosage.dose if r.dosage else None), 1.0
    return (ref, codes, start, end, open_end,
            num(dose.value) if dose is not None else None,
            (dose.code or dose.unit) if dose is not None else None, freq)


# -- what the reader produced, in the same shape -------------------------------------------
def actual_facts(path: Path) -> dict[str, Any]:
    rec = read_bundle(path)

    def cods(cs: Any) -> tuple[tuple[str, str, str | None], ...]:
        return tuple((c.system, c.code, c.display) for c in cs)

    return {
        "patient": [(rec.patient.id, rec.patient.birth_date, rec.patient.gender)],
        "observations": [
            (o.reference, cods(o.codings), o.day, o.value, o.unit, o.ref_high,
             cods(o.value_codings), o.value_string, o.value_boolean, o.interpretation)
            for o in rec.observations],
        "conditions": [(c.reference, cods(c.codings), c.onset_lo, c.onset_hi, c.abatement,
                        c.clinical_status) for c in rec.conditions],
        "medications": [(m.reference, cods(m.codings), m.start, m.end, m.open_end,
                         m.dose_value, m.dose_unit, m.per_day) for m in rec.medications],
        "allergies": [(a.reference, cods(a.codings), a.criticality, a.severe_reaction)
                      for a in rec.allergies],
        "subjects": [(s.reference, s.status, s.start, s.end) for s in rec.research_subjects],
        "unusable": {p.reference for p in rec.problems},
    }


def _key(row: Any) -> str:
    return repr(row)


def assert_same_facts(path: Path) -> dict[str, Any]:
    want = expected_facts(path.read_bytes())
    got = actual_facts(path)
    for part in ("patient", "observations", "conditions", "medications", "allergies",
                 "subjects"):
        assert sorted(got[part], key=_key) == sorted(want[part], key=_key), part
    assert got["unusable"] == want["unusable"]
    return want


def test_examples_found() -> None:
    assert len(EXAMPLES) >= 17


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_matches_reference(path: Path) -> None:
    want = assert_same_facts(path)
    assert want["observations"], "every example has observations"


# -- a synthetic bundle exercising what the examples do not --------------------------------
SUBJ = {"reference": "Patient/ks"}
LOINC = "http://loinc.org"
ATC = "http://www.whocc.no/atc"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
SCT = "http://snomed.info/sct"


def _code(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"system": system, "code": code}
    if display:
        c["display"] = display
    return {"coding": [c]}


def _status(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def _obs(oid: str, **kw: Any) -> dict[str, Any]:
    r = {"resourceType": "Observation", "id": oid, "status": "final",
         "code": _code(LOINC, "6690-2", "WBC"), "subject": SUBJ}
    r.update(kw)
    return r


def _ms(mid: str, **kw: Any) -> dict[str, Any]:
    r = {"resourceType": "MedicationStatement", "id": mid, "status": "active",
         "medicationCodeableConcept": _code(ATC, "H02AB07", "prednisone"), "subject": SUBJ}
    r.update(kw)
    return r


def _dosage(value: float, freq: int | None, period: float, unit: str) -> list[dict[str, Any]]:
    rep: dict[str, Any] = {"period": period, "periodUnit": unit}
    if freq is not None:
        rep["frequency"] = freq
    return [{"timing": {"repeat": rep},
             "doseAndRate": [{"doseQuantity": {"value": value, "unit": "mg", "system": UCUM,
                                               "code": "mg"}}]}]


KITCHEN_SINK: list[dict[str, Any]] = [
    {"resourceType": "Patient", "id": "ks", "birthDate": "1980-02-29", "gender": "other"},
    # observations: dates
    _obs("o-dt-tz", effectiveDateTime="2026-05-28T23:30:00-05:00",
         valueQuantity={"value": 4.25, "unit": "10^9/L", "system": UCUM, "code": "10*9/L"}),
    _obs("o-period", effectivePeriod={"start": "2026-05-20", "end": "2026-05-21"},
         valueQuantity={"value": 3, "unit": "10*3/uL"}),  # no system, no code: the unit
    _obs("o-instant", effectiveInstant="2026-05-19T10:00:00Z",
         valueQuantity={"value": 4000, "system": UCUM, "code": "/uL"}),
    _obs("o-issued", issued="2026-05-18T09:00:00+02:00", valueInteger=7),
    _obs("o-local-unit", effectiveDateTime="2026-05-17",
         valueQuantity={"value": 5.5, "unit": "G/L", "system": "urn:local", "code": "GL"}),
    _obs("o-refrange", effectiveDateTime="2026-05-16", code=_code(LOINC, "1742-6", "ALT"),
         valueQuantity={"value": 41, "unit": "U/L", "system": UCUM, "code": "U/L"},
         referenceRange=[{"low": {"value": 7, "code": "U/L", "system": UCUM}},
                         {"high": {"value": 35, "code": "U/L", "system": UCUM}}],
         interpretation=[_status("http://terminology.hl7.org/CodeSystem/"
                                 "v3-ObservationInterpretation", "H")]),
    _obs("o-qual", effectiveDateTime="2026-05-15", code=_code(LOINC, "5196-1", "HBsAg"),
         valueCodeableConcept=_code(SCT, "260385009", "Negative")),
    _obs("o-string", effectiveDateTime="2026-05-15", code=_code(LOINC, "13955-0"),
         valueString="Non-reactive"),
    _obs("o-bool", effectiveDateTime="2026-05-14",
         code=_code("urn:eligo:attestation", "informed-consent"), valueBoolean=False),
    _obs("o-codings", effectiveDateTime="2026-05-14",
         code={"coding": [{"system": LOINC, "code": "718-7"}, {"code": "HGB"},
                          {"system": "urn:local", "code": "hb", "display": "Hb"}],
               "text": "hemoglobin"},
         valueQuantity={"value": 6.0, "system": UCUM, "code": "g/dL"}),
    # observations: statuses (SPEC §2.11)
    _obs("o-prelim", status="preliminary", effectiveDateTime="2026-05-13", valueInteger=1),
    _obs("o-amended", status="amended", effectiveDateTime="2026-05-13", valueInteger=2),
    _obs("o-eie", status="entered-in-error", effectiveDateTime="2026-05-13", valueInteger=3),
    _obs("o-cancelled", status="cancelled", effectiveDateTime="2026-05-13"),
    _obs("o-registered", status="registered", effectiveDateTime="2026-05-13"),
    # observations that cannot be used (SPEC §5 problems)
    _obs("o-month", effectiveDateTime="2026-05", valueInteger=4),
    _obs("o-novalue", effectiveDateTime="2026-05-12",
         valueQuantity={"unit": "10*9/L", "system": UCUM, "code": "10*9/L"}),
    _obs("o-nodate", valueInteger=5),
    # conditions
    {"resourceType": "Condition", "id": "c-year", "subject": SUBJ,
     "code": _code(ICD, "M05.79"), "onsetDateTime": "2019",
     "clinicalStatus": _status(CLIN, "active")},
    {"resourceType": "Condition", "id": "c-month", "subject": SUBJ,
     "code": _code(SCT, "83901003", "Sjogren"), "onsetDateTime": "2020-02",
     "abatementDateTime": "2021-02", "clinicalStatus": _status(CLIN, "resolved"),
     "verificationStatus": _status(VER, "confirmed")},
    {"resourceType": "Condition", "id": "c-period", "subject": SUBJ,
     "code": _code(ICD, "J84.10"), "onsetPeriod": {"start": "2021-03-04T10:00:00Z"},
     "abatementPeriod": {"start": "2021-04-01", "end": "2022-06"},
     "verificationStatus": _status(VER, "provisional")},
    {"resourceType": "Condition", "id": "c-recorded", "subject": SUBJ,
     "code": _code(ICD, "E80.4"), "recordedDate": "2018-07-01"},
    {"resourceType": "Condition", "id": "c-none", "subject": SUBJ, "code": _code(ICD, "I48.0")},
    {"resourceType": "Condition", "id": "c-refuted", "subject": SUBJ,
     "code": _code(ICD, "C50.9"), "onsetDateTime": "2015-01-01",
     "verificationStatus": _status(VER, "refuted")},
    {"resourceType": "Condition", "id": "c-eie", "subject": SUBJ,
     "code": _code(ICD, "N18.6"), "onsetDateTime": "2015-01-01",
     "verificationStatus": _status(VER, "entered-in-error")},
    # medications
    {"resourceType": "Medication", "id": "med-mtx", "code": _code(ATC, "L04AX03", "MTX")},
    {"resourceType": "Medication", "code": _code(ATC, "L04AC07", "tocilizumab")},
    _ms("ms-ongoing", effectivePeriod={"start": "2026-01-10"},
        dosage=_dosage(20, 1, 1, "d")),
    _ms("ms-completed-open", status="completed", effectivePeriod={"start": "2025-01-10"},
        dosage=_dosage(5, 1, 12, "h")),
    _ms("ms-closed", status="stopped",
        effectivePeriod={"start": "2024-01-10", "end": "2024-07-31T12:00:00Z"},
        dosage=_dosage(10, 1, 1, "wk")),
    _ms("ms-datetime", status="completed", effectiveDateTime="2023-03-03",
        dosage=_dosage(40, 2, 1, "d")),
    _ms("ms-ref", status="completed", medicationCodeableConcept=None,
        medicationReference={"reference": "Medication/med-mtx"},
        effectivePeriod={"start": "2022-01-01", "end": "2022-12-31"},
        dosage=_dosage(15, None, 1, "wk")),
    _ms("ms-not-taken", status="not-taken", effectiveDateTime="2023-03-03"),
    _ms("ms-eie", status="entered-in-error", effectiveDateTime="2023-03-03"),
    {"resourceType": "MedicationAdministration", "id": "ma-1", "status": "completed",
     "subject": SUBJ, "medicationReference": {"reference": "urn:uuid:toci"},
     "effectivePeriod": {"start": "2025-05-05T09:00:00Z", "end": "2025-05-05T10:00:00Z"},
     "dosage": {"dose": {"value": 480, "unit": "mg", "system": UCUM, "code": "mg"}}},
    {"resourceType": "MedicationRequest", "id": "mr-supply", "status": "completed",
     "intent": "order", "subject": SUBJ,
     "medicationCodeableConcept": _code(ATC, "H02AB06", "prednisolone"),
     "authoredOn": "2025-02-01", "dosageInstruction": _dosage(5, 2, 1, "d"),
     "dispenseRequest": {"expectedSupplyDuration": {"value": 30, "unit": "days",
                                                    "system": UCUM, "code": "d"}}},
    {"resourceType": "MedicationRequest", "id": "mr-weeks", "status": "active",
     "intent": "order", "subject": SUBJ,
     "medicationCodeableConcept": _code(ATC, "H02AB06", "prednisolone"),
     "authoredOn": "2025-06-01T08:00:00Z",
     "dispenseRequest": {"expectedSupplyDuration": {"value": 4, "unit": "weeks",
                                                    "system": UCUM, "code": "wk"}}},
    {"resourceType": "MedicationRequest", "id": "mr-validity", "status": "stopped",
     "intent": "order", "subject": SUBJ,
     "medicationCodeableConcept": _code(ATC, "L04AA06", "mycophenolate"),
     "authoredOn": "2024-02-01",
     "dispenseRequest": {"validityPeriod": {"start": "2024-02-01", "end": "2024-05-01"}}},
    {"resourceType": "MedicationRequest", "id": "mr-open", "status": "active",
     "intent": "order", "subject": SUBJ,
     "medicationCodeableConcept": _code(ATC, "P01BA02", "HCQ"), "authoredOn": "2024-09-09"},
    {"resourceType": "MedicationRequest", "id": "mr-cancelled", "status": "cancelled",
     "intent": "order", "subject": SUBJ,
     "medicationCodeableConcept": _code(ATC, "L01FA01", "rituximab"),
     "authoredOn": "2024-09-09"},
    _ms("ms-nocode", medicationCodeableConcept={"text": "something"},
        effectiveDateTime="2023-03-03"),
    # allergies and trial participation
    {"resourceType": "AllergyIntolerance", "id": "a-1", "patient": SUBJ,
     "code": _code(ATC, "L01AA01", "cyclophosphamide"), "criticality": "high",
     "reaction": [{"manifestation": [{"text": "rash"}], "severity": "mild"},
                  {"manifestation": [{"text": "anaphylaxis"}], "severity": "severe"}]},
    {"resourceType": "AllergyIntolerance", "id": "a-refuted", "patient": SUBJ,
     "code": _code(ATC, "L01BB05"),
     "verificationStatus": _status("http://terminology.hl7.org/CodeSystem/"
                                   "allergyintolerance-verification", "refuted")},
    {"resourceType": "ResearchSubject", "id": "rs-on", "status": "on-study",
     "study": {"reference": "ResearchStudy/s"}, "individual": SUBJ,
     "period": {"start": "2026-01-01"}},
    {"resourceType": "ResearchSubject", "id": "rs-cand", "status": "candidate",
     "study": {"reference": "ResearchStudy/s"}, "individual": SUBJ},
    # a resource type SPEC §3 does not read
    {"resourceType": "Procedure", "id": "p-1", "status": "completed", "subject": SUBJ},
]


def test_kitchen_sink_matches_reference(tmp_path: Path) -> None:
    entries = []
    for r in KITCHEN_SINK:
        r = {k: v for k, v in r.items() if v is not None}
        url = "urn:uuid:toci" if r.get("code", {}).get("coding", [{}])[0].get("code") \
            == "L04AC07" and r["resourceType"] == "Medication" else None
        entries.append({"fullUrl": url, "resource": r} if url else {"resource": r})
    path = tmp_path / "kitchen-sink.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "searchset",
                                "entry": entries}))
    want = assert_same_facts(path)
    # the reference itself saw what this bundle is built to show
    assert want["unusable"] == {"Observation/o-month", "Observation/o-novalue",
                                "Observation/o-nodate", "MedicationStatement/ms-nocode"}
    obs = {row[0] for row in want["observations"]}
    assert len(obs) == 12 and "Observation/o-eie" not in obs
    assert {row[0] for row in want["conditions"]} == {
        "Condition/c-year", "Condition/c-month", "Condition/c-period",
        "Condition/c-recorded", "Condition/c-none"}
    assert len(want["medications"]) == 10
    assert len(want["allergies"]) == 1 and len(want["subjects"]) == 1
