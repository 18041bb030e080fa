"""Population screening: every person of an OMOP CDM, the same verdicts as the per-patient
screener, and the tables a feasibility analyst reads (status, attrition, unlock, leave-one-out).
"""
