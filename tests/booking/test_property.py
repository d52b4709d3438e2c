"""Random sequences of request, staff booking, confirm, move and cancel, checked step by step
against an independent model: a plain dict of half-open intervals with its own overlap test.

The model predicts each answer (success, 409, refused request) and the service must agree;
after every step the database must hold exactly the model's state and no two confirmed
occurrences of a room may overlap. A small grid (30-minute steps, two days, two rooms) makes
collisions frequent."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, select, text

from booking.db import make_engine, make_session_factory, transaction
from booking.errors import Conflict, PolicyViolation
from booking.models import Booking, Occurrence
from booking.permissions import Actor
from booking.services import bookings, rentals
from tests.booking.realtime import overlapping_confirmed
from tests.factories import World, build_world

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday; the grid lies a week later
DAYS = (date(2026, 12, 1), date(2026, 12, 2))  # Tuesday, Wednesday: no holiday, winter time
BERLIN = ZoneInfo("Europe/Berlin")
ORIGIN = datetime.combine(DAYS[0], time(0), tzinfo=BERLIN).astimezone(UTC)
OPEN, CLOSE, STEP = 10 * 60, 22 * 60, 30  # the rooms' house rules end rentals by 22:00
SLOTS = (CLOSE - OPEN) // STEP
ROOMS = ("Café", "Gruppenraum 1")

# A window on the grid: (day index, first slot, number of slots); 1 to 3 hours.
windows = st.tuples(st.integers(0, len(DAYS) - 1), st.integers(0, SLOTS - 2),
                    st.integers(2, 6)).filter(lambda w: w[1] + w[2] <= SLOTS)


def minutes(window: tuple[int, int, int]) -> tuple[int, int]:
    """A grid window as minutes since midnight before the first day (the model's clock)."""
    day, slot, length = window
    start = day * 1440 + OPEN + slot * STEP
    return start, start + length * STEP


def instant(minute: int) -> datetime:
    # No daylight-saving change within the grid, so minutes map linearly to instants.
    return ORIGIN + timedelta(minutes=minute)


def minute_of(value: datetime) -> int:
    return int((value - ORIGIN).total_seconds() // 60)


@dataclass
class Entry:
    """The model's view of one occurrence and its booking."""

    booking_id: int
    kind: str
    requester: str | None
    status: str
    room: str
    start: int
    end: int


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end  # half-open: touching is no overlap


class Model:
    def __init__(self) -> None:
        self.entries: dict[int, Entry] = {}  # occurrence id → entry

    def holders(self, room: str, start: int, end: int, *, but: int | None = None) -> list[int]:
        return [oid for oid, e in self.entries.items()
                if oid != but and e.status == "confirmed" and e.room == room
                and overlaps(e.start, e.end, start, end)]

    def rentals(self) -> list[int]:
        return sorted(oid for oid, e in self.entries.items() if e.kind == "rental")

    def confirmed(self) -> list[int]:
        return sorted(oid for oid, e in self.entries.items() if e.status == "confirmed")


def make_machine(fresh_database: Callable[[], Engine],
                 world: World) -> type[RuleBasedStateMachine]:
    class BookingMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.engine = fresh_database()
            self.factory = make_session_factory(self.engine)
            self.rooms = {name: world.rooms[name] for name in ROOMS}
            self.room_names = {v: k for k, v in self.rooms.items()}
            self.actors = {
                "anna": Actor(world.people["anna"], frozenset({("resident", None)})),
                "ben": Actor(world.people["ben"], frozenset({("resident", None)})),
                "staff": Actor(world.people["staff"], frozenset({("staff", world.centre_id)})),
            }
            self.model = Model()
            TALLY["examples"] = TALLY.get("examples", 0) + 1

        def teardown(self) -> None:
            self.engine.dispose()
            if self.engine.dialect.name == "sqlite" and self.engine.url.database:
                Path(self.engine.url.database).unlink()

        def count(self, what: str) -> None:
            TALLY[what] = TALLY.get(what, 0) + 1

        @rule(who=st.sampled_from(["anna", "ben"]), room=st.sampled_from(ROOMS), window=windows)
        def request(self, who: str, room: str, window: tuple[int, int, int]) -> None:
            start, end = minutes(window)
            expect_refusal = bool(self.model.holders(room, start, end))
            try:
                with transaction(self.factory) as s:
                    b = rentals.request_rental(
                        s, self.actors[who], room_id=self.rooms[room], start=instant(start),
                        end=instant(end), people=5, purpose="Probe", now=NOW)
                    booking_id, occ_id = b.id, b.occurrences[0].id
            except PolicyViolation:
                assert expect_refusal, "request refused although the model sees the room free"
                self.count("request refused")
                return
            assert not expect_refusal, "request accepted over a confirmed booking"
            self.model.entries[occ_id] = Entry(booking_id, "rental", who, "pending", room,
                                               start, end)
            self.count("request")

        @rule(room=st.sampled_from(ROOMS), window=windows)
        def staff_booking(self, room: str, window: tuple[int, int, int]) -> None:
            start, end = minutes(window)
            expect_conflict = bool(self.model.holders(room, start, end))
            try:
                with transaction(self.factory) as s:
                    result = bookings.create_booking(
                        s, self.actors["staff"], kind="programme", title="Kurs",
                        room_id=self.rooms[room], start=instant(start), end=instant(end),
                        now=NOW)
                    booking_id, occ_id = result.booking.id, result.booking.occurrences[0].id
            except Conflict:
                assert expect_conflict, "staff booking refused although the room is free"
                self.count("staff booking 409")
                return
            assert not expect_conflict, "staff booking accepted over a confirmed booking"
            self.model.entries[occ_id] = Entry(booking_id, "programme", None, "confirmed", room,
                                               start, end)
            self.count("staff booking")

        @precondition(lambda self: self.model.rentals())
        @rule(data=st.data())
        def confirm(self, data: st.DataObject) -> None:
            occ_id = data.draw(st.sampled_from(self.model.rentals()), label="rental")
            e = self.model.entries[occ_id]
            expect_conflict = e.status != "pending" or bool(
                self.model.holders(e.room, e.start, e.end))
            try:
                with transaction(self.factory) as s:
                    rentals.confirm(s, self.actors["staff"], e.booking_id, NOW)
            except Conflict:
                assert expect_conflict, f"confirming a {e.status} free request gave 409"
                self.count("confirm 409")
                return
            assert not expect_conflict, f"confirmed a {e.status} request over another booking"
            e.status = "confirmed"
            for other_id, other in self.model.entries.items():
                if (other_id != occ_id and other.kind == "rental" and other.status == "pending"
                        and other.room == e.room
                        and overlaps(other.start, other.end, e.start, e.end)):
                    other.status = "declined"
            self.count("confirm")

        @precondition(lambda self: self.model.confirmed())
        @rule(data=st.data(), room=st.sampled_from(ROOMS), window=windows)
        def move(self, data: st.DataObject, room: str, window: tuple[int, int, int]) -> None:
            occ_id = data.draw(st.sampled_from(self.model.confirmed()), label="occurrence")
            start, end = minutes(window)
            expect_conflict = bool(self.model.holders(room, start, end, but=occ_id))
            try:
                with transaction(self.factory) as s:
                    bookings.move_occurrence(s, self.actors["staff"], occ_id,
                                             room_id=self.rooms[room], start=instant(start),
                                             end=instant(end), now=NOW)
            except Conflict:
                assert expect_conflict, "move refused although the target is free"
                self.count("move 409")
                return
            assert not expect_conflict, "moved onto another confirmed booking"
            e = self.model.entries[occ_id]
            e.room, e.start, e.end = room, start, end
            self.count("move")

        @precondition(lambda self: self.model.rentals())
        @rule(data=st.data(), by_staff=st.booleans())
        def cancel(self, data: st.DataObject, by_staff: bool) -> None:
            occ_id = data.draw(st.sampled_from(self.model.rentals()), label="rental")
            e = self.model.entries[occ_id]
            who = "staff" if by_staff else e.requester
            assert who is not None
            expect_conflict = e.status not in ("pending", "confirmed")
            try:
                with transaction(self.factory) as s:
                    rentals.cancel(s, self.actors[who], e.booking_id, "geht nicht", NOW)
            except Conflict:
                assert expect_conflict, f"cancelling a {e.status} rental gave 409"
                self.count("cancel 409")
                return
            assert not expect_conflict, f"cancelled a {e.status} rental"
            e.status = "cancelled"
            self.count("cancel")

        @invariant()
        def database_holds_no_overlap(self) -> None:
            assert overlapping_confirmed(self.engine) == []

        @invariant()
        def database_equals_model(self) -> None:
            with self.factory() as s:
                rows = s.execute(select(Occurrence, Booking).join(Booking)).all()
                actual = {
                    o.id: Entry(b.id, b.kind, None, o.status, self.room_names[o.room_id],
                                minute_of(o.starts_at), minute_of(o.ends_at))
                    for o, b in rows}
                for o, b in rows:
                    assert b.status == o.status, f"booking {b.id} {b.status}, occurrence " \
                                                 f"{o.status}"
            expected = {oid: Entry(e.booking_id, e.kind, None, e.status, e.room, e.start, e.end)
                        for oid, e in self.model.entries.items()}
            assert actual == expected

    return BookingMachine


TALLY: dict[str, int] = {}


def test_random_booking_operations_match_the_interval_model(
        db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Each example starts from the same world with no bookings: on SQLite a copy of a world
    file, on PostgreSQL the world with the tables the steps write truncated (DELETE is refused
    on the append-only audit table; truncating only these four is fast)."""
    numbers = count()
    world_file: Path | None = None
    if db_url.startswith("sqlite"):
        world_file = tmp_path / "world.sqlite3"
        shutil.copy(request.getfixturevalue("_sqlite_template"), world_file)
        db_url = f"sqlite:///{world_file}"
    engine = make_engine(db_url)
    world = build_world(make_session_factory(engine), NOW)
    engine.dispose()

    def fresh_database() -> Engine:
        if world_file is not None:
            path = tmp_path / f"example-{next(numbers)}.sqlite3"
            shutil.copy(world_file, path)
            return make_engine(f"sqlite:///{path}")
        # Durability after a power cut is not under test here; skipping the WAL flush per
        # commit halves the run time.
        fresh = make_engine(db_url, connect_args={"options": "-c synchronous_commit=off"})
        with fresh.begin() as conn:
            # CASCADE: the door-access tables point at bookings (empty here, emptied too).
            conn.execute(text("TRUNCATE occurrence, booking, audit_event, mail_outbox, "
                              "series, series_date RESTART IDENTITY CASCADE"))
        return fresh

    TALLY.clear()
    run_state_machine_as_test(
        make_machine(fresh_database, world),
        settings=settings(max_examples=30, stateful_step_count=20, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]))
    print(f"\nsteps over {TALLY.pop('examples')} examples: {dict(sorted(TALLY.items()))}")
