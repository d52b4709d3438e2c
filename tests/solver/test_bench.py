"""Benchmark wrapper (``pytest -m bench``); not part of the ordinary run, no timing asserts."""

from __future__ import annotations

import io

import pytest

from solver.bench import run
from solver.term.bench import run_term


@pytest.mark.bench
def test_bench_centre_prints_a_table_with_zero_violations() -> None:
    out = io.StringIO()
    rows = run(("centre",), [1, 2, 3, 4, 5], time_limit=None, workers=2, out=out)
    print(out.getvalue())
    assert all(r.violations == 0 for r in rows)
    assert all(r.placed >= r.greedy for r in rows)


@pytest.mark.bench
def test_bench_house60_prints_first_plan_time_and_memory() -> None:
    out = io.StringIO()
    rows = run(("house60",), [1], time_limit=60.0, workers=2, out=out)
    print(out.getvalue())
    assert all(r.status != "no_plan" and r.violations == 0 for r in rows)


@pytest.mark.bench
def test_bench_term_prints_five_seeds_with_zero_violations() -> None:
    out = io.StringIO()
    rows = run_term([1, 2, 3, 4, 5], time_limit=60.0, workers=1, out=out)
    print(out.getvalue())
    assert all(r.violations == 0 and r.greedy_violations in (0, -1) for r in rows)
