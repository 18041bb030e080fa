"""OMOP CDM: the schema eligo reads and writes, its local concepts, loaders and generators."""
