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


def random_verdicts(protocol: Protocol, rng: random.Random, n: int,
                    rates: list[tuple[float, float]]) -> dict[int, dict[str, bool | None]]:
    """``n`` persons, each drawing its (fail, open) rates from ``rates`` — mostly passing,
    so that every status and step occurs."""
    people: dict[int, dict[str, bool | None]] = {}
    for pid in range(n):
        p_fail, p_open = rng.choice(rates)
        people[pid] = {}
        for c in protocol.criteria:
            r, met = rng.random(), c.kind == "inclusion"
            people[pid][c.id] = None if r < p_open else (not met if r < p_open + p_fail
                                                          else met)
    return people


def verdict_table(con: duckdb.DuckDBPyConnection, name: str, ids: list[str],
                  people: dict[int, dict[str, bool | None]]) -> None:
    """``name``: person_id and one nullable boolean per criterion, from ``people``."""
    con.execute(f"CREATE TABLE {name} (person_id BIGINT, "
                + ", ".join(f'"{c}" BOOLEAN' for c in ids) + ")")
    con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' for _ in range(len(ids) + 1))})",
                    [[pid, *(v[c] for c in ids)] for pid, v in people.items()])


@pytest.mark.parametrize("word", [60, 7])
def test_status_row_follows_the_rules(protocol: Protocol, word: int,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary, "_WORD", word)
    rng = random.Random(word)
    ids = [c.id for c in protocol.criteria]
    people = random_verdicts(protocol, rng, 400,
                             [(0.0, 0.0), (0.0, 0.05), (0.03, 0.05), (0.2, 0.3)])
    con = duckdb.connect()
    verdict_table(con, "v", ids, people)
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


@pytest.mark.parametrize("word", [60, 7])
def test_open_counts_read_the_open_masks(protocol: Protocol, word: int,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """``open_<cohort>_<j>``: persons incomplete for the cohort whose j-th criterion is open
    — read from the status table's masks, counted here from the verdicts themselves."""
    monkeypatch.setattr(summary, "_WORD", word)
    rng = random.Random(100 + word)
    ids = [c.id for c in protocol.criteria]
    people = {pid: {c: rng.choice([True, True, True, False, None, None]) for c in ids}
              for pid in range(300)}
    for pid in range(10):  # a few persons open on one criterion only, the rest passing
        only = rng.choice(protocol.criteria)
        people[pid] = {c.id: None if c is only else c.kind == "inclusion"
                       for c in protocol.criteria}
    con = duckdb.connect()
    verdict_table(con, "v", ids, people)
    con.execute("CREATE TABLE s AS " + summary.status_sql(protocol, "v").sql("duckdb"))
    row = con.execute(summary.open_counts_sql(protocol, "s").sql("duckdb")).fetchone()
    got = dict(zip([d[0] for d in con.description or []], row or (), strict=True))
    want = {}
    for cohort in protocol.cohorts:
        crits = protocol.criteria_for(cohort.id)
        incomplete = [pid for pid, v in people.items()
                      if expected(protocol, v)[f"status_{cohort.id}"] == "incomplete"]
        for j, c in enumerate(crits):
            want[f"open_{cohort.id}_{j}"] = sum(people[pid][c.id] is None for pid in incomplete)
    assert got == want
    assert sum(want.values()) > 0  # the case is not vacuous


def test_attrition_unlock_and_leave_one_out_follow_their_definitions(
        protocol: Protocol) -> None:
    """run._summarise against the tables' definitions, person by person, on random verdicts."""
    from types import SimpleNamespace

    from eligo.population.run import _summarise

    rng = random.Random(7)
    ids = [c.id for c in protocol.criteria]
    people = random_verdicts(protocol, rng, 600,
                             [(0.0, 0.0), (0.0, 0.03), (0.02, 0.03), (0.1, 0.2)])
    con = duckdb.connect()
    verdict_table(con, "eligo_verdicts", ids, people)
    con.execute("CREATE TABLE eligo_status AS "
                + summary.status_sql(protocol, "eligo_verdicts").sql("duckdb"))
    res = _summarise(SimpleNamespace(con=con), protocol)  # type: ignore[arg-type]

    attrition, unlock, loo = [], [], []
    for cohort in protocol.cohorts:
        crits = protocol.criteria_for(cohort.id)
        state = {pid: ["open" if v[c.id] is None else
                       "pass" if v[c.id] == (c.kind == "inclusion") else "fail"
                       for c in crits] for pid, v in people.items()}
        status = {pid: "ineligible" if "fail" in s else "incomplete" if "open" in s
                  else "eligible" for pid, s in state.items()}
        assert res.cohorts[cohort.id] == {k: list(status.values()).count(k)
                                          for k in set(status.values())}
        for j, c in enumerate(crits, 1):
            still = [pid for pid, s in state.items() if "fail" not in s[:j]]
            attrition.append({
                "cohort": cohort.id, "step": j, "criterion": c.id, "kind": c.kind,
                "remaining": len(still),
                "lost": sum(s[j - 1] == "fail" and "fail" not in s[:j - 1]
                            for s in state.values()),
                "unresolved": sum("open" in state[pid][:j] for pid in still)})
            loo.append({"cohort": cohort.id, "criterion": c.id, "more_eligible_if_dropped":
                        sum(s[j - 1] != "pass" and s.count("pass") == len(s) - 1
                            for s in state.values())})
            blocked = [pid for pid, s in state.items()
                       if status[pid] == "incomplete" and s[j - 1] == "open"]
            if blocked:
                unlock.append({"cohort": cohort.id, "criterion": c.id, "needs": c.statement,
                               "persons_blocked": len(blocked), "only_open_criterion":
                               sum(state[pid].count("open") == 1 for pid in blocked)})
    unlock.sort(key=lambda r: (-r["only_open_criterion"], -r["persons_blocked"]))
    assert res.attrition == attrition
    assert res.leave_one_out == loo
    assert res.unlock == unlock
    assert any(a["unresolved"] for a in attrition) and any(r["more_eligible_if_dropped"]
                                                            for r in loo)
