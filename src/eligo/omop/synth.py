"""``eligo synth``: a synthetic OMOP CDM population, deterministic for a seed.

The four cohort diseases (pSS, SSc, IIM, RA) at about 3 % each over a realistic background,
with a small consistent vocabulary: every code the protocol's value sets name (patterns
expanded to a few concrete codes), background codes, UCUM units, the standard value and
operator concepts, and the eligo local concepts. Facts follow ``docs/omop.md``.

Everything is generated inside DuckDB from ``hash(seed, person_id, slot, salt)``-derived
numbers, so a row's content depends only on the seed and its position, never on threads or
insertion order; persons are written in chunks so that 10⁶ persons (≈ 70 M fact rows) fit
in a few GB. Row ids are ``person_id × stride + slot``: unique and reproducible.

A share of the disease persons (``NEAR``) is made *nearly eligible*: screening labs within 28
days of the as-of date (in mixed units, with reference ranges in the row's unit), serologies
within 90 days, disease assessments (with a baseline 6–12 months earlier for mRSS, FVC, DLCO
and mTSS), investigator attestations, treatment histories (glucocorticoid courses with daily
doses, cyclophosphamide, csDMARDs and conventional immunomodulators, b/tsDMARDs of several
mechanisms, G-CSF shortly before a neutrophil count), and exclusion diagnoses for some. Each
of these items is drawn independently, so a nearly eligible person almost always misses one
or more of them. Data are deliberately missing for some (no INR, no ULN, no recent weight,
unknown doses).

A smaller share (``ELIGIBLE``, taken from the nearly eligible) is generated *complete and
eligible* for their cohort as of the as-of date: aged 19–64 with a full birth date, every
screening lab inside the protocol's limits with its upper limit of normal, creatinine capped
so that Cockcroft–Gault clears 60 mL/min, negative serologies, the cohort's assessments and
attestations (childbearing potential answered for everyone, with contraception and a negative
serum HCG where it applies), a refractory history (≥ 1 mg/kg/day glucocorticoid,
cyclophosphamide and > 182 days of a conventional immunomodulator, or a relapse after
remission), for RA a diagnosis ≥ 6 months old, a csDMARD and two or three b/tsDMARD
mechanisms, and none of the exclusions (no excluding diagnosis, allergy, trial participation
or G-CSF; past infections resolved). ``designed_eligible`` names them.

Another share (``SHORT``) is generated the same way but *one short*: exactly one item is
missing (INR, recent weight, HIV test, hemodynamic-stability or consent attestation, the
classification attestation: the criterion is unknown) or failing (hemodynamically unstable,
the investigator excludes, a heart disease, mental illness or current infection), so that the
unlock and leave-one-out tables have persons one criterion away from eligible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from eligo.omop.schema import CDM_TABLES, VOCABULARY_TABLES, ddl

__all__ = ["AS_OF", "CHUNK", "COHORTS", "ELIGIBLE", "NEAR", "SHORT", "designed_eligible",
           "synthesize"]

AS_OF = date(2026, 6, 1)
#: share of the disease persons generated complete and eligible for their cohort
ELIGIBLE = 0.08
#: share generated as the eligible ones but *one short*: exactly one item spoiled (``_KNOCKS``)
SHORT = 0.1
#: share of the disease persons generated nearly eligible (the eligible ones among them)
NEAR = 0.55
#: persons per generation chunk (bounds memory; also the progress step)
CHUNK = 50_000
#: cohort numbers used in the generator (0 = background)
COHORTS = {"pss": 1, "ssc": 2, "iim": 3, "ra": 4}
_ALL = (0, 1, 2, 3, 4)
_DZ = (1, 2, 3, 4)

_PROTOCOLS = Path(__file__).resolve().parent.parent / "protocols"
_VALID_START = date(1970, 1, 1)
_VALID_END = date(2099, 12, 31)

# OMOP concept ids fixed by docs/omop.md (real OHDSI ids)
MALE, FEMALE = 8507, 8532
YES, NO = 4188539, 4188540
POSITIVE, NEGATIVE, DETECTED, NOT_DETECTED = 9191, 9189, 4126681, 9190
OP_LT, OP_LE, OP_GT, OP_GE = 4171756, 4171754, 4172704, 4171755
EHR = 32817  # Type Concept "EHR"
ALLERGY, SEVERE_ALLERGY, TRIAL = 2000000001, 2000000002, 2000000003

# ---------------------------------------------------------------------------- vocabulary data

#: SNOMED concepts: code → name (value-set codes come with their own display)
_SNOMED: dict[str, str] = {
    "83901003": "Sjögren's syndrome", "89155008": "Systemic sclerosis",
    "31384009": "Polymyositis", "396230008": "Dermatomyositis",
    "69896004": "Rheumatoid arthritis", "233703007": "Interstitial lung disease",
    "27503000": "Gilbert's syndrome", "19943007": "Cirrhosis of liver",
    "72315009": "Inclusion body myositis", "363346000": "Malignant neoplastic disease",
    "254837009": "Malignant neoplasm of breast", "93880001": "Primary malignant neoplasm of lung",
    "363406005": "Malignant tumor of colon", "399068003": "Malignant tumor of prostate",
    "254701007": "Basal cell carcinoma of skin", "254651007": "Squamous cell carcinoma of skin",
    "92564006": "Carcinoma in situ of uterine cervix",
    "92546004": "Carcinoma in situ of urinary bladder",
    "38341003": "Hypertensive disorder", "44054006": "Diabetes mellitus type 2",
    "55822004": "Hyperlipidemia", "235595009": "Gastroesophageal reflux disease",
    "195967001": "Asthma", "279039007": "Low back pain", "414916001": "Obesity",
    "197480006": "Anxiety disorder", "37796009": "Migraine",
    "54150009": "Upper respiratory infection", "68566005": "Urinary tract infectious disease",
    "40930008": "Hypothyroidism", "10743008": "Irritable bowel syndrome",
    "9014002": "Psoriasis", "61582004": "Allergic rhinitis", "271737000": "Anemia",
    "34713006": "Vitamin D deficiency", "266569009": "Benign prostatic hyperplasia",
    "203082005": "Fibromyalgia", "53741008": "Coronary arteriosclerosis",
    "4556007": "Gastritis", "25064002": "Headache", "84114007": "Heart failure",
    "49436004": "Atrial fibrillation", "86406008": "Human immunodeficiency virus infection",
    "233604007": "Pneumonia", "91302008": "Sepsis", "4740000": "Herpes zoster",
    "46177005": "End-stage renal disease", "58214004": "Schizophrenia",
    "84757009": "Epilepsy", "432504007": "Cerebral infarction",
    "35489007": "Depressive disorder",
    "266919005": "Never smoked tobacco", "8517006": "Ex-smoker", "77176002": "Smoker",
}
#: SNOMED is-a edges written to concept_ancestor (ancestor, descendant)
_SNOMED_ISA = [("363346000", c) for c in
               ("254837009", "93880001", "363406005", "399068003", "254701007", "254651007")]


@dataclass(frozen=True)
class _Icd:
    code: str  # ICD-10-CM code with its dot
    name: str
    snomed: str | None = None  # 'Maps to' target
    who: bool = True  # also a WHO ICD-10 code (as code[:5])


_ICD: tuple[_Icd, ...] = (
    # cohort diseases
    _Icd("M35.00", "Sjögren syndrome, unspecified", "83901003"),
    _Icd("M35.01", "Sjögren syndrome with keratoconjunctivitis", "83901003"),
    _Icd("M35.09", "Sjögren syndrome with other organ involvement"),
    _Icd("M34.0", "Progressive systemic sclerosis", "89155008"),
    _Icd("M34.1", "CR(E)ST syndrome"),
    _Icd("M34.9", "Systemic sclerosis, unspecified", "89155008"),
    _Icd("M34.81", "Systemic sclerosis with lung involvement", None, False),
    _Icd("M33.20", "Polymyositis, organ involvement unspecified", "31384009"),
    _Icd("M33.10", "Other dermatomyositis, organ involvement unspecified", "396230008"),
    _Icd("M33.90", "Dermatopolymyositis, unspecified, organ involvement unspecified"),
    _Icd("M60.89", "Other myositis, multiple sites"),
    _Icd("M36.0", "Dermato(poly)myositis in neoplastic disease"),
    _Icd("M05.79", "Rheumatoid arthritis with rheumatoid factor of multiple sites without "
                   "organ or systems involvement", "69896004"),
    _Icd("M05.9", "Rheumatoid arthritis with rheumatoid factor, unspecified", "69896004"),
    _Icd("M06.9", "Rheumatoid arthritis, unspecified", "69896004"),
    _Icd("M06.09", "Rheumatoid arthritis without rheumatoid factor, multiple sites",
         "69896004"),
    _Icd("M06.1", "Adult-onset Still's disease"),
    _Icd("M06.4", "Inflammatory polyarthropathy"),
    # exclusions and related
    _Icd("J84.10", "Pulmonary fibrosis, unspecified"),
    _Icd("J84.9", "Interstitial pulmonary disease, unspecified", "233703007"),
    _Icd("J99", "Respiratory disorders in diseases classified elsewhere"),
    _Icd("E80.4", "Gilbert syndrome", "27503000"),
    _Icd("K74.60", "Unspecified cirrhosis of liver", "19943007"),
    _Icd("K70.30", "Alcoholic cirrhosis of liver without ascites"),
    _Icd("K74.3", "Primary biliary cirrhosis"),
    _Icd("K74.4", "Secondary biliary cirrhosis"),
    _Icd("K74.5", "Biliary cirrhosis, unspecified"),
    _Icd("D60.9", "Acquired pure red cell aplasia, unspecified"),
    _Icd("D61.9", "Aplastic anemia, unspecified"),
    _Icd("D46.9", "Myelodysplastic syndrome, unspecified"),
    _Icd("D45", "Polycythemia vera"),
    _Icd("D47.1", "Chronic myeloproliferative disease"),
    _Icd("D47.3", "Essential (hemorrhagic) thrombocythemia"),
    _Icd("D47.4", "Osteomyelofibrosis"),
    _Icd("C92.10", "Chronic myeloid leukemia, BCR/ABL-positive, not having achieved remission"),
    _Icd("G72.0", "Drug-induced myopathy"),
    _Icd("G72.41", "Inclusion body myositis [IBM]", "72315009", False),
    _Icd("G40.909", "Epilepsy, unspecified, not intractable, without status epilepticus",
         "84757009"),
    _Icd("F20.9", "Schizophrenia, unspecified", "58214004"),
    _Icd("F01.50", "Vascular dementia without behavioral disturbance"),
    _Icd("F03.90", "Unspecified dementia without behavioral disturbance"),
    _Icd("I63.9", "Cerebral infarction, unspecified", "432504007"),
    _Icd("I69.30", "Unspecified sequelae of cerebral infarction"),
    _Icd("G04.90", "Encephalitis and encephalomyelitis, unspecified"),
    _Icd("G05.3", "Encephalitis and encephalomyelitis in diseases classified elsewhere"),
    _Icd("A86", "Unspecified viral encephalitis"),
    _Icd("I67.7", "Cerebral arteritis, not elsewhere classified"),
    _Icd("G93.40", "Encephalopathy, unspecified"),
    _Icd("I20.9", "Angina pectoris, unspecified"),
    _Icd("I21.9", "Acute myocardial infarction, unspecified"),
    _Icd("I22.9", "Subsequent ST elevation (STEMI) myocardial infarction of unspecified site"),
    _Icd("I25.110", "Atherosclerotic heart disease of native coronary artery with unstable "
                    "angina pectoris", None, False),
    _Icd("I25.2", "Old myocardial infarction"),
    _Icd("I25.700", "Atherosclerosis of coronary artery bypass graft(s), unspecified, with "
                    "unstable angina pectoris", None, False),
    _Icd("I25.10", "Atherosclerotic heart disease of native coronary artery without angina "
                   "pectoris", "53741008"),
    _Icd("I50.9", "Heart failure, unspecified", "84114007"),
    _Icd("I11.0", "Hypertensive heart disease with heart failure"),
    _Icd("I13.0", "Hypertensive heart and chronic kidney disease with heart failure and stage "
                  "1 through stage 4 chronic kidney disease, or unspecified chronic kidney "
                  "disease"),
    _Icd("I13.2", "Hypertensive heart and chronic kidney disease with heart failure and with "
                  "stage 5 chronic kidney disease, or end stage renal disease"),
    _Icd("I47.1", "Supraventricular tachycardia"),
    _Icd("I48.91", "Unspecified atrial fibrillation", "49436004"),
    _Icd("I49.9", "Cardiac arrhythmia, unspecified"),
    _Icd("D80.1", "Nonfamilial hypogammaglobulinemia"),
    _Icd("D81.9", "Combined immunodeficiency, unspecified"),
    _Icd("D82.1", "Di George's syndrome"),
    _Icd("D83.9", "Common variable immunodeficiency, unspecified"),
    _Icd("D84.0", "Lymphocyte function antigen-1 [LFA-1] defect"),
    _Icd("D84.1", "Defects in the complement system"),
    _Icd("D84.89", "Other immunodeficiencies", None, False),
    _Icd("D84.821", "Immunodeficiency due to drugs", None, False),
    _Icd("C50.911", "Malignant neoplasm of unspecified site of right female breast",
         "254837009"),
    _Icd("C34.90", "Malignant neoplasm of unspecified part of unspecified bronchus or lung",
         "93880001"),
    _Icd("C18.9", "Malignant neoplasm of colon, unspecified", "363406005"),
    _Icd("C61", "Malignant neoplasm of prostate", "399068003"),
    _Icd("C43.9", "Malignant melanoma of skin, unspecified"),
    _Icd("C85.90", "Non-Hodgkin lymphoma, unspecified, unspecified site"),
    _Icd("C00.9", "Malignant neoplasm of lip, unspecified"),
    _Icd("C96.9", "Malignant neoplasm of lymphoid, hematopoietic and related tissue, "
                  "unspecified"),
    _Icd("C44.91", "Basal cell carcinoma of skin, unspecified", "254701007"),
    _Icd("C44.92", "Squamous cell carcinoma of skin, unspecified", "254651007"),
    _Icd("D05.10", "Intraductal carcinoma in situ of unspecified breast"),
    _Icd("D06.9", "Carcinoma in situ of cervix, unspecified", "92564006"),
    _Icd("D09.0", "Carcinoma in situ of bladder", "92546004"),
    _Icd("N18.6", "End stage renal disease", "46177005"),
    _Icd("Z99.2", "Dependence on renal dialysis"),
    _Icd("B20", "Human immunodeficiency virus [HIV] disease", "86406008"),
    _Icd("Z21", "Asymptomatic human immunodeficiency virus [HIV] infection status"),
    _Icd("A50.9", "Congenital syphilis, unspecified"),
    _Icd("A51.9", "Early syphilis, unspecified"),
    _Icd("A53.9", "Syphilis, unspecified"),
    _Icd("A00.9", "Cholera, unspecified"),
    _Icd("A08.4", "Viral intestinal infection, unspecified"),
    _Icd("A15.0", "Tuberculosis of lung"),
    _Icd("A41.9", "Sepsis, unspecified organism", "91302008"),
    _Icd("B02.9", "Zoster without complications", "4740000"),
    _Icd("B18.1", "Chronic viral hepatitis B without delta-agent"),
    _Icd("B99.9", "Unspecified infectious disease"),
    _Icd("J12.9", "Viral pneumonia, unspecified"),
    _Icd("J15.9", "Unspecified bacterial pneumonia"),
    _Icd("J18.9", "Pneumonia, unspecified organism", "233604007"),
    _Icd("F31.9", "Bipolar disorder, unspecified"),
    _Icd("F32.9", "Major depressive disorder, single episode, unspecified", "35489007"),
    _Icd("F39", "Unspecified mood [affective] disorder"),
    _Icd("Z33.1", "Pregnant state, incidental"),
    _Icd("O09.90", "Supervision of high risk pregnancy, unspecified, unspecified trimester",
         None, False),
    _Icd("O80", "Encounter for full-term uncomplicated delivery"),
    # background
    _Icd("I10", "Essential (primary) hypertension", "38341003"),
    _Icd("E11.9", "Type 2 diabetes mellitus without complications", "44054006"),
    _Icd("E78.5", "Hyperlipidemia, unspecified", "55822004"),
    _Icd("K21.9", "Gastro-esophageal reflux disease without esophagitis", "235595009"),
    _Icd("J45.909", "Unspecified asthma, uncomplicated", "195967001"),
    _Icd("M54.50", "Low back pain, unspecified", "279039007"),
    _Icd("E66.9", "Obesity, unspecified", "414916001"),
    _Icd("F41.9", "Anxiety disorder, unspecified", "197480006"),
    _Icd("G43.909", "Migraine, unspecified, not intractable, without status migrainosus",
         "37796009"),
    _Icd("J06.9", "Acute upper respiratory infection, unspecified", "54150009"),
    _Icd("N39.0", "Urinary tract infection, site not specified", "68566005"),
    _Icd("M17.9", "Osteoarthritis of knee, unspecified"),
    _Icd("E03.9", "Hypothyroidism, unspecified", "40930008"),
    _Icd("K58.9", "Irritable bowel syndrome without diarrhea", "10743008"),
    _Icd("L40.9", "Psoriasis, unspecified", "9014002"),
    _Icd("M81.0", "Age-related osteoporosis without current pathological fracture"),
    _Icd("J30.9", "Allergic rhinitis, unspecified", "61582004"),
    _Icd("D64.9", "Anemia, unspecified", "271737000"),
    _Icd("E55.9", "Vitamin D deficiency, unspecified", "34713006"),
    _Icd("N40.0", "Benign prostatic hyperplasia without lower urinary tract symptoms",
         "266569009"),
    _Icd("M79.7", "Fibromyalgia", "203082005"),
    _Icd("K29.70", "Gastritis, unspecified, without bleeding", "4556007"),
    _Icd("R51.9", "Headache, unspecified", "25064002"),
    _Icd("Z00.00", "Encounter for general adult medical examination without abnormal "
                   "findings"),
    _Icd("I73.00", "Raynaud's syndrome without gangrene"),
    _Icd("K59.00", "Constipation, unspecified"),
    _Icd("N18.30", "Chronic kidney disease, stage 3 unspecified"),
)
_ICD_BY_CODE = {i.code: i for i in _ICD}


@dataclass(frozen=True)
class _Drug:
    key: str
    name: str
    atc: str  # current ATC (5th level); "" for local medications
    rxnorm: str | None = None  # RxNorm ingredient
    atc_old: str | None = None  # ATC before a reclassification
    dose: float | None = None  # typical mg/day (None: not a daily oral dose)
    pred: float | None = None  # prednisone-equivalent mg per mg (glucocorticoids)
    local: int | None = None  # eligo Medication concept id
    clinical: tuple[str, str] | None = None  # (RxNorm code, name) of a clinical drug
    days: int = 60  # median course length (background)


_DRUGS: tuple[_Drug, ...] = (
    # glucocorticoids (SPEC §3.5; prednisone-equivalence from the value set)
    _Drug("prednisone", "prednisone", "H02AB07", "8640", pred=1.0,
          clinical=("312617", "prednisone 5 MG Oral Tablet")),
    _Drug("prednisolone", "prednisolone", "H02AB06", "8638", pred=1.0),
    _Drug("methylprednisolone", "methylprednisolone", "H02AB04", "6902", pred=1.25),
    _Drug("dexamethasone", "dexamethasone", "H02AB02", "3264", pred=20 / 3),
    _Drug("hydrocortisone", "hydrocortisone", "H02AB09", "5492", pred=0.25),
    _Drug("betamethasone", "betamethasone", "H02AB01", "1514", pred=25 / 3),
    _Drug("triamcinolone", "triamcinolone", "H02AB08", "10759", pred=1.25),
    _Drug("cortisone", "cortisone", "H02AB10", pred=0.2),
    _Drug("deflazacort", "deflazacort", "H02AB13", pred=0.833333333),
    # cyclophosphamide, conventional immunomodulators, csDMARDs
    _Drug("cyclophosphamide", "cyclophosphamide", "L01AA01", "3002"),
    _Drug("hydroxychloroquine", "hydroxychloroquine", "P01BA02", "5521", dose=400,
          clinical=("979092", "hydroxychloroquine sulfate 200 MG Oral Tablet")),
    _Drug("chloroquine", "chloroquine", "P01BA01", "2393", dose=250),
    _Drug("methotrexate", "methotrexate", "L04AX03", "6851", atc_old="L01BA01",
          clinical=("105585", "methotrexate 2.5 MG Oral Tablet")),
    _Drug("leflunomide", "leflunomide", "L04AK01", "27169", atc_old="L04AA13", dose=20),
    _Drug("azathioprine", "azathioprine", "L04AX01", "1256", dose=100),
    _Drug("mycophenolate", "mycophenolic acid", "L04AA06", "7145", dose=2000),
    _Drug("tacrolimus", "tacrolimus", "L04AD02", "42316", dose=4),
    _Drug("ciclosporin", "cyclosporine", "L04AD01", "3008", dose=200),
    _Drug("sulfasalazine", "sulfasalazine", "A07EC01", "9524", dose=2000),
    _Drug("belimumab", "belimumab", "L04AG04", atc_old="L04AA26"),
    _Drug("telitacicept", "telitacicept", "", local=2000003002),
    _Drug("iguratimod", "iguratimod", "", local=2000003001, dose=50),
    # b/tsDMARDs (RA)
    _Drug("etanercept", "etanercept", "L04AB01", "214555"),
    _Drug("infliximab", "infliximab", "L04AB02", "191831"),
    _Drug("adalimumab", "adalimumab", "L04AB04", "327361"),
    _Drug("certolizumab", "certolizumab pegol", "L04AB05", "709271"),
    _Drug("golimumab", "golimumab", "L04AB06", "819300"),
    _Drug("tocilizumab", "tocilizumab", "L04AC07", "612865"),
    _Drug("sarilumab", "sarilumab", "L04AC14"),
    _Drug("abatacept", "abatacept", "L04AA24", "614391"),
    _Drug("rituximab", "rituximab", "L01FA01", "121191"),
    _Drug("tofacitinib", "tofacitinib", "L04AF01", "1357536", atc_old="L04AA29", dose=10),
    _Drug("baricitinib", "baricitinib", "L04AF02", atc_old="L04AA37", dose=4),
    _Drug("upadacitinib", "upadacitinib", "L04AF03", atc_old="L04AA44", dose=15),
    _Drug("filgotinib", "filgotinib", "L04AF04", atc_old="L04AA45", dose=200),
    _Drug("anakinra", "anakinra", "L04AC03", "72435", dose=100),
    _Drug("fludarabine", "fludarabine", "L01BB05", "24698"),
    # G-CSF
    _Drug("filgrastim", "filgrastim", "L03AA02", "68442"),
    _Drug("lenograstim", "lenograstim", "L03AA10"),
    _Drug("pegfilgrastim", "pegfilgrastim", "L03AA13", "338036"),
    # background
    _Drug("omeprazole", "omeprazole", "A02BC01", "7646", dose=20, days=90),
    _Drug("atorvastatin", "atorvastatin", "C10AA05", "83367", dose=20, days=365),
    _Drug("simvastatin", "simvastatin", "C10AA01", "36567", dose=20, days=365),
    _Drug("metformin", "metformin", "A10BA02", "6809", dose=1500, days=365),
    _Drug("lisinopril", "lisinopril", "C09AA03", "29046", dose=10, days=365),
    _Drug("losartan", "losartan", "C09CA01", "52175", dose=50, days=365),
    _Drug("amlodipine", "amlodipine", "C08CA01", "17767", dose=5, days=365),
    _Drug("metoprolol", "metoprolol", "C07AB02", "6918", dose=50, days=365),
    _Drug("hydrochlorothiazide", "hydrochlorothiazide", "C03AA03", "5487", dose=25, days=365),
    _Drug("levothyroxine", "levothyroxine", "H03AA01", "10582", dose=0.1, days=365),
    _Drug("paracetamol", "acetaminophen", "N02BE01", "161", dose=2000, days=10),
    _Drug("ibuprofen", "ibuprofen", "M01AE01", "5640", dose=1200, days=14),
    _Drug("amoxicillin", "amoxicillin", "J01CA04", "723", dose=1500, days=7),
    _Drug("sertraline", "sertraline", "N06AB06", "36437", dose=50, days=180),
    _Drug("salbutamol", "albuterol", "R03AC02", "435", days=180),
    _Drug("aspirin", "aspirin", "B01AC06", "1191", dose=100, days=365),
    _Drug("gabapentin", "gabapentin", "N03AX12", "25480", dose=900, days=90),
    _Drug("cetirizine", "cetirizine", "R06AE07", "20610", dose=10, days=30),
    _Drug("colecalciferol", "cholecalciferol", "A11CC05", "2418", days=180),
    _Drug("folic-acid", "folic acid", "B03BB01", "4511", dose=5, days=365),
)
_DRUG_INDEX = {d.key: i + 1 for i, d in enumerate(_DRUGS)}

_ATC_CLASSES: dict[str, str] = {
    "H02AB": "Glucocorticoids", "L01AA": "Nitrogen mustard analogues",
    "L01BA": "Folic acid analogues", "L01BB": "Purine analogues",
    "L01FA": "CD20 (Clusters of Differentiation 20) inhibitors",
    "L03AA": "Colony stimulating factors", "L04AA": "Selective immunosuppressants",
    "L04AB": "Tumor necrosis factor alpha (TNF-alpha) inhibitors",
    "L04AC": "Interleukin inhibitors", "L04AD": "Calcineurin inhibitors",
    "L04AF": "Janus-associated kinase (JAK) inhibitors",
    "L04AG": "Monoclonal antibodies for lymphocyte suppression",
    "L04AK": "Dihydroorotate dehydrogenase (DHODH) inhibitors",
    "L04AX": "Other immunosuppressants", "P01BA": "Aminoquinolines",
    "A07EC": "Aminosalicylic acid and similar agents",
}

#: UCUM units: code → name
_UCUM: dict[str, str] = {
    "10*9/L": "billion per liter", "10*3/uL": "thousand per microliter",
    "/uL": "per microliter", "g/L": "gram per liter", "g/dL": "gram per deciliter",
    "mmol/L": "millimole per liter", "U/L": "unit per liter", "mg/dL": "milligram per deciliter",
    "umol/L": "micromole per liter", "s": "second", "{INR}": "international normalized ratio",
    "mg/L": "milligram per liter", "mm/h": "millimeter per hour",
    "m[IU]/mL": "milli-international unit per milliliter", "kg": "kilogram",
    "[lb_av]": "pound (US and British)", "%": "percent", "{score}": "score",
    "mm": "millimeter", "mL/min/{1.73_m2}": "milliliter per minute per 1.73 square meter",
    "cm": "centimeter", "[in_i]": "inch (international)", "kg/m2": "kilogram per square meter",
    "mm[Hg]": "millimeter mercury column", "/min": "per minute", "m[IU]/L":
    "milli-international unit per liter", "mg/d": "milligram per day",
}

#: LOINC codes that are not in a value set: code → name
_LOINC_EXTRA: dict[str, str] = {
    "2951-2": "Sodium [Moles/volume] in Serum or Plasma",
    "2823-3": "Potassium [Moles/volume] in Serum or Plasma",
    "2345-7": "Glucose [Mass/volume] in Serum or Plasma",
    "14749-6": "Glucose [Moles/volume] in Serum or Plasma",
    "3094-0": "Urea nitrogen [Mass/volume] in Serum or Plasma",
    "777-3": "Platelets [#/volume] in Blood by Automated count",
    "2093-3": "Cholesterol [Mass/volume] in Serum or Plasma",
    "2085-9": "Cholesterol in HDL [Mass/volume] in Serum or Plasma",
    "2571-8": "Triglyceride [Mass/volume] in Serum or Plasma",
    "4548-4": "Hemoglobin A1c/Hemoglobin.total in Blood",
    "3016-3": "Thyrotropin [Units/volume] in Serum or Plasma",
    "1751-7": "Albumin [Mass/volume] in Serum or Plasma",
    "6768-6": "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma",
    "17861-6": "Calcium [Mass/volume] in Serum or Plasma",
    "33914-3": "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or "
               "Plasma by Creatinine-based formula (MDRD)",
    "8480-6": "Systolic blood pressure", "8462-4": "Diastolic blood pressure",
    "8867-4": "Heart rate", "8302-2": "Body height", "39156-5": "Body mass index (BMI) [Ratio]",
    "72166-2": "Tobacco smoking status", "72514-3": "Pain severity - 0-10 verbal numeric rating "
    "[Score] - Reported", "55758-7": "Patient Health Questionnaire 2 item (PHQ-2) total score "
    "[Reported]", "75626-2": "Total score [AUDIT-C]",
}
_OBS_LOINC = ("72166-2", "72514-3", "39156-5", "55758-7", "75626-2")

# --------------------------------------------------------------------------- lab catalogue


@dataclass(frozen=True)
class _Dist:
    kind: int  # 0 normal, 1 log-normal (mu = median), 2 person's weight, 3 height, 4 qualitative
    mu: float = 0.0
    sd: float = 0.0
    lo: float = -1e9
    hi: float = 1e9
    p_pos: float = 0.0


def _n(mu: float, sd: float, lo: float = 0.0, hi: float = 1e9) -> _Dist:
    return _Dist(0, mu, sd, lo, hi)


def _ln(median: float, sigma: float, lo: float = 0.0, hi: float = 1e9) -> _Dist:
    return _Dist(1, median, sigma, lo, hi)


def _q(p_pos: float) -> _Dist:
    return _Dist(4, p_pos=p_pos)


@dataclass(frozen=True)
class _Lab:
    key: str
    #: (weight of 20, code, UCUM unit or "", factor canonical → row unit, decimals);
    #: a code without a dash is an eligo assessment code
    variants: tuple[tuple[int, str, str, float, int], ...]
    dist: _Dist
    ref: tuple[float, float] | None = None  # reference range in the canonical unit
    qual: int = 0  # 1 positive/negative, 2 detected/not detected
    uln_missable: bool = False  # range_high left out for persons "without ULN"
    lod: float | None = None  # below: reported as "< lod"
    cap: float | None = None  # above: reported as "> cap"


def _v(code: str, unit: str, factor: float = 1.0, dec: int = 1, w: int = 20
       ) -> tuple[int, str, str, float, int]:
    return (w, code, unit, factor, dec)


def _qv(*codes: tuple[int, str]) -> tuple[tuple[int, str, str, float, int], ...]:
    return tuple((w, c, "", 1.0, 0) for w, c in codes)


_LABS: tuple[_Lab, ...] = (
    _Lab("wbc", (_v("6690-2", "10*9/L", w=10), _v("6690-2", "10*3/uL", w=6),
                 _v("26464-8", "10*9/L", w=2), _v("804-5", "/uL", 1000, 0, 2)),
         _ln(6.8, 0.28, 0.5, 60), (4.0, 10.0)),
    _Lab("anc", (_v("751-8", "10*9/L", 1, 2, 10), _v("751-8", "10*3/uL", 1, 2, 6),
                 _v("26499-4", "10*9/L", 1, 2, 2), _v("753-4", "/uL", 1000, 0, 2)),
         _ln(4.0, 0.4, 0.05, 40), (1.8, 7.5)),
    _Lab("hgb", (_v("718-7", "g/L", 1, 0, 8), _v("718-7", "g/dL", 0.1, 1, 8),
                 _v("20509-6", "g/dL", 0.1, 1, 2), _v("59260-0", "mmol/L", 1 / 16.114, 1, 2)),
         _n(138, 15, 45, 210), (120, 170)),
    _Lab("alt", (_v("1742-6", "U/L", 1, 0, 14), _v("1743-4", "U/L", 1, 0, 4),
                 _v("76625-3", "U/L", 1, 0, 2)),
         _ln(24, 0.45, 4, 3000), (7, 40), uln_missable=True),
    _Lab("ast", (_v("1920-8", "U/L", 1, 0, 16), _v("30239-8", "U/L", 1, 0, 2),
                 _v("14409-7", "U/L", 1, 0, 2)),
         _ln(24, 0.4, 5, 3000), (10, 40), uln_missable=True),
    _Lab("tbil", (_v("1975-2", "mg/dL", 1, 1, 10), _v("14631-6", "umol/L", 17.104, 0, 8),
                  _v("42719-5", "mg/dL", 1, 1, 2)),
         _ln(0.6, 0.4, 0.1, 30), (0.2, 1.2), uln_missable=True),
    _Lab("creatinine", (_v("2160-0", "mg/dL", 1, 2, 10), _v("14682-9", "umol/L", 88.42, 0, 6),
                        _v("2160-0", "umol/L", 88.42, 0, 2), _v("38483-4", "mg/dL", 1, 2, 2)),
         _ln(0.85, 0.25, 0.2, 15), (0.6, 1.2)),
    _Lab("inr", (_v("6301-6", "{INR}", 1, 2, 16), _v("34714-6", "{INR}", 1, 2, 2),
                 _v("46418-0", "", 1, 2, 2)),
         _n(1.0, 0.08, 0.8, 6), (0.8, 1.2), uln_missable=True),
    _Lab("pt", (_v("5902-2", "s", 1, 1, 16), _v("5964-2", "s", 1, 1, 4)),
         _n(12.2, 0.8, 9, 60), (11.0, 13.5), uln_missable=True),
    _Lab("crp", (_v("1988-5", "mg/L", 1, 1, 12), _v("1988-5", "mg/dL", 0.1, 2, 4),
                 _v("30522-7", "mg/L", 1, 2, 2), _v("76485-2", "mg/L", 1, 1, 2)),
         _ln(2.5, 1.0, 0.1, 400), (0.0, 5.0), lod=0.5),
    _Lab("esr", (_v("4537-7", "mm/h", 1, 0, 16), _v("30341-2", "mm/h", 1, 0, 4)),
         _ln(12, 0.6, 1, 140), (0, 20)),
    _Lab("hcg-serum-qual", _qv((16, "2118-8"), (4, "80385-8")), _q(0.01), qual=1),
    _Lab("hcg-serum-quant", (_v("21198-7", "m[IU]/mL", 1, 1, 14),
                             _v("19080-1", "m[IU]/mL", 1, 1, 6)),
         _ln(1.2, 0.6, 0.1, 1e6), (0.0, 5.0), lod=1.0),
    _Lab("hcg-urine", _qv((20, "2106-3")), _q(0.01), qual=1),
    _Lab("hbsag", _qv((14, "5196-1"), (4, "5195-3"), (2, "75410-1")), _q(0.015), qual=1),
    _Lab("hbcab", _qv((16, "16933-4"), (4, "13952-7")), _q(0.06), qual=1),
    _Lab("hbv-dna", _qv((14, "42595-9"), (6, "29615-2")), _q(0.1), qual=2),
    _Lab("hcv-ab", _qv((14, "13955-0"), (6, "16128-1")), _q(0.01), qual=1),
    _Lab("hcv-rna", _qv((14, "11011-4"), (6, "38180-6")), _q(0.3), qual=2),
    _Lab("hiv-ab", _qv((10, "56888-1"), (4, "89365-1"), (3, "7917-8"), (3, "7918-6")),
         _q(0.004), qual=1),
    _Lab("syphilis", _qv((8, "24110-9"), (4, "20507-0"), (4, "22587-0"), (4, "31147-2")),
         _q(0.01), qual=1),
    _Lab("ck", (_v("2157-6", "U/L", 1, 0),), _ln(110, 0.5, 10, 100000), (30, 190),
         uln_missable=True),
    _Lab("aldolase", (_v("1761-6", "U/L", 1, 1),), _ln(5, 0.3, 0.5, 500), (1.0, 7.6),
         uln_missable=True),
    _Lab("ldh", (_v("2532-0", "U/L", 1, 0, 14), _v("14804-9", "U/L", 1, 0, 6)),
         _ln(190, 0.2, 50, 5000), (120, 250), uln_missable=True),
    _Lab("weight", (_v("29463-7", "kg", 1, 1, 14), _v("29463-7", "[lb_av]", 2.20462, 1, 4),
                    _v("3141-9", "kg", 1, 1, 2)), _Dist(2, sd=1.2, lo=3, hi=300)),
    _Lab("fvc", (_v("19872-1", "%", 1, 0, 12), _v("fvc-pct-pred", "%", 1, 0, 8)),
         _n(82, 15, 20, 150)),
    _Lab("dlco", (_v("dlco-pct-pred", "%", 1, 0),), _n(72, 15, 15, 150)),
    _Lab("myositis-ab", _qv((4, "33571-1"), (2, "8076-2"), (2, "82424-3"), (2, "82996-0"),
                            (2, "33921-8"), (2, "107562-1"), (1, "45149-2"), (1, "33772-5"),
                            (1, "93493-5"), (3, "myositis-antibody")), _q(0.03), qual=1),
    _Lab("essdai", (_v("essdai", "{score}", 1, 0),), _n(9, 5, 0, 123)),
    _Lab("mrss", (_v("mrss", "{score}", 1, 0),), _n(18, 8, 0, 51)),
    _Lab("mmt8", (_v("mmt8", "{score}", 1, 0),), _n(122, 15, 0, 150)),
    _Lab("phga", (_v("phga", "{score}", 1, 1, 12), _v("phga", "mm", 10, 0, 4),
                  _v("75846-6", "{score}", 1, 1, 4)), _n(4, 2, 0, 10)),
    _Lab("ptga", (_v("ptga", "{score}", 1, 1, 12), _v("ptga", "mm", 10, 0, 4),
                  _v("75894-6", "{score}", 1, 1, 4)), _n(5, 2, 0, 10)),
    _Lab("extramuscular", (_v("extramuscular-activity", "{score}", 1, 1, 14),
                           _v("extramuscular-activity", "mm", 10, 0, 6)), _n(2.5, 1.6, 0, 10)),
    _Lab("haq-di", (_v("haq-di", "{score}", 1, 3, 14), _v("75874-8", "{score}", 1, 3, 6)),
         _n(1.1, 0.6, 0, 3)),
    _Lab("sjc66", (_v("sjc66", "{score}", 1, 0),), _n(8, 5, 0, 66)),
    _Lab("tjc68", (_v("tjc68", "{score}", 1, 0),), _n(11, 6, 0, 68)),
    _Lab("sjc28", (_v("sjc28", "{score}", 1, 0, 14), _v("88980-8", "{score}", 1, 0, 6)),
         _n(6, 4, 0, 28)),
    _Lab("tjc28", (_v("tjc28", "{score}", 1, 0, 14), _v("88981-6", "{score}", 1, 0, 6)),
         _n(8, 5, 0, 28)),
    _Lab("das28-esr", (_v("das28-esr", "{score}", 1, 2),), _n(4.8, 1.1, 0.5, 9.9)),
    _Lab("cdai", (_v("cdai", "{score}", 1, 1, 14), _v("75847-4", "{score}", 1, 1, 6)),
         _n(24, 11, 0, 76)),
    _Lab("mtss", (_v("mtss", "{score}", 1, 0),), _n(40, 30, 0, 448)),
    _Lab("acr-fc", (_v("acr-functional-class", "{score}", 1, 0),), _n(2.2, 0.8, 1, 4)),
    # background only
    _Lab("sodium", (_v("2951-2", "mmol/L", 1, 0),), _n(140, 2.5, 110, 170), (135, 145)),
    _Lab("potassium", (_v("2823-3", "mmol/L", 1, 1),), _n(4.2, 0.4, 2, 8), (3.5, 5.1)),
    _Lab("glucose", (_v("2345-7", "mg/dL", 1, 0, 14), _v("14749-6", "mmol/L", 1 / 18.016, 1, 6)),
         _ln(95, 0.2, 30, 600), (70, 99)),
    _Lab("bun", (_v("3094-0", "mg/dL", 1, 0),), _n(14, 5, 2, 150), (7, 20)),
    _Lab("platelets", (_v("777-3", "10*9/L", 1, 0, 12), _v("777-3", "10*3/uL", 1, 0, 8)),
         _n(250, 60, 5, 1200), (150, 400)),
    _Lab("cholesterol", (_v("2093-3", "mg/dL", 1, 0),), _n(190, 35, 60, 500), (0, 200)),
    _Lab("hdl", (_v("2085-9", "mg/dL", 1, 0),), _n(52, 13, 10, 150), (40, 100)),
    _Lab("triglycerides", (_v("2571-8", "mg/dL", 1, 0),), _ln(120, 0.4, 20, 3000), (0, 150)),
    _Lab("hba1c", (_v("4548-4", "%", 1, 1),), _n(5.6, 0.6, 3.5, 15), (4.0, 5.7)),
    _Lab("tsh", (_v("3016-3", "m[IU]/L", 1, 2),), _ln(1.8, 0.5, 0.01, 100), (0.4, 4.0)),
    _Lab("albumin", (_v("1751-7", "g/dL", 1, 1, 14), _v("1751-7", "g/L", 10, 0, 6)),
         _n(4.2, 0.35, 1.5, 6), (3.5, 5.0)),
    _Lab("alp", (_v("6768-6", "U/L", 1, 0),), _n(75, 20, 20, 1000), (40, 130)),
    _Lab("calcium", (_v("17861-6", "mg/dL", 1, 1),), _n(9.4, 0.4, 6, 14), (8.6, 10.3)),
    _Lab("egfr", (_v("33914-3", "mL/min/{1.73_m2}", 1, 0),), _n(85, 20, 4, 150), None,
         cap=90),
    _Lab("sbp", (_v("8480-6", "mm[Hg]", 1, 0),), _n(128, 16, 70, 240)),
    _Lab("dbp", (_v("8462-4", "mm[Hg]", 1, 0),), _n(78, 10, 40, 140)),
    _Lab("hr", (_v("8867-4", "/min", 1, 0),), _n(74, 11, 35, 180)),
    _Lab("height", (_v("8302-2", "cm", 1, 1, 16), _v("8302-2", "[in_i]", 1 / 2.54, 1, 4)),
         _Dist(3, sd=0.5, lo=40, hi=230)),
)
_LAB_INDEX = {lab.key: i + 1 for i, lab in enumerate(_LABS)}

#: background measurement mix: lab → weight
_BG_LABS = {"sbp": 6, "dbp": 6, "hr": 5, "weight": 4, "height": 1, "sodium": 3, "potassium": 3,
            "glucose": 3, "creatinine": 3, "bun": 2, "wbc": 2, "anc": 1, "hgb": 2,
            "platelets": 2, "alt": 2, "ast": 2, "tbil": 1, "alp": 1, "albumin": 1, "calcium": 1,
            "cholesterol": 1, "hdl": 1, "triglycerides": 1, "hba1c": 1, "tsh": 1, "crp": 1,
            "esr": 1, "egfr": 2, "inr": 1, "pt": 1}


@dataclass(frozen=True)
class _Item:
    """A recent (screening-time) measurement for persons with a recent visit."""

    lab: str
    probs: dict[int, float]  # cohort → probability
    days: tuple[int, int] = (0, 27)  # days before as-of
    dist: dict[int, _Dist] = field(default_factory=dict)  # cohort → distribution override
    anchor: int = 0  # 1 = the person's neutrophil day, 2 = early sample (G-CSF persons)
    need: int = 0  # 1 = childbearing-age woman, 2 = G-CSF person
    skip: int = 0  # 1 = persons without INR, 2 = persons without recent weight
    change: tuple[float, float] | None = None  # baseline: relative change (mean, sd)
    paired: bool = False  # shares its random draw with the other item of its lab
    obs_share: float = 0.0  # share written to observation instead
    #: for the *eligible* persons (disease cohorts only): probability and distribution
    #: overrides (cohort → value; unset cohorts keep ``probs`` / ``dist``) and baseline change
    eprobs: dict[int, float] = field(default_factory=dict)
    edist: dict[int, _Dist] = field(default_factory=dict)
    echange: tuple[float, float] | None = None
    knock: int = 0  # left out for the one-short persons of this knock


def _p(value: float, cohorts: Iterable[int] = _DZ, **more: float) -> dict[int, float]:
    out = dict.fromkeys(cohorts, value)
    for k, v in more.items():
        out[COHORTS[k]] = v
    return out


def _all(value: _Dist | float, cohorts: Iterable[int] = _DZ) -> dict[int, Any]:
    return dict.fromkeys(cohorts, value)


_BG_VISIT = 0.9  # probability scale for background persons with a recent visit
_NONE = _q(0.0)  # a qualitative result that is always negative
# attestation answers (synth_att.yes_rule): fixed, or from a person's flags
_NO, _YES, _CBP, _REG, _NOT_REG, _RANDOM = 0, 1, 2, 3, 4, 5
# the one item a "one short" person lacks (missing: the criterion is unknown) or fails
_K_INR, _K_WEIGHT, _K_HIV, _K_HEMO, _K_CONSENT, _K_CLASS = 1, 2, 3, 4, 5, 6  # missing
_K_UNSTABLE, _K_INVESTIGATOR, _K_CARDIAC, _K_MENTAL, _K_INFECTION = 7, 8, 9, 10, 11  # failing
_KNOCKS = 11

_ITEMS: tuple[_Item, ...] = (
    # screening labs: the eligible persons have every one, inside the protocol's limits (the
    # limits are in the canonical unit; the upper limits of normal are those of ``_LABS``)
    _Item("wbc", _p(0.95, _ALL), dist=_all(_ln(5.8, 0.33, 0.5, 60)),
          eprobs=_all(1.0), edist=_all(_ln(5.8, 0.3, 3.5, 60))),
    _Item("anc", _p(0.93, _ALL), anchor=1, dist=_all(_ln(3.4, 0.45, 0.05, 40)),
          eprobs=_all(1.0), edist=_all(_ln(3.4, 0.35, 1.2, 40))),
    _Item("anc", _p(1.0, _DZ), anchor=2, need=2, dist=_all(_ln(2.2, 0.5))),
    _Item("hgb", _p(0.95, _ALL), dist=_all(_n(125, 16, 45, 200)),
          eprobs=_all(1.0), edist=_all(_n(128, 13, 90, 200))),
    _Item("alt", _p(0.93, _ALL), dist={**_all(_ln(26, 0.55, 4, 3000)), 3: _ln(45, 0.7, 4, 3000)},
          eprobs=_all(1.0), edist={**_all(_ln(24, 0.45, 4, 100)), 3: _ln(40, 0.5, 4, 110)}),
    _Item("ast", _p(0.93, _ALL), dist={3: _ln(42, 0.65, 5, 3000)},
          eprobs=_all(1.0), edist={**_all(_ln(24, 0.4, 5, 100)), 3: _ln(38, 0.5, 5, 110)}),
    _Item("tbil", _p(0.9, _ALL), eprobs=_all(1.0), edist=_all(_ln(0.6, 0.35, 0.1, 1.6))),
    # the eligible persons' creatinine is also capped per person (CrCl ≥ 62 mL/min)
    _Item("creatinine", _p(0.93, _ALL), eprobs=_all(1.0),
          edist=_all(_ln(0.8, 0.2, 0.4, 1.3))),
    _Item("inr", _p(0.85, _ALL), skip=1, eprobs=_all(1.0), edist=_all(_n(1.0, 0.07, 0.8, 1.4)),
          knock=_K_INR),
    _Item("pt", _p(0.8, _ALL), eprobs=_all(1.0), edist=_all(_n(12.2, 0.7, 9, 16))),
    _Item("crp", _p(0.85, _ALL), dist={4: _ln(14, 0.8, 0.1, 400), 1: _ln(4, 1.0, 0.1, 400),
                                       2: _ln(5, 1.0, 0.1, 400), 3: _ln(6, 1.0, 0.1, 400)},
          eprobs={4: 1.0}, edist={4: _ln(24, 0.6, 12, 400)}),
    _Item("esr", _p(0.8, _ALL), dist={4: _ln(32, 0.5, 1, 140), 1: _ln(22, 0.6, 1, 140),
                                      2: _ln(18, 0.6, 1, 140), 3: _ln(18, 0.6, 1, 140)}),
    _Item("weight", _p(0.9, _ALL), days=(0, 89), skip=2, eprobs=_all(1.0), knock=_K_WEIGHT),
    _Item("hcg-serum-qual", _p(0.6, _ALL), days=(0, 6), need=1,
          eprobs=_all(1.0), edist=_all(_NONE)),
    _Item("hcg-serum-quant", _p(0.2, _ALL), days=(0, 6), need=1,
          edist=_all(_ln(1.2, 0.6, 0.1, 4))),
    _Item("hcg-urine", _p(0.15, _ALL), days=(0, 6), need=1, edist=_all(_NONE)),
    # serologies: the eligible persons are tested and negative (a DNA/RNA test for a few)
    _Item("hbsag", _p(0.85, _ALL), days=(0, 89), eprobs=_all(1.0), edist=_all(_NONE)),
    _Item("hbcab", _p(0.7, _ALL), days=(0, 89), eprobs=_all(1.0), edist=_all(_NONE)),
    _Item("hbv-dna", _p(0.25, _ALL), days=(0, 89), edist=_all(_NONE)),
    _Item("hcv-ab", _p(0.8, _ALL), days=(0, 89), eprobs=_all(1.0), edist=_all(_NONE)),
    _Item("hcv-rna", _p(0.1, _ALL), days=(0, 89), edist=_all(_NONE)),
    _Item("hiv-ab", _p(0.8, _ALL), days=(0, 89), eprobs=_all(1.0), edist=_all(_NONE),
          knock=_K_HIV),
    _Item("syphilis", _p(0.75, _ALL), days=(0, 89), eprobs=_all(1.0), edist=_all(_NONE)),
    _Item("ck", _p(0.3, iim=0.95), dist={3: _ln(900, 1.0, 10, 100000)}),
    _Item("aldolase", _p(0.05, iim=0.6), dist={3: _ln(12, 0.6, 0.5, 500)}),
    _Item("ldh", _p(0.3, iim=0.7), dist={3: _ln(350, 0.4, 50, 5000)}),
    _Item("myositis-ab", _p(0.05, iim=0.85), days=(0, 1500),
          dist={3: _q(0.65), 1: _q(0.05), 2: _q(0.05), 4: _q(0.03)},
          eprobs={3: 1.0}, edist={3: _q(1.0)}),
    _Item("fvc", _p(0.0, ssc=0.8, iim=0.3, ra=0.1), days=(0, 89), paired=True,
          dist={2: _n(74, 15, 20, 150)}, eprobs={2: 1.0}, edist={2: _n(58, 6, 20, 68)}),
    _Item("fvc", _p(0.0, ssc=0.6, iim=0.1), days=(180, 365), paired=True,
          change=(-0.06, 0.07), dist={2: _n(74, 15, 20, 150)}, edist={2: _n(58, 6, 20, 150)}),
    _Item("dlco", _p(0.0, ssc=0.7, iim=0.2), days=(0, 89), paired=True,
          dist={2: _n(60, 15, 15, 150)}),
    _Item("dlco", _p(0.0, ssc=0.5), days=(180, 365), paired=True, change=(-0.1, 0.1),
          dist={2: _n(60, 15, 15, 150)}),
    _Item("essdai", _p(0.0, pss=0.9), obs_share=0.2, eprobs={1: 1.0},
          edist={1: _n(11, 4, 5.5, 40)}),
    # mRSS: the eligible persons' skin score rose by about a quarter in the last year (the
    # baseline is not clamped from below, so the rise survives the latest value's clamp)
    _Item("mrss", _p(0.0, ssc=0.9), days=(0, 89), paired=True, eprobs={2: 1.0},
          edist={2: _n(24, 5, 10, 51)}),
    _Item("mrss", _p(0.0, ssc=0.75), days=(180, 365), paired=True, change=(0.12, 0.12),
          eprobs={2: 1.0}, edist={2: _n(24, 5, 0, 51)}, echange=(0.25, 0.04)),
    _Item("mmt8", _p(0.0, iim=0.9), eprobs={3: 1.0}, edist={3: _n(118, 10, 60, 135)}),
    _Item("phga", _p(0.0, iim=0.85, ra=0.7), dist={4: _n(5, 2, 0, 10)},
          eprobs={3: 1.0}, edist={3: _n(5, 1.5, 2.5, 10)}),
    _Item("ptga", _p(0.0, iim=0.85, ra=0.8), dist={4: _n(5.5, 2, 0, 10)},
          eprobs={3: 1.0}, edist={3: _n(5.5, 1.5, 2.5, 10)}),
    _Item("extramuscular", _p(0.0, iim=0.75)),
    _Item("haq-di", _p(0.0, iim=0.7, ra=0.5), obs_share=0.3),
    _Item("sjc66", _p(0.0, ra=0.9), eprobs={4: 1.0}, edist={4: _n(12, 4, 6, 66)}),
    _Item("tjc68", _p(0.0, ra=0.9), eprobs={4: 1.0}, edist={4: _n(15, 5, 6, 68)}),
    _Item("sjc28", _p(0.0, ra=0.8)),
    _Item("tjc28", _p(0.0, ra=0.8)),
    _Item("das28-esr", _p(0.0, ra=0.6), eprobs={4: 1.0}, edist={4: _n(5.2, 0.8, 3.6, 9.9)}),
    _Item("cdai", _p(0.0, ra=0.5)),
    _Item("mtss", _p(0.0, ra=0.3), days=(0, 89), paired=True),
    _Item("mtss", _p(0.0, ra=0.25), days=(200, 365), paired=True, change=(0.08, 0.1)),
    _Item("acr-fc", _p(0.0, ra=0.7), days=(0, 89), obs_share=0.4, eprobs={4: 1.0},
          edist={4: _n(2.0, 0.6, 1, 3.4)}),
)
_ITEM_SLOT0 = 64  # measurement slots 0..63 are background

# ---------------------------------------------------------------- conditions and their mixes

#: background condition mix: code → weight; * = acute (resolves)
_BG_CONDITIONS = {"I10": 10, "E11.9": 5, "E78.5": 7, "K21.9": 5, "J45.909": 3, "M54.50": 6,
                  "E66.9": 4, "F41.9": 3, "G43.909": 2, "J06.9*": 8, "N39.0*": 4, "M17.9": 3,
                  "E03.9": 3, "K58.9": 2, "L40.9": 1, "M81.0": 2, "J30.9": 3, "D64.9": 2,
                  "E55.9": 3, "N40.0": 2, "M79.7": 1, "K29.70": 2, "R51.9": 3, "Z00.00": 6,
                  "I25.10": 2, "K59.00": 2, "N18.30": 1, "F32.9": 2, "J18.9*": 1,
                  "B02.9*": 1, "A08.4*": 1}
#: diagnosis codes per cohort: code → weight
_DX = {1: {"M35.00": 8, "M35.01": 5, "M35.09": 3, "83901003": 4},
       2: {"M34.0": 5, "M34.1": 3, "M34.9": 6, "M34.81": 2, "89155008": 4},
       3: {"M33.20": 6, "M33.10": 5, "M33.90": 3, "M60.89": 1, "M36.0": 1, "31384009": 2,
           "396230008": 2},
       4: {"M05.79": 5, "M05.9": 3, "M06.9": 7, "M06.09": 3, "69896004": 1, "M06.1": 1}}
#: diagnosis codes outside the cohort's value set (last in their mix: eligible persons skip them)
_DX_OUTSIDE = {"M06.1"}


@dataclass(frozen=True)
class _CondItem:
    codes: dict[str, int]
    probs: dict[int, float]
    when: int = 0  # 0 any time, 1 within 45 days, 2 near the disease onset, 3 years ago
    end: int = 0  # 0 open, 1 resolved after 1-8 weeks, 2 half ended, 3 mostly ended
    need: int = 0  # 1 = woman 16-45
    elig: bool = False  # also drawn for the eligible persons (excludes none of them)
    knock: int = 0  # always drawn for the one-short persons of this knock


_MALIGNANT = {"C50.911": 4, "C34.90": 3, "C18.9": 3, "C61": 2, "C43.9": 1, "C85.90": 1,
              "C00.9": 1, "C96.9": 1, "D05.10": 1, "D09.0": 1}
_COND_ITEMS: tuple[_CondItem, ...] = (
    _CondItem({"J84.10": 3, "J84.9": 2, "J99": 1, "233703007": 1},
              _p(0.005, (0,), pss=0.1, ssc=0.35, iim=0.3, ra=0.08), elig=True),
    _CondItem({"I50.9": 3, "I48.91": 3, "I20.9": 2, "I21.9": 1, "I22.9": 1, "I25.2": 1,
               "I25.110": 1, "I25.700": 1, "I11.0": 1, "I13.0": 1, "I13.2": 1, "I47.1": 1,
               "I49.9": 1}, _p(0.03, (1, 2, 3, 4), ra=0.04) | {0: 0.04}, knock=_K_CARDIAC),
    _CondItem(_MALIGNANT, _p(0.02, _ALL) | {0: 0.03}, end=2),
    _CondItem({"C44.91": 4, "C44.92": 2, "D06.9": 2, "D09.0": 1, "D05.10": 1, "254701007": 1},
              _p(0.025, _ALL), when=3, end=3),
    _CondItem(_MALIGNANT | {"C44.91": 2}, _p(0.0, iim=0.06), when=2, end=2),
    _CondItem({"G40.909": 3, "I63.9": 2, "I69.30": 1, "G04.90": 1, "G05.3": 1, "F01.50": 1,
               "G93.40": 1, "I67.7": 1, "A86": 1}, _p(0.01, _ALL) | {0: 0.02}),
    _CondItem({"F20.9": 2, "F31.9": 2, "F39": 1, "F03.90": 1}, _p(0.01, _ALL), knock=_K_MENTAL),
    _CondItem({"D80.1": 2, "D83.9": 2, "D81.9": 1, "D82.1": 1, "D84.0": 1, "D84.1": 1,
               "D84.89": 1, "D84.821": 2}, _p(0.004, _ALL)),
    _CondItem({"N18.6": 2, "Z99.2": 1}, _p(0.005, _ALL)),
    _CondItem({"B20": 2, "Z21": 1}, _p(0.003, _ALL)),
    _CondItem({"A53.9": 2, "A51.9": 1, "A50.9": 1}, _p(0.002, _ALL)),
    _CondItem({"J18.9": 3, "A41.9": 1, "B02.9": 2, "J15.9": 1, "A15.0": 1, "J12.9": 1},
              _p(0.03, _ALL) | {0: 0.01}, when=1, knock=_K_INFECTION),
    _CondItem({"J18.9": 3, "B02.9": 2, "A08.4": 2, "J12.9": 1, "B99.9": 1, "A00.9": 1},
              _p(0.1, _ALL), end=1),
    _CondItem({"B18.1": 1}, _p(0.005, _ALL)),
    _CondItem({"K74.60": 3, "K70.30": 2, "K74.3": 2, "K74.4": 1, "K74.5": 1, "19943007": 1},
              _p(0.005, _ALL, pss=0.02)),
    _CondItem({"D61.9": 2, "D46.9": 2, "D47.1": 1, "D45": 1, "C92.10": 1, "D60.9": 1,
               "D47.3": 1, "D47.4": 1}, _p(0.003, _ALL, pss=0.02)),
    _CondItem({"G72.0": 1}, _p(0.0005, _ALL, iim=0.03)),
    _CondItem({"G72.41": 3, "72315009": 1}, _p(0.0002, _ALL, iim=0.03)),
    _CondItem({"E80.4": 3, "27503000": 1}, _p(0.03, _ALL), elig=True),
    _CondItem({"Z33.1": 2, "O09.90": 2}, _p(0.03, _ALL), when=1, need=1),
    _CondItem({"O80": 1}, _p(0.05, _ALL), end=1, need=1),
    _CondItem({"I73.00": 1}, _p(0.01, _ALL, ssc=0.8, pss=0.1), elig=True),
)

# ------------------------------------------------------------------------------ medications

_GC_MIX = {"prednisone": 13, "prednisolone": 3, "methylprednisolone": 3, "dexamethasone": 1}
_GC_RARE = {"hydrocortisone": 1, "betamethasone": 1, "triamcinolone": 1, "cortisone": 1,
            "deflazacort": 1}
_IMMUNO = {1: {"hydroxychloroquine": 8, "methotrexate": 4, "mycophenolate": 3,
               "azathioprine": 3, "belimumab": 1, "rituximab": 1, "telitacicept": 1,
               "iguratimod": 1, "tacrolimus": 1, "ciclosporin": 1},
           2: {"mycophenolate": 7, "methotrexate": 4, "tacrolimus": 1, "rituximab": 2,
               "azathioprine": 2, "hydroxychloroquine": 1, "tocilizumab": 1},
           3: {"methotrexate": 6, "azathioprine": 4, "mycophenolate": 4, "tacrolimus": 3,
               "ciclosporin": 2, "rituximab": 2, "hydroxychloroquine": 1},
           4: {"methotrexate": 12, "hydroxychloroquine": 4, "leflunomide": 4,
               "sulfasalazine": 3, "iguratimod": 1, "chloroquine": 1}}
_MECHANISMS = (  # order: tnf first (the usual first biologic)
    {"etanercept": 3, "adalimumab": 4, "infliximab": 2, "certolizumab": 1, "golimumab": 2},
    {"tocilizumab": 3, "sarilumab": 1},
    {"abatacept": 1},
    {"rituximab": 1},
    {"tofacitinib": 3, "baricitinib": 3, "upadacitinib": 3, "filgotinib": 1},
    {"anakinra": 1},
)
#: the eligible persons' first (long) immunomodulator counts for their cohort's criterion:
#: a conventional immunomodulator (pSS, SSc, IIM refractory) or a csDMARD (RA)
_CONVENTIONAL = {"hydroxychloroquine", "chloroquine", "methotrexate", "leflunomide",
                 "cyclophosphamide", "azathioprine", "mycophenolate", "tacrolimus",
                 "ciclosporin", "rituximab", "belimumab", "telitacicept"}
_CSDMARDS = {"methotrexate", "leflunomide", "sulfasalazine", "hydroxychloroquine", "iguratimod"}
_IMMUNO_ELIG = {c: {k: w for k, w in mix.items() if k in (_CSDMARDS if c == 4 else _CONVENTIONAL)}
                for c, mix in _IMMUNO.items()}
_GCSF = {"filgrastim": 12, "pegfilgrastim": 5, "lenograstim": 3}
_BG_DRUGS = {"omeprazole": 8, "atorvastatin": 6, "simvastatin": 3, "metformin": 4,
             "lisinopril": 4, "losartan": 3, "amlodipine": 4, "metoprolol": 3,
             "hydrochlorothiazide": 3, "levothyroxine": 4, "paracetamol": 8, "ibuprofen": 7,
             "amoxicillin": 6, "sertraline": 3, "salbutamol": 3, "aspirin": 4,
             "gabapentin": 2, "cetirizine": 3, "colecalciferol": 4, "folic-acid": 2,
             "prednisone": 2, "methylprednisolone": 1}
#: background codes the eligible persons do not get (they would exclude them)
_BG_NOT_ELIG = {"F32.9"}
_ALLERGENS = {"amoxicillin": 10, "aspirin": 3, "sulfasalazine": 2, "ibuprofen": 3,
              "cyclophosphamide": 1, "tocilizumab": 1, "fludarabine": 1}


@dataclass(frozen=True)
class _Att:
    code: str
    probs: dict[int, float]
    p_yes: float
    need: int = 0  # 1 = under 50, 2 = woman under 45
    #: for the eligible persons: probability (cohort → value), the answer and who is asked
    eprobs: dict[int, float] = field(default_factory=dict)
    eyes: int = _NO  # _NO, _YES, _CBP (yes if of childbearing potential), _REG (yes on the
    #                  treatment-regimen path), _NOT_REG (yes on the relapse path)
    eneed: int = 0  # 0 everyone, 3 = of childbearing potential, 4 = woman of childbearing pot.
    knock: int = 0  # left out for the one-short persons of this knock
    flip: int = 0  # written, with the other answer, for the one-short persons of this knock


_ATTESTATIONS: tuple[_Att, ...] = (
    _Att("informed-consent", _p(0.75), 0.97, eprobs=_all(1.0), eyes=_YES, knock=_K_CONSENT),
    _Att("hemodynamically-stable", _p(0.7), 0.95, eprobs=_all(1.0), eyes=_YES, knock=_K_HEMO,
         flip=_K_UNSTABLE),
    _Att("childbearing-potential", _p(0.6), 0.6, need=1, eprobs=_all(1.0), eyes=_CBP),
    _Att("contraception-agreed", _p(0.5), 0.85, need=1, eprobs=_all(1.0), eyes=_YES, eneed=3),
    _Att("lactating", _p(0.3), 0.05, need=2, eprobs=_all(1.0), eneed=4),
    _Att("liver-abnormality-disease-related", _p(0.05, iim=0.15), 0.5),
    _Att("pss-classification-met", _p(0.0, pss=0.8), 0.9, eprobs={1: 1.0}, eyes=_YES,
         knock=_K_CLASS),
    _Att("ssc-classification-met", _p(0.0, ssc=0.8), 0.9, eprobs={2: 1.0}, eyes=_YES,
         knock=_K_CLASS),
    _Att("iim-classification-met", _p(0.0, iim=0.8), 0.9, eprobs={3: 1.0}, eyes=_YES,
         knock=_K_CLASS),
    _Att("ra-classification-met", _p(0.0, ra=0.8), 0.92, eprobs={4: 1.0}, eyes=_YES,
         knock=_K_CLASS),
    _Att("conventional-treatment-ineffective", _p(0.6, ra=0.2), 0.8,
         eprobs=_all(1.0, (1, 2, 3)), eyes=_REG),
    _Att("relapse-after-remission", _p(0.3, ra=0.05), 0.5, eprobs=_all(1.0, (1, 2, 3)),
         eyes=_NOT_REG),
    _Att("hrct-ground-glass", _p(0.0, ssc=0.5, iim=0.2), 0.6, eprobs={2: 1.0}, eyes=_YES),
    _Att("muscle-involvement", _p(0.0, iim=0.8), 0.85, eprobs={3: 1.0}, eyes=_YES),
    _Att("csdmard-contraindicated", _p(0.0, ra=0.05), 0.6),
    _Att("socioeconomic-restriction", _p(0.0, ra=0.05), 0.5),
    _Att("symptoms-problematic", _p(0.0, ra=0.7), 0.8, eprobs={4: 1.0}, eyes=_YES),
    _Att("active-disease-signs", _p(0.0, ra=0.5), 0.7, eprobs={4: 0.6}, eyes=_YES),
    _Att("gc-taper-failed", _p(0.0, ra=0.3), 0.5),
    _Att("qol-reduced", _p(0.0, ra=0.5), 0.8, eprobs={4: 0.5}, eyes=_YES),
    _Att("uncontrolled-infection", _p(0.15), 0.1, eprobs=_all(0.15)),
    _Att("severe-allergy-history", _p(0.15), 0.08, eprobs=_all(0.15)),
    _Att("intends-pregnancy", _p(0.1), 0.1, need=1, eprobs=_all(0.1)),
    _Att("recent-trial-treatment", _p(0.1), 0.1, eprobs=_all(0.1)),
    _Att("investigator-excludes", _p(0.15), 0.1, eprobs=_all(0.15), flip=_K_INVESTIGATOR),
)

# -------------------------------------------------------------------------------- vocabulary


class _Vocab:
    """The concept rows, their relationships and ancestors; ids deterministic."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], tuple[Any, ...]] = {}
        self.ids: set[int] = set()
        self.rel: dict[tuple[int, int, str], None] = {}
        self.anc: dict[tuple[int, int], int] = {}

    def add(self, vocab: str, code: str, name: str, domain: str, cls: str,
            standard: str | None, concept_id: int | None = None) -> int:
        key = (vocab, code)
        if key in self.rows:
            return int(self.rows[key][0])
        if concept_id is None:
            h = int.from_bytes(hashlib.blake2b(f"{vocab}|{code}".encode(),
                                               digest_size=8).digest(), "big")
            concept_id = 1_000_000_000 + h % 900_000_000
            while concept_id in self.ids:
                concept_id = 1_000_000_000 + (concept_id - 999_999_999) % 900_000_000
        if concept_id in self.ids:
            raise ValueError(f"concept id {concept_id} used twice")
        self.ids.add(concept_id)
        self.rows[key] = (concept_id, name[:255], domain, vocab, cls, standard, code,
                          _VALID_START, _VALID_END, None)
        return concept_id

    def id(self, vocab: str, code: str) -> int:
        return int(self.rows[(vocab, code)][0])

    def has(self, vocab: str, code: str) -> bool:
        return (vocab, code) in self.rows

    def relate(self, a: int, b: int, rel: str, reverse: str) -> None:
        self.rel[(a, b, rel)] = None
        self.rel[(b, a, reverse)] = None

    def ancestor(self, a: int, d: int, level: int) -> None:
        self.anc[(a, d)] = min(level, self.anc.get((a, d), level))


def _read_yaml(path: Path) -> Any:
    from ruamel.yaml import YAML

    with path.open(encoding="utf-8") as fh:
        return YAML(typ="safe").load(fh)


def _local_concepts() -> dict[str, dict[str, tuple[int, str]]]:
    """local-concepts.yaml: block → code → (concept id, name)."""
    doc = _read_yaml(_PROTOCOLS / "omop" / "local-concepts.yaml")
    out: dict[str, dict[str, tuple[int, str]]] = {}
    for block, concepts in doc["concepts"].items():
        out[block] = {str(code): (int(spec["concept_id"]), str(spec.get("name", code)))
                      for code, spec in concepts.items()}
    return out


def _protocol_valuesets() -> list[dict[str, Any]]:
    proto = _read_yaml(_PROTOCOLS / "cart-autoimmune.yaml")
    return [_read_yaml(_PROTOCOLS / "valuesets" / f"{name}.yaml")
            for name in proto["valuesets"]]


def _icd_matches(pattern: str, code: str) -> bool:
    """ICD value-set code (exact, ``X*`` or ``A00-B99*``) against a concrete code."""
    c = code.replace(".", "").upper()
    star = pattern.endswith("*")
    body = (pattern[:-1] if star else pattern).replace(".", "").upper()
    if "-" in body:
        lo, hi = body.split("-", 1)
        return lo[:3] <= c[:3] <= hi[:3]
    return c.startswith(body) if star else c == body


def build_vocabulary() -> _Vocab:
    """Every concept the generator writes, plus every code the protocol's value sets name."""
    v = _Vocab()
    local = _local_concepts()
    v.add("None", "No matching concept", "No matching concept", "Metadata", "Undefined", None,
          0)
    v.add("Gender", "M", "MALE", "Gender", "Gender", "S", MALE)
    v.add("Gender", "F", "FEMALE", "Gender", "Gender", "S", FEMALE)
    v.add("Type Concept", "OMOP4976890", "EHR", "Type Concept", "Type Concept", "S", EHR)
    v.add("SNOMED", "373066001", "Yes", "Meas Value", "Qualifier Value", "S", YES)
    v.add("SNOMED", "373067005", "No", "Meas Value", "Qualifier Value", "S", NO)
    v.add("SNOMED", "10828004", "Positive", "Meas Value", "Qualifier Value", "S", POSITIVE)
    v.add("SNOMED", "260385009", "Negative", "Meas Value", "Qualifier Value", "S", NEGATIVE)
    v.add("SNOMED", "260373001", "Detected", "Meas Value", "Qualifier Value", "S", DETECTED)
    v.add("SNOMED", "260415000", "Not detected", "Meas Value", "Qualifier Value", "S",
          NOT_DETECTED)
    # operator concepts: the ids are OMOP's; their codes here are the symbols themselves
    for cid, sym, name in ((OP_LT, "<", "Less than"), (OP_LE, "<=", "Less than or equal"),
                           (OP_GT, ">", "Greater than"),
                           (OP_GE, ">=", "Greater than or equal")):
        v.add("Meas Value Operator", sym, name, "Meas Value Operator", "Qualifier Value", "S",
              cid)
    for block, vocab, domain, cls in (
            ("special", "eligo", "Observation", "Special"),
            ("attestation", "eligo Attestation", "Observation", "Attestation"),
            ("assessment", "eligo Assessment", "Measurement", "Assessment"),
            ("medication", "eligo Medication", "Drug", "Ingredient")):
        for code, (cid, name) in local[block].items():
            v.add(vocab, code, name, domain, cls, "S", cid)
    for code, name in _UCUM.items():
        v.add("UCUM", code, name, "Unit", "Unit", "S")
    for code, name in _SNOMED.items():
        v.add("SNOMED", code, name, "Condition" if code not in ("266919005", "8517006",
                                                               "77176002") else "Observation",
              "Clinical Finding", "S")

    # value-set codes
    icd_patterns: list[tuple[str, str, str]] = []  # (alias, pattern, display)
    for vs in _protocol_valuesets():
        for part in ("include", "exclude"):
            for e in vs.get(part) or []:
                system, code, display = e["system"], str(e["code"]), str(e.get("display", ""))
                if system == "loinc":
                    v.add("LOINC", code, display, "Measurement", "Lab Test", "S")
                elif system == "snomed":
                    v.add("SNOMED", code, display, "Condition", "Clinical Finding", "S")
                elif system == "rxnorm":
                    v.add("RxNorm", code, display, "Drug", "Ingredient", "S")
                elif system == "atc":
                    body = code.rstrip("*")
                    v.add("ATC", body, display, "Drug", f"ATC {len(body) - 2}th"
                          if len(body) > 5 else "ATC 4th", "C")
                elif system in ("icd-10", "icd-10-cm"):
                    if code.endswith("*") or "-" in code:
                        icd_patterns.append((system, code, display))
                    else:
                        _add_icd(v, code, display, who=system == "icd-10"
                                 and len(code) <= 5)
                # assessment / medication codes are local concepts, added above
    for icd in _ICD:
        _add_icd(v, icd.code, icd.name, who=icd.who)
    for system, pattern, display in icd_patterns:
        if not any(_icd_matches(pattern, i.code) for i in _ICD):
            body = pattern.rstrip("*").split("-")[0]
            _add_icd(v, body, display, who=system == "icd-10")
    for icd in _ICD:
        if icd.snomed:
            sno = v.id("SNOMED", icd.snomed)
            v.relate(v.id("ICD10CM", icd.code), sno, "Maps to", "Mapped from")
            if icd.who:
                v.relate(v.id("ICD10", icd.code[:5]), sno, "Maps to", "Mapped from")
    for a, d in _SNOMED_ISA:
        v.ancestor(v.id("SNOMED", a), v.id("SNOMED", d), 1)

    # background LOINC
    for code, name in _LOINC_EXTRA.items():
        v.add("LOINC", code, name, "Observation" if code in _OBS_LOINC else "Measurement",
              "Clinical Observation" if code in _OBS_LOINC else "Lab Test", "S")
    for lab in _LABS:
        for _, code, _, _, _ in lab.variants:
            if "-" in code and not code[0].isalpha():
                if not v.has("LOINC", code):
                    raise ValueError(f"LOINC {code} ({lab.key}) has no concept")
            elif not v.has("eligo Assessment", code):
                raise ValueError(f"assessment {code} is not a local concept")

    # drugs: ATC classes → ATC codes → RxNorm ingredient → clinical drug
    for cls, name in _ATC_CLASSES.items():
        v.add("ATC", cls, name, "Drug", "ATC 4th", "C")
    for drug in _DRUGS:
        atcs = [c for c in (drug.atc, drug.atc_old) if c]
        for c in atcs:
            v.add("ATC", c, drug.name, "Drug", "ATC 5th", "C")
            if v.has("ATC", c[:5]):
                v.ancestor(v.id("ATC", c[:5]), v.id("ATC", c), 1)
        if drug.rxnorm:
            ing = v.add("RxNorm", drug.rxnorm, drug.name, "Drug", "Ingredient", "S")
            for c in atcs:
                v.relate(v.id("ATC", c), ing, "ATC - RxNorm", "RxNorm - ATC")
                v.ancestor(v.id("ATC", c), ing, 1)
                if v.has("ATC", c[:5]):
                    v.ancestor(v.id("ATC", c[:5]), ing, 2)
            if drug.clinical:
                clin = v.add("RxNorm", drug.clinical[0], drug.clinical[1], "Drug",
                             "Clinical Drug",
                             "S")
                v.relate(clin, ing, "RxNorm has ing", "RxNorm ing of")
                v.ancestor(ing, clin, 1)
                for c in atcs:
                    v.ancestor(v.id("ATC", c), clin, 2)
                    if v.has("ATC", c[:5]):
                        v.ancestor(v.id("ATC", c[:5]), clin, 3)
    # every standard or classification concept is its own ancestor; standard maps to itself
    for row in list(v.rows.values()):
        if row[5] in ("S", "C"):
            v.ancestor(row[0], row[0], 0)
        if row[5] == "S" and row[3] in ("SNOMED", "LOINC", "RxNorm"):
            v.rel[(row[0], row[0], "Maps to")] = None
    return v


def _add_icd(v: _Vocab, code: str, name: str, *, who: bool) -> None:
    cls = "ICD10 code" if len(code) > 3 else "ICD10 Hierarchy"
    v.add("ICD10CM", code, name, "Condition", cls, None)
    if who:
        v.add("ICD10", code[:5], name, "Condition", cls, None)


# ------------------------------------------------------------------------------- generation


def _wheel(mix: dict[str, int]) -> list[str]:
    out: list[str] = []
    for key, weight in mix.items():
        out.extend([key] * weight)
    return out


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
            rows: Sequence[Sequence[Any]]) -> None:
    if not rows:
        return
    marks = ", ".join("?" for _ in columns)
    con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [list(r) for r in rows])


def _temp(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str]],
          rows: Sequence[Sequence[Any]]) -> None:
    body = ", ".join(f"{n} {t}" for n, t in columns)
    con.execute(f"CREATE TEMP TABLE {table} ({body})")
    _insert(con, table, [n for n, _ in columns], rows)


def _condition_code(v: _Vocab, code: str) -> tuple[int, int, int, str, str, str]:
    """(cm concept, who concept, snomed concept, cm code, who code, snomed code)."""
    if code in _SNOMED:
        sno = v.id("SNOMED", code)
        return (sno, sno, sno, code, code, code)
    icd = _ICD_BY_CODE[code]
    cm = v.id("ICD10CM", code)
    who = v.id("ICD10", code[:5]) if icd.who else cm
    sno_code = icd.snomed or ""
    return (cm, who, v.id("SNOMED", sno_code) if sno_code else 0, code,
            code[:5] if icd.who else code, sno_code)


def _load_tables(con: duckdb.DuckDBPyConnection, v: _Vocab) -> None:
    """The small lookup tables the generator joins (all TEMP: not part of the CDM)."""
    labs: list[tuple[Any, ...]] = []
    variants: list[tuple[Any, ...]] = []
    for lid, lab in enumerate(_LABS, 1):
        d = lab.dist
        labs.append((lid, lab.qual, lab.lod, lab.cap, lab.ref[0] if lab.ref else None,
                     lab.ref[1] if lab.ref else None, lab.uln_missable, d.kind, d.mu, d.sd,
                     d.lo, d.hi, d.p_pos))
        bucket = 0
        for w, code, unit, factor, dec in lab.variants:
            cid = (v.id("LOINC", code) if "-" in code and not code[0].isalpha()
                   else v.id("eligo Assessment", code))
            ucid = v.id("UCUM", unit) if unit else 0
            for _ in range(w):
                variants.append((lid, bucket, cid, code, ucid, unit or None, factor, dec))
                bucket += 1
        if bucket != 20:
            raise ValueError(f"lab {lab.key}: variant weights sum to {bucket}, not 20")
    _temp(con, "synth_lab", [("lab_id", "INT"), ("qual", "INT"), ("lod", "DOUBLE"),
                             ("cap", "DOUBLE"), ("ref_lo", "DOUBLE"), ("ref_hi", "DOUBLE"),
                             ("uln_missable", "BOOLEAN"), ("kind", "INT"), ("mu", "DOUBLE"),
                             ("sd", "DOUBLE"), ("lo", "DOUBLE"), ("hi", "DOUBLE"),
                             ("p_pos", "DOUBLE")], labs)
    _temp(con, "synth_variant", [("lab_id", "INT"), ("bucket", "INT"), ("concept_id", "BIGINT"),
                                 ("code", "VARCHAR"), ("unit_cid", "BIGINT"),
                                 ("unit_src", "VARCHAR"), ("factor", "DOUBLE"),
                                 ("dec", "INT")], variants)
    _temp(con, "synth_mwheel", [("idx", "INT"), ("lab_id", "INT")],
          [(i, _LAB_INDEX[k]) for i, k in enumerate(_wheel(_BG_LABS))])
    items: list[tuple[Any, ...]] = []
    for n, it in enumerate(_ITEMS):
        lid = _LAB_INDEX[it.lab]
        lab = _LABS[lid - 1]
        # one row per (cohort, eligible or not); the eligible persons are in cohorts 1-4 only
        for elig in (False, True):
            probs = {c: q for c, q in (it.probs | it.eprobs).items() if c > 0} if elig \
                else it.probs
            for cohort, prob in probs.items():
                if prob <= 0:
                    continue
                d = (it.edist.get(cohort) if elig else None) or it.dist.get(cohort, lab.dist)
                chg = (it.echange if elig else None) or it.change or (0.0, 0.0)
                items.append((_ITEM_SLOT0 + n, cohort, elig, lid,
                              prob * (_BG_VISIT if cohort == 0 else 1.0),
                              it.days[0], it.days[1], it.anchor, it.need, it.skip, d.kind,
                              d.mu, d.sd, d.lo, d.hi, chg[0], chg[1],
                              1000 + lid if it.paired else _ITEM_SLOT0 + n, d.p_pos,
                              it.obs_share, elig and it.lab == "creatinine",
                              it.knock if elig else 0))
    _temp(con, "synth_item", [("slot", "INT"), ("cohort", "INT"), ("elig", "BOOLEAN"),
                              ("lab_id", "INT"), ("prob", "DOUBLE"), ("day_lo", "INT"),
                              ("day_hi", "INT"), ("anchor", "INT"), ("need", "INT"),
                              ("skip", "INT"), ("kind", "INT"), ("mu", "DOUBLE"),
                              ("sd", "DOUBLE"), ("lo", "DOUBLE"), ("hi", "DOUBLE"),
                              ("chg_mu", "DOUBLE"), ("chg_sd", "DOUBLE"), ("zsalt", "INT"),
                              ("p_pos", "DOUBLE"), ("obs_share", "DOUBLE"),
                              ("crcap", "BOOLEAN"), ("knock", "INT")], items)

    # conditions: code table and wheels (group 0 background, 1-4 diagnoses, 10+ items)
    codes: dict[str, int] = {}
    code_rows: list[tuple[Any, ...]] = []
    cwheel: list[tuple[int, int, int, bool]] = []

    def code_id(code: str) -> int:
        if code not in codes:
            codes[code] = len(codes) + 1
            code_rows.append((codes[code], *_condition_code(v, code)))
        return codes[code]

    def add_wheel(group: int, mix: dict[str, int]) -> int:
        keys = _wheel(mix)
        for i, k in enumerate(keys):
            cwheel.append((group, i, code_id(k.rstrip("*")), k.endswith("*")))
        return len(keys)

    # (size, size for the eligible persons); group 5: the background for the eligible persons
    sizes = {0: (add_wheel(0, _BG_CONDITIONS),) * 2}
    size = add_wheel(5, {k: w for k, w in _BG_CONDITIONS.items()
                         if k.rstrip("*") not in _BG_NOT_ELIG})
    sizes[5] = (size, size)
    for cohort, mix in _DX.items():
        outside = [k in _DX_OUTSIDE for k in mix]
        if outside != sorted(outside):
            raise ValueError(f"cohort {cohort}: codes outside the value set must come last")
        size = add_wheel(cohort, mix)
        sizes[cohort] = (size, len(_wheel({k: w for k, w in mix.items()
                                           if k not in _DX_OUTSIDE})))
    citems: list[tuple[Any, ...]] = []
    for n, ci in enumerate(_COND_ITEMS):
        group = 10 + n
        size = add_wheel(group, ci.codes)
        for cohort, prob in ci.probs.items():
            if prob > 0:
                citems.append((24 + n, cohort, prob, group, size, ci.when, ci.end, ci.need,
                               ci.elig, ci.knock))
    _temp(con, "synth_ccode", [("code_id", "INT"), ("cm_cid", "BIGINT"), ("who_cid", "BIGINT"),
                               ("sno_cid", "BIGINT"), ("cm_code", "VARCHAR"),
                               ("who_code", "VARCHAR"), ("sno_code", "VARCHAR")], code_rows)
    _temp(con, "synth_cwheel", [("grp", "INT"), ("idx", "INT"), ("code_id", "INT"),
                                ("acute", "BOOLEAN")], cwheel)
    _temp(con, "synth_csize", [("grp", "INT"), ("size", "INT"), ("esize", "INT")],
          [(g, a, b) for g, (a, b) in sizes.items()])
    _temp(con, "synth_citem", [("slot", "INT"), ("cohort", "INT"), ("prob", "DOUBLE"),
                               ("grp", "INT"), ("size", "INT"), ("when_", "INT"),
                               ("end_", "INT"), ("need", "INT"), ("elig", "BOOLEAN"),
                               ("knock", "INT")], citems)

    # drugs
    drows: list[tuple[Any, ...]] = []
    for did, drug in enumerate(_DRUGS, 1):
        ing = drug.local or (v.id("RxNorm", drug.rxnorm) if drug.rxnorm else 0)
        drows.append((did, ing, drug.local is not None,
                      v.id("ATC", drug.atc) if drug.atc else 0,
                      v.id("ATC", drug.atc_old) if drug.atc_old else 0, drug.atc or None,
                      drug.atc_old, drug.name,
                      v.id("RxNorm", drug.clinical[0]) if drug.clinical else 0,
                      drug.dose, drug.pred, drug.days))
    _temp(con, "synth_drug", [("drug_id", "INT"), ("ing_cid", "BIGINT"), ("local", "BOOLEAN"),
                              ("atc_cid", "BIGINT"), ("atc_old_cid", "BIGINT"),
                              ("atc_code", "VARCHAR"), ("atc_old_code", "VARCHAR"),
                              ("name", "VARCHAR"), ("clin_cid", "BIGINT"), ("dose", "DOUBLE"),
                              ("pred", "DOUBLE"), ("days", "INT")], drows)
    dwheel: list[tuple[int, int, int]] = []
    dsizes: list[tuple[int, int]] = []

    def add_dwheel(group: int, mix: dict[str, int]) -> None:
        keys = _wheel(mix)
        dsizes.append((group, len(keys)))
        dwheel.extend((group, i, _DRUG_INDEX[k]) for i, k in enumerate(keys))

    add_dwheel(0, _BG_DRUGS)
    add_dwheel(1, _GC_MIX)
    add_dwheel(2, _GC_MIX | _GC_RARE)
    add_dwheel(3, _GCSF)
    add_dwheel(4, _ALLERGENS)
    for cohort, mix in _IMMUNO.items():
        add_dwheel(10 + cohort, mix)
        add_dwheel(30 + cohort, _IMMUNO_ELIG[cohort])
    for m, mix in enumerate(_MECHANISMS):
        add_dwheel(20 + m, mix)
    _temp(con, "synth_dwheel", [("grp", "INT"), ("idx", "INT"), ("drug_id", "INT")], dwheel)
    _temp(con, "synth_dsize", [("grp", "INT"), ("size", "INT")], dsizes)

    local = _local_concepts()["attestation"]
    arows: list[tuple[Any, ...]] = []
    for n, a in enumerate(_ATTESTATIONS):
        for cohort, prob in a.probs.items():
            if prob > 0:
                arows.append((160 + n, cohort, False, local[a.code][0], a.code, prob, a.p_yes,
                              a.need, _RANDOM, 0, 0))
        for cohort, prob in a.eprobs.items():
            if prob > 0:
                arows.append((160 + n, cohort, True, local[a.code][0], a.code, prob, 0.0,
                              a.eneed, a.eyes, a.knock, a.flip))
    _temp(con, "synth_att", [("slot", "INT"), ("cohort", "INT"), ("elig", "BOOLEAN"),
                             ("cid", "BIGINT"), ("code", "VARCHAR"), ("prob", "DOUBLE"),
                             ("p_yes", "DOUBLE"), ("need", "INT"), ("yes_rule", "INT"),
                             ("knock", "INT"), ("flip", "INT")], arows)


def _macros(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    # u(a, b, c): uniform [0, 1) from one 64-bit key (a · 2³² + b · 2²⁰ + c, with b < 4096 and
    # c < 2²⁰) xor a constant derived from the seed, hashed once. (DuckDB's multi-argument
    # hash combines its arguments too weakly: u(a, b, 21) and u(a, b, 40) would correlate.)
    mix = int.from_bytes(hashlib.blake2b(f"eligo-synth|{int(seed)}".encode(),
                                         digest_size=8).digest(), "big") >> 2
    con.execute(f"""CREATE TEMP MACRO u(a, b, c) AS
        ((hash(xor((((a)::BIGINT * 4096 + (b)) * 1048576 + (c))::BIGINT, {mix}::BIGINT)) >> 11)
         ::DOUBLE / 9007199254740992.0)""")
    # z: standard normal (Box-Muller)
    con.execute("""CREATE TEMP MACRO z(a, b, c) AS
        (sqrt(-2.0 * ln(1.0 - u(a, b, c))) * cos(6.283185307179586 * u(a, b, (c) + 500000)))""")
    con.execute("CREATE TEMP MACRO pick(x, n) AS (least(floor((x) * (n)), (n) - 1)::INT)")


def _persons(con: duckdb.DuckDBPyConnection, n: int, as_of: date) -> None:
    complete = round(ELIGIBLE + SHORT, 9)  # generated complete: eligible, or one short
    con.execute(f"""
    CREATE TEMP TABLE synth_p AS
    WITH b AS (SELECT (range + 1)::BIGINT AS pid FROM range({int(n)})),
    c AS (
      SELECT pid, CASE WHEN u(pid, 0, 1) < 0.03 THEN 1 WHEN u(pid, 0, 1) < 0.06 THEN 2
                       WHEN u(pid, 0, 1) < 0.09 THEN 3 WHEN u(pid, 0, 1) < 0.12 THEN 4
                       ELSE 0 END AS cohort
      FROM b),
    d AS (
      SELECT pid, cohort,
        u(pid, 0, 2) < CASE cohort WHEN 1 THEN 0.9 WHEN 2 THEN 0.8 WHEN 3 THEN 0.65
                                   WHEN 4 THEN 0.75 ELSE 0.51 END AS female,
        CASE WHEN cohort > 0 AND u(pid, 0, 7) < {complete}
               THEN greatest(19.0, least(64.0, 46 + 11 * z(pid, 0, 3)))
             WHEN cohort > 0 THEN greatest(12.0, least(88.0, 50 + 13 * z(pid, 0, 3)))
             WHEN u(pid, 0, 4) < 0.03 THEN 1 + 9 * u(pid, 0, 5)
             WHEN u(pid, 0, 4) < 0.05 THEN 90 + 10 * u(pid, 0, 5)
             ELSE 10 + 80 * u(pid, 0, 5) END AS age_y,
        pick(u(pid, 0, 6), 4) AS site,
        cohort > 0 AND u(pid, 0, 7) < {NEAR} AS near,
        -- elig: generated complete and eligible, except for the one-short persons' knock
        cohort > 0 AND u(pid, 0, 7) < {complete} AS elig,
        CASE WHEN cohort > 0 AND u(pid, 0, 7) >= {ELIGIBLE} AND u(pid, 0, 7) < {complete}
             THEN 1 + pick(u(pid, 0, 27), {_KNOCKS}) ELSE 0 END AS knock,
        u(pid, 0, 8) < 0.10 AS visit,
        u(pid, 0, 9) < 0.30 AS miss_inr,
        u(pid, 0, 10) < 0.15 AS miss_uln,
        u(pid, 0, 11) < 0.15 AS miss_weight,
        u(pid, 0, 25) AS u_cbp, u(pid, 0, 26) < 0.6 AS reg,
        pick(u(pid, 0, 12), 28) AS anc_day,
        u(pid, 0, 13) AS u_gcsf,
        30 + pick(u(pid, 0, 14), 21) AS n_meas,
        4 + pick(u(pid, 0, 15), 9) AS n_cond,
        5 + pick(u(pid, 0, 16), 11) AS n_drug,
        5 + pick(u(pid, 0, 17), 11) AS n_obs,
        z(pid, 0, 18) AS z_w, z(pid, 0, 19) AS z_h,
        u(pid, 0, 20) AS u_hist, u(pid, 0, 21) AS u_onset, u(pid, 0, 22) AS u_onset2,
        u(pid, 0, 23) AS u_birth, u(pid, 0, 24) AS u_partial
      FROM c),
    e AS (
      SELECT *, floor(age_y * 365.25)::INT + pick(u_birth, 365) AS age_days,
        CASE WHEN age_y < 18 THEN 20 + (age_y - 5) * 3.6 + 4 * z_w
             WHEN female THEN 68 + 14 * z_w ELSE 83 + 15 * z_w END AS w0,
        CASE WHEN age_y < 18 THEN 105 + (age_y - 5) * 5.5 + 5 * z_h
             WHEN female THEN 163 + 7 * z_h ELSE 177 + 7 * z_h END AS h0
      FROM d),
    f AS (
    SELECT pid, cohort, female, site, near, elig, knock, near OR visit AS recent,
      miss_inr AND NOT elig AS miss_inr, miss_uln AND NOT elig AS miss_uln,
      miss_weight AND NOT elig AS miss_weight, anc_day,
      near AND NOT elig AND u_gcsf < 0.06 AS gcsf, n_meas, n_cond, n_drug, n_obs,
      age_days, floor(age_days / 365.25)::INT AS age,
      -- eligible persons: of childbearing potential (a man: his partner) for some under 50;
      -- refractory by the treatment regimen (reg) or by a relapse after remission (NOT reg)
      elig AND age_days < 50 * 365 AND u_cbp < (CASE WHEN female THEN 0.6 ELSE 0.3 END)
        AS cbp,
      elig AND reg AND cohort < 4 AS e_reg,
      DATE '{as_of}' - age_days AS birth,
      CASE WHEN elig THEN 0 WHEN u_partial < 0.003 THEN 1 WHEN u_partial < 0.006 THEN 2
           ELSE 0 END AS partial,
      round(greatest(CASE WHEN elig THEN 52.0 ELSE 12.0 END, least(250.0, w0)), 1)
        AS weight_kg,
      round(greatest(60.0, least(215.0, h0)), 1) AS height_cm,
      least(age_days - 1, (CASE WHEN cohort > 0 THEN 730 ELSE 365 END)
                          + floor(u_hist * 365 * 13)::INT) AS hist,
      CASE WHEN cohort = 4 AND u_onset < 0.1 AND NOT elig THEN 20 + pick(u_onset2, 160)
           WHEN cohort = 4 THEN 183 + pick(u_onset2, least(age_days - 1,
                (730 + floor(u_hist * 365 * 13)::INT)) - 183)
           ELSE 30 + pick(u_onset2, least(age_days - 1,
                (730 + floor(u_hist * 365 * 13)::INT)) - 30) END AS onset_day
    FROM e)
    -- the eligible persons' creatinine cap: Cockcroft-Gault ≥ 62 mL/min with a weight 6 kg
    -- lighter and a year older than theirs (room for the weight's noise and rounding)
    SELECT *, CASE WHEN elig THEN (139 - age) * (weight_kg - 6)
                   * (CASE WHEN female THEN 0.85 ELSE 1.0 END) / (72 * 62.0) END AS cr_max
    FROM f
    """)


# ----------------------------------------------------------------------- per-chunk inserts

_MEAS_PROJECT = """
  r.pid * 256 + r.slot AS measurement_id, r.pid AS person_id, v.concept_id,
  DATE '{as_of}' - r.day AS mdate,
  (DATE '{as_of}' - r.day)::TIMESTAMP
    + to_minutes((420 + pick(u(r.pid, r.slot, 30), 600))::BIGINT) AS mdatetime,
  {EHR} AS type_cid,
  CASE WHEN l.qual > 0 THEN NULL WHEN r.raw < l.lod THEN {OP_LT}
       WHEN r.raw > l.cap THEN {OP_GT} END AS op,
  CASE WHEN l.qual > 0 THEN NULL
       ELSE round(CASE WHEN r.raw < l.lod THEN l.lod WHEN r.raw > l.cap THEN l.cap
                       ELSE r.raw END * v.factor, v.dec) END AS value,
  CASE WHEN l.qual = 0 OR r.words THEN NULL
       WHEN r.pos THEN (CASE l.qual WHEN 1 THEN {POSITIVE} ELSE {DETECTED} END)
       ELSE (CASE l.qual WHEN 1 THEN {NEGATIVE} ELSE {NOT_DETECTED} END) END AS value_cid,
  CASE WHEN u(r.pid, r.slot, 31) < 0.05 THEN 0 ELSE v.unit_cid END AS unit_cid,
  CASE WHEN l.ref_lo IS NULL OR l.qual > 0 THEN NULL
       ELSE round(l.ref_lo * v.factor, v.dec) END AS range_low,
  CASE WHEN l.ref_hi IS NULL OR l.qual > 0 OR (l.uln_missable AND r.miss_uln)
            OR (u(r.pid, r.slot, 32) < 0.02 AND NOT r.elig) THEN NULL
       ELSE round(l.ref_hi * v.factor, v.dec) END AS range_high,
  v.code AS source_value,
  CASE WHEN u(r.pid, r.slot, 33) < 0.05 THEN 0 ELSE v.concept_id END AS source_cid,
  v.unit_src,
  CASE WHEN l.qual = 0 THEN NULL
       WHEN l.qual = 1 THEN (CASE WHEN r.pos THEN 'Positive' ELSE 'Negative' END)
       ELSE (CASE WHEN r.pos THEN 'Detected' ELSE 'Not detected' END) END AS value_src
"""

_MEAS_RAW = """
  SELECT s.*,
    greatest(s.lo, least(s.hi,
      CASE s.kind WHEN 0 THEN s.mu + s.sd * z(s.pid, s.zsalt, 40)
                  WHEN 1 THEN s.mu * exp(s.sd * z(s.pid, s.zsalt, 40))
                  WHEN 2 THEN s.weight_kg + s.sd * z(s.pid, s.slot, 40)
                  WHEN 3 THEN s.height_cm + s.sd * z(s.pid, s.slot, 40) END
      / (1 + s.chg_mu + s.chg_sd * z(s.pid, s.zsalt, 41)))) AS raw,
    u(s.pid, s.slot, 42) < s.p_pos AS pos,
    u(s.pid, s.slot, 43) < 0.1 AS words
  FROM src s
"""


def _sql_measurements(as_of: date, lo: int, hi: int) -> tuple[str, str]:
    """(background INSERT, recent-items CREATE TEMP TABLE) for persons lo..hi."""
    fmt = {"as_of": as_of, "EHR": EHR, "OP_LT": OP_LT, "OP_GT": OP_GT, "POSITIVE": POSITIVE,
           "DETECTED": DETECTED, "NEGATIVE": NEGATIVE, "NOT_DETECTED": NOT_DETECTED}
    project = _MEAS_PROJECT.format(**fmt)
    background = f"""
    INSERT INTO measurement
    WITH s0 AS (
      SELECT pid, unnest(range(n_meas)) AS slot, hist, weight_kg, height_cm, miss_uln, elig
      FROM synth_p WHERE pid BETWEEN {lo} AND {hi}),
    src AS (
      SELECT s0.pid, s0.slot, w.lab_id, 29 + pick(u(s0.pid, s0.slot, 20), s0.hist - 29) AS day,
        l.kind, l.mu, l.sd * 1.15 AS sd, l.lo, l.hi, 0.0 AS chg_mu, 0.0 AS chg_sd,
        s0.slot AS zsalt, l.p_pos, s0.weight_kg, s0.height_cm, s0.miss_uln, s0.elig
      FROM s0
      JOIN synth_mwheel w ON w.idx = pick(u(s0.pid, s0.slot, 21),
                                          {len(_wheel(_BG_LABS))})
      JOIN synth_lab l ON l.lab_id = w.lab_id),
    raw AS ({_MEAS_RAW})
    SELECT {project}
    FROM raw r JOIN synth_lab l ON l.lab_id = r.lab_id
    JOIN synth_variant v ON v.lab_id = r.lab_id AND v.bucket = pick(u(r.pid, r.lab_id, 34), 20)
    """
    recent = f"""
    CREATE OR REPLACE TEMP TABLE synth_mrows AS
    WITH src AS (
      SELECT p.pid, i.slot, i.lab_id,
        least(p.hist, CASE i.anchor
          WHEN 1 THEN p.anc_day
          WHEN 2 THEN p.anc_day + 15 + pick(u(p.pid, i.slot, 22), 5)
          ELSE i.day_lo + pick(u(p.pid, i.slot, 22), i.day_hi - i.day_lo + 1) END) AS day,
        i.kind, i.mu, i.sd, i.lo, CASE WHEN i.crcap THEN least(i.hi, p.cr_max) ELSE i.hi END
          AS hi, i.chg_mu, i.chg_sd, i.zsalt, i.p_pos, p.weight_kg, p.height_cm, p.miss_uln,
        p.elig, u(p.pid, i.slot, 24) < i.obs_share AS to_obs
      FROM synth_p p JOIN synth_item i ON i.cohort = p.cohort AND i.elig = p.elig
      WHERE p.pid BETWEEN {lo} AND {hi} AND p.recent
        AND u(p.pid, i.slot, 23) < i.prob
        AND NOT (i.skip = 1 AND p.miss_inr) AND NOT (i.skip = 2 AND p.miss_weight)
        AND (i.knock = 0 OR i.knock <> p.knock)
        AND (i.need <> 1 OR (p.female AND p.age BETWEEN 12 AND 49))
        AND (i.need <> 2 OR (p.gcsf AND p.anc_day <= 8))
        AND i.day_lo <= p.hist),
    raw AS ({_MEAS_RAW})
    SELECT {project}, r.to_obs
    FROM raw r JOIN synth_lab l ON l.lab_id = r.lab_id
    JOIN synth_variant v ON v.lab_id = r.lab_id AND v.bucket = pick(u(r.pid, r.lab_id, 34), 20)
    """
    return background, recent


def _sql_conditions(as_of: date, lo: int, hi: int) -> str:
    # the eligible persons draw from a background without excluding codes, and their acute
    # (infectious) episodes began at least 60 days ago: resolved by the as-of date
    n_bg = len(_wheel(_BG_CONDITIONS))
    n_bg_elig = len(_wheel({k: w for k, w in _BG_CONDITIONS.items()
                            if k.rstrip("*") not in _BG_NOT_ELIG}))
    return f"""
    INSERT INTO condition_occurrence
    WITH bg AS (
      SELECT pid, unnest(range(n_cond)) AS slot, elig FROM synth_p
      WHERE pid BETWEEN {lo} AND {hi}),
    src AS (
      SELECT b.pid, b.slot, w.code_id,
             CASE WHEN b.elig AND w.acute THEN 60 + pick(u(b.pid, b.slot, 51), p.hist - 60)
                  ELSE pick(u(b.pid, b.slot, 51), p.hist) END AS start_day,
             CASE WHEN w.acute THEN 1 ELSE 0 END AS end_mode
      FROM bg b JOIN synth_p p ON p.pid = b.pid
      JOIN synth_cwheel w ON w.grp = CASE WHEN b.elig THEN 5 ELSE 0 END
       AND w.idx = pick(u(b.pid, b.slot, 50), CASE WHEN b.elig THEN {n_bg_elig} ELSE {n_bg} END)
      UNION ALL
      SELECT p.pid, 20 + k.k AS slot, w.code_id,
             CASE k.k WHEN 0 THEN p.onset_day
                      ELSE pick(u(p.pid, 21, 52), p.onset_day) END AS start_day, 0
      FROM synth_p p CROSS JOIN (VALUES (0), (1)) k(k)
      JOIN synth_csize cs ON cs.grp = p.cohort
      JOIN synth_cwheel w ON w.grp = p.cohort
       AND w.idx = pick(u(p.pid, 20, 50), CASE WHEN p.elig THEN cs.esize ELSE cs.size END)
      WHERE p.pid BETWEEN {lo} AND {hi} AND p.cohort > 0
        AND (k.k = 0 OR u(p.pid, 21, 53) < 0.4)
      UNION ALL
      SELECT p.pid, i.slot, w.code_id,
             least(p.hist, CASE i.when_
               WHEN 1 THEN pick(u(p.pid, i.slot, 51), 45)
               WHEN 2 THEN greatest(0, p.onset_day
                                       + pick(u(p.pid, i.slot, 51), 1401) - 700)
               WHEN 3 THEN 1500 + pick(u(p.pid, i.slot, 51), 4000)
               ELSE pick(u(p.pid, i.slot, 51), p.hist) END) AS start_day,
             CASE i.end_ WHEN 1 THEN 1
                         WHEN 2 THEN (CASE WHEN u(p.pid, i.slot, 54) < 0.5 THEN 2 ELSE 0 END)
                         WHEN 3 THEN (CASE WHEN u(p.pid, i.slot, 54) < 0.75 THEN 3 ELSE 0 END)
                         ELSE 0 END
      FROM synth_p p JOIN synth_citem i ON i.cohort = p.cohort
      JOIN synth_cwheel w ON w.grp = i.grp AND w.idx = pick(u(p.pid, i.slot, 50), i.size)
      WHERE p.pid BETWEEN {lo} AND {hi}
        AND (u(p.pid, i.slot, 55) < i.prob OR (i.knock > 0 AND i.knock = p.knock))
        AND (i.need = 0 OR (p.female AND p.age BETWEEN 16 AND 45))
        AND (i.elig OR NOT p.elig OR (i.knock > 0 AND i.knock = p.knock))),
    e AS (
      SELECT s.*, p.site,
        s.start_day - CASE s.end_mode WHEN 1 THEN 7 + pick(u(s.pid, s.slot, 56), 50)
                                      WHEN 2 THEN 180 + pick(u(s.pid, s.slot, 56), 820)
                                      WHEN 3 THEN 100 + pick(u(s.pid, s.slot, 56), 300)
                                      END AS end_day,
        u(s.pid, s.slot, 57) AS u_vocab
      FROM src s JOIN synth_p p ON p.pid = s.pid)
    SELECT e.pid * 64 + e.slot, e.pid, c.sno_cid,
      DATE '{as_of}' - e.start_day::INT, (DATE '{as_of}' - e.start_day::INT)::TIMESTAMP,
      CASE WHEN e.end_day >= 0 THEN DATE '{as_of}' - e.end_day::INT END,
      {EHR}, 0, NULL,
      CASE WHEN c.cm_code = c.sno_code THEN c.sno_code
           WHEN e.site IN (1, 3) THEN c.who_code ELSE c.cm_code END,
      CASE WHEN c.sno_cid > 0 AND c.cm_code <> c.sno_code AND e.u_vocab < 0.08 THEN 0
           WHEN e.site IN (1, 3) THEN c.who_cid ELSE c.cm_cid END,
      CASE WHEN e.end_day >= 0 THEN 'resolved' END
    FROM e JOIN synth_ccode c ON c.code_id = e.code_id
    """


def _sql_drugs(as_of: date, lo: int, hi: int) -> str:
    ids = _DRUG_INDEX
    mgkg = ("(CASE WHEN p.elig THEN 1.1 + 0.3 * u(p.pid, 23, 63) "
            "ELSE 1.0 + 0.4 * u(p.pid, 23, 63) END)")
    return f"""
    INSERT INTO drug_exposure
    WITH p AS (SELECT * FROM synth_p WHERE pid BETWEEN {lo} AND {hi}),
    bgslots AS (SELECT pid, unnest(range(n_drug)) AS slot FROM p),
    bg AS (
      SELECT b.pid, b.slot, w.drug_id, pick(u(b.pid, b.slot, 61), p.hist) AS start_day,
        greatest(1, ceil(d.days * exp(0.8 * z(b.pid, b.slot, 62))))::INT AS dur,
        d.dose * (0.5 + pick(u(b.pid, b.slot, 63), 4) * 0.5) AS qty
      FROM bgslots b JOIN p ON p.pid = b.pid
      JOIN synth_dwheel w ON w.grp = 0
       AND w.idx = pick(u(b.pid, b.slot, 60), {len(_wheel(_BG_DRUGS))})
      JOIN synth_drug d ON d.drug_id = w.drug_id),
    gc AS (   -- ordinary glucocorticoid courses
      SELECT p.pid, 20 + k.k AS slot, w.drug_id,
        30 + pick(u(p.pid, 20 + k.k, 61), p.hist - 30) AS start_day,
        14 + pick(u(p.pid, 20 + k.k, 62), 166) AS dur,
        round((5 + 2.5 * pick(u(p.pid, 20 + k.k, 63), 15)) / d.pred, 1) AS qty
      FROM p CROSS JOIN (VALUES (0), (1), (2)) k(k)
      JOIN synth_dwheel w ON w.grp = 2 AND w.idx = pick(u(p.pid, 20 + k.k, 60),
                                                  {len(_wheel(_GC_MIX | _GC_RARE))})
      JOIN synth_drug d ON d.drug_id = w.drug_id
      WHERE p.cohort > 0 AND u(p.pid, 20 + k.k, 64) < (CASE k.k WHEN 0 THEN 0.85
                                                       WHEN 1 THEN 0.6 ELSE 0.35 END)),
    gchigh AS (   -- ≥ 1 mg/kg/day prednisone-equivalent
      SELECT p.pid, 23 AS slot, d.drug_id,
        pick(u(p.pid, 23, 61), p.onset_day) AS start_day,
        14 + pick(u(p.pid, 23, 62), 47) AS dur,
        -- mg/kg/day: the eligible persons' clears 1 mg/kg whatever weight is recorded
        CASE d.drug_id WHEN {ids['prednisone']}
          THEN ceil(p.weight_kg * {mgkg} / 5) * 5
          ELSE ceil(p.weight_kg * {mgkg} / 1.25 / 4) * 4 END AS qty
      FROM p JOIN synth_drug d ON d.drug_id = CASE WHEN u(p.pid, 23, 60) < 0.7
        THEN {ids['prednisone']} ELSE {ids['methylprednisolone']} END
      WHERE p.e_reg OR u(p.pid, 23, 64) < CASE p.cohort WHEN 0 THEN 0.0 WHEN 4 THEN 0.1
                                     ELSE (CASE WHEN p.near THEN 0.6 ELSE 0.35 END) END),
    gcpulse AS (
      SELECT p.pid, 24 AS slot, {ids['methylprednisolone']} AS drug_id,
        3 + pick(u(p.pid, 24, 61), greatest(1, p.onset_day - 3)) AS start_day, 3 AS dur,
        500.0 AS qty
      FROM p WHERE p.cohort IN (1, 2, 3) AND u(p.pid, 24, 64) < 0.15),
    gclong AS (   -- RA maintenance, mostly ongoing
      SELECT p.pid, 25 AS slot, {ids['prednisone']} AS drug_id,
        least(p.hist, 60 + pick(u(p.pid, 25, 61), 800)) AS start_day,
        CASE WHEN u(p.pid, 25, 62) < 0.85 THEN 5000
             ELSE least(p.hist, 60 + pick(u(p.pid, 25, 61), 800))
                  - pick(u(p.pid, 25, 65), 30) END AS dur,
        5 + 2.5 * pick(u(p.pid, 25, 63), 5) AS qty
      FROM p WHERE u(p.pid, 25, 64) < CASE p.cohort WHEN 4 THEN (CASE WHEN p.near THEN 0.35
                                                                  ELSE 0.2 END)
                                                  WHEN 1 THEN 0.1 ELSE 0.0 END),
    cyc AS (
      SELECT p.pid, 30 + j.j AS slot, {ids['cyclophosphamide']} AS drug_id,
        150 + pick(u(p.pid, 30, 61), greatest(1, p.hist - 150)) - 28 * j.j AS start_day,
        CASE WHEN u(p.pid, 30, 66) < 0.25 THEN 60 + pick(u(p.pid, 30, 62), 120) ELSE 1 END
          AS dur,
        CASE WHEN u(p.pid, 30, 66) < 0.25 THEN 50 + 25 * pick(u(p.pid, 30, 63), 5)
             ELSE 500 + 100 * pick(u(p.pid, 30, 63), 6) END AS qty
      FROM p CROSS JOIN range(6) j(j)
      WHERE (p.e_reg OR u(p.pid, 30, 64) < CASE p.cohort WHEN 0 THEN 0.0 WHEN 4 THEN 0.02
                                      ELSE (CASE WHEN p.near THEN 0.5 ELSE 0.25 END) END)
        AND j.j < CASE WHEN u(p.pid, 30, 66) < 0.25 THEN 1
                       ELSE 3 + pick(u(p.pid, 30, 65), 4) END),
    im0 AS (   -- the eligible persons' first: one that counts, over 182 days (> 200)
      SELECT p.pid, k.k, w.drug_id, p.hist,
        CASE WHEN p.elig AND k.k = 0 THEN 200 + pick(u(p.pid, 40 + k.k, 61), p.hist - 200)
             ELSE 30 + pick(u(p.pid, 40 + k.k, 61), p.hist - 30) END AS start_day,
        greatest(CASE WHEN p.elig AND k.k = 0 THEN 200 ELSE 30 END,
                 ceil(365 * exp(0.7 * z(p.pid, 40 + k.k, 62))))::INT AS dur,
        u(p.pid, 40 + k.k, 66) < 0.2 AS refills, d.dose
      FROM p CROSS JOIN (VALUES (0), (1), (2)) k(k)
      JOIN synth_dsize s
        ON s.grp = (CASE WHEN p.elig AND k.k = 0 THEN 30 ELSE 10 END) + p.cohort
      JOIN synth_dwheel w ON w.grp = s.grp AND w.idx = pick(u(p.pid, 40 + k.k, 60), s.size)
      JOIN synth_drug d ON d.drug_id = w.drug_id
      WHERE p.cohort > 0 AND ((p.elig AND k.k = 0)
                              OR u(p.pid, 40 + k.k, 64) < (CASE k.k WHEN 0 THEN 0.9
                                                           WHEN 1 THEN 0.55 ELSE 0.25 END))),
    im AS (
      SELECT i.pid, 40 + i.k * 6 + j.j AS slot, i.drug_id, i.start_day - 90 * j.j AS start_day,
        CASE WHEN i.refills THEN least(90, i.dur - 90 * j.j) ELSE i.dur END AS dur,
        i.dose * (0.5 + pick(u(i.pid, 40 + i.k, 63), 3) * 0.25) AS qty
      FROM im0 i CROSS JOIN range(6) j(j)
      WHERE j.j = 0 OR (i.refills AND 90 * j.j < i.dur AND i.start_day - 90 * j.j >= 0)),
    bio0 AS (
      SELECT p.pid,
        CASE WHEN u(p.pid, 60, 70) < 0.6 THEN 0 ELSE pick(u(p.pid, 60, 71), 6) END AS m0,
        CASE WHEN u(p.pid, 60, 72) < 0.5 THEN 1 ELSE 5 END AS step,
        CASE WHEN p.elig THEN (CASE WHEN u(p.pid, 60, 75) < 0.7 THEN 2 ELSE 3 END)
             WHEN u(p.pid, 60, 73) < (CASE WHEN p.near THEN 0.25 ELSE 0.6 END) THEN 0
             WHEN u(p.pid, 60, 74) < 0.45 THEN 1
             WHEN u(p.pid, 60, 75) < 0.6 THEN 2 ELSE 3 END AS n_mech,
        -- the eligible persons' courses all start inside their history (d0 + d1 + 60 ≤ s0)
        least(p.hist - 10, (CASE WHEN p.elig THEN 720 ELSE 400 END)
                           + pick(u(p.pid, 60, 76), 2500)) AS s0,
        CASE WHEN p.elig THEN 90 + pick(u(p.pid, 60, 77), 240)
             ELSE 120 + pick(u(p.pid, 60, 77), 600) END AS d0,
        CASE WHEN p.elig THEN 90 + pick(u(p.pid, 60, 78), 240)
             ELSE 120 + pick(u(p.pid, 60, 78), 600) END AS d1,
        120 + pick(u(p.pid, 60, 79), 600) AS d2,
        u(p.pid, 60, 80) < 0.6 AS last_ongoing
      FROM p WHERE p.cohort = 4),
    bio AS (
      SELECT b.pid, 60 + j.j AS slot, w.drug_id,
        b.s0 - CASE j.j WHEN 0 THEN 0 WHEN 1 THEN b.d0 + 30 ELSE b.d0 + b.d1 + 60 END
          AS start_day,
        CASE WHEN j.j = b.n_mech - 1 AND b.last_ongoing THEN 10000
             ELSE (CASE j.j WHEN 0 THEN b.d0 WHEN 1 THEN b.d1 ELSE b.d2 END) END AS dur,
        d.dose AS qty
      FROM bio0 b CROSS JOIN range(3) j(j)
      JOIN synth_dsize s ON s.grp = 20 + (b.m0 + j.j * b.step) % 6
      JOIN synth_dwheel w ON w.grp = 20 + (b.m0 + j.j * b.step) % 6
       AND w.idx = pick(u(b.pid, 60 + j.j, 81), s.size)
      JOIN synth_drug d ON d.drug_id = w.drug_id
      WHERE j.j < b.n_mech),
    gcsf AS (
      SELECT p.pid, 63 AS slot, w.drug_id,
        p.anc_day + 2 + pick(u(p.pid, 63, 61), 8) AS start_day,
        1 + pick(u(p.pid, 63, 62), 3) AS dur, NULL::DOUBLE AS qty
      FROM p JOIN synth_dwheel w ON w.grp = 3
       AND w.idx = pick(u(p.pid, 63, 60), {len(_wheel(_GCSF))})
      WHERE p.gcsf),
    src AS (
      SELECT pid, slot, drug_id, start_day, dur, qty, 1 AS open_mode FROM bg
      UNION ALL SELECT pid, slot, drug_id, start_day, dur, qty, 1 FROM gc
      UNION ALL SELECT pid, slot, drug_id, start_day, dur, qty, 1 FROM gchigh
      UNION ALL SELECT pid, slot, drug_id, start_day, dur, qty, 0 FROM gcpulse
      UNION ALL SELECT pid, slot, drug_id, start_day, dur, qty, 1 FROM gclong
      UNION ALL SELECT pid, slot, drug_id, start_day, dur, qty, 0 FROM cyc
      UNION ALL SELECT pid, slot, drug_id, start_day, dur, qty, 1 FROM im
      UNION ALL SELECT pid, slot, drug_id, start_day, dur, qty, 1 FROM bio
      UNION ALL SELECT pid, slot, drug_id, start_day, dur, qty, 0 FROM gcsf),
    e AS (   -- the eligible persons' records have known ends and doses
      SELECT s.*, d.ing_cid, d.local, d.atc_cid, d.atc_old_cid, d.atc_code, d.atc_old_code,
        d.name, d.clin_cid, s.start_day - s.dur + 1 AS end_day,
        s.open_mode = 1 AND u(s.pid, s.slot, 90) < 0.03 AND NOT p.elig AS end_unknown,
        u(s.pid, s.slot, 91) < 0.08 AND NOT p.elig AS dose_unknown,
        u(s.pid, s.slot, 92) AS u_src, u(s.pid, s.slot, 93) AS u_old,
        d.clin_cid > 0 AND u(s.pid, s.slot, 94) < 0.35 AS use_clin
      FROM src s JOIN synth_drug d ON d.drug_id = s.drug_id JOIN p ON p.pid = s.pid
      WHERE s.start_day >= 0)
    SELECT e.pid * 128 + e.slot, e.pid,
      CASE WHEN e.use_clin THEN e.clin_cid ELSE e.ing_cid END,
      DATE '{as_of}' - e.start_day::INT, (DATE '{as_of}' - e.start_day::INT)::TIMESTAMP,
      CASE WHEN NOT e.end_unknown AND e.end_day >= 0 THEN DATE '{as_of}' - e.end_day::INT END,
      CASE WHEN NOT e.end_unknown AND e.end_day >= 0 THEN DATE '{as_of}' - e.end_day::INT END,
      {EHR},
      CASE WHEN NOT e.end_unknown AND e.end_day < 0 THEN 'ongoing' END,
      NULL,
      CASE WHEN e.dose_unknown THEN NULL ELSE e.qty END,
      CASE WHEN NOT e.end_unknown AND e.end_day >= 0 THEN e.dur END,
      CASE WHEN e.qty IS NOT NULL AND NOT e.dose_unknown
           THEN CAST(e.qty AS VARCHAR) || ' mg daily' END,
      0,
      CASE WHEN e.local OR e.atc_cid = 0 THEN e.name
           WHEN e.ing_cid = 0 OR e.u_src < 0.5
             THEN (CASE WHEN e.atc_old_cid > 0 AND e.u_old < 0.3 THEN e.atc_old_code
                        ELSE e.atc_code END)
           ELSE e.name END,
      CASE WHEN e.local THEN e.ing_cid
           WHEN e.ing_cid = 0 OR e.u_src < 0.5
             THEN (CASE WHEN e.atc_old_cid > 0 AND e.u_old < 0.3 THEN e.atc_old_cid
                        ELSE e.atc_cid END)
           ELSE 0 END,
      CASE WHEN e.qty IS NOT NULL AND NOT e.dose_unknown THEN 'mg/d' END
    FROM e
    """


def _sql_observations(v: _Vocab, as_of: date, lo: int, hi: int) -> str:
    smoke = [v.id("SNOMED", c) for c in ("266919005", "8517006", "77176002")]
    obs = {c: v.id("LOINC", c) for c in _OBS_LOINC}
    score, kgm2 = v.id("UCUM", "{score}"), v.id("UCUM", "kg/m2")
    return f"""
    INSERT INTO observation
    WITH p AS (SELECT * FROM synth_p WHERE pid BETWEEN {lo} AND {hi}),
    bgslots AS (SELECT pid, unnest(range(n_obs)) AS slot FROM p),
    bg AS (
      SELECT b.pid, b.slot, pick(u(b.pid, b.slot, 100), 5) AS kind,
        pick(u(b.pid, b.slot, 101), p.hist) AS day, p.weight_kg, p.height_cm,
        u(b.pid, 0, 102) AS u_smoke, u(b.pid, b.slot, 103) AS u1, z(b.pid, b.slot, 104) AS z1
      FROM bgslots b JOIN p ON p.pid = b.pid)
    SELECT pid * 256 + slot, pid,
      CASE kind WHEN 0 THEN {obs['72166-2']} WHEN 1 THEN {obs['72514-3']}
                WHEN 2 THEN {obs['39156-5']} WHEN 3 THEN {obs['55758-7']}
                ELSE {obs['75626-2']} END,
      DATE '{as_of}' - day, (DATE '{as_of}' - day)::TIMESTAMP, {EHR},
      CASE kind WHEN 0 THEN NULL
                WHEN 1 THEN greatest(0, least(10, round(2.5 + 2.5 * z1)))
                WHEN 2 THEN round((weight_kg + 1.5 * z1) / (height_cm * height_cm / 10000), 1)
                WHEN 3 THEN floor(u1 * u1 * 7)
                ELSE floor(pow(u1, 1.5) * 13) END,
      NULL,
      CASE WHEN kind = 0 THEN (CASE WHEN u_smoke < 0.55 THEN {smoke[0]}
                                    WHEN u_smoke < 0.83 THEN {smoke[1]}
                                    ELSE {smoke[2]} END) END,
      NULL,
      CASE kind WHEN 0 THEN 0 WHEN 2 THEN {kgm2} ELSE {score} END,
      CASE kind WHEN 0 THEN '72166-2' WHEN 1 THEN '72514-3' WHEN 2 THEN '39156-5'
                WHEN 3 THEN '55758-7' ELSE '75626-2' END,
      CASE kind WHEN 0 THEN {obs['72166-2']} WHEN 1 THEN {obs['72514-3']}
                WHEN 2 THEN {obs['39156-5']} WHEN 3 THEN {obs['55758-7']}
                ELSE {obs['75626-2']} END,
      CASE kind WHEN 0 THEN NULL WHEN 2 THEN 'kg/m2' ELSE '{{score}}' END
    FROM bg
    UNION ALL   -- attestations
    SELECT p.pid * 256 + a.slot, p.pid, a.cid,
      DATE '{as_of}' - pick(u(p.pid, a.slot, 110), 28),
      (DATE '{as_of}' - pick(u(p.pid, a.slot, 110), 28))::TIMESTAMP, {EHR},
      NULL, NULL,
      CASE WHEN (CASE a.yes_rule WHEN {_NO} THEN false WHEN {_YES} THEN true
                                 WHEN {_CBP} THEN p.cbp WHEN {_REG} THEN p.e_reg
                                 WHEN {_NOT_REG} THEN NOT p.e_reg
                                 ELSE u(p.pid, a.slot, 111) < a.p_yes END)
                <> (a.flip > 0 AND a.flip = p.knock)
           THEN {YES} ELSE {NO} END, NULL, 0,
      a.code, a.cid, NULL
    FROM p JOIN synth_att a ON a.cohort = p.cohort AND a.elig = p.elig
    WHERE (u(p.pid, a.slot, 112) < a.prob * (CASE WHEN p.near THEN 1.0 ELSE 0.15 END)
           OR (a.flip > 0 AND a.flip = p.knock))
      AND (a.knock = 0 OR a.knock <> p.knock)
      AND (a.need = 0 OR (a.need = 1 AND p.age < 50)
           OR (a.need = 2 AND p.female AND p.age < 45) OR (a.need = 3 AND p.cbp)
           OR (a.need = 4 AND p.cbp AND p.female))
    UNION ALL   -- allergies
    SELECT p.pid * 256 + 190, p.pid, {ALLERGY},
      DATE '{as_of}' - pick(u(p.pid, 190, 120), p.hist),
      (DATE '{as_of}' - pick(u(p.pid, 190, 120), p.hist))::TIMESTAMP, {EHR},
      NULL, NULL, d.ing_cid,
      CASE WHEN u(p.pid, 190, 121) < 0.15 THEN {SEVERE_ALLERGY} END, 0,
      'allergy:' || d.name, {ALLERGY}, NULL
    FROM p JOIN synth_dwheel w ON w.grp = 4
      AND w.idx = pick(u(p.pid, 190, 122), {len(_wheel(_ALLERGENS))})
    JOIN synth_drug d ON d.drug_id = w.drug_id
    WHERE u(p.pid, 190, 123) < 0.08 AND NOT p.elig
    UNION ALL   -- clinical-trial participation
    SELECT p.pid * 256 + 195, p.pid, {TRIAL},
      CASE WHEN u(p.pid, 195, 130) < 0.1 THEN NULL
           ELSE DATE '{as_of}' - (30 + pick(u(p.pid, 195, 131), 900)) END,
      CASE WHEN u(p.pid, 195, 130) < 0.1 THEN NULL
           ELSE (DATE '{as_of}' - (30 + pick(u(p.pid, 195, 131), 900)))::TIMESTAMP END,
      {EHR}, NULL,
      CASE WHEN u(p.pid, 195, 132) < 0.3 THEN NULL
           ELSE strftime(least(DATE '{as_of}', DATE '{as_of}' - (30 + pick(u(p.pid, 195, 131),
                900)) + 60 + pick(u(p.pid, 195, 133), 340)), '%Y-%m-%d') END,
      NULL, NULL, 0, 'trial-participation', {TRIAL}, NULL
    FROM p WHERE u(p.pid, 195, 134) < CASE WHEN p.cohort > 0 THEN 0.04 ELSE 0.003 END
      AND NOT p.elig
    UNION ALL   -- assessments recorded as observations
    SELECT measurement_id, person_id, concept_id, mdate, mdatetime, {EHR}, value, NULL,
      value_cid, NULL, unit_cid, source_value, source_cid, unit_src
    FROM synth_mrows WHERE to_obs
    """


def _sql_fixed(as_of: date, lo: int, hi: int) -> tuple[str, str]:
    person = f"""
    INSERT INTO person
    SELECT pid, CASE WHEN female THEN {FEMALE} ELSE {MALE} END, year(birth),
      CASE WHEN partial = 2 THEN NULL ELSE month(birth) END,
      CASE WHEN partial > 0 THEN NULL ELSE day(birth) END,
      CASE WHEN partial > 0 THEN NULL ELSE birth::TIMESTAMP END, 0, 0,
      'synth-' || lpad(CAST(pid AS VARCHAR), 8, '0'), CASE WHEN female THEN 'F' ELSE 'M' END
    FROM synth_p WHERE pid BETWEEN {lo} AND {hi}
    """
    period = f"""
    INSERT INTO observation_period
    SELECT pid, pid, DATE '{as_of}' - hist, DATE '{as_of}', {EHR}
    FROM synth_p WHERE pid BETWEEN {lo} AND {hi}
    """
    return person, period


def designed_eligible(persons: int, seed: int) -> dict[int, str]:
    """person_id → cohort id of the persons ``synthesize(…, persons, seed)`` generates
    complete and eligible for their cohort (at its as-of date)."""
    names = {n: c for c, n in COHORTS.items()}
    con = duckdb.connect()
    try:
        _macros(con, seed)
        _persons(con, persons, AS_OF)
        rows = con.execute("SELECT pid, cohort FROM synth_p WHERE elig AND knock = 0 "
                           "ORDER BY pid").fetchall()
        return {int(pid): names[int(cohort)] for pid, cohort in rows}
    finally:
        con.close()


def synthesize(path: str, persons: int, seed: int, as_of: date = AS_OF,
               progress: bool = False, chunk: int = CHUNK) -> dict[str, int]:
    """Write a synthetic OMOP CDM of ``persons`` persons to the DuckDB file ``path``.

    Deterministic for ``(persons, seed, as_of)``. Returns the row count of every table.
    The file must not exist (the command line removes it first with ``--force``).
    """
    if persons < 1:
        raise ValueError("persons must be at least 1")
    if Path(path).exists():
        raise FileExistsError(path)
    vocab = build_vocabulary()
    con = duckdb.connect(path)
    try:
        con.execute("SET preserve_insertion_order = false")
        for table in (*VOCABULARY_TABLES, *CDM_TABLES):
            con.execute(ddl(table))
        _insert(con, "concept", [c for c, _ in VOCABULARY_TABLES["concept"]],
                sorted(vocab.rows.values(), key=lambda r: int(r[0])))
        _insert(con, "concept_relationship",
                [c for c, _ in VOCABULARY_TABLES["concept_relationship"]],
                [(a, b, r, _VALID_START, _VALID_END, None) for a, b, r in sorted(vocab.rel)])
        _insert(con, "concept_ancestor",
                [c for c, _ in VOCABULARY_TABLES["concept_ancestor"]],
                [(a, d, lvl, lvl) for (a, d), lvl in sorted(vocab.anc.items())])
        _macros(con, seed)
        _load_tables(con, vocab)
        _persons(con, persons, as_of)
        starts = list(range(1, persons + 1, chunk))
        steps: Iterable[int] = starts
        close: Callable[[], None] = lambda: None  # noqa: E731
        if progress:
            from tqdm import tqdm

            bar = tqdm(starts, desc="synth", unit="chunk", total=len(starts))
            steps, close = bar, bar.close
        for lo in steps:
            hi = min(persons, lo + chunk - 1)
            person, period = _sql_fixed(as_of, lo, hi)
            con.execute(person)
            con.execute(period)
            background, recent = _sql_measurements(as_of, lo, hi)
            con.execute(background)
            con.execute(recent)
            con.execute("INSERT INTO measurement SELECT * EXCLUDE (to_obs) FROM synth_mrows "
                        "WHERE NOT to_obs")
            con.execute(_sql_observations(vocab, as_of, lo, hi))
            con.execute(_sql_conditions(as_of, lo, hi))
            con.execute(_sql_drugs(as_of, lo, hi))
        close()
        for t in ("synth_mrows", "synth_p", "synth_lab", "synth_variant", "synth_mwheel",
                  "synth_item", "synth_ccode", "synth_cwheel", "synth_csize", "synth_citem",
                  "synth_drug", "synth_dwheel", "synth_dsize", "synth_att"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        counts: dict[str, int] = {}
        for table in (*VOCABULARY_TABLES, *CDM_TABLES):
            row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[table] = int(row[0]) if row else 0
        con.execute("CHECKPOINT")
        return counts
    finally:
        con.close()
