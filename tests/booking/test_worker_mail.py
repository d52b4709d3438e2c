"""Through the real service: the background worker that 'raumplan serve' starts sends the mails
the web process wrote to the outbox, after the commit, without a mail thread in the web process."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.booking.realtime import bearer, berlin, future_weekdays, login
from tests.factories import PASSWORD, build_world


@pytest.mark.slow
def test_worker_sends_the_request_mails(db_url, session_factory, now, tmp_path: Path):
    from tests.serverproc import running_server

    world = build_world(session_factory, now)
    day = future_weekdays(1)[0]
    with running_server(db_url, tmp_path) as server:
        token = login(server.url, world.emails["anna"], PASSWORD)
        r = httpx.post(f"{server.url}/api/rentals", headers=bearer(token), json={
            "room_id": world.rooms["Café"], "starts_at": berlin(day, 16).isoformat(),
            "ends_at": berlin(day, 18).isoformat(), "expected_people": 8,
            "purpose": "Spieleabend"})
        assert r.status_code == 201, r.text
        outbox = tmp_path / "outbox"
        deadline = time.monotonic() + 30
        mails: list[str] = []
        while time.monotonic() < deadline:
            mails = [p.read_text() for p in outbox.glob("*.eml")] if outbox.exists() else []
            if len(mails) >= 2:
                break
            time.sleep(0.2)
    recipients = sorted(line for m in mails for line in m.splitlines() if line.startswith("To:"))
    assert recipients == ["To: anna@example.org", "To: staff@example.org"], recipients
    assert any("Raumanfrage" in m for m in mails)
