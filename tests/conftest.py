"""Shared fixtures: the bundled protocol (loaded once), the example folder, the as-of date."""

from __future__ import annotations

import gc
import os
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from eligo import Protocol, load_protocol

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
AS_OF = date(2026, 6, 1)


def shared_dir() -> Path:
    """The team's ``shared/`` folder (SPEC.md, the protocol source), which lives beside the
    project (``../shared``). A clone made elsewhere (``git clone . $(mktemp -d)``) finds it
    beside the repository it was cloned from; ``ELIGO_SHARED_DIR`` overrides both."""
    candidates = [Path(os.environ["ELIGO_SHARED_DIR"])] if "ELIGO_SHARED_DIR" in os.environ \
        else []
    candidates.append(ROOT.parent / "shared")
    origin = subprocess.run(["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"],
                            capture_output=True, text=True, check=False).stdout.strip()
    if origin and "://" not in origin and ":" not in origin.split("/")[0]:
        candidates.append((ROOT / origin).resolve().parent / "shared")  # a local clone
    for folder in candidates:
        if (folder / "SPEC.md").is_file():
            return folder
    raise FileNotFoundError("no shared/ folder with SPEC.md found; looked in "
                            + ", ".join(map(str, candidates)) + " (set ELIGO_SHARED_DIR)")


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
