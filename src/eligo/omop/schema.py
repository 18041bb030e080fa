"""The OMOP CDM tables eligo reads (v5.3 and v5.4) and writes, as DuckDB DDL.

Only the columns eligo uses are required when reading; ``eligo omop load`` and ``eligo synth``
write these tables in full. Column names are lower case here; a CDM with upper-case names
(the OHDSI Eunomia set) is read through views that lower them (see :mod:`eligo.omop.source`).
"""

from __future__ import annotations

__all__ = ["CDM_TABLES", "VOCABULARY_TABLES", "ddl"]

VOCABULARY_TABLES: dict[str, list[tuple[str, str]]] = {
    "concept": [
        ("concept_id", "BIGINT"), ("concept_name", "VARCHAR"), ("domain_id", "VARCHAR"),
        ("vocabulary_id", "VARCHAR"), ("concept_class_id", "VARCHAR"),
        ("standard_concept", "VARCHAR"), ("concept_code", "VARCHAR"),
        ("valid_start_date", "DATE"), ("valid_end_date", "DATE"), ("invalid_reason", "VARCHAR"),
    ],
    "concept_relationship": [
        ("concept_id_1", "BIGINT"), ("concept_id_2", "BIGINT"), ("relationship_id", "VARCHAR"),
        ("valid_start_date", "DATE"), ("valid_end_date", "DATE"), ("invalid_reason", "VARCHAR"),
    ],
    "concept_ancestor": [
        ("ancestor_concept_id", "BIGINT"), ("descendant_concept_id", "BIGINT"),
        ("min_levels_of_separation", "INTEGER"), ("max_levels_of_separation", "INTEGER"),
    ],
}

CDM_TABLES: dict[str, list[tuple[str, str]]] = {
    "person": [
        ("person_id", "BIGINT"), ("gender_concept_id", "BIGINT"), ("year_of_birth", "INTEGER"),
        ("month_of_birth", "INTEGER"), ("day_of_birth", "INTEGER"),
        ("birth_datetime", "TIMESTAMP"), ("race_concept_id", "BIGINT"),
        ("ethnicity_concept_id", "BIGINT"), ("person_source_value", "VARCHAR"),
        ("gender_source_value", "VARCHAR"),
    ],
    "observation_period": [
        ("observation_period_id", "BIGINT"), ("person_id", "BIGINT"),
        ("observation_period_start_date", "DATE"), ("observation_period_end_date", "DATE"),
        ("period_type_concept_id", "BIGINT"),
    ],
    "measurement": [
        ("measurement_id", "BIGINT"), ("person_id", "BIGINT"),
        ("measurement_concept_id", "BIGINT"), ("measurement_date", "DATE"),
        ("measurement_datetime", "TIMESTAMP"), ("measurement_type_concept_id", "BIGINT"),
        ("operator_concept_id", "BIGINT"), ("value_as_number", "DOUBLE"),
        ("value_as_concept_id", "BIGINT"), ("unit_concept_id", "BIGINT"),
        ("range_low", "DOUBLE"), ("range_high", "DOUBLE"),
        ("measurement_source_value", "VARCHAR"), ("measurement_source_concept_id", "BIGINT"),
        ("unit_source_value", "VARCHAR"), ("value_source_value", "VARCHAR"),
    ],
    "observation": [
        ("observation_id", "BIGINT"), ("person_id", "BIGINT"),
        ("observation_concept_id", "BIGINT"), ("observation_date", "DATE"),
        ("observation_datetime", "TIMESTAMP"), ("observation_type_concept_id", "BIGINT"),
        ("value_as_number", "DOUBLE"), ("value_as_string", "VARCHAR"),
        ("value_as_concept_id", "BIGINT"), ("qualifier_concept_id", "BIGINT"),
        ("unit_concept_id", "BIGINT"), ("observation_source_value", "VARCHAR"),
        ("observation_source_concept_id", "BIGINT"), ("unit_source_value", "VARCHAR"),
    ],
    "condition_occurrence": [
        ("condition_occurrence_id", "BIGINT"), ("person_id", "BIGINT"),
        ("condition_concept_id", "BIGINT"), ("condition_start_date", "DATE"),
        ("condition_start_datetime", "TIMESTAMP"), ("condition_end_date", "DATE"),
        ("condition_type_concept_id", "BIGINT"), ("condition_status_concept_id", "BIGINT"),
        ("stop_reason", "VARCHAR"), ("condition_source_value", "VARCHAR"),
        ("condition_source_concept_id", "BIGINT"), ("condition_status_source_value", "VARCHAR"),
    ],
    "drug_exposure": [
        ("drug_exposure_id", "BIGINT"), ("person_id", "BIGINT"), ("drug_concept_id", "BIGINT"),
        ("drug_exposure_start_date", "DATE"), ("drug_exposure_start_datetime", "TIMESTAMP"),
        ("drug_exposure_end_date", "DATE"), ("verbatim_end_date", "DATE"),
        ("drug_type_concept_id", "BIGINT"), ("stop_reason", "VARCHAR"), ("refills", "INTEGER"),
        ("quantity", "DOUBLE"), ("days_supply", "INTEGER"), ("sig", "VARCHAR"),
        ("route_concept_id", "BIGINT"), ("drug_source_value", "VARCHAR"),
        ("drug_source_concept_id", "BIGINT"), ("dose_unit_source_value", "VARCHAR"),
    ],
}


def ddl(table: str) -> str:
    """``CREATE TABLE`` for one CDM or vocabulary table."""
    columns = CDM_TABLES.get(table) or VOCABULARY_TABLES[table]
    body = ",\n  ".join(f"{name} {kind}" for name, kind in columns)
    return f"CREATE TABLE {table} (\n  {body}\n)"
