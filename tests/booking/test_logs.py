"""Logs are JSON, one object per line, from every process of ``raumplan serve`` (issue 6,
section 8): a log collector must be able to read each line, also when a message holds a quote
or an error brings its traceback."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from booking.db import make_engine, make_session_factory, transaction
from booking.models import OutboxMail, PlanRun, RecurringRequest
from tests.factories import PASSWORD, build_world
from tests.serverproc import start_server


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_every_line_a_real_server_logs_is_json(db_url: str, tmp_path: Path, workers: int) -> None:
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    try:
        world = build_world(factory, datetime.now(UTC))
        with transaction(factory) as s:
            # A request whose rule the planner cannot read: the solve fails with a traceback
            # whose last line quotes the rule.
            s.add(RecurringRequest(centre_id=world.centre_id, title="Chor", valid_from=date(
                2026, 1, 1), rrule='FREQ=WEEKLY;BYDAY="MO"', duration_minutes=90,
                windows=[{"day": 0, "start": "18:00", "end": "21:00"}]))
            # A mail to an address with quotes, to a mail server that refuses: a warning.
            s.add(OutboxMail(created_at=datetime.now(UTC), to_address='"Nanni" becker@example.org',
                             subject="Ihre Anfrage", body="Hallo!", attempts=0))
        server = start_server(db_url, tmp_path, workers=workers, log_level="info", extra_env={
            "RAUMPLAN_SMTP_HOST": "127.0.0.1", "RAUMPLAN_SMTP_PORT": str(closed_port())})
        try:
            token = httpx.post(f"{server.url}/api/login", json={
                "email": world.emails["staff"], "password": PASSWORD}, timeout=30).json()["token"]
            week = (datetime.now(UTC) + timedelta(days=7)).strftime("%G-W%V")
            r = httpx.post(f"{server.url}/api/plans", headers={"Authorization": f"Bearer {token}"},
                           json={"centre_id": world.centre_id, "week": week, "time_limit": 5},
                           timeout=30)
            assert r.status_code == 202, r.text
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with factory() as s:
                    run = s.get(PlanRun, r.json()["id"])
                    tried = s.scalars(select(OutboxMail.attempts)).all()
                    if run is not None and run.status == "failed" and tried and tried[0] > 0:
                        break
                time.sleep(0.2)
            else:
                raise AssertionError("the run did not fail or the mail was not tried")
            os.kill(server.process.pid, signal.SIGTERM)
            server.process.wait(timeout=90)
        finally:
            server.stop()
    finally:
        engine.dispose()

    lines = [line for line in server.log.read_text().splitlines() if line.strip()]
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}")
        assert isinstance(record, dict), line
        assert {"timestamp", "level", "message"} <= record.keys(), line
        records.append(record)
    assert any('"Nanni"' in r["message"] and r["level"] == "warning" for r in records), lines
    failed = [r for r in records if "failed" in r["message"] and r["level"] == "error"]
    assert failed, lines
    assert "Traceback" in failed[0]["exception"]
    assert """invalid 'BYDAY': "MO\"""" in failed[0]["exception"]
    # The processes say they start and stop: the web server's lines are JSON too.
    assert any("Started server process" in r["message"] for r in records), lines
