"""Shared fixtures: the bundled protocol (loaded once), the example folder, the as-of date."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from eligo import Protocol, load_protocol

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
AS_OF = date(2026, 6, 1)


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    return load_protocol("cart-autoimmune")


@pytest.fixture(autouse=True, scope="session")
def _unfreeze_at_exit() -> Iterator[None]:
    # the CLI freezes the garbage collector after loading a protocol (a speed-up for a
    # one-shot process); in the test process, let everything be collected again at the end
    yield
    gc.unfreeze()
    gc.collect()


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    # CLI tests must not read or write the developer's real protocol cache
    os.environ["ELIGO_CACHE_DIR"] = str(tmp_path_factory.mktemp("eligo-cache"))
