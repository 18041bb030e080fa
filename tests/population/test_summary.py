"""The per-person status row (summary.status_sql) against the same rules written out in
Python, on random verdicts: counts, first failing / open / not passing step per cohort,
statuses (SPEC §2.3). The bit masks are also tested several words long."""

from __future__ import annotations

import random

import duckdb
import pytest

from eligo import Protocol
from eligo.population import summary


def expected(protocol: Protocol, verdicts: dict[str, bool | None]) -> dict[str, object]:
    out: dict[str, object] = {}
    statuses = []
    for cohort in protocol.cohorts:
        fail, open_, nonpass = [], [], []
        for j, c in enumerate(protocol.criteria_for(cohort.id), 1):
            v = verdicts[c.id]
            passed = v is not None and v == (c.kind == "inclusion")
            if v is None:
                open_.append(j)
            elif not passed:
                fail.append(j)
            if not passed:
                nonpass.append(j)
        status = "ineligible" if fail else "incomplete" if open_ else "eligible"
        statuses.append(status)
        out |= {f"status_{cohort.id}": status, f"n_fail_{cohort.id}": len(fail),
                f"n_open_{cohort.id}": len(open_),
                f"first_fail_{cohort.id}": min(fail, default=None),
                f"first_open_{cohort.id}": min(open_, default=None),
                f"first_nonpass_{cohort.id}": min(nonpass, default=None)}
    out["overall"] = next((s for s in ("eligible", "incomplete") if s in statuses),
                          "ineligible")
    return out


@pytest.mark.parametrize("word", [60, 7])
def test_status_row_follows_the_rules(protocol: Protocol, word: int,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary, "_WORD", word)
    rng = random.Random(word)
    ids = [c.id for c in protocol.criteria]
    people = {}
    for pid in range(400):
        # mostly passing, so that every status and step occurs
        p_fail, p_open = rng.choice([(0.0, 0.0), (0.0, 0.05), (0.03, 0.05), (0.2, 0.3)])
        people[pid] = {}
        for c in protocol.criteria:
            r = rng.random()
            met = c.kind == "inclusion"
            people[pid][c.id] = None if r < p_open else (not met if r < p_open + p_fail
                                                          else met)
    con = duckdb.connect()
    con.execute("CREATE TABLE v (person_id BIGINT, "
                + ", ".join(f'"{c}" BOOLEAN' for c in ids) + ")")
    con.executemany(f"INSERT INTO v VALUES ({', '.join('?' for _ in range(len(ids) + 1))})",
                    [[pid, *(v[c] for c in ids)] for pid, v in people.items()])
    rows = con.execute(summary.status_sql(protocol, "v").sql("duckdb")).fetchall()
    names = [d[0] for d in con.description or []]
    assert len(rows) == len(people)
    seen = set()
    for row in rows:
        rec = dict(zip(names, row, strict=True))
        want = expected(protocol, people[rec["person_id"]])
        assert {k: rec[k] for k in want} == want, rec["person_id"]
        seen.add(rec["overall"])
    assert seen == {"eligible", "incomplete", "ineligible"}
