"""The ``backend`` fixture: every test that takes it runs once per SQL engine (ibis habit)."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
