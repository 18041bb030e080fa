"""Patient data: the fact model, its sources (FHIR R4), terminology and units."""
