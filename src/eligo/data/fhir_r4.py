"""FHIR R4 Bundle → :class:`~eligo.data.facts.PatientRecord`.

Only the resources and elements SPEC §3 reads are decoded, into msgspec structs: a fraction of
the cost of full model validation. ``fhir.resources.R4B`` (the complete, validating model) is
the reference the test suite checks this reader against on every example bundle.

Bundle-level faults (not JSON, not a Bundle, no Patient or two) raise
:class:`~eligo.errors.InputError`; a faulty resource inside a good bundle is left out and
reported as a :class:`~eligo.data.facts.Problem`, and the patient is still screened.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from eligo.data import facts as f
from eligo.data import units
from eligo.data.terminology import CODED_MEDICATION_SYSTEMS, NAMED_MEDICATIONS, SYSTEMS
from eligo.errors import InputError

__all__ = ["parse_fhir_date", "read_bundle", "read_bundle_bytes"]

UCUM = "http://unitsofmeasure.org"
_BUNDLE_TYPES = {"collection", "transaction", "batch", "searchset"}
# SPEC §2.8 names entered-in-error, not-taken and cancelled; a MedicationAdministration
# "not-done", an "intended" statement and a "draft" request were not taken either.
_NOT_TAKEN = {"entered-in-error", "not-taken", "cancelled", "not-done", "intended", "draft"}


class _S(msgspec.Struct, omit_defaults=True, gc=False):
    """Base: unknown FHIR elements are skipped, every element is optional. The structs are
    trees (no cycles), so the garbage collector need not track them (gc=False)."""


class Coding(_S):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class CodeableConcept(_S):
    coding: list[Coding] = []
    text: str | None = None


class Quantity(_S):
    value: float | None = None
    comparator: str | None = None
    unit: str | None = None
    system: str | None = None
    code: str | None = None


class ReferenceRange(_S):
    high: Quantity | None = None


class Period(_S):
    start: str | None = None
    end: str | None = None


class Reference(_S):
    reference: str | None = None


class Observation(_S):
    id: str | None = None
    status: str | None = None
    code: CodeableConcept | None = None
    effectiveDateTime: str | None = None
    effectivePeriod: Period | None = None
    effectiveInstant: str | None = None
    issued: str | None = None
    valueQuantity: Quantity | None = None
    valueInteger: int | None = None
    valueCodeableConcept: CodeableConcept | None = None
    valueString: str | None = None
    valueBoolean: bool | None = None
    referenceRange: list[ReferenceRange] = []
    interpretation: list[CodeableConcept] = []


class Condition(_S):
    id: str | None = None
    code: CodeableConcept | None = None
    clinicalStatus: CodeableConcept | None = None
    verificationStatus: CodeableConcept | None = None
    onsetDateTime: str | None = None
    onsetPeriod: Period | None = None
    recordedDate: str | None = None
    abatementDateTime: str | None = None
    abatementPeriod: Period | None = None


class Repeat(_S):
    frequency: int | None = None
    period: float | None = None
    periodUnit: str | None = None


class Timing(_S):
    repeat: Repeat | None = None


class DoseAndRate(_S):
    doseQuantity: Quantity | None = None


class Dosage(_S):
    timing: Timing | None = None
    doseAndRate: list[DoseAndRate] = []


class AdministrationDosage(_S):
    dose: Quantity | None = None


class Duration(_S):
    value: float | None = None
    unit: str | None = None
    code: str | None = None


class DispenseRequest(_S):
    validityPeriod: Period | None = None
    expectedSupplyDuration: Duration | None = None


class _Contained(_S):
    """A contained resource, as far as a ``#id`` medication reference needs it."""

    resourceType: str | None = None
    id: str | None = None
    code: CodeableConcept | None = None


class _MedicationRecord(_S):
    """What every medication resource has: the drug (coded or referenced) and a status."""

    id: str | None = None
    status: str | None = None
    medicationCodeableConcept: CodeableConcept | None = None
    medicationReference: Reference | None = None
    # raw: a contained resource of another type (a Questionnaire's ``code`` is a list) must
    # not make the medication record invalid; only a referenced Medication is decoded
    contained: list[msgspec.Raw] = []


class _Taken(_MedicationRecord):
    effectiveDateTime: str | None = None
    effectivePeriod: Period | None = None


class MedicationStatement(_Taken):
    dosage: list[Dosage] = []


class MedicationAdministration(_Taken):
    dosage: AdministrationDosage | None = None


class MedicationRequest(_MedicationRecord):
    authoredOn: str | None = None
    dosageInstruction: list[Dosage] = []
    dispenseRequest: DispenseRequest | None = None


class Medication(_S):
    id: str | None = None
    code: CodeableConcept | None = None


class Reaction(_S):
    severity: str | None = None


class AllergyIntolerance(_S):
    id: str | None = None
    code: CodeableConcept | None = None
    criticality: str | None = None
    verificationStatus: CodeableConcept | None = None
    reaction: list[Reaction] = []


class ResearchSubject(_S):
    id: str | None = None
    status: str | None = None
    period: Period | None = None


class Patient(_S):
    id: str | None = None
    birthDate: str | None = None
    gender: str | None = None


class _Kind(_S):
    resourceType: Any = None
    id: Any = None


class _Entry(_S):
    fullUrl: str | None = None
    resource: msgspec.Raw = msgspec.Raw(b"")


class _BundleHead(_S):
    resourceType: Any = None
    type: Any = None


class _Bundle(_S):
    entry: list[_Entry] = []


_STRUCTS: dict[str, type[_S]] = {
    "Patient": Patient,
    "Observation": Observation,
    "Condition": Condition,
    "MedicationStatement": MedicationStatement,
    "MedicationAdministration": MedicationAdministration,
    "MedicationRequest": MedicationRequest,
    "Medication": Medication,
    "AllergyIntolerance": AllergyIntolerance,
    "ResearchSubject": ResearchSubject,
}
_DECODERS = {name: msgspec.json.Decoder(t) for name, t in _STRUCTS.items()}
_KIND = msgspec.json.Decoder(_Kind)
_CONTAINED = msgspec.json.Decoder(_Contained)


def _contained(raw: msgspec.Raw) -> _Contained | None:
    try:
        kind = _KIND.decode(raw).resourceType
        return _CONTAINED.decode(raw) if kind == "Medication" else None
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None

_HEAD = msgspec.json.Decoder(_BundleHead)
_BUNDLE = msgspec.json.Decoder(_Bundle)

#: UCUM time units in days (FHIR Timing and Duration)
_DAYS = {"s": 1 / 86400, "min": 1 / 1440, "h": 1 / 24, "d": 1.0, "wk": 7.0, "mo": 30.0,
         "a": 365.0}

_DATE = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


class _BadDate(ValueError):
    pass


def parse_fhir_date(text: str) -> tuple[date, date, datetime | None]:
    """A FHIR date/dateTime/instant → (first day, last day it may mean, timestamp or None).

    >>> parse_fhir_date("2019")[:2]
    (datetime.date(2019, 1, 1), datetime.date(2019, 12, 31))
    """
    m = _DATE.match(text.strip())
    if not m:
        raise _BadDate(text)
    year, month, day, hh, mm, ss, _tz = m.groups()
    try:
        if month is None:
            return date(int(year), 1, 1), date(int(year), 12, 31), None
        if day is None:
            first = date(int(year), int(month), 1)
            nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
            return first, nxt - timedelta(days=1), None
        d = date(int(year), int(month), int(day))
        ts = None
        if hh:
            # the day stays as written; the time is made comparable across offsets (UTC)
            ts = datetime(d.year, d.month, d.day, int(hh), int(mm), int(ss or 0))
            if _tz and _tz != "Z":
                sign = 1 if _tz[0] == "+" else -1
                ts -= sign * timedelta(hours=int(_tz[1:3]), minutes=int(_tz[4:6]))
        return d, d, ts
    except ValueError as exc:
        raise _BadDate(text) from exc


def _codings(cc: CodeableConcept | None) -> tuple[f.Coding, ...]:
    if cc is None:
        return ()
    return tuple(f.Coding(c.system, c.code, c.display) for c in cc.coding
                 if c.system and c.code)


def _named_medication(cc: CodeableConcept | None) -> tuple[f.Coding, ...]:
    """The local code of a drug named in ``cc``'s text or a coding's display, when no coding
    is in a system the value sets match by code (a name alone, or a site's own code): SPEC
    §3.5 accepts telitacicept "by name". First, so that the OMOP loader stores it as the
    drug's concept."""
    if cc is None or any(c.system in CODED_MEDICATION_SYSTEMS for c in cc.coding if c.code):
        return ()
    words = " ".join(filter(None, [cc.text, *(c.display for c in cc.coding)])).lower()
    return tuple(f.Coding(SYSTEMS["medication"][0], name, name)
                 for name in NAMED_MEDICATIONS if re.search(rf"\b{name}\b", words))


_STATUS_WORDS = frozenset({
    "active", "recurrence", "relapse", "inactive", "remission", "resolved",  # clinical
    "unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"})
_STATUS_SYSTEMS = ("http://terminology.hl7.org/CodeSystem/condition-clinical",
                   "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                   "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification")


def _status(cc: CodeableConcept | None) -> str | None:
    """A status concept's code: HL7's own coding first (a site may put a local code first),
    else the first code, else its text when it is a bare status word ("Resolved")."""
    if cc is None:
        return None
    hl7 = next((c.code for c in cc.coding if c.code and c.system in _STATUS_SYSTEMS), None)
    if hl7 is not None:
        return hl7
    first = next((c.code for c in cc.coding if c.code), None)
    if first is not None:
        return first
    word = (cc.text or "").strip().lower()
    return word if word in _STATUS_WORDS else None


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[f.Problem] = []

    def problem(self, ref: str, field: str, value: Any, why: str) -> None:
        self.problems.append(f.Problem(ref, field, "" if value is None else str(value), why))

    def bound(self, ref: str, field: str, text: str, which: int) -> date | None:
        """A medication date: a partial one is read as its last (which=1) or first (0) day."""
        got = self.day(ref, field, text, exact=False)
        if got is None:
            return None
        if got[0] != got[1]:
            chosen = got[1] if which else got[0]
            self.problem(ref, field, text, "date is less precise than a day: read as "
                         f"{chosen.isoformat()} (the shortest exposure it may mean)")
        return got[1] if which else got[0]

    def day(self, ref: str, field: str, text: str | None, *, exact: bool = True
            ) -> tuple[date, date, datetime | None] | None:
        if text is None:
            return None
        try:
            lo, hi, ts = parse_fhir_date(text)
        except _BadDate:
            self.problem(ref, field, text, "unparseable date")
            return None
        if exact and lo != hi:
            self.problem(ref, field, text, "date is less precise than a day")
            return None
        return lo, hi, ts

    # -- resources ----------------------------------------------------------------------
    def observation(self, r: Observation, ref: str) -> f.Observation | None:
        if r.status in ("entered-in-error", "cancelled", "registered"):
            return None
        when = None
        field = ""
        for field, text in (("effectiveDateTime", r.effectiveDateTime),
                            ("effectivePeriod.start",
                             r.effectivePeriod.start if r.effectivePeriod else None),
                            ("effectiveInstant", r.effectiveInstant)):
            if text is not None:
                when = self.day(ref, field, text)
                if when is None:
                    return None
                break
        issued = self.day(ref, "issued", r.issued) if r.issued else None
        if when is None and issued is None:
            self.problem(ref, "effective[x]", None, "no date: cannot be placed in time")
            return None
        day = (when or issued or (None, None, None))[0]
        value: float | None = None
        unit: str | None = None
        comparator: str | None = None
        if r.valueQuantity is not None:
            q = r.valueQuantity
            if q.value is None:
                self.problem(ref, "valueQuantity.value", None, "quantity without a value")
                return None
            value = q.value
            comparator = q.comparator
            unit = q.code if q.code is not None else units.from_display(q.unit)
            if q.system is not None and q.system != UCUM and q.code is not None:
                unit = units.from_display(q.unit) or q.code
        elif r.valueInteger is not None:
            value = float(r.valueInteger)
        high = next((rr.high for rr in r.referenceRange if rr.high is not None), None)
        ref_high = high.value if high is not None else None
        ref_unit = (high.code or units.from_display(high.unit)) if high is not None else None
        flags = tuple(c.code for cc in r.interpretation for c in cc.coding if c.code)
        return f.Observation(
            reference=ref, codings=_codings(r.code), day=day,
            effective=when[2] if when else None, issued=issued[2] if issued else None,
            value=value, comparator=comparator, unit=unit, ref_high=ref_high,
            ref_high_unit=ref_unit,
            value_codings=_codings(r.valueCodeableConcept), value_string=r.valueString,
            value_boolean=r.valueBoolean, interpretation=flags,
        )

    def condition(self, r: Condition, ref: str) -> f.Condition | None:
        if _status(r.verificationStatus) in ("refuted", "entered-in-error"):
            return None
        onset = None
        for field, text in (("onsetDateTime", r.onsetDateTime),
                            ("onsetPeriod.start", r.onsetPeriod.start if r.onsetPeriod else None),
                            ("recordedDate", r.recordedDate)):
            if text is not None:
                onset = self.day(ref, field, text, exact=False)
                break
        end = None
        for field, text in (("abatementDateTime", r.abatementDateTime),
                            ("abatementPeriod.end",
                             r.abatementPeriod.end if r.abatementPeriod else None)):
            if text is not None:
                end = self.day(ref, field, text, exact=False)
                break
        return f.Condition(
            reference=ref, codings=_codings(r.code),
            onset_lo=onset[0] if onset else None, onset_hi=onset[1] if onset else None,
            abatement=end[1] if end else None, clinical_status=_status(r.clinicalStatus),
        )

    def medication_codings(self, r: Any, meds: dict[str, Medication]) -> tuple[f.Coding, ...]:
        cc = r.medicationCodeableConcept
        if cc is None:
            target = (r.medicationReference.reference if r.medicationReference else None) or ""
            med = meds.get(target)
            cc = med.code if med is not None else None
            if target.startswith("#"):  # a Medication contained in the resource itself
                cc = next((c.code for c in map(_contained, r.contained) if c is not None
                           and c.resourceType == "Medication" and c.id == target[1:]), None)
        return _named_medication(cc) + _codings(cc)

    @staticmethod
    def per_day(dosages: list[Dosage]) -> tuple[Quantity | None, float | None]:
        if not dosages:
            return None, None
        d = dosages[0]
        dose = next((dr.doseQuantity for dr in d.doseAndRate if dr.doseQuantity), None)
        rep = d.timing.repeat if d.timing else None
        if rep is None or rep.period is None or rep.periodUnit is None:
            return dose, None
        days = _DAYS.get(rep.periodUnit)
        if days is None or rep.period <= 0:
            return dose, None
        return dose, (rep.frequency or 1) / (rep.period * days)

    def medication(self, r: Any, kind: str, ref: str, meds: dict[str, Medication]
                   ) -> f.MedicationUse | None:
        if r.status in _NOT_TAKEN:
            return None
        # A partial date cannot be dropped: medication history is closed, so a dropped record
        # would read as "never taken". It is read as the shortest exposure it may mean — the
        # last day a start may be, the first day an end may be — and reported.
        codings = self.medication_codings(r, meds)
        if not codings:
            self.problem(ref, "medication[x]", None, "no medication code")
            return None
        end: date | None = None
        open_end: Any = None
        dose: Quantity | None = None
        per_day: float | None = None
        if kind == "MedicationRequest":
            if r.authoredOn is None:
                self.problem(ref, "authoredOn", None, "no date: cannot be placed in time")
                return None
            authored = self.bound(ref, "authoredOn", r.authoredOn, 1)
            if authored is None:
                return None
            start = authored
            dr = r.dispenseRequest
            supply = dr.expectedSupplyDuration if dr else None
            validity_end = dr.validityPeriod.end if dr and dr.validityPeriod else None
            if supply is not None and supply.value is not None:
                per = _DAYS.get(supply.code or supply.unit or "d")
                if per is None:
                    self.problem(ref, "dispenseRequest.expectedSupplyDuration",
                                 supply.code or supply.unit, "unknown duration unit")
                else:
                    # a supply of N days covers its first day and N − 1 more (both inclusive)
                    days = math.ceil(supply.value * per - 1e-9)
                    end = start + timedelta(days=max(days - 1, 0))
            elif validity_end is not None:
                e = self.day(ref, "dispenseRequest.validityPeriod.end", validity_end)
                end = e[0] if e else None
            if end is None:
                open_end = "unknown"
            dose, per_day = self.per_day(r.dosageInstruction)
        else:
            if r.effectiveDateTime is not None:
                day = self.bound(ref, "effectiveDateTime", r.effectiveDateTime, 1)
                if day is None:
                    return None
                start, end = day, day
            elif r.effectivePeriod is not None and r.effectivePeriod.start is not None:
                first = self.bound(ref, "effectivePeriod.start", r.effectivePeriod.start, 1)
                if first is None:
                    return None
                start = first
                if r.effectivePeriod.end is not None:
                    end = self.bound(ref, "effectivePeriod.end", r.effectivePeriod.end, 0)
                    if end is None:
                        return None
                    end = max(end, start)
                else:
                    open_end = "ongoing" if r.status == "active" and kind == \
                        "MedicationStatement" else "unknown"
            else:
                self.problem(ref, "effective[x]", None, "no date: cannot be placed in time")
                return None
            if kind == "MedicationStatement":
                dose, per_day = self.per_day(r.dosage)
            else:
                # one administration: at least its dose on that day
                dose = r.dosage.dose if r.dosage else None
                per_day = 1.0
        return f.MedicationUse(
            reference=ref, codings=codings, start=start, end=end, open_end=open_end,
            dose_value=dose.value if dose else None,
            dose_unit=(dose.code or dose.unit) if dose else None, per_day=per_day,
        )

    def allergy(self, r: AllergyIntolerance, ref: str) -> f.Allergy | None:
        if _status(r.verificationStatus) in ("refuted", "entered-in-error"):
            return None
        return f.Allergy(ref, _codings(r.code), r.criticality,
                         any(x.severity == "severe" for x in r.reaction))

    def research_subject(self, r: ResearchSubject, ref: str) -> f.ResearchSubject | None:
        if r.status in ("candidate", "ineligible", "not-registered"):
            return None
        start = self.day(ref, "period.start", r.period.start) if r.period else None
        end = self.day(ref, "period.end", r.period.end) if r.period else None
        return f.ResearchSubject(ref, r.status, start[0] if start else None,
                                 end[0] if end else None)

    # -- the bundle -----------------------------------------------------------------------
    def read(self, raw: bytes) -> f.PatientRecord:
        try:
            bundle = _HEAD.decode(raw)
        except msgspec.DecodeError as exc:
            why = str(exc)
            if "Expected `object`" in why:
                raise InputError(self.source, "not a FHIR Bundle: the JSON is not an object") \
                    from None
            raise InputError(self.source, f"not valid JSON ({why})") from None
        if bundle.resourceType != "Bundle":
            kind = bundle.resourceType or "no resourceType"
            raise InputError(self.source, f"not a FHIR Bundle (resourceType: {kind})")
        if not isinstance(bundle.type, str) or bundle.type not in _BUNDLE_TYPES:
            raise InputError(self.source, f"Bundle.type must be one of "
                             f"{', '.join(sorted(_BUNDLE_TYPES))}, not {bundle.type!r}")
        try:
            entries = _BUNDLE.decode(raw).entry
        except msgspec.ValidationError as exc:
            raise InputError(self.source, f"Bundle.entry is malformed ({exc})") from None

        decoded: list[tuple[str, Any, str]] = []
        meds: dict[str, Medication] = {}
        patients: list[Patient] = []
        for i, entry in enumerate(entries):
            if not entry.resource:
                continue
            try:
                head = _KIND.decode(entry.resource)
            except msgspec.DecodeError:
                self.problem(f"Bundle.entry[{i}]", "resource", None, "not a JSON object")
                continue
            kind = head.resourceType
            decoder = _DECODERS.get(kind) if isinstance(kind, str) else None
            if decoder is None:
                continue  # a resource type SPEC §3 does not read
            try:
                res = decoder.decode(entry.resource)
            except msgspec.ValidationError as exc:
                where = f"{kind}/{head.id}" if isinstance(head.id, str) and head.id else \
                    f"{kind} in Bundle.entry[{i}]"
                if kind == "Patient":
                    raise InputError(self.source, f"the Patient resource is not valid FHIR "
                                     f"({exc})") from None
                field, bad = _locate(exc, entry.resource)
                self.problem(where, field, bad, f"not a valid {kind}: {exc}")
                continue
            rid = getattr(res, "id", None)
            ref = f"{kind}/{rid}" if rid else f"{kind} in Bundle.entry[{i}]"
            if isinstance(res, Patient):
                patients.append(res)
            elif isinstance(res, Medication):
                meds[ref] = res
                if entry.fullUrl:
                    meds[entry.fullUrl] = res
            else:
                decoded.append((kind, res, ref))
        if not patients:
            raise InputError(self.source, "the Bundle has no Patient resource")
        if len(patients) > 1 and patients[0].id and all(
                q.id == patients[0].id for q in patients):
            patients = patients[:1]  # one patient listed twice (a searchset's include, say)
        if len(patients) > 1:
            ids = ", ".join(p.id or "?" for p in patients)
            raise InputError(self.source, f"the Bundle has {len(patients)} Patient resources "
                             f"({ids}); eligo screens one patient per Bundle")
        p = patients[0]
        birth = birth_range = None
        if p.birthDate is not None:
            # a year or a month of birth still bounds the age (SPEC §3: whole years at as-of)
            b = self.day(f"Patient/{p.id}", "birthDate", p.birthDate, exact=False)
            if b is not None and b[0] == b[1]:
                birth = b[0]
            elif b is not None:
                birth_range = b[0], b[1]
        record = f.PatientRecord(self.source, f.Patient(p.id or Path(self.source).stem, birth,
                                                        p.gender, birth_range))
        for kind, res, ref in decoded:
            if kind == "Observation":
                o = self.observation(res, ref)
                if o is not None:
                    record.observations.append(o)
            elif kind == "Condition":
                c = self.condition(res, ref)
                if c is not None:
                    record.conditions.append(c)
            elif kind in ("MedicationStatement", "MedicationAdministration",
                          "MedicationRequest"):
                m = self.medication(res, kind, ref, meds)
                if m is not None:
                    record.medications.append(m)
            elif kind == "AllergyIntolerance":
                a = self.allergy(res, ref)
                if a is not None:
                    record.allergies.append(a)
            elif kind == "ResearchSubject":
                s = self.research_subject(res, ref)
                if s is not None:
                    record.research_subjects.append(s)
        record.problems.extend(self.problems)
        return record


def _locate(exc: msgspec.ValidationError, raw: msgspec.Raw) -> tuple[str, Any]:
    """The field path and the offending value of a validation error (``$.a.b[0].c``)."""
    text = str(exc)
    if "`$." not in text:
        return "", None
    path = text.rsplit("`$.", 1)[-1].rstrip("`")
    try:
        value: Any = msgspec.json.decode(raw)
    except msgspec.DecodeError:  # e.g. a number beyond the double range (1e400)
        return path, None
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        try:
            value = value[int(part[1:-1])] if part.startswith("[") else value[part]
        except (KeyError, IndexError, TypeError, ValueError):
            return path, None
    return path, value if not isinstance(value, dict | list) else msgspec.json.encode(
        value).decode()


def read_bundle_bytes(raw: bytes, source: str) -> f.PatientRecord:
    return _Reader(source).read(raw)


def read_bundle(path: str | Path) -> f.PatientRecord:
    """Read one patient's FHIR R4 Bundle (JSON) from a file."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(source, "no such file") from None
    except IsADirectoryError:
        raise InputError(source, "is a directory, not a FHIR Bundle file") from None
    except OSError as exc:
        raise InputError(source, f"cannot be read ({exc.strerror})") from None
    return read_bundle_bytes(raw, source)
