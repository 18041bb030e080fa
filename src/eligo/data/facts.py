"""The fact model: what the screener knows about one patient, independent of FHIR or OMOP.

Every source (the FHIR R4 reader today, OMOP tomorrow) produces a :class:`PatientRecord`.
Record-status rules (SPEC §2.11) are applied by the source: facts here all *count*.
Dates are calendar days; a partial FHIR date (``2019`` or ``2019-04``) is kept as the
interval of days it may mean (``*_lo``/``*_hi``) where the spec reads it (condition onset),
and is a problem elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

__all__ = [
    "Allergy",
    "Coding",
    "Condition",
    "MedicationUse",
    "Observation",
    "Patient",
    "PatientRecord",
    "Problem",
    "ResearchSubject",
]


@dataclass(frozen=True, slots=True)
class Coding:
    system: str
    code: str
    display: str | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """A resource (or part of one) that could not be used, and why (SPEC §5 `problems`)."""

    reference: str
    field: str
    value: str
    why: str


@dataclass(frozen=True, slots=True)
class Patient:
    id: str
    birth_date: date | None  # an exact date of birth only
    gender: str | None  # FHIR administrative gender: male | female | other | unknown
    #: a birthDate less precise than a day ("1990", "1990-07"): its first and last day
    birth_range: tuple[date, date] | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    reference: str  # "Observation/o1"
    codings: tuple[Coding, ...]
    day: date | None  # effectiveDateTime / effectivePeriod.start / issued, as a calendar day
    effective: datetime | None  # for same-day ties (SPEC §1)
    issued: datetime | None
    value: float | None = None  # valueQuantity.value or valueInteger
    comparator: str | None = None  # valueQuantity.comparator: "<" means below ``value``
    unit: str | None = None  # UCUM code (valueQuantity.code, else .unit); None = unitless
    ref_high: float | None = None  # referenceRange[0].high.value
    ref_high_unit: str | None = None
    value_codings: tuple[Coding, ...] = ()
    value_string: str | None = None
    value_boolean: bool | None = None
    interpretation: tuple[str, ...] = ()  # interpretation codes (POS, NEG, H, …)


@dataclass(frozen=True, slots=True)
class Condition:
    reference: str
    codings: tuple[Coding, ...]
    onset_lo: date | None  # onset (else recordedDate), first day it may mean
    onset_hi: date | None  # … last day it may mean
    abatement: date | None  # last day it may mean
    clinical_status: str | None  # active | recurrence | relapse | inactive | remission | resolved


@dataclass(frozen=True, slots=True)
class MedicationUse:
    """One medication record as a period of exposure (SPEC §2.8), both ends inclusive."""

    reference: str
    codings: tuple[Coding, ...]
    start: date
    end: date | None  # None: see ``open_end``
    # "ongoing": an active statement without end — exposure runs to the as-of date;
    # "unknown": taken on ``start`` at least, duration unknown beyond (never beyond as-of).
    open_end: Literal["ongoing", "unknown"] | None = None
    dose_value: float | None = None  # one dose, doseQuantity.value
    dose_unit: str | None = None
    per_day: float | None = None  # administrations per day from timing.repeat


@dataclass(frozen=True, slots=True)
class Allergy:
    reference: str
    codings: tuple[Coding, ...]
    criticality: str | None
    severe_reaction: bool


@dataclass(frozen=True, slots=True)
class ResearchSubject:
    reference: str
    status: str | None
    start: date | None
    end: date | None  # None = ongoing


@dataclass(slots=True)
class PatientRecord:
    source: str
    patient: Patient
    observations: list[Observation] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    medications: list[MedicationUse] = field(default_factory=list)
    allergies: list[Allergy] = field(default_factory=list)
    research_subjects: list[ResearchSubject] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
