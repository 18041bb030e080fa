"""Per-criterion boundary tests (SPEC §4). Makes ``tests/builders.py`` importable as
``builders`` whichever import mode or package layout pytest uses."""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent.parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
