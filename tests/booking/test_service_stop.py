"""Running it as a service (issue 6, section 8): ``kill -TERM`` on ``raumplan serve``, as
systemd and container runtimes send it, stops the web workers and the background worker; a plan
being solved goes back to the queue and mails being sent stay in the outbox for the next worker.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from booking.cli import load_demo_if_empty
from booking.db import make_engine, make_session_factory, transaction
from booking.models import Centre, OutboxMail, PlanRun, RecurringRequest
from tests.serverproc import Server, start_server

STAFF = {"email": "leitung@sieker-mitte.example", "password": "raumplan-demo"}


def wait_for(what: str, check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s in vain for {what}")
        time.sleep(0.2)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def stuck_mail_server() -> Iterator[int]:
    """A mail server that takes the connection and never says hello: a mail being sent to it
    is in flight until the client gives up."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield int(listener.getsockname()[1])


def busy_week(factory, centre_id: int) -> None:
    """Sixty more groups wanting rooms in the demo centre: a week the solver works on for
    the whole time limit instead of proving it optimal in a second."""
    with transaction(factory) as s:
        for i in range(60):
            s.add(RecurringRequest(
                centre_id=centre_id, title=f"Gruppe {i}", rrule="FREQ=WEEKLY",
                valid_from=date(2026, 1, 1), duration_minutes=90 + 30 * (i % 3),
                windows=[{"day": d, "start": "09:00", "end": "21:00"} for d in range(5)],
                preferred=[{"day": i % 5, "start": "17:00", "end": "19:00"}],
                size=4 + i % 9, priority=1 + i % 5, staffed=i % 4 == 0))


def queue_mails(factory, count: int) -> list[int]:
    now = datetime.now(UTC)
    with transaction(factory) as s:
        mails = [OutboxMail(created_at=now, to_address=f"gast{i}@example.org",
                            subject=f"Ihre Anfrage {i}", body="Hallo!", attempts=0)
                 for i in range(count)]
        s.add_all(mails)
        s.flush()
        return [m.id for m in mails]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_stops_every_process_hands_back_the_solve_and_keeps_the_mails(
        db_url: str, tmp_path: Path, stuck_mail_server: int, workers: int) -> None:
    load_demo_if_empty(db_url)
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    try:
        with factory() as s:
            centre_id = s.scalar(select(Centre.id).where(Centre.slug == "sieker-mitte"))
        assert centre_id is not None
        busy_week(factory, centre_id)
        server = start_server(db_url, tmp_path, workers=workers, extra_env={
            "RAUMPLAN_SMTP_HOST": "127.0.0.1", "RAUMPLAN_SMTP_PORT": str(stuck_mail_server)})
        pgid = server.process.pid
        try:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                token = http.post("/api/login", json=STAFF).json()["token"]
                week = (datetime.now(UTC) + timedelta(days=7)).strftime("%G-W%V")
                r = http.post("/api/plans", headers={"Authorization": f"Bearer {token}"},
                              json={"centre_id": centre_id, "week": week, "time_limit": 600})
                assert r.status_code == 202, r.text
                run_id = r.json()["id"]
            mail_ids = queue_mails(factory, 3)

            def solving_and_sending() -> bool:
                with factory() as s:
                    run = s.get(PlanRun, run_id)
                    claimed = s.scalars(select(OutboxMail.id).where(
                        OutboxMail.claimed_at.is_not(None))).all()
                    return run is not None and run.status == "running" and bool(claimed)

            wait_for("the worker to solve and to send", solving_and_sending)
            os.kill(server.process.pid, signal.SIGTERM)  # the main process only, as systemd
            server.process.wait(timeout=90)
            wait_for("every process of the service to end", lambda: not group_alive(pgid),
                     seconds=30)
        finally:
            if group_alive(pgid):
                os.killpg(pgid, signal.SIGKILL)

        with factory() as s:
            run = s.get(PlanRun, run_id)
            assert run is not None and run.status == "queued", (run and run.status)
            mails = s.scalars(select(OutboxMail).where(OutboxMail.id.in_(mail_ids))).all()
            # Not sent, not held by the stopped worker: the next worker sends them at once.
            assert [(m.sent_at, m.claimed_at) for m in mails] == [(None, None)] * 3

        # Started again (mails into files now), the service takes both up again.
        again: Server = start_server(db_url, tmp_path)
        try:
            outbox = tmp_path / "outbox"
            wait_for("the handed-back mails to go out",
                     lambda: len(list(outbox.glob("*.eml"))) == 3)
            wait_for("the handed-back run to be solved again",
                     lambda: _status(factory, run_id) != "queued")
        finally:
            again.stop()
            if group_alive(again.process.pid):
                os.killpg(again.process.pid, signal.SIGKILL)
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_killed_serve_leaves_no_background_worker_behind(db_url: str, tmp_path: Path) -> None:
    server = start_server(db_url, tmp_path, workers=2)
    pgid = server.process.pid
    try:
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        # Uvicorn's web workers notice their supervisor is gone, the background worker too.
        wait_for("every process of the service to end", lambda: not group_alive(pgid),
                 seconds=30)
    finally:
        if group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)


def _status(factory, run_id: int) -> str:
    with factory() as s:
        run = s.get(PlanRun, run_id)
        assert run is not None
        return run.status
