"""The commit clock (booking.changes, issue 6 §2): what lets a cached availability answer be
served without asking PostgreSQL. It must never lose a commit, whichever process made it, and
never live where another user could set it back."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from booking.changes import ChangeClock, NotPrivate, private_directory
from booking.db import commit_clock, make_engine


def _advance(path: str, times: int) -> None:
    clock = ChangeClock(Path(path))
    for _ in range(times):
        clock.advance()


def test_commits_in_several_processes_at_once_are_all_counted(tmp_path: Path) -> None:
    """Four processes advance one clock 2,000 times each at the same time: a lost increment
    could let two states of the database carry the same reading."""
    path = tmp_path / "commits"
    start = ChangeClock(path).read()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_advance, args=(str(path), 2000)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert ChangeClock(path).read() == start + 8000


def _advance_inherited(clock: ChangeClock, times: int) -> None:
    for _ in range(times):
        clock.advance()


def test_a_forked_process_and_its_parent_count_every_commit_too(tmp_path: Path) -> None:
    """A process forked after opening the clock shares the parent's open file, and an flock
    on it would not keep the two apart: the child must open the clock again."""
    clock = ChangeClock(tmp_path / "commits")
    start = clock.read()
    child = multiprocessing.get_context("fork").Process(target=_advance_inherited,
                                                        args=(clock, 3000))
    child.start()
    _advance_inherited(clock, 3000)
    child.join(60)
    assert child.exitcode == 0
    assert clock.read() == start + 6000


def test_a_commit_advances_the_clock_before_the_caller_goes_on(engine: Engine) -> None:
    """Every transaction committed through the service's engine shows on the clock as soon as
    the commit returns; a rolled back one does not (it changed nothing)."""
    clock = commit_clock(engine)
    assert clock is not None
    before = clock.read()
    with engine.begin() as conn:
        conn.execute(text("SELECT 1"))
    assert clock.read() == before + 1
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        conn.rollback()
    assert clock.read() == before + 1


def test_an_sqlite_databases_clock_lies_beside_it_and_is_shared_by_its_engines(
        tmp_path: Path) -> None:
    """Two engines on one SQLite file (a web worker and the CLI) share a clock, by the file's
    real path."""
    first = make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    second = make_engine(f"sqlite:///{tmp_path / '.' / 'a.sqlite3'}")
    try:
        clock = commit_clock(first)
        assert clock is not None and clock.path == tmp_path / "a.sqlite3-commits"
        before = clock.read()
        with second.begin() as conn:
            conn.execute(text("SELECT 1"))
        assert clock.read() == before + 1
    finally:
        first.dispose()
        second.dispose()


def test_the_clock_lives_only_in_a_directory_of_this_users_alone(tmp_path: Path) -> None:
    mine = private_directory(tmp_path / "mine")
    assert mine.is_dir() and mine.stat().st_mode & 0o777 == 0o700
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)  # what the clock must refuse
    with pytest.raises(NotPrivate):
        private_directory(shared)
    link = tmp_path / "link"
    link.symlink_to(mine)
    with pytest.raises(NotPrivate):
        private_directory(link)


def test_only_booking_db_opens_database_connections() -> None:
    """Every process of the service writes through ``make_engine``, which advances the commit
    clock after each commit; a module that opened its own connection to write would leave
    cached availability stale. booking.db is the one place that opens connections."""
    import ast

    import access
    import booking

    offenders = []
    for package in (booking, access):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*.py")):
            if path == Path(booking.__file__).parent / "db.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = (node.func.attr if isinstance(node.func, ast.Attribute)
                        else node.func.id if isinstance(node.func, ast.Name) else "")
                owner = node.func.value if isinstance(node.func, ast.Attribute) else None
                # engine.connect() on booking.db's engine is fine; a driver's connect() is not.
                driver = isinstance(owner, ast.Attribute | ast.Name) and ast.unparse(owner) in {
                    "psycopg", "sqlite3", "psycopg.AsyncConnection", "psycopg.Connection"}
                if name in {"create_engine", "create_async_engine"} or (
                        name == "connect" and driver):
                    offenders.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    assert offenders == []
