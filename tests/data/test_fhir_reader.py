"""Unit tests of the FHIR R4 reader (SPEC §2.8, §2.11, §3, §5): bundle-level errors,
resource-level problems, record-status filters, partial dates, medication periods and doses."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from eligo.data import facts as f
from eligo.data.fhir_r4 import read_bundle, read_bundle_bytes
from eligo.errors import InputError

SOURCE = "test.json"
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
ATC = "http://www.whocc.no/atc"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
PATIENT = {"resourceType": "Patient", "id": "pat-1", "birthDate": "1980-03-15",
           "gender": "female"}
SUBJ = {"reference": "Patient/pat-1"}


def bundle(*resources: dict[str, Any], btype: Any = "collection",
           patient: bool = True) -> dict[str, Any]:
    res = ([PATIENT] if patient else []) + list(resources)
    return {"resourceType": "Bundle", "type": btype,
            "entry": [{"fullUrl": f"urn:uuid:{i}", "resource": r} for i, r in enumerate(res)]}


def read(obj: Any) -> f.PatientRecord:
    return read_bundle_bytes(json.dumps(obj).encode(), SOURCE)


def input_error(obj: Any) -> InputError:
    raw = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    with pytest.raises(InputError) as info:
        read_bundle_bytes(raw, SOURCE)
    return info.value


def code(system: str, c: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": c}]}


def obs(oid: str = "o1", **kw: Any) -> dict[str, Any]:
    r = {"resourceType": "Observation", "id": oid, "status": "final",
         "code": code(LOINC, "6690-2"), "subject": SUBJ, "effectiveDateTime": "2026-05-20",
         "valueQuantity": {"value": 4.2, "unit": "10^9/L", "system": UCUM, "code": "10*9/L"}}
    r.update(kw)
    return {k: v for k, v in r.items() if v is not None}


def cond(cid: str = "c1", **kw: Any) -> dict[str, Any]:
    r = {"resourceType": "Condition", "id": cid, "subject": SUBJ, "code": code(ICD, "M05.79"),
         "onsetDateTime": "2019-04-05"}
    r.update(kw)
    return {k: v for k, v in r.items() if v is not None}


def medst(mid: str = "m1", **kw: Any) -> dict[str, Any]:
    r = {"resourceType": "MedicationStatement", "id": mid, "status": "active", "subject": SUBJ,
         "medicationCodeableConcept": code(ATC, "H02AB07"),
         "effectivePeriod": {"start": "2026-01-10", "end": "2026-03-10"}}
    r.update(kw)
    return {k: v for k, v in r.items() if v is not None}


def medreq(mid: str = "r1", **kw: Any) -> dict[str, Any]:
    r = {"resourceType": "MedicationRequest", "id": mid, "status": "active", "intent": "order",
         "subject": SUBJ, "medicationCodeableConcept": code(ATC, "H02AB06"),
         "authoredOn": "2026-02-01"}
    r.update(kw)
    return {k: v for k, v in r.items() if v is not None}


def dosage(dose: float = 10, frequency: int | None = 1, period: float | None = 1,
           unit: str | None = "d") -> list[dict[str, Any]]:
    rep: dict[str, Any] = {}
    if frequency is not None:
        rep["frequency"] = frequency
    if period is not None:
        rep["period"] = period
    if unit is not None:
        rep["periodUnit"] = unit
    return [{"timing": {"repeat": rep},
             "doseAndRate": [{"doseQuantity": {"value": dose, "unit": "mg", "system": UCUM,
                                               "code": "mg"}}]}]


def only(items: list[Any]) -> Any:
    assert len(items) == 1, items
    return items[0]


# == bundle-level errors: InputError naming the file and the problem ==========================
def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(InputError) as info:
        read_bundle(path)
    assert info.value.source == str(path)
    assert str(info.value).startswith(str(path))
    assert "no such file" in str(info.value)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_bundle(tmp_path)
    assert str(info.value).startswith(str(tmp_path))
    assert "directory" in str(info.value)


def test_read_bundle_from_file(tmp_path: Path) -> None:
    path = tmp_path / "pat.json"
    path.write_text(json.dumps(bundle(obs())))
    rec = read_bundle(path)
    assert rec.source == str(path)
    assert rec.patient == f.Patient("pat-1", date(1980, 3, 15), "female")
    assert [o.reference for o in rec.observations] == ["Observation/o1"]


@pytest.mark.parametrize("raw", [b"{not json", b"", b'{"resourceType": "Bundle"',
                                 b"\xff\xfe\x00", b'{"resourceType": "Bundle"} trailing'])
def test_not_json(raw: bytes) -> None:
    err = input_error(raw)
    assert err.source == SOURCE and str(err).startswith(f"{SOURCE}: ")
    assert "not valid JSON" in str(err)


@pytest.mark.parametrize("raw", [b"[]", b"[{\"resourceType\": \"Bundle\"}]", b"42", b"null",
                                 b'"Bundle"'])
def test_json_not_an_object(raw: bytes) -> None:
    err = input_error(raw)
    assert str(err).startswith(f"{SOURCE}: ")
    assert "not a FHIR Bundle" in str(err) and "not an object" in str(err)


def test_json_object_that_is_a_patient() -> None:
    err = input_error(PATIENT)
    assert str(err).startswith(f"{SOURCE}: ")
    assert "not a FHIR Bundle" in str(err) and "Patient" in str(err)


def test_json_object_without_resource_type() -> None:
    err = input_error({"type": "collection", "entry": []})
    assert "not a FHIR Bundle" in str(err) and "no resourceType" in str(err)


def test_document_bundle_rejected() -> None:
    err = input_error(bundle(btype="document"))
    assert str(err).startswith(f"{SOURCE}: ")
    assert "Bundle.type" in str(err) and "'document'" in str(err)
    for allowed in ("collection", "transaction", "batch", "searchset"):
        assert allowed in str(err)


def test_bundle_without_type_rejected() -> None:
    b = bundle()
    del b["type"]
    err = input_error(b)
    assert "Bundle.type" in str(err)


@pytest.mark.parametrize("btype", ["collection", "transaction", "batch", "searchset"])
def test_allowed_bundle_types(btype: str) -> None:
    assert read(bundle(btype=btype)).patient.id == "pat-1"


@pytest.mark.parametrize("btype", [["collection"], {"code": "collection"}])
def test_non_string_bundle_type(btype: Any) -> None:
    err = input_error(bundle(btype=btype))
    assert "Bundle.type" in str(err)


def test_bundle_without_patient() -> None:
    err = input_error(bundle(obs(), patient=False))
    assert str(err).startswith(f"{SOURCE}: ")
    assert "no Patient" in str(err)


def test_bundle_without_entries() -> None:
    err = input_error({"resourceType": "Bundle", "type": "collection"})
    assert "no Patient" in str(err)


def test_bundle_with_two_patients() -> None:
    err = input_error(bundle({"resourceType": "Patient", "id": "pat-2"}))
    assert str(err).startswith(f"{SOURCE}: ")
    assert "2 Patient" in str(err) and "pat-1" in str(err) and "pat-2" in str(err)


def test_malformed_entry_list() -> None:
    err = input_error({"resourceType": "Bundle", "type": "collection", "entry": {"a": 1}})
    assert "Bundle.entry" in str(err)


# == resource-level problems: the patient is still read ========================================
def problem_for(rec: f.PatientRecord, reference: str) -> f.Problem:
    return only([p for p in rec.problems if p.reference == reference])


def test_unparseable_observation_date() -> None:
    rec = read(bundle(obs("bad", effectiveDateTime="2026-13-45"), obs("good")))
    assert rec.patient.id == "pat-1"
    assert [o.reference for o in rec.observations] == ["Observation/good"]
    p = problem_for(rec, "Observation/bad")
    assert (p.field, p.value, p.why) == ("effectiveDateTime", "2026-13-45", "unparseable date")


@pytest.mark.parametrize("text", ["2026-13-45", "2026-02-30", "26-05-01", "2026/05/01",
                                  "May 2026", "2026-05-01T25:00:00Z"])
def test_unparseable_dates_are_problems(text: str) -> None:
    rec = read(bundle(obs(effectiveDateTime=text)))
    assert rec.observations == []
    p = problem_for(rec, "Observation/o1")
    assert p.value == text and "date" in p.why


def test_unparseable_condition_onset_is_a_problem() -> None:
    rec = read(bundle(cond(onsetDateTime="2026-13-45")))
    assert rec.patient.id == "pat-1"
    p = problem_for(rec, "Condition/c1")
    assert (p.field, p.value, p.why) == ("onsetDateTime", "2026-13-45", "unparseable date")


def test_unparseable_birth_date_is_a_problem() -> None:
    rec = read(bundle(patient=False) | {"entry": [{"resource": PATIENT | {
        "birthDate": "1980-02-30"}}]})
    assert rec.patient.id == "pat-1" and rec.patient.birth_date is None
    p = problem_for(rec, "Patient/pat-1")
    assert (p.field, p.value) == ("birthDate", "1980-02-30")


def test_month_only_observation_date() -> None:
    rec = read(bundle(obs(effectiveDateTime="2026-05")))
    assert rec.patient.id == "pat-1" and rec.observations == []
    p = problem_for(rec, "Observation/o1")
    assert (p.field, p.value) == ("effectiveDateTime", "2026-05")
    assert "less precise than a day" in p.why


def test_quantity_without_value() -> None:
    rec = read(bundle(obs(valueQuantity={"unit": "10^9/L", "system": UCUM, "code": "10*9/L"})))
    assert rec.patient.id == "pat-1" and rec.observations == []
    p = problem_for(rec, "Observation/o1")
    assert p.field == "valueQuantity.value" and p.value == ""
    assert "without a value" in p.why


def test_observation_without_date() -> None:
    rec = read(bundle(obs(effectiveDateTime=None)))
    assert rec.patient.id == "pat-1" and rec.observations == []
    p = problem_for(rec, "Observation/o1")
    assert p.field == "effective[x]" and "no date" in p.why


def test_observation_dated_by_issued_only() -> None:
    rec = read(bundle(obs(effectiveDateTime=None, issued="2026-05-21T10:00:00+02:00")))
    o = only(rec.observations)
    assert o.day == date(2026, 5, 21) and rec.problems == []


def _type_error_bundle() -> dict[str, Any]:
    bad = obs("o-str", valueQuantity={"value": "4.2", "system": UCUM, "code": "10*9/L"})
    return bundle(bad, obs("good"))


def test_type_error_skips_the_whole_resource() -> None:
    rec = read(_type_error_bundle())
    assert rec.patient.id == "pat-1"
    assert [o.reference for o in rec.observations] == ["Observation/good"]
    p = only(rec.problems)
    assert p.reference.startswith("Observation")
    assert p.field == "valueQuantity.value"
    assert "not a valid Observation" in p.why


def test_type_error_problem_names_resource_and_value() -> None:
    p = only(read(_type_error_bundle()).problems)
    assert p.reference == "Observation/o-str"
    assert p.value == "4.2"


def test_resource_without_id_is_named_by_entry() -> None:
    r = obs(effectiveDateTime="2026-05")
    del r["id"]
    p = only(read(bundle(r)).problems)
    assert p.reference == "Observation in Bundle.entry[1]"


def test_entry_resource_not_an_object() -> None:
    b = bundle(obs())
    b["entry"].append({"resource": "Observation/o2"})
    rec = read(b)
    assert [o.reference for o in rec.observations] == ["Observation/o1"]
    assert only(rec.problems).reference == "Bundle.entry[2]"


def test_other_resource_types_ignored_silently() -> None:
    rec = read(bundle({"resourceType": "Procedure", "id": "p", "status": ["x"]},
                      {"resourceType": "Encounter", "id": "e"}))
    assert rec.problems == [] and rec.observations == [] and rec.medications == []


# == record status (SPEC §2.11, §2.8) ==========================================================
@pytest.mark.parametrize(("status", "counted"), [
    ("final", True), ("amended", True), ("corrected", True), ("preliminary", True),
    (None, True), ("entered-in-error", False), ("cancelled", False), ("registered", False)])
def test_observation_status(status: str | None, counted: bool) -> None:
    rec = read(bundle(obs(status=status)))
    assert [o.reference for o in rec.observations] == (["Observation/o1"] if counted else [])
    assert rec.problems == []


@pytest.mark.parametrize(("status", "counted"), [
    ("confirmed", True), ("provisional", True), ("unconfirmed", True), ("differential", True),
    (None, True), ("refuted", False), ("entered-in-error", False)])
def test_condition_verification_status(status: str | None, counted: bool) -> None:
    ver = code(VER, status) if status else None
    rec = read(bundle(cond(verificationStatus=ver)))
    assert [c.reference for c in rec.conditions] == (["Condition/c1"] if counted else [])
    assert rec.problems == []


@pytest.mark.parametrize("clinical", ["active", "recurrence", "relapse", "inactive",
                                      "remission", "resolved"])
def test_condition_clinical_status_kept(clinical: str) -> None:
    rec = read(bundle(cond(clinicalStatus=code(CLIN, clinical))))
    assert only(rec.conditions).clinical_status == clinical


def test_condition_without_clinical_status() -> None:
    assert only(read(bundle(cond())).conditions).clinical_status is None


@pytest.mark.parametrize(("status", "counted"), [
    ("active", True), ("completed", True), ("stopped", True), ("on-hold", True),
    ("not-taken", False), ("entered-in-error", False), ("intended", False)])
def test_medication_statement_status(status: str, counted: bool) -> None:
    rec = read(bundle(medst(status=status)))
    assert [m.reference for m in rec.medications] == (
        ["MedicationStatement/m1"] if counted else [])
    assert rec.problems == []


@pytest.mark.parametrize(("status", "counted"), [
    ("active", True), ("completed", True), ("cancelled", False), ("entered-in-error", False),
    ("draft", False)])
def test_medication_request_status(status: str, counted: bool) -> None:
    rec = read(bundle(medreq(status=status)))
    assert len(rec.medications) == (1 if counted else 0)


@pytest.mark.parametrize(("status", "counted"), [
    ("completed", True), ("in-progress", True), ("entered-in-error", False),
    ("not-done", False)])
def test_medication_administration_status(status: str, counted: bool) -> None:
    r = {"resourceType": "MedicationAdministration", "id": "a1", "status": status,
         "subject": SUBJ, "medicationCodeableConcept": code(ATC, "L03AA02"),
         "effectiveDateTime": "2026-05-20T10:00:00Z"}
    assert len(read(bundle(r)).medications) == (1 if counted else 0)


@pytest.mark.parametrize(("status", "counted"), [
    ("on-study", True), ("off-study", True), ("candidate", False), ("ineligible", False),
    ("not-registered", False)])
def test_research_subject_status(status: str, counted: bool) -> None:
    r = {"resourceType": "ResearchSubject", "id": "rs", "status": status,
         "study": {"reference": "ResearchStudy/s"}, "individual": SUBJ,
         "period": {"start": "2025-01-01", "end": "2025-06-30"}}
    rec = read(bundle(r))
    if counted:
        assert only(rec.research_subjects) == f.ResearchSubject(
            "ResearchSubject/rs", status, date(2025, 1, 1), date(2025, 6, 30))
    else:
        assert rec.research_subjects == []


@pytest.mark.parametrize(("status", "counted"), [
    ("confirmed", True), (None, True), ("refuted", False), ("entered-in-error", False)])
def test_allergy_verification_status(status: str | None, counted: bool) -> None:
    r: dict[str, Any] = {"resourceType": "AllergyIntolerance", "id": "al", "patient": SUBJ,
                         "code": code(ATC, "L01AA01"),
                         "reaction": [{"severity": "severe"}]}
    if status:
        r["verificationStatus"] = code("http://terminology.hl7.org/CodeSystem/"
                                       "allergyintolerance-verification", status)
    rec = read(bundle(r))
    assert len(rec.allergies) == (1 if counted else 0)
    if counted:
        assert rec.allergies[0].severe_reaction is True


# == dates of conditions: partial dates kept as intervals (SPEC §2.11) ========================
@pytest.mark.parametrize(("text", "lo", "hi"), [
    ("2019", date(2019, 1, 1), date(2019, 12, 31)),
    ("2019-02", date(2019, 2, 1), date(2019, 2, 28)),
    ("2020-02", date(2020, 2, 1), date(2020, 2, 29)),
    ("2019-12", date(2019, 12, 1), date(2019, 12, 31)),
    ("2019-04-05", date(2019, 4, 5), date(2019, 4, 5)),
    ("2019-04-05T23:30:00-05:00", date(2019, 4, 5), date(2019, 4, 5)),
])
def test_condition_partial_onset(text: str, lo: date, hi: date) -> None:
    c = only(read(bundle(cond(onsetDateTime=text))).conditions)
    assert (c.onset_lo, c.onset_hi) == (lo, hi)


def test_condition_onset_fallbacks() -> None:
    rec = read(bundle(
        cond("period", onsetDateTime=None, onsetPeriod={"start": "2018-06",
                                                        "end": "2018-09"}),
        cond("recorded", onsetDateTime=None, recordedDate="2017-03-04T10:00:00Z"),
        cond("both", onsetDateTime="2016-01-01", recordedDate="2017-03-04"),
        cond("none", onsetDateTime=None)))
    got = {c.reference: (c.onset_lo, c.onset_hi) for c in rec.conditions}
    assert got == {
        "Condition/period": (date(2018, 6, 1), date(2018, 6, 30)),
        "Condition/recorded": (date(2017, 3, 4), date(2017, 3, 4)),
        "Condition/both": (date(2016, 1, 1), date(2016, 1, 1)),
        "Condition/none": (None, None)}


@pytest.mark.parametrize(("kw", "end"), [
    ({"abatementDateTime": "2021"}, date(2021, 12, 31)),
    ({"abatementDateTime": "2021-02"}, date(2021, 2, 28)),
    ({"abatementDateTime": "2021-02-03T01:00:00Z"}, date(2021, 2, 3)),
    ({"abatementPeriod": {"start": "2020-01-01", "end": "2021-06-15"}}, date(2021, 6, 15)),
    ({}, None),
])
def test_condition_abatement(kw: dict[str, Any], end: date | None) -> None:
    assert only(read(bundle(cond(**kw))).conditions).abatement == end


# == medication periods (SPEC §2.8) ============================================================
def test_active_open_statement_is_ongoing() -> None:
    m = only(read(bundle(medst(effectivePeriod={"start": "2026-01-10"}))).medications)
    assert (m.start, m.end, m.open_end) == (date(2026, 1, 10), None, "ongoing")


@pytest.mark.parametrize("status", ["completed", "stopped", "on-hold", "unknown"])
def test_inactive_open_statement_has_unknown_end(status: str) -> None:
    m = only(read(bundle(medst(status=status,
                               effectivePeriod={"start": "2026-01-10"}))).medications)
    assert (m.start, m.end, m.open_end) == (date(2026, 1, 10), None, "unknown")


def test_closed_statement_period() -> None:
    m = only(read(bundle(medst(effectivePeriod={"start": "2026-01-10T08:00:00Z",
                                                "end": "2026-03-10"}))).medications)
    assert (m.start, m.end, m.open_end) == (date(2026, 1, 10), date(2026, 3, 10), None)


def test_statement_effective_datetime_is_one_day() -> None:
    m = only(read(bundle(medst(effectivePeriod=None,
                               effectiveDateTime="2025-07-04T09:00:00Z"))).medications)
    assert m.start == m.end == date(2025, 7, 4)
    assert m.open_end is None


def test_statement_without_date_is_a_problem() -> None:
    rec = read(bundle(medst(effectivePeriod=None)))
    assert rec.medications == []
    assert problem_for(rec, "MedicationStatement/m1").field == "effective[x]"


def test_statement_with_month_only_dates_is_kept_as_shortest_exposure() -> None:
    # closed history: dropping it would read as "never taken"; it is kept, and reported
    rec = read(bundle(medst(status="completed",
                            effectivePeriod={"start": "2026-01", "end": "2026-03"})))
    m = only(rec.medications)
    assert (m.start, m.end) == (date(2026, 1, 31), date(2026, 3, 1))
    start, end = rec.problems
    assert (start.field, start.value) == ("effectivePeriod.start", "2026-01")
    assert "read as 2026-01-31" in start.why
    assert (end.field, end.value) == ("effectivePeriod.end", "2026-03")


def test_request_expected_supply_30_days() -> None:
    r = medreq(dispenseRequest={"expectedSupplyDuration": {
        "value": 30, "unit": "days", "system": UCUM, "code": "d"}})
    m = only(read(bundle(r)).medications)
    assert m.start == date(2026, 2, 1)
    assert m.end == m.start + timedelta(days=29) == date(2026, 3, 2)
    assert m.open_end is None


def test_request_expected_supply_in_weeks() -> None:
    r = medreq(dispenseRequest={"expectedSupplyDuration": {
        "value": 4, "unit": "wk", "system": UCUM, "code": "wk"}})
    m = only(read(bundle(r)).medications)
    assert m.end == m.start + timedelta(days=27)


def test_request_expected_supply_in_hours() -> None:
    r = medreq(dispenseRequest={"expectedSupplyDuration": {
        "value": 48, "unit": "h", "system": UCUM, "code": "h"}})
    m = only(read(bundle(r)).medications)
    assert m.end == m.start + timedelta(days=1)


def test_request_validity_period_end() -> None:
    r = medreq(dispenseRequest={"validityPeriod": {"start": "2026-02-01",
                                                   "end": "2026-04-30"}})
    m = only(read(bundle(r)).medications)
    assert (m.start, m.end, m.open_end) == (date(2026, 2, 1), date(2026, 4, 30), None)


def test_request_without_supply_has_unknown_end() -> None:
    m = only(read(bundle(medreq())).medications)
    assert (m.start, m.end, m.open_end) == (date(2026, 2, 1), None, "unknown")


def test_request_without_authored_on_is_a_problem() -> None:
    rec = read(bundle(medreq(authoredOn=None)))
    assert rec.medications == []
    assert problem_for(rec, "MedicationRequest/r1").field == "authoredOn"


def test_administration_is_one_day_with_its_dose() -> None:
    r = {"resourceType": "MedicationAdministration", "id": "a1", "status": "completed",
         "subject": SUBJ, "medicationCodeableConcept": code(ATC, "L03AA02"),
         "effectiveDateTime": "2026-05-20T10:00:00Z",
         "dosage": {"dose": {"value": 300, "unit": "ug", "system": UCUM, "code": "ug"}}}
    m = only(read(bundle(r)).medications)
    assert (m.start, m.end, m.dose_value, m.dose_unit, m.per_day) == (
        date(2026, 5, 20), date(2026, 5, 20), 300.0, "ug", 1.0)


# == medicationReference =======================================================================
def test_medication_reference_by_type_and_id() -> None:
    med = {"resourceType": "Medication", "id": "mtx", "code": code(ATC, "L04AX03")}
    r = medst(medicationCodeableConcept=None,
              medicationReference={"reference": "Medication/mtx"})
    m = only(read(bundle(r, med)).medications)  # the Medication may come after its user
    assert m.codings == (f.Coding(ATC, "L04AX03"),)


def test_medication_reference_by_full_url() -> None:
    b = bundle(medreq(medicationCodeableConcept=None,
                      medicationReference={"reference": "urn:uuid:med-x"}))
    b["entry"].append({"fullUrl": "urn:uuid:med-x",
                       "resource": {"resourceType": "Medication",
                                    "code": code(ATC, "L04AC07")}})
    m = only(read(b).medications)
    assert m.codings == (f.Coding(ATC, "L04AC07"),)


def test_unresolved_medication_reference_is_a_problem() -> None:
    r = medst(medicationCodeableConcept=None,
              medicationReference={"reference": "Medication/missing"})
    rec = read(bundle(r))
    assert rec.medications == []
    p = problem_for(rec, "MedicationStatement/m1")
    assert p.field == "medication[x]" and "no medication code" in p.why


# == dose and administrations per day (SPEC §2.9) ==============================================
@pytest.mark.parametrize(("frequency", "period", "unit", "per_day"), [
    (2, 1, "d", 2.0),
    (1, 12, "h", 2.0),
    (1, 1, "wk", 1 / 7),
    (None, 1, "d", 1.0),  # frequency defaults to 1
    (3, 1, "d", 3.0),
    (1, 2, "d", 0.5),
    (1, 8, "h", 3.0),
])
def test_per_day(frequency: int | None, period: float, unit: str, per_day: float) -> None:
    m = only(read(bundle(medst(dosage=dosage(20, frequency, period, unit)))).medications)
    assert m.per_day == pytest.approx(per_day, rel=1e-12)
    assert (m.dose_value, m.dose_unit) == (20.0, "mg")


def test_per_day_on_request_dosage_instruction() -> None:
    m = only(read(bundle(medreq(dosageInstruction=dosage(5, 2, 1, "d")))).medications)
    assert (m.dose_value, m.per_day) == (5.0, 2.0)


@pytest.mark.parametrize("dosages", [
    None, [], [{"doseAndRate": [{"doseQuantity": {"value": 7.5, "code": "mg"}}]}],
    dosage(7.5, 1, None, "d"), dosage(7.5, 1, 1, None), dosage(7.5, 1, 0, "d")])
def test_per_day_unknown(dosages: Any) -> None:
    m = only(read(bundle(medst(dosage=dosages))).medications)
    assert m.per_day is None
    assert m.dose_value == (None if not dosages else 7.5)


# == observation values ========================================================================
def test_observation_fields() -> None:
    rec = read(bundle(obs(
        effectiveDateTime="2026-05-20T08:30:00Z", issued="2026-05-20T12:00:00Z",
        referenceRange=[{"low": {"value": 4}}, {"high": {"value": 10.5, "code": "10*9/L"}}],
        interpretation=[code("http://terminology.hl7.org/CodeSystem/"
                             "v3-ObservationInterpretation", "N")])))
    o = only(rec.observations)
    assert o.day == date(2026, 5, 20)
    assert (o.value, o.unit, o.ref_high, o.ref_high_unit) == (4.2, "10*9/L", 10.5, "10*9/L")
    assert o.interpretation == ("N",)
    assert o.effective is not None and o.issued is not None and o.effective < o.issued


@pytest.mark.parametrize(("quantity", "unit"), [
    ({"value": 1, "unit": "10^9/L", "system": UCUM, "code": "10*9/L"}, "10*9/L"),
    ({"value": 1, "unit": "G/L"}, "G/L"),
    ({"value": 1, "code": "mg/dL"}, "mg/dL"),
    ({"value": 1}, None),
])
def test_observation_unit(quantity: dict[str, Any], unit: str | None) -> None:
    assert only(read(bundle(obs(valueQuantity=quantity))).observations).unit == unit


def test_observation_integer_boolean_coded_string_values() -> None:
    rec = read(bundle(
        obs("i", valueQuantity=None, valueInteger=12),
        obs("b", valueQuantity=None, valueBoolean=True,
            code=code("urn:eligo:attestation", "informed-consent")),
        obs("c", valueQuantity=None,
            valueCodeableConcept=code("http://snomed.info/sct", "10828004")),
        obs("s", valueQuantity=None, valueString="Reactive")))
    by = {o.reference: o for o in rec.observations}
    assert by["Observation/i"].value == 12.0 and by["Observation/i"].unit is None
    assert by["Observation/b"].value_boolean is True and by["Observation/b"].value is None
    assert by["Observation/c"].value_codings == (f.Coding("http://snomed.info/sct",
                                                          "10828004"),)
    assert by["Observation/s"].value_string == "Reactive"


def test_invalid_patient_is_named_as_such() -> None:
    raw = json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": 7}}]}).encode()
    with pytest.raises(InputError, match="the Patient resource is not valid FHIR"):
        read_bundle_bytes(raw, "test.json")


def test_comparator_is_kept() -> None:
    r = obs(valueQuantity={"value": 10, "comparator": "<", "unit": "mg/L",
                           "system": "http://unitsofmeasure.org", "code": "mg/L"})
    o = only(read(bundle(r)).observations)
    assert (o.value, o.comparator) == (10, "<")


def test_medication_reference_to_a_contained_medication() -> None:
    r = medst(medicationCodeableConcept=None, medicationReference={"reference": "#p"},
              contained=[{"resourceType": "Medication", "id": "p", "code": code(ATC, "H02AB07")},
                         {"resourceType": "Substance", "id": "q"}])
    m = only(read(bundle(r)).medications)
    assert m.codings == (f.Coding(ATC, "H02AB07"),)


@pytest.mark.parametrize(("cc", "names"), [
    ({"text": "Telitacicept 160 mg"}, ("telitacicept",)),
    ({"coding": [{"system": "urn:site", "code": "9", "display": "IGURATIMOD tabs"}]},
     ("iguratimod",)),
    ({"text": "telitacicept", "coding": [{"system": ATC, "code": "L04AX03"}]}, ()),
    ({"text": "methotrexate"}, ()),  # only drugs without an ATC code are read by name
])
def test_medication_named_without_a_standard_code(cc: dict, names: tuple[str, ...]) -> None:
    rec = read(bundle(medst(medicationCodeableConcept=cc)))
    found = tuple(c.code for m in rec.medications for c in m.codings
                  if c.system == "urn:eligo:medication")
    assert found == names


def test_contained_resources_of_other_shapes_do_not_spoil_the_record() -> None:
    # a contained Questionnaire's ``code`` is a list of Codings, not a CodeableConcept
    r = medst(contained=[{"resourceType": "Questionnaire", "id": "q",
                          "code": [{"system": "urn:x", "code": "1"}]}])
    assert only(read(bundle(r)).medications).codings == (f.Coding(ATC, "H02AB07"),)


CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


@pytest.mark.parametrize(("status", "expected"), [
    ({"coding": [{"system": "urn:site", "code": "A"},
                 {"system": CLINICAL, "code": "active"}]}, "active"),  # HL7's coding wins
    ({"coding": [{"system": "urn:site", "code": "A"}]}, "A"),
    ({"text": "Resolved"}, "resolved"),                                # a bare status word
    ({"text": "see notes"}, None),
])
def test_condition_clinical_status_codings(status: dict, expected: str | None) -> None:
    c = only(read(bundle(cond(clinicalStatus=status))).conditions)
    assert c.clinical_status == expected


@pytest.mark.parametrize("status", [
    {"coding": [{"system": "urn:site", "code": "X"}, {"system": VER, "code": "refuted"}]},
    {"text": "Refuted"},
])
def test_refuted_condition_in_a_later_coding_or_text(status: dict) -> None:
    assert read(bundle(cond(verificationStatus=status))).conditions == []


def test_one_patient_listed_twice_is_one_patient() -> None:
    b = bundle(obs())
    b["entry"].append({"resource": dict(PATIENT)})
    assert read(b).patient.id == PATIENT["id"]


def test_a_number_beyond_the_double_range_is_a_problem_not_a_crash() -> None:
    raw = json.dumps(bundle(obs("big"), obs("ok"))).encode().replace(
        b'"value": 4.2', b'"value": 1e400', 1)
    rec = read_bundle_bytes(raw, SOURCE)
    assert [o.reference for o in rec.observations] == ["Observation/ok"]
    assert problem_for(rec, "Observation/big")
