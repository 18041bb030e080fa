"""Exhaustive truth tables of Kleene logic (SPEC §2.1)."""

from __future__ import annotations

import itertools

import pytest

from eligo.ir.truth import MET, NOT_MET, UNKNOWN, Verdict, and_, at_least, implies, not_, or_

M, N, U = MET, NOT_MET, UNKNOWN

AND = {
    (M, M): M, (M, U): U, (M, N): N,
    (U, M): U, (U, U): U, (U, N): N,
    (N, M): N, (N, U): N, (N, N): N,
}
OR = {
    (M, M): M, (M, U): M, (M, N): M,
    (U, M): M, (U, U): U, (U, N): U,
    (N, M): M, (N, U): U, (N, N): N,
}
IMPLIES = {  # (not A) or B
    (M, M): M, (M, U): U, (M, N): N,
    (U, M): M, (U, U): U, (U, N): U,
    (N, M): M, (N, U): M, (N, N): M,
}


@pytest.mark.parametrize(("a", "b"), list(AND))
def test_and(a: Verdict, b: Verdict) -> None:
    assert and_(a, b) is AND[(a, b)]


@pytest.mark.parametrize(("a", "b"), list(OR))
def test_or(a: Verdict, b: Verdict) -> None:
    assert or_(a, b) is OR[(a, b)]


@pytest.mark.parametrize(("a", "b"), list(IMPLIES))
def test_implies(a: Verdict, b: Verdict) -> None:
    assert implies(a, b) is IMPLIES[(a, b)]


def test_not() -> None:
    assert (not_(M), not_(N), not_(U)) == (N, M, U)


@pytest.mark.parametrize("vs", list(itertools.product([M, N, U], repeat=3)))
def test_nary_and_or_agree_with_folding(vs: tuple[Verdict, ...]) -> None:
    folded_and = AND[(AND[(vs[0], vs[1])], vs[2])]
    folded_or = OR[(OR[(vs[0], vs[1])], vs[2])]
    assert and_(*vs) is folded_and
    assert or_(*vs) is folded_or


def test_empty_and_or() -> None:
    assert and_() is M
    assert or_() is N


@pytest.mark.parametrize("vs", list(itertools.product([M, N, U], repeat=4)))
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_at_least_every_combination(vs: tuple[Verdict, ...], k: int) -> None:
    met = vs.count(M)
    unknown = vs.count(U)
    expected = M if met >= k else (N if met + unknown < k else U)
    assert at_least(k, vs) is expected


def test_at_least_one_is_or_and_all_is_and() -> None:
    for vs in itertools.product([M, N, U], repeat=3):
        assert at_least(1, vs) is or_(*vs)
        assert at_least(3, vs) is and_(*vs)


def test_verdict_of() -> None:
    assert Verdict.of(True) is M and Verdict.of(False) is N and Verdict.of(None) is U
