"""Deterministic, realistic FHIR R4 collection Bundles for benchmarks.

``make_bundle(n_resources, seed)`` starts from one example patient (``examples/ra-eligible.json``
by default) and pads it, like a real EHR export, up to exactly ``n_resources`` resources:

* about 75 % Observations: the protocol's own labs (leukocytes, neutrophils, hemoglobin, ALT,
  AST, bilirubin, creatinine, INR, PT, CRP, ESR) spread over 2019–2026, most of them outside the
  28-day window before the as-of date 2026-06-01, about one in five in an alternative unit
  (g/dL, µmol/L); unrelated chemistry (sodium 2951-2, potassium 2823-3, glucose 2345-7, …);
  vital signs (heart rate 8867-4, systolic 8480-6, diastolic 8462-4, …); every lab with a
  ``referenceRange`` (low and high) and an ``interpretation``;
* about 5 % Conditions (unrelated ICD-10-CM codes such as E11.9, I10, K21.9 plus the
  patient's own) and 5 % MedicationStatements (unrelated ATC codes such as A02BC01, C09AA05);
* about 15 % resource types eligo's reader skips: Encounter, Procedure, DiagnosticReport.

Padding is chosen so that it does not change the example patient's verdict: no padding code is
in a protocol value set except the protocol's labs, and those are dated before the patient's
own most recent results. Every resource validates against ``fhir.resources.R4B``.

The output depends only on ``(n_resources, seed, base)``: a seeded ``random.Random`` drives
every choice, and UUIDs come from it (not from ``uuid4``).

    python benchmarks/bundles.py 5000 --seed 1 > /tmp/big.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_BASE", "make_bundle", "resource_counts"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE = ROOT / "examples" / "ra-eligible.json"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ATC = "http://www.whocc.no/atc"
SNOMED = "http://snomed.info/sct"
OBS_CAT = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERP = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
COND_CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
COND_VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
COND_CAT = "http://terminology.hl7.org/CodeSystem/condition-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

# Padding dates: 2019-01-01 .. 2026-05-21; the 28-day window before 2026-06-01 starts
# 2026-05-04. Protocol labs inside the window stay before the example's own (2026-05-22).
HISTORY_START = date(2019, 1, 1)
WINDOW_START = date(2026, 5, 4)
LAST_PADDING_DAY = date(2026, 5, 21)
IN_WINDOW_SHARE = 0.05

# (loinc, display, ucum, low, high, typical, spread, alternative (loinc, display, ucum, factor))
Lab = tuple[str, str, str, float | None, float, float, float,
            tuple[str, str, str, float] | None]
PROTOCOL_LABS: list[Lab] = [
    ("6690-2", "Leukocytes [#/volume] in Blood by Automated count", "10*9/L",
     4.0, 11.0, 7.0, 2.0, None),
    ("751-8", "Neutrophils [#/volume] in Blood by Automated count", "10*9/L",
     1.8, 7.5, 4.5, 1.3, None),
    ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/L", 115, 155, 125, 10,
     ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", 0.1)),
    ("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
     "U/L", 7, 40, 22, 8, None),
    ("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
     "U/L", 10, 40, 24, 7, None),
    ("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", "mg/dL", 0.2, 1.2, 0.5, 0.2,
     ("14631-6", "Bilirubin.total [Moles/volume] in Serum or Plasma", "umol/L", 17.1)),
    ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", 0.5, 1.1, 0.8, 0.12,
     ("14682-9", "Creatinine [Moles/volume] in Serum or Plasma", "umol/L", 88.42)),
    ("6301-6", "INR in Platelet poor plasma by Coagulation assay", "{INR}", 0.9, 1.1, 1.0,
     0.06, None),
    ("5902-2", "Prothrombin time (PT)", "s", 11.0, 13.5, 12.4, 0.6, None),
    ("1988-5", "C reactive protein [Mass/volume] in Serum or Plasma", "mg/L", None, 5, 12, 8,
     None),
    ("4537-7", "Erythrocyte sedimentation rate by Westergren method", "mm/h", None, 20, 30, 12,
     None),
]
OTHER_LABS: list[Lab] = [
    ("2951-2", "Sodium [Moles/volume] in Serum or Plasma", "mmol/L", 135, 145, 140, 2.5, None),
    ("2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L", 3.5, 5.1, 4.2, 0.35,
     None),
    ("2345-7", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL", 70, 99, 105, 20, None),
    ("2075-0", "Chloride [Moles/volume] in Serum or Plasma", "mmol/L", 98, 107, 102, 2.5, None),
    ("2028-9", "Carbon dioxide, total [Moles/volume] in Serum or Plasma", "mmol/L", 22, 29, 25,
     2, None),
    ("3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma", "mg/dL", 7, 20, 14, 4, None),
    ("17861-6", "Calcium [Mass/volume] in Serum or Plasma", "mg/dL", 8.6, 10.3, 9.4, 0.4, None),
    ("2885-2", "Protein [Mass/volume] in Serum or Plasma", "g/dL", 6.0, 8.3, 7.1, 0.5, None),
    ("1751-7", "Albumin [Mass/volume] in Serum or Plasma", "g/dL", 3.5, 5.0, 4.1, 0.35, None),
    ("6768-6", "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma", "U/L",
     44, 147, 80, 20, None),
    ("777-3", "Platelets [#/volume] in Blood by Automated count", "10*9/L", 150, 400, 260, 50,
     None),
    ("789-8", "Erythrocytes [#/volume] in Blood by Automated count", "10*12/L", 3.9, 5.2, 4.4,
     0.3, None),
    ("4544-3", "Hematocrit [Volume Fraction] of Blood by Automated count", "%", 35, 45, 39, 2.5,
     None),
    ("787-2", "MCV [Entitic volume] by Automated count", "fL", 80, 100, 90, 4, None),
    ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", 4.0, 5.6, 5.9, 0.5, None),
    ("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL", None, 200, 195, 30,
     None),
    ("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", "mg/dL", None, 150, 140, 40,
     None),
    ("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "mg/dL", 40, 90, 55, 10,
     None),
    ("3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", "m[IU]/L", 0.4, 4.0, 1.9, 0.8,
     None),
    ("2276-4", "Ferritin [Mass/volume] in Serum or Plasma", "ng/mL", 15, 150, 70, 30, None),
]
VITALS: list[tuple[str, str, str, float, float, str]] = [
    ("8867-4", "Heart rate", "/min", 74, 9, "beats/minute"),
    ("8480-6", "Systolic blood pressure", "mm[Hg]", 126, 11, "mmHg"),
    ("8462-4", "Diastolic blood pressure", "mm[Hg]", 79, 7, "mmHg"),
    ("8310-5", "Body temperature", "Cel", 36.8, 0.3, "C"),
    ("9279-1", "Respiratory rate", "/min", 15, 2, "breaths/minute"),
    ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", 97.5, 1.0, "%"),
    ("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", 25.1, 0.8, "kg/m2"),
    ("8302-2", "Body height", "cm", 166, 0.4, "cm"),
]
CONDITIONS: list[tuple[str, str]] = [
    ("E11.9", "Type 2 diabetes mellitus without complications"),
    ("I10", "Essential (primary) hypertension"),
    ("K21.9", "Gastro-esophageal reflux disease without esophagitis"),
    ("E78.5", "Hyperlipidemia, unspecified"),
    ("J45.909", "Unspecified asthma, uncomplicated"),
    ("G43.909", "Migraine, unspecified, not intractable, without status migrainosus"),
    ("M25.561", "Pain in right knee"),
    ("F41.1", "Generalized anxiety disorder"),
    ("H52.4", "Presbyopia"),
    ("Z87.891", "Personal history of nicotine dependence"),
    ("E03.9", "Hypothyroidism, unspecified"),
    ("M81.0", "Age-related osteoporosis without current pathological fracture"),
    ("K58.9", "Irritable bowel syndrome without diarrhea"),
    ("E55.9", "Vitamin D deficiency, unspecified"),
]
# (atc, display, dose mg, frequency, period, periodUnit)
MEDICATIONS: list[tuple[str, str, float, int, float, str]] = [
    ("A02BC01", "omeprazole", 20, 1, 1, "d"),
    ("C09AA05", "ramipril", 5, 1, 1, "d"),
    ("C10AA05", "atorvastatin", 20, 1, 1, "d"),
    ("A10BA02", "metformin", 500, 2, 1, "d"),
    ("N02BE01", "paracetamol", 1000, 3, 1, "d"),
    ("C07AB02", "metoprolol", 50, 2, 1, "d"),
    ("R03AC02", "salbutamol", 0.1, 2, 1, "d"),
    ("A11CC05", "colecalciferol", 0.025, 1, 1, "d"),
    ("N06AB06", "sertraline", 50, 1, 1, "d"),
    ("H03AA01", "levothyroxine sodium", 0.075, 1, 1, "d"),
    ("M05BA04", "alendronic acid", 70, 1, 1, "wk"),
    ("A03FA01", "metoclopramide", 10, 3, 1, "d"),
]
PROCEDURES: list[tuple[str, str]] = [
    ("252416005", "Histopathology test"),
    ("168731009", "Standard chest X-ray"),
    ("29303009", "Electrocardiographic procedure"),
    ("241615005", "Magnetic resonance imaging of knee"),
    ("73761001", "Colonoscopy"),
    ("71651007", "Mammography"),
    ("312681000", "Bone density scan"),
]
REPORTS: list[tuple[str, str]] = [
    ("58410-2", "CBC panel - Blood by Automated count"),
    ("24323-8", "Comprehensive metabolic 2000 panel - Serum or Plasma"),
    ("24331-1", "Lipid 1996 panel - Serum or Plasma"),
    ("34714-6", "INR in Blood by Coagulation assay"),
]

# Share of the *total* resource count per type (Observations take the rest, ~75 %).
SHARES = {"Condition": 0.05, "MedicationStatement": 0.05, "Encounter": 0.07,
          "Procedure": 0.03, "DiagnosticReport": 0.05}


def _load_base(base: Path) -> dict[str, Any]:
    return json.loads(base.read_bytes())  # type: ignore[no-any-return]


_BASE_CACHE: dict[Path, dict[str, Any]] = {}


def _base(base: Path) -> dict[str, Any]:
    if base not in _BASE_CACHE:
        _BASE_CACHE[base] = _load_base(base)
    return _BASE_CACHE[base]


class _Gen:
    def __init__(self, rng: random.Random, patient_ref: str) -> None:
        self.rng = rng
        self.patient_ref = patient_ref
        self.counter = 0
        self.encounters: list[tuple[str, date]] = []

    # -- helpers ----------------------------------------------------------------------------
    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter:05d}"

    def day(self, *, in_window: bool | None = None) -> date:
        if in_window is None:
            in_window = self.rng.random() < IN_WINDOW_SHARE
        lo, hi = (WINDOW_START, LAST_PADDING_DAY) if in_window else \
            (HISTORY_START, WINDOW_START - timedelta(days=1))
        return lo + timedelta(days=self.rng.randrange((hi - lo).days + 1))

    def stamp(self, d: date) -> str:
        t = datetime(d.year, d.month, d.day, self.rng.randrange(7, 18), self.rng.randrange(60),
                     self.rng.randrange(60))
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")

    def meta(self, d: date) -> dict[str, Any]:
        return {"versionId": str(self.rng.randrange(1, 4)),
                "lastUpdated": (d + timedelta(days=self.rng.randrange(0, 3)))
                .strftime("%Y-%m-%dT%H:%M:%S.000Z")}

    def identifier(self) -> list[dict[str, Any]]:
        return [{"use": "official", "system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.798268",
                 "value": str(self.rng.randrange(10**9, 10**10))}]

    def subject(self) -> dict[str, str]:
        return {"reference": self.patient_ref}

    def encounter_ref(self) -> dict[str, str] | None:
        if not self.encounters or self.rng.random() < 0.3:
            return None
        return {"reference": f"Encounter/{self.rng.choice(self.encounters)[0]}"}

    # -- resources ----------------------------------------------------------------------------
    def lab(self, spec: Lab) -> dict[str, Any]:
        code, display, unit, low, high, typical, spread, alt = spec
        d = self.day()
        value = max(typical + self.rng.gauss(0, spread), (low or 0) * 0.5, 0.0)
        factor = 1.0
        if alt is not None and self.rng.random() < 0.2:
            code, display, unit, factor = alt
        digits = 2 if high * factor < 20 else (1 if high * factor < 200 else 0)

        def q(v: float) -> dict[str, Any]:
            return {"value": round(v * factor, digits), "unit": unit, "system": UCUM,
                    "code": unit}

        value_q = q(value)
        rr: dict[str, Any] = {"high": q(high)}
        if low is not None:
            rr = {"low": q(low), **rr}
        flag = "H" if value > high else ("L" if low is not None and value < low else "N")
        flag_text = {"H": "High", "L": "Low", "N": "Normal"}[flag]
        res: dict[str, Any] = {
            "resourceType": "Observation", "id": self.next_id("lab"), "meta": self.meta(d),
            "identifier": self.identifier(), "status": "final",
            "category": [{"coding": [{"system": OBS_CAT, "code": "laboratory",
                                      "display": "Laboratory"}]}],
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}],
                     "text": display},
            "subject": self.subject(),
        }
        enc = self.encounter_ref()
        if enc:
            res["encounter"] = enc
        res.update({
            "effectiveDateTime": self.stamp(d), "issued": self.stamp(d).replace("Z", ".000Z"),
            "valueQuantity": value_q,
            "interpretation": [{"coding": [{"system": INTERP, "code": flag,
                                            "display": flag_text}]}],
            "referenceRange": [rr],
        })
        return res

    def vital(self) -> dict[str, Any]:
        code, display, unit, typical, spread, human = self.rng.choice(VITALS)
        d = self.day()
        res: dict[str, Any] = {
            "resourceType": "Observation", "id": self.next_id("vs"), "meta": self.meta(d),
            "status": "final",
            "category": [{"coding": [{"system": OBS_CAT, "code": "vital-signs",
                                      "display": "Vital Signs"}]}],
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}],
                     "text": display},
            "subject": self.subject(), "effectiveDateTime": self.stamp(d),
            "valueQuantity": {"value": round(typical + self.rng.gauss(0, spread), 1),
                              "unit": human, "system": UCUM, "code": unit},
        }
        enc = self.encounter_ref()
        if enc:
            res["encounter"] = enc
        return res

    def condition(self) -> dict[str, Any]:
        code, display = self.rng.choice(CONDITIONS)
        onset = self.day(in_window=False) - timedelta(days=self.rng.randrange(0, 3650))
        resolved = self.rng.random() < 0.3
        res: dict[str, Any] = {
            "resourceType": "Condition", "id": self.next_id("cond"), "meta": self.meta(onset),
            "clinicalStatus": {"coding": [{"system": COND_CLIN,
                                           "code": "resolved" if resolved else "active"}]},
            "verificationStatus": {"coding": [{"system": COND_VER, "code": "confirmed"}]},
            "category": [{"coding": [{"system": COND_CAT, "code": "problem-list-item",
                                      "display": "Problem List Item"}]}],
            "code": {"coding": [{"system": ICD10CM, "code": code, "display": display}],
                     "text": display},
            "subject": self.subject(), "onsetDateTime": onset.isoformat(),
            "recordedDate": onset.isoformat(),
        }
        if resolved:
            res["abatementDateTime"] = (onset + timedelta(days=self.rng.randrange(30, 900))
                                        ).isoformat()
        return res

    def medication(self) -> dict[str, Any]:
        atc, display, dose, freq, period, unit = self.rng.choice(MEDICATIONS)
        start = self.day(in_window=False) - timedelta(days=self.rng.randrange(0, 1500))
        active = self.rng.random() < 0.5
        eff: dict[str, str] = {"start": start.isoformat()}
        if not active:
            eff["end"] = (start + timedelta(days=self.rng.randrange(14, 700))).isoformat()
        return {
            "resourceType": "MedicationStatement", "id": self.next_id("medst"),
            "meta": self.meta(start), "status": "active" if active else "completed",
            "medicationCodeableConcept": {"coding": [{"system": ATC, "code": atc,
                                                      "display": display}],
                                          "text": display},
            "subject": self.subject(), "effectivePeriod": eff,
            "dateAsserted": start.isoformat(),
            "dosage": [{"text": f"{dose} mg {freq}x per {period:g} {unit}",
                        "timing": {"repeat": {"frequency": freq, "period": period,
                                              "periodUnit": unit}},
                        "route": {"coding": [{"system": SNOMED, "code": "26643006",
                                              "display": "Oral route"}]},
                        "doseAndRate": [{"doseQuantity": {"value": dose, "unit": "mg",
                                                          "system": UCUM, "code": "mg"}}]}],
        }

    def encounter(self) -> dict[str, Any]:
        d = self.day()
        eid = self.next_id("enc")
        self.encounters.append((eid, d))
        start = self.stamp(d)
        end = (datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ") +
               timedelta(minutes=self.rng.randrange(15, 90))).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "resourceType": "Encounter", "id": eid, "meta": self.meta(d),
            "identifier": self.identifier(), "status": "finished",
            "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
            "type": [{"coding": [{"system": SNOMED, "code": "185349003",
                                  "display": "Encounter for check up"}]}],
            "subject": self.subject(), "period": {"start": start, "end": end},
            "serviceProvider": {"display": "Rheumatology Outpatient Clinic"},
        }

    def procedure(self) -> dict[str, Any]:
        code, display = self.rng.choice(PROCEDURES)
        d = self.day(in_window=False)
        res: dict[str, Any] = {
            "resourceType": "Procedure", "id": self.next_id("proc"), "meta": self.meta(d),
            "status": "completed",
            "code": {"coding": [{"system": SNOMED, "code": code, "display": display}],
                     "text": display},
            "subject": self.subject(), "performedDateTime": self.stamp(d),
        }
        enc = self.encounter_ref()
        if enc:
            res["encounter"] = enc
        return res

    def report(self, lab_ids: list[str]) -> dict[str, Any]:
        code, display = self.rng.choice(REPORTS)
        d = self.day()
        res: dict[str, Any] = {
            "resourceType": "DiagnosticReport", "id": self.next_id("dr"), "meta": self.meta(d),
            "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                                      "code": "LAB", "display": "Laboratory"}]}],
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}],
                     "text": display},
            "subject": self.subject(), "effectiveDateTime": self.stamp(d),
            "issued": self.stamp(d).replace("Z", ".000Z"),
        }
        if lab_ids:
            k = min(len(lab_ids), self.rng.randrange(3, 9))
            res["result"] = [{"reference": f"Observation/{i}"}
                             for i in self.rng.sample(lab_ids, k)]
        return res


def resource_counts(raw: bytes) -> dict[str, int]:
    """resourceType → count, for checking a generated bundle."""
    out: dict[str, int] = {}
    for e in json.loads(raw)["entry"]:
        t = e["resource"]["resourceType"]
        out[t] = out.get(t, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def make_bundle(n_resources: int, seed: int, base: str | Path = DEFAULT_BASE) -> bytes:
    """A FHIR R4 collection Bundle of exactly ``n_resources`` resources, as UTF-8 JSON bytes."""
    src = _base(Path(base))
    base_entries = [json.loads(json.dumps(e)) for e in src["entry"]]  # deep copy
    if n_resources < len(base_entries):
        raise ValueError(f"n_resources must be at least {len(base_entries)} (the base patient)")
    rng = random.Random(f"eligo-bench:{seed}")
    patient = next(e["resource"] for e in base_entries
                   if e["resource"]["resourceType"] == "Patient")
    gen = _Gen(rng, f"Patient/{patient['id']}")

    have: dict[str, int] = {}
    for e in base_entries:
        have[e["resource"]["resourceType"]] = have.get(e["resource"]["resourceType"], 0) + 1
    pad = n_resources - len(base_entries)
    want = {k: max(0, round(n_resources * s) - have.get(k, 0)) for k, s in SHARES.items()}
    while sum(want.values()) > pad:  # small bundles: trim the non-Observation padding
        k = max(want, key=lambda k: want[k])
        want[k] -= 1
    n_obs = pad - sum(want.values())

    extra: list[dict[str, Any]] = [gen.encounter() for _ in range(want["Encounter"])]
    lab_ids: list[str] = []
    for _ in range(n_obs):
        r = rng.random()
        if r < 0.45:
            res = gen.lab(rng.choice(PROTOCOL_LABS))
        elif r < 0.8:
            res = gen.lab(rng.choice(OTHER_LABS))
        else:
            res = gen.vital()
        if res["id"].startswith("lab"):
            lab_ids.append(res["id"])
        extra.append(res)
    extra += [gen.condition() for _ in range(want["Condition"])]
    extra += [gen.medication() for _ in range(want["MedicationStatement"])]
    extra += [gen.procedure() for _ in range(want["Procedure"])]
    extra += [gen.report(lab_ids) for _ in range(want["DiagnosticReport"])]
    # a real export interleaves resource types; the base patient's own resources are kept
    # (ids unchanged) and spread through the padding, the Patient first as exporters do
    rest = [{"fullUrl": f"urn:uuid:{gen.uuid()}", "resource": r} for r in extra]
    rest += [e for e in base_entries if e["resource"] is not patient]
    rng.shuffle(rest)
    entries = [e for e in base_entries if e["resource"] is patient] + rest
    bundle = {
        "resourceType": "Bundle", "id": f"bench-{n_resources}-{seed}",
        "meta": {"lastUpdated": "2026-06-01T07:00:00.000Z"},
        "type": "collection", "timestamp": "2026-06-01T07:00:00Z", "entry": entries,
    }
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n_resources", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--base", default=str(DEFAULT_BASE))
    ap.add_argument("--indent", action="store_true", help="pretty-print (2-space indent)")
    args = ap.parse_args(argv)
    raw = make_bundle(args.n_resources, args.seed, args.base)
    if args.indent:
        raw = json.dumps(json.loads(raw), indent=2, ensure_ascii=False).encode()
    sys.stdout.buffer.write(raw + b"\n")


if __name__ == "__main__":
    main()
