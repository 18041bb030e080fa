#!/usr/bin/env python3
"""Build the example patients (FHIR R4 Bundles) for the `cart-autoimmune` protocol.

Run from anywhere:  python3 examples/build_examples.py

Standard library only and deterministic: the same script always writes the same bytes.
Every example is meant to be screened at the as-of date 2026-06-01; the expected result
of each one is tabulated in examples/README.md and justified there from SPEC.md.

Conventions (SPEC.md §3):
  * labs are LOINC Observations with UCUM quantities; × ULN analytes carry referenceRange.high;
  * clinician judgements are Observations coded in `urn:eligo:attestation` with valueBoolean;
  * scores are Observations coded in `urn:eligo:assessment`;
  * diagnoses are ICD-10-CM Conditions, medicines ATC-coded MedicationStatements.
"""

from __future__ import annotations

import json
import math
import uuid
from datetime import date
from fractions import Fraction
from pathlib import Path

AS_OF = date(2026, 6, 1)
OUT_DIR = Path(__file__).resolve().parent

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ATC = "http://www.whocc.no/atc"
ATTESTATION = "urn:eligo:attestation"
ASSESSMENT = "urn:eligo:assessment"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
UUID_NAMESPACE = uuid.UUID("6f1d3c0e-5a0b-4c55-9a5e-e11600000000")

# --------------------------------------------------------------------------------------
# Code catalogue (SPEC §3.1): key -> (LOINC, display, UCUM code, printable unit)
# --------------------------------------------------------------------------------------

LAB = {
    "wbc": ("6690-2", "Leukocytes [#/volume] in Blood by Automated count", "10*9/L", "10^9/L"),
    "wbc-any": ("26464-8", "Leukocytes [#/volume] in Blood", "10*9/L", "10^9/L"),
    "anc": ("751-8", "Neutrophils [#/volume] in Blood by Automated count", "10*9/L", "10^9/L"),
    "hgb": ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/L", "g/L"),
    "alt": ("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
            "U/L", "U/L"),
    "ast": ("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
            "U/L", "U/L"),
    "tbil": ("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL"),
    "tbil-molar": ("14631-6", "Bilirubin.total [Moles/volume] in Serum or Plasma",
                   "umol/L", "µmol/L"),
    "creat": ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL"),
    "creat-molar": ("14682-9", "Creatinine [Moles/volume] in Serum or Plasma", "umol/L", "µmol/L"),
    "inr": ("6301-6", "INR in Platelet poor plasma by Coagulation assay", "{INR}", "INR"),
    "pt": ("5902-2", "Prothrombin time (PT)", "s", "s"),
    "crp": ("1988-5", "C reactive protein [Mass/volume] in Serum or Plasma", "mg/L", "mg/L"),
    "esr": ("4537-7", "Erythrocyte sedimentation rate by Westergren method", "mm/h", "mm/h"),
    "ck": ("2157-6", "Creatine kinase [Enzymatic activity/volume] in Serum or Plasma",
           "U/L", "U/L"),
    "aldolase": ("1761-6", "Aldolase [Enzymatic activity/volume] in Serum or Plasma", "U/L", "U/L"),
    "ldh": ("2532-0", "Lactate dehydrogenase [Enzymatic activity/volume] in Serum or Plasma",
            "U/L", "U/L"),
    "weight": ("29463-7", "Body weight", "kg", "kg"),
    "fvc-pct": ("19872-1", "FVC measured/predicted", "%", "%"),
    "rf": ("11572-5", "Rheumatoid factor [Units/volume] in Serum or Plasma", "[IU]/mL", "IU/mL"),
    "acpa": ("33935-8", "Cyclic citrullinated peptide IgG Ab [Units/volume] in Serum",
             "U/mL", "U/mL"),
}

# Qualitative tests: key -> (LOINC, display)
QUALITATIVE = {
    "hcg-serum": ("2118-8", "Choriogonadotropin (pregnancy test) [Presence] in Serum or Plasma"),
    "hcg-urine": ("2106-3", "Choriogonadotropin (pregnancy test) [Presence] in Urine"),
    "hbsag": ("5196-1",
              "Hepatitis B virus surface Ag [Presence] in Serum or Plasma by Immunoassay"),
    "hbcab": ("16933-4", "Hepatitis B virus core Ab [Presence] in Serum or Plasma by Immunoassay"),
    "hbv-dna": ("42595-9",
                "Hepatitis B virus DNA in Serum or Plasma by NAA with probe detection"),
    "hcv-ab": ("13955-0", "Hepatitis C virus Ab [Presence] in Serum or Plasma by Immunoassay"),
    "hiv": ("56888-1", "HIV 1+2 Ab+HIV1 p24 Ag [Presence] in Serum or Plasma by Immunoassay"),
    "syphilis": ("24110-9", "Treponema pallidum Ab [Presence] in Serum by Immunoassay"),
    "anti-ssa": ("8093-7", "Sjogren syndrome-A extractable nuclear Ab [Units/volume] in Serum"),
}

RESULT = {  # SNOMED CT qualifier values (SPEC §2.7)
    "negative": ("260385009", "Negative"),
    "positive": ("10828004", "Positive"),
    "not detected": ("260415000", "Not detected"),
    "detected": ("260373001", "Detected"),
}

# Medicines (SPEC §3.5): key -> (ATC, display)
DRUG = {
    "prednisone": ("H02AB07", "prednisone"),
    "prednisolone": ("H02AB06", "prednisolone"),
    "methylprednisolone": ("H02AB04", "methylprednisolone"),
    "cyclophosphamide": ("L01AA01", "cyclophosphamide"),
    "hydroxychloroquine": ("P01BA02", "hydroxychloroquine"),
    "methotrexate": ("L04AX03", "methotrexate"),
    "leflunomide": ("L04AK01", "leflunomide"),
    "sulfasalazine": ("A07EC01", "sulfasalazine"),
    "azathioprine": ("L04AX01", "azathioprine"),
    "mycophenolate": ("L04AA06", "mycophenolic acid"),
    "tacrolimus": ("L04AD02", "tacrolimus"),
    "rituximab": ("L01FA01", "rituximab"),
    "adalimumab": ("L04AB04", "adalimumab"),
    "etanercept": ("L04AB01", "etanercept"),
    "tocilizumab": ("L04AC07", "tocilizumab"),
    "abatacept": ("L04AA24", "abatacept"),
    "baricitinib": ("L04AF02", "baricitinib"),
    "tofacitinib-old-atc": ("L04AA29", "tofacitinib"),  # pre-2024 ATC code, still accepted
    "ivig": ("J06BA02", "immunoglobulins, normal human, for intravascular adm."),
    "filgrastim": ("L03AA02", "filgrastim"),
}


# --------------------------------------------------------------------------------------
# Resource helpers: each returns a FHIR resource dict without `id` (the Bundle assigns it)
# --------------------------------------------------------------------------------------

def coding(system: str, code: str, display: str | None = None) -> dict:
    c = {"system": system, "code": code}
    if display:
        c["display"] = display
    return c


def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict:
    cc = {"coding": [coding(system, code, display)]}
    if text:
        cc["text"] = text
    return cc


def quantity(value, unit: str, code: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def when(day: str, time: str = "08:30") -> str:
    """A FHIR dateTime for a lab draw on `day` (UTC, so the calendar day is unambiguous)."""
    return f"{day}T{time}:00Z"


def category(code: str, display: str) -> list:
    return [concept(OBS_CATEGORY, code, display)]


def observation(code: str, display: str, value, ucum: str, unit: str, day: str, *,
                system: str = LOINC, high=None, low=None, cat: str = "laboratory",
                time: str = "08:30") -> dict:
    """A quantitative Observation; `high`/`low` give the reference range in the value's unit."""
    obs = {
        "resourceType": "Observation",
        "status": "final",
        "category": category(cat, {"laboratory": "Laboratory", "vital-signs": "Vital Signs",
                                   "exam": "Exam"}[cat]),
        "code": concept(system, code, display),
        "effectiveDateTime": when(day, time),
        "valueQuantity": quantity(value, unit, ucum),
    }
    if high is not None:
        rr = {"high": quantity(high, unit, ucum)}
        if low is not None:
            rr["low"] = quantity(low, unit, ucum)
        obs["referenceRange"] = [rr]
    return obs


def lab(key: str, value, day: str, *, high=None, low=None, ucum: str | None = None,
        unit: str | None = None, time: str = "08:30") -> dict:
    """A lab from the LAB catalogue; `ucum`/`unit` override the catalogue's unit."""
    code, display, default_ucum, default_unit = LAB[key]
    cat = "vital-signs" if key == "weight" else "laboratory"
    if ucum is None:
        ucum, unit = default_ucum, unit or default_unit
    return observation(code, display, value, ucum, unit or ucum, day,
                       high=high, low=low, cat=cat, time=time)


def qualitative(key: str, result: str, day: str, *, text: str | None = None) -> dict:
    """A qualitative test (serology, HCG) with a SNOMED CT result."""
    code, display = QUALITATIVE[key]
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": category("laboratory", "Laboratory"),
        "code": concept(LOINC, code, display, text),
        "effectiveDateTime": when(day, "09:10"),
        "valueCodeableConcept": concept(SNOMED, *RESULT[result]),
    }


def attestation(code: str, value: bool, day: str = "2026-05-28") -> dict:
    """An investigator attestation (SPEC §2.10, codes of §3.3)."""
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": concept(ATTESTATION, code, code.replace("-", " ")),
        "effectiveDateTime": day,
        "valueBoolean": value,
    }


def assessment(code: str, value, day: str, *, unit: str = "{score}", ucum: str = "{score}",
               display: str | None = None) -> dict:
    """A clinical score (SPEC §3.2). Integers go in valueInteger, decimals in valueQuantity."""
    obs = {
        "resourceType": "Observation",
        "status": "final",
        "category": category("exam", "Exam"),
        "code": concept(ASSESSMENT, code, display or code),
        "effectiveDateTime": day,
    }
    if isinstance(value, int) and unit == "{score}":
        obs["valueInteger"] = value
    else:
        obs["valueQuantity"] = quantity(value, unit, ucum)
    return obs


def finding(code: str, present: bool, day: str) -> dict:
    """A clinical finding recorded as present/absent (a classification-criteria component,
    docs/assessment-codes.md)."""
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": category("exam", "Exam"),
        "code": concept(ASSESSMENT, code, code.replace("-", " ")),
        "effectiveDateTime": day,
        "valueBoolean": present,
    }


def myositis_antibody(antibody: str, day: str) -> dict:
    """A positive myositis antibody panel (SPEC §3.1: urn:eligo:assessment#myositis-antibody)."""
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": category("laboratory", "Laboratory"),
        "code": concept(ASSESSMENT, "myositis-antibody", "Myositis antibody panel",
                        f"Myositis line immunoassay: {antibody}"),
        "effectiveDateTime": when(day, "10:00"),
        "valueCodeableConcept": concept(SNOMED, *RESULT["positive"]),
        "note": [{"text": f"{antibody} strongly positive"}],
    }


def condition(icd: str, display: str, onset: str, *, clinical: str = "active",
              abatement: str | None = None) -> dict:
    """A confirmed ICD-10-CM diagnosis."""
    cond = {
        "resourceType": "Condition",
        "clinicalStatus": concept(CLINICAL, clinical, clinical.capitalize()),
        "verificationStatus": concept(VERIFICATION, "confirmed", "Confirmed"),
        "category": [concept("http://terminology.hl7.org/CodeSystem/condition-category",
                             "problem-list-item", "Problem List Item")],
        "code": concept(ICD10CM, icd, display),
        "onsetDateTime": onset,
    }
    if abatement:
        cond["abatementDateTime"] = abatement
    return cond


def med_statement(drug: str, start: str, end: str | None = None, *, dose_mg, frequency: int = 1,
                  period: int = 1, period_unit: str = "d", route: str | None = None,
                  status: str | None = None) -> dict:
    """A MedicationStatement; status is `completed` when an end date is given, else `active`."""
    atc, display = DRUG[drug]
    period_json = {"start": start}
    if end:
        period_json["end"] = end
    dosage = {
        "timing": {"repeat": {"frequency": frequency, "period": period, "periodUnit": period_unit}},
        "doseAndRate": [{"doseQuantity": quantity(dose_mg, "mg", "mg")}],
    }
    if route:
        dosage["text"] = route
    return {
        "resourceType": "MedicationStatement",
        "status": status or ("completed" if end else "active"),
        "medicationCodeableConcept": concept(ATC, atc, display),
        "effectivePeriod": period_json,
        "dosage": [dosage],
    }


def med_administration(drug: str, day: str, *, dose_ug) -> dict:
    """A single administration (used for G-CSF)."""
    atc, display = DRUG[drug]
    return {
        "resourceType": "MedicationAdministration",
        "status": "completed",
        "medicationCodeableConcept": concept(ATC, atc, display),
        "effectiveDateTime": when(day, "10:00"),
        "dosage": {"route": concept(SNOMED, "34206005", "Subcutaneous route"),
                   "dose": quantity(dose_ug, "ug", "ug")},
    }


# --------------------------------------------------------------------------------------
# Bundle builder
# --------------------------------------------------------------------------------------

class PatientBundle:
    """One patient's resources; `restful=True` gives http://example.org/fhir/... fullUrls."""

    def __init__(self, pid: str, *, name: tuple[str, str], gender: str, birth: str,
                 restful: bool = False):
        self.pid = pid
        self.restful = restful
        self.entries: list[dict] = []
        self.ids: set[str] = set()
        self.gender = gender
        self.birth = date.fromisoformat(birth)
        patient = {
            "resourceType": "Patient",
            "name": [{"family": name[1], "given": [name[0]]}],
            "gender": gender,
            "birthDate": birth,
        }
        self._add(patient, pid)

    def _full_url(self, rtype: str, rid: str) -> str:
        if self.restful:
            return f"http://example.org/fhir/{rtype}/{rid}"
        return "urn:uuid:" + str(uuid.uuid5(UUID_NAMESPACE, f"{self.pid}/{rtype}/{rid}"))

    def _add(self, resource: dict, slug: str) -> None:
        rid, n = slug, 2
        while rid in self.ids:
            rid, n = f"{slug}-{n}", n + 1
        assert len(rid) <= 64, rid
        self.ids.add(rid)
        resource = {"resourceType": resource["resourceType"], "id": rid,
                    **{k: v for k, v in resource.items() if k != "resourceType"}}
        if resource["resourceType"] != "Patient":
            resource["subject"] = {"reference": f"Patient/{self.pid}"}
        self.entries.append({"fullUrl": self._full_url(resource["resourceType"], rid),
                             "resource": resource})

    def add(self, *resources: dict) -> PatientBundle:
        for r in resources:
            self._add(r, slug_for(r))
        return self

    @property
    def age(self) -> int:
        b = self.birth
        return AS_OF.year - b.year - ((AS_OF.month, AS_OF.day) < (b.month, b.day))

    def to_json(self) -> dict:
        return {"resourceType": "Bundle", "id": self.pid, "type": "collection",
                "timestamp": "2026-06-01T07:00:00Z", "entry": self.entries}


def slug_for(r: dict) -> str:
    rtype = r["resourceType"]
    if rtype == "Observation":
        code = r["code"]["coding"][0]
        day = (r.get("effectiveDateTime") or "")[:10].replace("-", "")
        if code["system"] == ATTESTATION:
            return f"att-{code['code']}"
        if code["system"] == ASSESSMENT:
            return f"asmt-{code['code']}-{day}"
        return f"obs-{code['code']}-{day}"
    if rtype == "Condition":
        return "cond-" + r["code"]["coding"][0]["code"].replace(".", "-").lower()
    if rtype in ("MedicationStatement", "MedicationAdministration"):
        prefix = "medst" if rtype == "MedicationStatement" else "medadm"
        name = r["medicationCodeableConcept"]["coding"][0]["display"].split(",")[0]
        return f"{prefix}-{name.replace(' ', '-')}"
    raise ValueError(rtype)


# --------------------------------------------------------------------------------------
# Shared panels (each patient still states every value explicitly)
# --------------------------------------------------------------------------------------

def screening_labs(day: str, *, wbc, anc, hgb, alt, ast, tbil, creat, inr, pt,
                   alt_uln=40, ast_uln=40, tbil_uln=1.2, inr_uln=1.1, pt_uln=13.5) -> list[dict]:
    """Full blood count, liver panel, creatinine and coagulation drawn on one morning.
    Any value passed as None is left out (an open item)."""
    out = []
    if wbc is not None:
        out.append(lab("wbc", wbc, day))
    if anc is not None:
        out.append(lab("anc", anc, day))
    if hgb is not None:
        out.append(lab("hgb", hgb, day, low=115, high=155))
    if alt is not None:
        out.append(lab("alt", alt, day, low=7, high=alt_uln))
    if ast is not None:
        out.append(lab("ast", ast, day, low=10, high=ast_uln))
    if tbil is not None:
        out.append(lab("tbil", tbil, day, low=0.2, high=tbil_uln))
    if creat is not None:
        out.append(lab("creat", creat, day, low=0.5, high=1.1))
    if inr is not None:
        out.append(lab("inr", inr, day, low=0.9, high=inr_uln))
    if pt is not None:
        out.append(lab("pt", pt, day, low=11.0, high=pt_uln))
    return out


def serology(day: str, *, hbsag="negative", hbcab="negative", hbv_dna=None, hcv="negative",
             hiv="negative", syphilis="negative") -> list[dict]:
    """Infectious-disease screening (SPEC §4.3 exc.hbv/hcv/hiv/syphilis: within 90 days)."""
    out = [qualitative("hbsag", hbsag, day), qualitative("hbcab", hbcab, day)]
    if hbv_dna:
        out.append(qualitative("hbv-dna", hbv_dna, day))
    out += [qualitative("hcv-ab", hcv, day), qualitative("hiv", hiv, day),
            qualitative("syphilis", syphilis, day)]
    return out


def common_attestations(*, childbearing: bool, contraception: bool | None = None,
                        lactating: bool | None = None, consent: bool = True,
                        day: str = "2026-05-28") -> list[dict]:
    out = []
    if consent:
        out.append(attestation("informed-consent", True, day))
    out.append(attestation("hemodynamically-stable", True, day))
    out.append(attestation("childbearing-potential", childbearing, day))
    if contraception is not None:
        out.append(attestation("contraception-agreed", contraception, day))
    if lactating is not None:
        out.append(attestation("lactating", lactating, day))
    return out


# --------------------------------------------------------------------------------------
# Self-checks: exact arithmetic of the computed quantities the README relies on
# --------------------------------------------------------------------------------------

def crcl(age: int, weight_kg: Fraction, creat_mg_dl: Fraction, female: bool) -> Fraction:
    """Cockcroft–Gault (SPEC §4.1 inc.crcl) in exact arithmetic."""
    value = Fraction(140 - age) * weight_kg / (72 * creat_mg_dl)
    return value * Fraction(85, 100) if female else value


def check_crcl(b: PatientBundle, weight_kg, creat_mg_dl, *, expect_at_least: int = 60) -> Fraction:
    value = crcl(b.age, Fraction(str(weight_kg)), Fraction(str(creat_mg_dl)), b.gender == "female")
    assert value >= expect_at_least, (b.pid, float(value))
    SUMMARY.append(f"{b.pid}: age {b.age}, CrCl {float(value):.2f} mL/min")
    return value


def check_steroid(b: PatientBundle, pred_equiv_mg_per_day, weight_kg) -> None:
    ratio = Fraction(str(pred_equiv_mg_per_day)) / Fraction(str(weight_kg))
    assert ratio >= 1, (b.pid, float(ratio))
    SUMMARY.append(f"{b.pid}: glucocorticoid {float(ratio):.2f} mg/kg/day prednisone-equivalent")


def check_days(b: PatientBundle, start: str, end: str | None, *, more_than: int = 182) -> None:
    days = ((date.fromisoformat(end) if end else AS_OF) - date.fromisoformat(start)).days + 1
    assert days > more_than, (b.pid, start, end, days)


SUMMARY: list[str] = []


# --------------------------------------------------------------------------------------
# pSS
# --------------------------------------------------------------------------------------

def pss_eligible() -> PatientBundle:
    """38-year-old woman of childbearing potential, anti-Ro/SSA pSS with glandular,
    articular and haematological activity; failed the full conventional regimen."""
    b = PatientBundle("pss-eligible", name=("Mei", "Lin"), gender="female", birth="1987-09-14")
    b.add(condition("M35.01", "Sjogren syndrome with keratoconjunctivitis", "2019-04-10"),
          condition("E06.3", "Autoimmune thyroiditis", "2020-01-22"))
    b.add(*screening_labs("2026-05-26", wbc=4.1, anc=2.3, hgb=118, alt=28, ast=31, tbil=0.6,
                          creat=0.72, inr=1.0, pt=12.4),
          lab("weight", 56, "2026-05-26"))
    check_crcl(b, 56, "0.72")
    b.add(qualitative("hcg-serum", "negative", "2026-05-28"))
    b.add(*serology("2026-05-12"))
    b.add(assessment("essdai", 14, "2026-05-26", display="ESSDAI"))
    b.add(med_statement("hydroxychloroquine", "2019-06-01", dose_mg=400),
          med_statement("prednisolone", "2024-02-01", "2024-03-15", dose_mg=60),
          med_statement("cyclophosphamide", "2024-03-01", "2024-08-31", dose_mg=800,
                        period=1, period_unit="mo", route="IV pulse, monthly"),
          med_statement("mycophenolate", "2024-09-01", "2025-10-31", dose_mg=1000, frequency=2),
          med_statement("prednisolone", "2024-03-16", dose_mg=7.5))
    check_steroid(b, 60, 56)
    check_days(b, "2024-09-01", "2025-10-31")
    b.add(*common_attestations(childbearing=True, contraception=True, lactating=False),
          attestation("conventional-treatment-ineffective", True))
    # classified by the computed 2016 ACR/EULAR score (no attestation): focus score ≥ 1 (3)
    # + anti-SSA/Ro (3) + staining ≥ 5 (1) + Schirmer ≤ 5 mm (1) + flow ≤ 0.1 mL/min (1) = 9
    b.add(finding("sicca-symptoms", True, "2019-03-02"),
          assessment("labial-focus-score", 2, "2019-04-02", unit="foci/4 mm2", ucum="1"),
          qualitative("anti-ssa", "positive", "2019-03-20"),
          assessment("ocular-staining-score", 6, "2019-03-20"),
          assessment("schirmer", 3, "2019-03-20", unit="mm/5 min", ucum="mm"),
          assessment("unstimulated-salivary-flow", 0.05, "2019-03-20", unit="mL/min",
                     ucum="mL/min"))
    return b


def pss_ineligible_lab() -> PatientBundle:
    """52-year-old woman with pSS and autoimmune neutropenia: ANC 0.8 × 10^9/L."""
    b = PatientBundle("pss-ineligible-lab", name=("Ingrid", "Halvorsen"), gender="female",
                      birth="1973-10-30")
    b.add(condition("M35.00", "Sjogren syndrome, unspecified", "2017-08-03"))
    b.add(*screening_labs("2026-05-21", wbc=3.4, anc=0.8, hgb=109, alt=24, ast=27, tbil=0.5,
                          creat=0.74, inr=1.0, pt=12.1),
          lab("weight", 50, "2026-05-21"))
    check_crcl(b, 50, "0.74")
    b.add(*serology("2026-05-07"))
    b.add(assessment("essdai", 9, "2026-05-21", display="ESSDAI"))
    b.add(med_statement("hydroxychloroquine", "2017-09-01", dose_mg=200),
          med_statement("prednisone", "2021-01-05", "2021-02-28", dose_mg=60),
          med_statement("azathioprine", "2021-01-15", "2022-02-28", dose_mg=100),
          med_statement("cyclophosphamide", "2022-04-01", "2022-09-30", dose_mg=750,
                        period=1, period_unit="mo", route="IV pulse, monthly"))
    check_steroid(b, 60, 50)
    check_days(b, "2021-01-15", "2022-02-28")
    b.add(*common_attestations(childbearing=False),
          attestation("pss-classification-met", True),
          attestation("conventional-treatment-ineffective", True))
    return b


def pss_incomplete() -> PatientBundle:
    """33-year-old woman of childbearing potential: her serum HCG is 12 days old and the
    recent pregnancy test is a urine test, so the serum HCG within 7 days is missing."""
    b = PatientBundle("pss-incomplete", name=("Sofia", "Marquez"), gender="female",
                      birth="1992-12-05")
    b.add(condition("M35.00", "Sjogren syndrome, unspecified", "2020-11-18"))
    b.add(*screening_labs("2026-05-20", wbc=4.6, anc=2.9, hgb=121, alt=21, ast=24, tbil=0.7,
                          creat=0.68, inr=1.0, pt=12.0),
          lab("weight", 61, "2026-05-20"))
    check_crcl(b, 61, "0.68")
    b.add(qualitative("hcg-serum", "negative", "2026-05-20"),   # 12 days before: too old
          qualitative("hcg-urine", "negative", "2026-05-30"))   # urine: not a serum HCG
    b.add(*serology("2026-05-20"))
    b.add(assessment("essdai", 11, "2026-05-20", display="ESSDAI"))
    b.add(med_statement("hydroxychloroquine", "2020-12-01", dose_mg=400),
          med_statement("methylprednisolone", "2023-05-02", "2023-06-10", dose_mg=64),
          med_statement("cyclophosphamide", "2023-05-15", "2023-10-15", dose_mg=800,
                        period=1, period_unit="mo", route="IV pulse, monthly"),
          med_statement("tacrolimus", "2023-11-01", dose_mg=2, frequency=2))
    check_steroid(b, 80, 61)  # methylprednisolone 64 mg = prednisone 80 mg
    check_days(b, "2023-11-01", None)
    b.add(*common_attestations(childbearing=True, contraception=True, lactating=False),
          attestation("pss-classification-met", True),
          attestation("conventional-treatment-ineffective", True))
    return b


def pss_liver_exempt() -> PatientBundle:
    """44-year-old woman with pSS and disease-related liver involvement: ALT 4 × ULN,
    attested as caused by the disease itself."""
    b = PatientBundle("pss-liver-exempt", name=("Claire", "Dubois"), gender="female",
                      birth="1981-12-20")
    b.add(condition("M35.00", "Sjogren syndrome, unspecified", "2018-06-25"))
    b.add(*screening_labs("2026-05-25", wbc=4.8, anc=2.7, hgb=116, alt=160, ast=96, tbil=0.9,
                          creat=0.70, inr=1.1, pt=12.9),
          lab("weight", 63, "2026-05-25"))
    check_crcl(b, 63, "0.70")
    b.add(*serology("2026-05-11"))
    b.add(assessment("essdai", 12, "2026-05-25", display="ESSDAI"))
    b.add(med_statement("hydroxychloroquine", "2018-07-01", "2024-12-31", dose_mg=400),
          med_statement("prednisone", "2024-01-10", "2024-02-29", dose_mg=70),
          med_statement("cyclophosphamide", "2024-02-01", "2024-07-31", dose_mg=900,
                        period=1, period_unit="mo", route="IV pulse, monthly"),
          med_statement("rituximab", "2025-01-15", "2025-01-29", dose_mg=1000,
                        period=2, period_unit="wk", route="IV, two infusions"),
          med_statement("mycophenolate", "2025-03-01", dose_mg=1000, frequency=2))
    check_steroid(b, 70, 63)
    check_days(b, "2018-07-01", "2024-12-31")
    b.add(*common_attestations(childbearing=False),
          attestation("pss-classification-met", True),
          attestation("conventional-treatment-ineffective", True),
          attestation("liver-abnormality-disease-related", True))
    return b


# --------------------------------------------------------------------------------------
# SSc
# --------------------------------------------------------------------------------------

def ssc_eligible() -> PatientBundle:
    """48-year-old woman with diffuse SSc and ILD (ground glass on HRCT, FVC 63 %),
    skin progression (mRSS 18 → 25)."""
    b = PatientBundle("ssc-eligible", name=("Ana", "Rodrigues"), gender="female",
                      birth="1977-11-03")
    b.add(condition("M34.81", "Systemic sclerosis with lung involvement", "2021-02-15"),
          condition("I73.00", "Raynaud's syndrome without gangrene", "2019-10-01"),
          condition("K21.9", "Gastro-esophageal reflux disease without esophagitis", "2021-06-01"))
    b.add(*screening_labs("2026-05-25", wbc=6.8, anc=4.4, hgb=124, alt=22, ast=25, tbil=0.5,
                          creat=0.78, inr=1.0, pt=12.0),
          lab("weight", 55, "2026-05-25"))
    check_crcl(b, 55, "0.78")
    b.add(*serology("2026-05-12"))
    b.add(assessment("mrss", 18, "2025-08-20", display="modified Rodnan skin score"),
          assessment("mrss", 25, "2026-05-25", display="modified Rodnan skin score"),
          lab("fvc-pct", 71, "2025-08-22"),
          lab("fvc-pct", 63, "2026-05-18"),
          assessment("dlco-pct-pred", 54, "2026-05-18", unit="%", ucum="%",
                     display="DLCO % predicted"))
    b.add(med_statement("prednisone", "2023-03-01", "2023-04-15", dose_mg=30, frequency=2),
          med_statement("cyclophosphamide", "2023-03-15", "2023-09-15", dose_mg=1000,
                        period=1, period_unit="mo", route="IV pulse, monthly"),
          med_statement("mycophenolate", "2023-10-01", dose_mg=1500, frequency=2))
    check_steroid(b, 60, 55)
    check_days(b, "2023-10-01", None)
    b.add(*common_attestations(childbearing=False),
          attestation("conventional-treatment-ineffective", True),
          attestation("hrct-ground-glass", True))
    # classified by the computed 2013 ACR/EULAR score (no attestation): skin thickening
    # proximal to the MCPs (9, sufficient) + Raynaud (3) + ILD (2) ≥ 9; not a mimic
    b.add(finding("ssc-skin-proximal-mcp", True, "2021-02-15"),
          finding("ssc-raynaud", True, "2021-02-15"),
          finding("ssc-excluded", False, "2021-02-15"))
    return b


def ssc_ineligible_diagnosis() -> PatientBundle:
    """59-year-old man with diffuse SSc and SSc-related heart failure (I50.9)."""
    b = PatientBundle("ssc-ineligible-diagnosis", name=("Tomasz", "Nowak"), gender="male",
                      birth="1966-12-12")
    b.add(condition("M34.0", "Progressive systemic sclerosis", "2020-05-06"),
          condition("I50.9", "Heart failure, unspecified", "2025-11-20"))
    b.add(*screening_labs("2026-05-19", wbc=7.5, anc=4.9, hgb=131, alt=26, ast=29, tbil=0.8,
                          creat=1.0, inr=1.1, pt=13.0),
          lab("weight", 74, "2026-05-19"))
    check_crcl(b, 74, "1.0")
    b.add(*serology("2026-05-05"))
    b.add(assessment("mrss", 22, "2025-09-10", display="modified Rodnan skin score"),
          assessment("mrss", 27, "2026-05-19", display="modified Rodnan skin score"))
    b.add(med_statement("prednisone", "2022-02-01", "2022-03-15", dose_mg=80),
          med_statement("cyclophosphamide", "2022-02-15", "2022-08-15", dose_mg=1000,
                        period=1, period_unit="mo", route="IV pulse, monthly"),
          med_statement("methotrexate", "2022-09-01", "2024-03-31", dose_mg=15,
                        period=1, period_unit="wk"))
    check_steroid(b, 80, 74)
    check_days(b, "2022-09-01", "2024-03-31")
    b.add(*common_attestations(childbearing=False),
          attestation("ssc-classification-met", True),
          attestation("conventional-treatment-ineffective", True))
    return b


def ssc_incomplete() -> PatientBundle:
    """58-year-old woman with diffuse SSc; the coagulation screen has an INR but no PT."""
    b = PatientBundle("ssc-incomplete", name=("Helen", "Carter"), gender="female",
                      birth="1968-02-11")
    b.add(condition("M34.0", "Progressive systemic sclerosis", "2019-09-30"),
          condition("I73.00", "Raynaud's syndrome without gangrene", "2018-01-15"))
    b.add(*screening_labs("2026-05-22", wbc=5.9, anc=3.8, hgb=127, alt=18, ast=22, tbil=0.6,
                          creat=0.82, inr=1.0, pt=None),
          lab("weight", 62, "2026-05-22"))
    check_crcl(b, 62, "0.82")
    b.add(*serology("2026-05-08"))
    b.add(assessment("mrss", 16, "2025-07-01", display="modified Rodnan skin score"),
          assessment("mrss", 21, "2026-05-22", display="modified Rodnan skin score"))
    b.add(med_statement("prednisolone", "2022-06-01", "2022-07-20", dose_mg=65),
          med_statement("cyclophosphamide", "2022-06-10", "2022-12-10", dose_mg=1000,
                        period=1, period_unit="mo", route="IV pulse, monthly"),
          med_statement("mycophenolate", "2023-01-05", dose_mg=1000, frequency=2))
    check_steroid(b, 65, 62)
    check_days(b, "2023-01-05", None)
    b.add(*common_attestations(childbearing=False),
          attestation("ssc-classification-met", True),
          attestation("conventional-treatment-ineffective", True))
    return b


def ssc_boundary() -> PatientBundle:
    """50-year-old woman with SSc and GAVE-related anaemia whose values sit exactly on the
    inclusive thresholds: WBC 3.0, Hb 60 g/L, ALT 3 × ULN, CrCl exactly 60 mL/min,
    chemistry drawn exactly 28 days before the as-of date."""
    b = PatientBundle("ssc-boundary", name=("Maria", "Rossi"), gender="female",
                      birth="1975-11-10")
    b.add(condition("M34.0", "Progressive systemic sclerosis", "2020-03-12"),
          condition("D50.0", "Iron deficiency anemia secondary to blood loss (chronic)",
                    "2025-10-04"))
    # Chemistry exactly 28 days before 2026-06-01 (window start, included).
    b.add(*screening_labs("2026-05-04", wbc=None, anc=None, hgb=None, alt=120, ast=84,
                          tbil=0.9, creat=0.85, inr=None, pt=None))
    # Blood count and coagulation at the end of the window.
    b.add(*screening_labs("2026-05-29", wbc=3.0, anc=1.9, hgb=60, alt=None, ast=None,
                          tbil=None, creat=None, inr=1.1, pt=13.2))
    # A count drawn the day after the as-of date: must be ignored (SPEC §1).
    b.add(lab("wbc", 2.4, "2026-06-02"))
    b.add(lab("weight", 48, "2026-05-29"))
    value = check_crcl(b, 48, "0.85")
    assert value == 60, value
    b.add(*serology("2026-05-04"))
    b.add(assessment("mrss", 20, "2025-07-15", display="modified Rodnan skin score"),
          assessment("mrss", 24, "2026-05-29", display="modified Rodnan skin score"))
    b.add(med_statement("prednisone", "2023-02-01", "2023-03-20", dose_mg=50),
          med_statement("cyclophosphamide", "2023-02-10", "2023-08-10", dose_mg=700,
                        period=1, period_unit="mo", route="IV pulse, monthly"),
          med_statement("methotrexate", "2023-09-01", "2025-06-30", dose_mg=15,
                        period=1, period_unit="wk"))
    check_steroid(b, 50, 48)
    check_days(b, "2023-09-01", "2025-06-30")
    b.add(*common_attestations(childbearing=False),
          attestation("ssc-classification-met", True),
          attestation("conventional-treatment-ineffective", True))
    return b


# --------------------------------------------------------------------------------------
# IIM
# --------------------------------------------------------------------------------------

def iim_activity(day: str, *, mmt8, phga, ptga_mm, haq, extramuscular) -> list[dict]:
    out = []
    if mmt8 is not None:
        out.append(assessment("mmt8", mmt8, day, display="Manual muscle testing (MMT-8)"))
    out += [
        assessment("phga", phga, day, display="Physician global activity (0-10)"),
        assessment("ptga", ptga_mm, day, unit="mm", ucum="mm",
                   display="Patient global activity (0-100 mm VAS)"),
        assessment("haq-di", haq, day, display="HAQ disability index"),
        assessment("extramuscular-activity", extramuscular, day,
                   display="Extramuscular global activity (0-10)"),
    ]
    return out


def muscle_enzymes(day: str, *, ck, aldolase, ldh) -> list[dict]:
    return [lab("ck", ck, day, low=39, high=190),
            lab("aldolase", aldolase, day, low=1.0, high=7.6),
            lab("ldh", ldh, day, low=120, high=250)]


def iim_eligible() -> PatientBundle:
    """45-year-old man with anti-Mi-2 dermatomyositis, active myopathy despite steroids,
    cyclophosphamide, methotrexate and tacrolimus. His partner could conceive."""
    b = PatientBundle("iim-eligible", name=("David", "Keller"), gender="male",
                      birth="1980-07-22")
    b.add(condition("M33.12", "Other dermatomyositis with myopathy", "2022-09-05"))
    b.add(myositis_antibody("anti-Mi-2", "2022-09-08"))
    b.add(*screening_labs("2026-05-27", wbc=7.2, anc=5.1, hgb=136, alt=58, ast=64, tbil=0.7,
                          creat=0.95, inr=1.0, pt=12.2, alt_uln=45),
          *muscle_enzymes("2026-05-27", ck=1450, aldolase=14.2, ldh=412),
          lab("weight", 78, "2026-05-27"))
    check_crcl(b, 78, "0.95")
    b.add(*serology("2026-05-14"))
    b.add(*iim_activity("2026-05-27", mmt8=118, phga=5, ptga_mm=62, haq=1.25, extramuscular=3))
    b.add(med_statement("methylprednisolone", "2022-09-10", "2022-09-12", dose_mg=500,
                        route="IV pulse"),
          med_statement("prednisone", "2022-09-13", "2022-10-31", dose_mg=80),
          med_statement("methotrexate", "2022-10-01", "2023-06-30", dose_mg=20,
                        period=1, period_unit="wk"),
          med_statement("cyclophosphamide", "2023-01-10", "2023-06-10", dose_mg=1000,
                        period=1, period_unit="mo", route="IV pulse, monthly"),
          med_statement("tacrolimus", "2023-07-01", dose_mg=2, frequency=2))
    check_steroid(b, 625, 78)  # methylprednisolone 500 mg = prednisone 625 mg
    check_days(b, "2022-10-01", "2023-06-30")
    b.add(*common_attestations(childbearing=True, contraception=True),
          attestation("conventional-treatment-ineffective", True),
          attestation("muscle-involvement", True))
    # classified by the computed 2017 EULAR/ACR probability (no attestation): onset at 42 (2.1)
    # + proximal weakness upper (0.7) and lower (0.8) + heliotrope (3.1) + Gottron's papules
    # (2.1) + CK above ULN (1.3) = 10.1 without biopsy → 99 % (definite)
    b.add(assessment("iim-onset-age", 42, "2022-09-05", unit="a", ucum="a"),
          finding("iim-weakness-upper", True, "2022-09-05"),
          finding("iim-weakness-lower", True, "2022-09-05"),
          finding("iim-heliotrope-rash", True, "2022-09-05"),
          finding("iim-gottron-papules", True, "2022-09-05"),
          finding("muscle-biopsy", False, "2022-09-05"))
    return b


def iim_ineligible_treatment() -> PatientBundle:
    """41-year-old woman with anti-Jo-1 anti-synthetase polymyositis; never received
    cyclophosphamide and has not relapsed after a remission."""
    b = PatientBundle("iim-ineligible-treatment", name=("Laura", "Schmidt"), gender="female",
                      birth="1984-08-08")
    b.add(condition("M33.22", "Polymyositis with myopathy", "2023-01-12"))
    b.add(myositis_antibody("anti-Jo-1", "2023-01-16"))
    b.add(*screening_labs("2026-05-24", wbc=6.1, anc=3.9, hgb=125, alt=41, ast=49, tbil=0.6,
                          creat=0.66, inr=1.0, pt=12.3),
          *muscle_enzymes("2026-05-24", ck=980, aldolase=11.9, ldh=330),
          lab("weight", 57, "2026-05-24"))
    check_crcl(b, 57, "0.66")
    b.add(qualitative("hcg-serum", "negative", "2026-05-27"))
    b.add(*serology("2026-05-10"))
    b.add(*iim_activity("2026-05-24", mmt8=124, phga=4, ptga_mm=55, haq=0.875, extramuscular=2))
    b.add(med_statement("prednisone", "2023-01-20", "2023-03-31", dose_mg=60),
          med_statement("azathioprine", "2023-02-01", "2024-01-31", dose_mg=150),
          med_statement("methotrexate", "2024-02-15", dose_mg=15, period=1, period_unit="wk"),
          med_statement("ivig", "2025-03-01", "2025-09-30", dose_mg=115000,
                        period=1, period_unit="mo", route="IV, 2 g/kg monthly"))
    check_steroid(b, 60, 57)
    check_days(b, "2023-02-01", "2024-01-31")
    b.add(*common_attestations(childbearing=True, contraception=True, lactating=False),
          attestation("iim-classification-met", True),
          attestation("conventional-treatment-ineffective", True),
          attestation("relapse-after-remission", False),
          attestation("muscle-involvement", True))
    return b


def iim_incomplete() -> PatientBundle:
    """29-year-old woman with dermatomyositis: consent not yet signed and MMT-8 not done."""
    b = PatientBundle("iim-incomplete", name=("Aisha", "Rahman"), gender="female",
                      birth="1996-11-23")
    b.add(condition("M33.10", "Other dermatomyositis, organ involvement unspecified",
                    "2021-04-19"))
    b.add(myositis_antibody("anti-NXP2", "2021-04-22"))
    b.add(*screening_labs("2026-05-26", wbc=5.4, anc=3.3, hgb=122, alt=35, ast=44, tbil=0.5,
                          creat=0.64, inr=1.0, pt=12.1),
          *muscle_enzymes("2026-05-26", ck=610, aldolase=9.8, ldh=298),
          lab("weight", 59, "2026-05-26"))
    check_crcl(b, 59, "0.64")
    b.add(qualitative("hcg-serum", "negative", "2026-05-29"))
    b.add(*serology("2026-05-26"))
    b.add(*iim_activity("2026-05-26", mmt8=None, phga=4, ptga_mm=48, haq=0.875,
                        extramuscular=3))
    b.add(med_statement("prednisone", "2021-04-25", "2021-06-30", dose_mg=65),
          med_statement("cyclophosphamide", "2022-03-01", "2022-08-01", dose_mg=800,
                        period=1, period_unit="mo", route="IV pulse, monthly"),
          med_statement("hydroxychloroquine", "2021-05-01", dose_mg=400),
          med_statement("mycophenolate", "2022-09-01", dose_mg=1000, frequency=2))
    check_steroid(b, 65, 59)
    check_days(b, "2022-09-01", None)
    b.add(*common_attestations(childbearing=True, contraception=True, lactating=False,
                               consent=False),
          attestation("iim-classification-met", True),
          attestation("conventional-treatment-ineffective", True),
          attestation("muscle-involvement", True))
    return b


def iim_gcsf() -> PatientBundle:
    """36-year-old man with anti-SRP inflammatory myopathy; his only neutrophil count in the
    window was drawn 5 days after a filgrastim injection, so it is not evidence for inc.anc."""
    b = PatientBundle("iim-gcsf", name=("Kenji", "Watanabe"), gender="male", birth="1990-01-15")
    b.add(condition("M33.90", "Dermatopolymyositis, unspecified, organ involvement unspecified",
                    "2021-10-02"))
    b.add(myositis_antibody("anti-SRP", "2021-10-06"))
    b.add(med_administration("filgrastim", "2026-05-20", dose_ug=300))
    b.add(*screening_labs("2026-05-25", wbc=9.8, anc=6.4, hgb=133, alt=62, ast=71, tbil=0.8,
                          creat=1.02, inr=1.0, pt=12.5, alt_uln=45),
          *muscle_enzymes("2026-05-25", ck=2300, aldolase=16.5, ldh=480),
          lab("weight", 72, "2026-05-25"))
    check_crcl(b, 72, "1.02")
    b.add(*serology("2026-05-06"))
    b.add(*iim_activity("2026-05-25", mmt8=112, phga=6, ptga_mm=70, haq=1.5, extramuscular=1))
    b.add(med_statement("prednisone", "2021-10-10", "2021-12-20", dose_mg=75),
          med_statement("cyclophosphamide", "2022-01-10", "2022-06-10", dose_mg=1000,
                        period=1, period_unit="mo", route="IV pulse, monthly"),
          med_statement("methotrexate", "2022-07-01", "2023-09-30", dose_mg=20,
                        period=1, period_unit="wk"),
          med_statement("rituximab", "2024-02-01", "2024-02-15", dose_mg=1000,
                        period=2, period_unit="wk", route="IV, two infusions"))
    check_steroid(b, 75, 72)
    check_days(b, "2022-07-01", "2023-09-30")
    b.add(*common_attestations(childbearing=False),
          attestation("iim-classification-met", True),
          attestation("conventional-treatment-ineffective", True),
          attestation("muscle-involvement", True))
    return b


# --------------------------------------------------------------------------------------
# RA
# --------------------------------------------------------------------------------------

def das28_esr(tjc28: int, sjc28: int, esr: float, ptga_mm: float) -> float:
    return round(0.56 * math.sqrt(tjc28) + 0.28 * math.sqrt(sjc28) + 0.70 * math.log(esr)
                 + 0.014 * ptga_mm, 2)


def ra_scores(day: str, *, sjc66, tjc68, sjc28, tjc28, ptga, phga, esr=None, das28=True,
              cdai=False, functional_class=2) -> list[dict]:
    out = [assessment("sjc66", sjc66, day, display="Swollen joint count (66)"),
           assessment("tjc68", tjc68, day, display="Tender joint count (68)"),
           assessment("sjc28", sjc28, day, display="Swollen joint count (28)"),
           assessment("tjc28", tjc28, day, display="Tender joint count (28)"),
           assessment("ptga", ptga, day, display="Patient global assessment (0-10)"),
           assessment("phga", phga, day, display="Physician global assessment (0-10)")]
    if das28:
        out.append(assessment("das28-esr", das28_esr(tjc28, sjc28, esr, ptga * 10), day,
                              display="DAS28-ESR"))
    if cdai:
        out.append(assessment("cdai", sjc28 + tjc28 + ptga + phga, day, display="CDAI"))
    out.append(assessment("acr-functional-class", functional_class, day,
                          display="ACR functional class (1991)"))
    return out


def ra_eligible() -> PatientBundle:
    """55-year-old woman, seropositive RA for 10 years; methotrexate, then adalimumab and
    baricitinib failed; resolved hepatitis B (HBcAb positive, HBV DNA not detected)."""
    b = PatientBundle("ra-eligible", name=("Grace", "Okafor"), gender="female",
                      birth="1971-01-19")
    b.add(condition("M05.79", "Rheumatoid arthritis with rheumatoid factor of multiple sites "
                    "without organ or systems involvement", "2016-03-10"))
    b.add(*screening_labs("2026-05-22", wbc=8.3, anc=5.6, hgb=112, alt=19, ast=21, tbil=0.4,
                          creat=0.81, inr=1.0, pt=12.6),
          lab("crp", 24, "2026-05-22", high=5),
          lab("esr", 46, "2026-05-22", high=20),
          lab("weight", 68, "2026-05-22"))
    check_crcl(b, 68, "0.81")
    b.add(*serology("2026-05-08", hbcab="positive", hbv_dna="not detected"))
    b.add(*ra_scores("2026-05-22", sjc66=9, tjc68=14, sjc28=7, tjc28=11, ptga=7, phga=6,
                     esr=46))
    b.add(med_statement("methotrexate", "2016-04-01", "2024-12-31", dose_mg=20,
                        period=1, period_unit="wk"),
          med_statement("adalimumab", "2019-01-15", "2021-06-30", dose_mg=40,
                        period=2, period_unit="wk"),
          med_statement("baricitinib", "2021-08-01", "2023-02-28", dose_mg=4),
          med_statement("leflunomide", "2025-01-15", dose_mg=20),
          med_statement("prednisone", "2024-06-01", dose_mg=5))
    b.add(*common_attestations(childbearing=False),
          attestation("symptoms-problematic", True))
    # classified by the computed 2010 ACR/EULAR score (no attestation): 4–10 small joints (3)
    # + high-positive RF (3) + abnormal CRP (1) + symptoms ≥ 6 weeks (1) = 8 ≥ 6
    b.add(assessment("large-joints-involved", 2, "2016-03-10", unit="joints", ucum="1"),
          assessment("small-joints-involved", 8, "2016-03-10", unit="joints", ucum="1"),
          assessment("symptom-duration", 14, "2016-03-10", unit="wk", ucum="wk"),
          lab("rf", 96, "2016-03-10", high=14),
          lab("acpa", 2, "2016-03-10", high=5),
          lab("crp", 31, "2016-03-10", high=5),
          lab("esr", 38, "2016-03-10", high=20))
    return b


def ra_ineligible_age() -> PatientBundle:
    """67-year-old man with seronegative RA: every other criterion is met."""
    b = PatientBundle("ra-ineligible-age", name=("Robert", "Fischer"), gender="male",
                      birth="1959-02-14")
    b.add(condition("M06.09", "Rheumatoid arthritis without rheumatoid factor, multiple sites",
                    "2012-05-21"),
          condition("I10", "Essential (primary) hypertension", "2015-03-02"))
    b.add(*screening_labs("2026-05-18", wbc=7.9, anc=5.0, hgb=138, alt=23, ast=26, tbil=0.7,
                          creat=0.9, inr=1.0, pt=12.8),
          lab("crp", 31, "2026-05-18", high=5),
          lab("esr", 38, "2026-05-18", high=20),
          lab("weight", 82, "2026-05-18"))
    check_crcl(b, 82, "0.9")
    b.add(*serology("2026-05-04"))
    b.add(*ra_scores("2026-05-18", sjc66=8, tjc68=10, sjc28=6, tjc28=9, ptga=6, phga=5,
                     esr=38))
    b.add(med_statement("methotrexate", "2012-06-01", "2020-10-31", dose_mg=20,
                        period=1, period_unit="wk"),
          med_statement("etanercept", "2016-02-01", "2019-05-31", dose_mg=50,
                        period=1, period_unit="wk"),
          med_statement("tocilizumab", "2019-07-01", "2022-12-31", dose_mg=162,
                        period=1, period_unit="wk"),
          med_statement("abatacept", "2023-02-01", dose_mg=125, period=1, period_unit="wk"))
    b.add(*common_attestations(childbearing=False),
          attestation("ra-classification-met", True),
          attestation("symptoms-problematic", True))
    return b


def ra_incomplete() -> PatientBundle:
    """46-year-old woman with RA: CRP and ESR were last measured 46 days ago (outside the
    28-day screening window); CDAI 30 recorded at screening."""
    b = PatientBundle("ra-incomplete", name=("Nadia", "Petrova"), gender="female",
                      birth="1979-09-09")
    b.add(condition("M05.79", "Rheumatoid arthritis with rheumatoid factor of multiple sites "
                    "without organ or systems involvement", "2018-11-05"))
    b.add(lab("crp", 18, "2026-04-16", high=5),   # outside the window: does not count
          lab("esr", 41, "2026-04-16", high=20))  # outside the window: does not count
    b.add(*screening_labs("2026-05-21", wbc=7.1, anc=4.6, hgb=119, alt=25, ast=23, tbil=0.5,
                          creat=0.76, inr=1.0, pt=12.2),
          lab("weight", 66, "2026-05-21"))
    check_crcl(b, 66, "0.76")
    b.add(*serology("2026-05-21"))
    b.add(*ra_scores("2026-05-21", sjc66=10, tjc68=12, sjc28=8, tjc28=10, ptga=6, phga=6,
                     das28=False, cdai=True))
    b.add(med_statement("methotrexate", "2018-12-01", dose_mg=20, period=1, period_unit="wk"),
          med_statement("sulfasalazine", "2019-03-01", "2020-01-31", dose_mg=1000, frequency=2),
          med_statement("adalimumab", "2020-02-01", "2022-05-31", dose_mg=40,
                        period=2, period_unit="wk"),
          med_statement("rituximab", "2022-08-01", "2023-08-15", dose_mg=1000,
                        period=6, period_unit="mo", route="IV, 2 × 1000 mg courses"))
    b.add(*common_attestations(childbearing=False),
          attestation("ra-classification-met", True),
          attestation("symptoms-problematic", True))
    return b


def ra_other_units() -> PatientBundle:
    """48-year-old woman with RA whose laboratory reports in other units: creatinine and
    bilirubin in µmol/L, haemoglobin in g/dL, counts per µL, CRP in mg/dL, weight in lb,
    ALT/AST in [IU]/L, INR with UCUM unit 1."""
    b = PatientBundle("ra-other-units", name=("Emily", "Walsh"), gender="female",
                      birth="1978-03-30", restful=True)
    b.add(condition("M06.9", "Rheumatoid arthritis, unspecified", "2017-07-14"))
    day = "2026-05-27"
    b.add(lab("wbc-any", 6200, day, ucum="/uL", unit="/µL"),
          lab("anc", 3900, day, ucum="/uL", unit="/µL"),
          lab("hgb", 11.8, day, ucum="g/dL", unit="g/dL", low=11.5, high=15.5),
          lab("alt", 24, day, ucum="[IU]/L", unit="IU/L", low=7, high=35),
          lab("ast", 27, day, ucum="[IU]/L", unit="IU/L", low=10, high=35),
          lab("tbil-molar", 12, day, low=3, high=21),
          lab("creat-molar", 71, day, low=45, high=90),
          lab("inr", 1.0, day, ucum="1", unit="1", low=0.9, high=1.1),
          lab("pt", 12.3, day, low=11.0, high=13.5),
          lab("crp", 2.4, day, ucum="mg/dL", unit="mg/dL", high=0.5),
          lab("esr", 24, day, high=20),
          lab("weight", 154, day, ucum="[lb_av]", unit="lb"))
    weight_kg = Fraction(154) * Fraction("0.45359237")
    check_crcl(b, weight_kg, Fraction(71) / Fraction("88.42"))
    b.add(*serology("2026-05-13"))
    b.add(*ra_scores(day, sjc66=7, tjc68=9, sjc28=6, tjc28=8, ptga=7, phga=6, esr=24))
    b.add(med_statement("methotrexate", "2017-08-01", "2023-03-31", dose_mg=25,
                        period=1, period_unit="wk"),
          med_statement("hydroxychloroquine", "2017-08-01", dose_mg=400),
          med_statement("tocilizumab", "2020-01-10", "2022-06-30", dose_mg=162,
                        period=1, period_unit="wk"),
          med_statement("rituximab", "2023-05-01", "2024-05-15", dose_mg=1000,
                        period=6, period_unit="mo", route="IV, 2 × 1000 mg courses"))
    b.add(*common_attestations(childbearing=False),
          attestation("ra-classification-met", True),
          attestation("symptoms-problematic", True))
    return b


def ra_gilbert() -> PatientBundle:
    """34-year-old man with RA and Gilbert syndrome: total bilirubin 2.5 × ULN, within the
    3.0 × ULN limit that applies with Gilbert syndrome. His partner could conceive."""
    b = PatientBundle("ra-gilbert", name=("Lucas", "Moreau"), gender="male", birth="1991-10-02")
    b.add(condition("M06.9", "Rheumatoid arthritis, unspecified", "2020-06-15"),
          condition("E80.4", "Gilbert syndrome", "2010-03-08"))
    b.add(*screening_labs("2026-05-28", wbc=6.6, anc=4.1, hgb=149, alt=27, ast=24, tbil=3.0,
                          creat=1.05, inr=1.0, pt=12.4),
          lab("crp", 15, "2026-05-28", high=5),
          lab("esr", 30, "2026-05-28", high=15),
          lab("weight", 80, "2026-05-28"))
    check_crcl(b, 80, "1.05")
    b.add(*serology("2026-05-14"))
    b.add(*ra_scores("2026-05-28", sjc66=8, tjc68=11, sjc28=6, tjc28=9, ptga=6, phga=5,
                     esr=30))
    b.add(med_statement("methotrexate", "2020-07-01", dose_mg=20, period=1, period_unit="wk"),
          med_statement("etanercept", "2021-03-01", "2023-01-31", dose_mg=50,
                        period=1, period_unit="wk"),
          med_statement("tofacitinib-old-atc", "2023-03-01", "2025-04-30", dose_mg=5,
                        frequency=2))
    b.add(*common_attestations(childbearing=True, contraception=True),
          attestation("ra-classification-met", True),
          attestation("symptoms-problematic", True))
    return b


# --------------------------------------------------------------------------------------

PATIENTS = [
    pss_eligible, ssc_eligible, iim_eligible, ra_eligible,
    pss_ineligible_lab, ssc_ineligible_diagnosis, iim_ineligible_treatment, ra_ineligible_age,
    pss_incomplete, ssc_incomplete, iim_incomplete, ra_incomplete,
    ra_other_units, iim_gcsf, ra_gilbert, pss_liver_exempt, ssc_boundary,
]


def main() -> None:
    for build in PATIENTS:
        b = build()
        assert 0 <= b.age < 120
        path = OUT_DIR / f"{b.pid}.json"
        path.write_text(json.dumps(b.to_json(), indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        print(f"wrote {path.name} ({len(b.entries)} resources)")
    print("\n".join(SUMMARY))


if __name__ == "__main__":
    main()
