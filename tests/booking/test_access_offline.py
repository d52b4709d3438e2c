"""The offline path of the reference terminal (issue 12 §8): it validates from the signed
bundle while the server is stopped, refuses a bundle whose signature or door is wrong, and
uploads its decisions when the server is back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from access.terminal import DENIED, OPEN, TerminalClient
from booking.db import make_engine, make_session_factory, transaction
from booking.models import Booking, DoorEvent, Occurrence
from booking.permissions import Actor
from booking.services import access as door_access
from booking.services.locking import lock_rooms
from tests.booking.access_helpers import add_doors
from tests.factories import build_world
from tests.serverproc import free_port, running_server

pytestmark = pytest.mark.slow


def test_terminal_falls_back_to_the_signed_bundle_and_uploads_afterwards(
        db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    world = build_world(factory, now)
    doors = add_doors(factory, world)
    staff = Actor(person_id=world.people["staff"], roles=frozenset({("staff", world.centre_id)}))
    with transaction(factory) as s:
        lock_rooms(s, [world.rooms["Café"]])
        booking = Booking(centre_id=world.centre_id, kind="rental", status="confirmed",
                          title="Private Feier", requested_by_id=world.people["anna"],
                          created_at=now, updated_at=now,
                          occurrences=[Occurrence(room_id=world.rooms["Café"], status="confirmed",
                                                  starts_at=now - timedelta(minutes=10),
                                                  ends_at=now + timedelta(hours=2))])
        s.add(booking)
        s.flush()
        issued = door_access.issue_for_booking(s, booking, None, now)
        assert issued is not None
        code = issued.code
        reg = door_access.register_terminal(s, staff, door_id=doors.cafe, name="Café", now=now)
        other = door_access.register_terminal(s, staff, door_id=doors.group_room, name="GR",
                                              now=now)
    client = TerminalClient(url="", token=reg.token, door_id=doors.cafe,
                            public_key=reg.public_key, offline_key=reg.offline_key,
                            state_dir=tmp_path / "terminal")
    with running_server(db_url, tmp_path, workers=1) as server:
        client.url = server.url
        assert client.refresh_bundle()
        assert client.enter(code).decision == OPEN and not client.enter(code).offline
        # Bundles for another door, or with a forged signature, are refused.
        with_other_door = TerminalClient(url=server.url, token=other.token, door_id=doors.cafe,
                                         public_key=reg.public_key,
                                         offline_key=reg.offline_key,
                                         state_dir=tmp_path / "other")
        assert not with_other_door.refresh_bundle()
        signed = json.loads(client.bundle_path.read_text())
    forged = json.loads(json.dumps(signed))
    forged["payload"]["codes"][0]["windows"] = [["2026-01-01T00:00:00+00:00",
                                                 "2099-01-01T00:00:00+00:00"]]
    assert not client.install_bundle(forged)
    # The server is stopped: the terminal decides from its bundle, and keeps the decisions.
    client.url = f"http://127.0.0.1:{free_port()}"
    first = client.enter(code)
    assert (first.decision, first.offline) == (OPEN, True)
    assert client.enter("48151623").decision == DENIED
    # The keypad simulator on the command line does the same.
    done = subprocess.run(
        [sys.executable, "-m", "booking.cli", "terminal", "--door", str(doors.cafe),
         "--url", client.url, f"--public-key={reg.public_key}",
         f"--offline-key={reg.offline_key}", "--state-dir", str(client.state_dir)],
        input=f"{code}#\n00000000#\n", capture_output=True, text=True, timeout=60,
        env=dict(os.environ, RAUMPLAN_TERMINAL_TOKEN=reg.token))
    assert done.stdout.splitlines() == ["OFFEN (offline)", "ZU (offline)"], done.stderr
    # A tampered bundle on disk is not used: offline, nothing opens.
    client.bundle_path.write_text(json.dumps(forged))
    assert client.enter(code).decision == DENIED
    # Back online: the six offline decisions are uploaded once.
    with running_server(db_url, tmp_path, workers=1) as server:
        client.url = server.url
        assert client.sync() == 5
        assert client.sync() == 0
    with transaction(factory) as s:
        offline = s.scalars(select(DoorEvent.decision).where(DoorEvent.offline)
                            .order_by(DoorEvent.id)).all()
    engine.dispose()
    assert offline == ["grant", "deny", "grant", "deny", "deny"]


def test_the_terminal_without_a_device_token_says_where_to_put_it(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from booking.cli import main

    monkeypatch.delenv("RAUMPLAN_TERMINAL_TOKEN", raising=False)
    assert main(["terminal", "--door", "1", "--public-key=k", "--offline-key=o"]) == 2
    assert "RAUMPLAN_TERMINAL_TOKEN" in capsys.readouterr().err
