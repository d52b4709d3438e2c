"""API: door access (issue 12). The terminal protocol under ``/terminal/v1`` and the staff and
resident operations under ``/api/access``.

The terminal endpoints read their body themselves, at most a few kilobytes: a malformed or huge
body is one more failed attempt with the same denial as a wrong code, never a 4xx that tells
the keypad (or whoever holds it) what was wrong.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.openapi import ResponseSpec
from litestar.params import Parameter

from booking.api import schemas as s
from booking.api.deps import Services, bearer_token
from booking.db import transaction
from booking.models import AccessAlert, DoorEvent, Terminal
from booking.permissions import Actor
from booking.services import access
from booking.services.access import MAX_TERMINAL_BODY, CodeView, IssuedCode, TerminalAnswer

_NO_STORE = {"Cache-Control": "no-store"}


async def _read_limited(request: Request[Any, Any, Any], limit: int) -> bytes:
    """The body, cut after ``limit`` + 1 bytes (enough to know it was too long)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)[: limit + 1]


def _answer(answer: TerminalAnswer) -> Response[bytes]:
    headers = dict(_NO_STORE)
    if answer.retry_after:
        headers["Retry-After"] = str(answer.retry_after)
    return Response(content=answer.body, status_code=answer.status,
                    media_type="application/json", headers=headers)


_UNAUTHORISED = access.UNAUTHORISED


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(raw) if raw else {}
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


class TerminalDecision(msgspec.Struct, omit_defaults=True):
    """What a terminal hears: ``grant`` (with how long to unlock), ``deny`` (the same bytes for
    every reason), ``throttled`` (with when to try again), or ``unauthorised``."""

    decision: Literal["grant", "deny", "throttled", "unauthorised"]
    unlock_ms: int | None = None
    retry_after_s: int | None = None
    detail: str | None = None


def _terminal_responses(*extra: int) -> dict[int, ResponseSpec]:
    texts = {200: "The answer",
             401: "The device token is unknown or revoked",
             429: "Throttled: the code was not evaluated; try again after Retry-After seconds"}
    return {status: ResponseSpec(data_container=TerminalDecision if status != 200 else
                                 dict[str, Any], description=texts[status],
                                 generate_examples=False)
            for status in (401, *extra)}


class TerminalController(Controller):
    """What a door terminal calls, authenticated by its device token (``Bearer``)."""

    path = "/terminal/v1"
    tags = ["terminal"]

    @post("/validate", status_code=200,
          responses={**_terminal_responses(429),
                     200: ResponseSpec(data_container=TerminalDecision, generate_examples=False,
                                       description="grant or deny")})
    async def validate(self, request: Request[Any, Any, Any], svc: Services) -> Response[bytes]:
        """Does this code open this terminal's door now? The door comes from the credential,
        the time from the server. Every denial is the same answer."""
        raw = await _read_limited(request, MAX_TERMINAL_BODY)
        answer = await access.validate_on_pool(svc.db, bearer_token(request), raw,
                                               svc.clock.now())
        return _answer(answer)

    @post("/heartbeat", status_code=200, responses=_terminal_responses(200))
    async def heartbeat(self, request: Request[Any, Any, Any],
                        svc: Services) -> Response[bytes]:
        """Battery or mains, firmware, the terminal's clock; answers the server's time."""
        raw = await _read_limited(request, MAX_TERMINAL_BODY)
        token = bearer_token(request)

        def run() -> TerminalAnswer:
            with transaction(svc.db) as db:
                terminal = access.terminal_for(db, token) if token else None
                if terminal is None:
                    return _UNAUTHORISED
                body = _json_object(raw) or {}
                out = access.heartbeat(db, terminal, body, svc.clock.now())
                return TerminalAnswer(200, json.dumps(out).encode())

        return _answer(await anyio.to_thread.run_sync(run))

    @get("/bundle", responses=_terminal_responses(200))
    async def bundle(self, request: Request[Any, Any, Any], svc: Services) -> Response[bytes]:
        """The signed offline bundle of this terminal's door for the next hours."""
        token = bearer_token(request)

        def run() -> TerminalAnswer:
            with transaction(svc.db) as db:
                terminal = access.terminal_for(db, token) if token else None
                if terminal is None:
                    return _UNAUTHORISED
                terminal.last_seen_at = svc.clock.now()
                return TerminalAnswer(200, json.dumps(
                    access.make_bundle(db, terminal, svc.clock.now())).encode())

        return _answer(await anyio.to_thread.run_sync(run))

    @post("/events", status_code=200, responses=_terminal_responses(200))
    async def upload_events(self, request: Request[Any, Any, Any],
                            svc: Services) -> Response[bytes]:
        """Decisions the terminal took offline, each stored once (by its counter)."""
        raw = await _read_limited(request, 256 * 1024)
        token = bearer_token(request)

        def run() -> TerminalAnswer:
            with transaction(svc.db) as db:
                terminal = access.terminal_for(db, token) if token else None
                if terminal is None:
                    return _UNAUTHORISED
                body = _json_object(raw) or {}
                events = body.get("events")
                stored = access.upload_offline(db, terminal, events if isinstance(events, list)
                                               else [], svc.clock.now())
                return TerminalAnswer(200, json.dumps({"stored": stored}).encode())

        return _answer(await anyio.to_thread.run_sync(run))


# --- staff and residents -------------------------------------------------------------------

class WindowOut(msgspec.Struct):
    starts_at: datetime
    ends_at: datetime


class IssuedCodeOut(msgspec.Struct):
    """The only answer that ever holds the digits: shown once."""

    id: int
    code: str
    doors: list[str]
    windows: list[WindowOut]


class CodeOut(msgspec.Struct):
    id: int
    kind: str
    state: str
    booking_id: int | None
    doors: list[str]
    windows: list[WindowOut]
    issued_at: datetime
    revoked_at: datetime | None


class TerminalIn(msgspec.Struct, forbid_unknown_fields=True):
    door_id: s.IdField
    name: s.DoorName


class TerminalOut(msgspec.Struct):
    id: int
    door_id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    power: str | None
    battery_percent: int | None
    firmware: str | None
    clock_skew_seconds: float | None


class RegisteredTerminalOut(msgspec.Struct):
    """Shown once: the device token and the keys the terminal needs offline."""

    terminal: TerminalOut
    token: str
    offline_key: str
    public_key: str


class EmergencyIn(msgspec.Struct, forbid_unknown_fields=True):
    door_id: s.IdField
    minutes: Annotated[int, msgspec.Meta(ge=1, le=access.MAX_EMERGENCY_MINUTES)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=s.REASON_LENGTH,
                                        pattern=s.LINE)]


class HandoverIn(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(max_length=500, pattern=s.LINE)] = ""


class AccessMethodIn(msgspec.Struct, forbid_unknown_fields=True):
    method: Literal["code", "staff", "key", "open"]
    valid_from: s.Instant


class DoorEventOut(msgspec.Struct):
    id: int
    at: datetime
    door_id: int | None
    terminal_id: int | None
    decision: str
    reason: str
    code_id: int | None
    booking_id: int | None
    offline: bool


class AlertOut(msgspec.Struct):
    id: int
    kind: str
    at: datetime
    terminal_id: int | None
    door_id: int | None
    booking_id: int | None
    details: dict[str, Any]
    resolved_at: datetime | None


class BookingAccessOut(msgspec.Struct):
    booking_id: int
    title: str
    code: CodeOut | None


def _windows(spans: list[Any]) -> list[WindowOut]:
    return [WindowOut(w.starts_at, w.ends_at) for w in spans]


def issued_out(issued: IssuedCode) -> IssuedCodeOut:
    return IssuedCodeOut(issued.code_id, issued.code, issued.doors, _windows(issued.windows))


def code_out(v: CodeView) -> CodeOut:
    return CodeOut(v.id, v.kind, v.state, v.booking_id, v.doors, _windows(v.windows),
                   v.issued_at, v.revoked_at)


def terminal_out(t: Terminal) -> TerminalOut:
    return TerminalOut(t.id, t.door_id, t.name, t.created_at, t.revoked_at, t.last_seen_at,
                       t.power, t.battery_percent, t.firmware, t.clock_skew_seconds)


def event_out(e: DoorEvent) -> DoorEventOut:
    return DoorEventOut(e.id, e.at, e.door_id, e.terminal_id, e.decision, e.reason, e.code_id,
                        e.booking_id, e.offline)


def alert_out(a: AccessAlert) -> AlertOut:
    return AlertOut(a.id, a.kind, a.at, a.terminal_id, a.door_id, a.booking_id,
                    dict(a.details or {}), a.resolved_at)


CentreQuery = Annotated[int, Parameter(ge=1, le=s.MAX_ID)]


class AccessController(Controller):
    path = "/api/access"
    tags = ["access"]

    @get("/mine", sync_to_thread=True)
    def my_access(self, svc: Services, actor: Actor) -> list[BookingAccessOut]:
        """The caller's coming Eigenregie bookings with their codes' doors and windows (never
        the digits: those are shown once, when issued)."""
        with svc.read_db() as db:
            return [BookingAccessOut(b.id, b.title, code_out(v) if v else None)
                    for b, v in access.my_bookings_with_access(db, actor, svc.clock.now())]

    @get("/bookings/{booking_id:int}/codes", sync_to_thread=True)
    def booking_codes(self, svc: Services, actor: Actor, booking_id: s.Id) -> list[CodeOut]:
        with svc.read_db() as db:
            return [code_out(v) for v in access.codes_of_booking(db, actor, booking_id)]

    @post("/bookings/{booking_id:int}/codes", sync_to_thread=True, status_code=201)
    def reissue_code(self, svc: Services, actor: Actor, booking_id: s.Id) -> IssuedCodeOut:
        """Issue the booking's code anew ("change code"): the old one stops at once."""
        with transaction(svc.db) as db:
            return issued_out(access.reissue(db, actor, booking_id, svc.clock.now()))

    @post("/codes/{code_id:int}/revoke", sync_to_thread=True, status_code=200)
    def revoke_code(self, svc: Services, actor: Actor, code_id: s.Id) -> CodeOut:
        with transaction(svc.db) as db:
            return code_out(access.view(db, access.revoke_code(db, actor, code_id,
                                                               svc.clock.now())))

    @post("/emergency-codes", sync_to_thread=True, status_code=201)
    def emergency_code(self, svc: Services, actor: Actor, data: EmergencyIn) -> IssuedCodeOut:
        """A code for one door, at most two hours, with a reason; always alerts."""
        with transaction(svc.db) as db:
            return issued_out(access.emergency_code(db, actor, door_id=data.door_id,
                                                    minutes=data.minutes, reason=data.reason,
                                                    now=svc.clock.now()))

    @post("/terminals", sync_to_thread=True, status_code=201)
    def register_terminal(self, svc: Services, actor: Actor,
                          data: TerminalIn) -> RegisteredTerminalOut:
        with transaction(svc.db) as db:
            reg = access.register_terminal(db, actor, door_id=data.door_id, name=data.name,
                                           now=svc.clock.now())
            return RegisteredTerminalOut(terminal_out(reg.terminal), reg.token, reg.offline_key,
                                         reg.public_key)

    @get("/terminals", sync_to_thread=True)
    def list_terminals(self, svc: Services, actor: Actor,
                       centre_id: CentreQuery) -> list[TerminalOut]:
        """Each terminal with its last contact, power and clock skew."""
        with svc.read_db() as db:
            return [terminal_out(t) for t in access.list_terminals(db, actor, centre_id)]

    @post("/terminals/{terminal_id:int}/revoke", sync_to_thread=True, status_code=200)
    def revoke_terminal(self, svc: Services, actor: Actor, terminal_id: s.Id) -> TerminalOut:
        with transaction(svc.db) as db:
            return terminal_out(access.revoke_terminal(db, actor, terminal_id,
                                                       svc.clock.now()))

    @get("/door-events", sync_to_thread=True)
    def door_log(self, svc: Services, actor: Actor, centre_id: CentreQuery,
                 door_id: Annotated[int | None, Parameter(ge=1, le=s.MAX_ID)] = None,
                 ) -> list[DoorEventOut]:
        """The door log, newest first (read only: no operation changes or deletes it)."""
        with svc.read_db() as db:
            return [event_out(e) for e in access.door_log(db, actor, centre_id,
                                                          door_id=door_id)]

    @get("/alerts", sync_to_thread=True)
    def list_alerts(self, svc: Services, actor: Actor, centre_id: CentreQuery,
                    include_resolved: bool = False) -> list[AlertOut]:
        with svc.read_db() as db:
            return [alert_out(a) for a in access.list_alerts(db, actor, centre_id,
                                                             include_resolved)]

    @post("/alerts/{alert_id:int}/resolve", sync_to_thread=True, status_code=200)
    def resolve_alert(self, svc: Services, actor: Actor, alert_id: s.Id) -> AlertOut:
        with transaction(svc.db) as db:
            return alert_out(access.resolve_alert(db, actor, alert_id, svc.clock.now()))

    @post("/bookings/{booking_id:int}/key-handover", sync_to_thread=True, status_code=201)
    def key_handover(self, svc: Services, actor: Actor, booking_id: s.Id,
                     data: HandoverIn | None = None) -> dict[str, int]:
        """A physical key was handed over instead of a code (resolves the booking's alerts)."""
        with transaction(svc.db) as db:
            row = access.record_key_handover(db, actor, booking_id,
                                             data.note if data else "", svc.clock.now())
            return {"id": row.id, "booking_id": row.booking_id}

    @put("/rooms/{room_id:int}/method", sync_to_thread=True, status_code=200)
    def set_access_method(self, svc: Services, actor: Actor, room_id: s.Id,
                          data: AccessMethodIn) -> dict[str, Any]:
        """How the room is opened from ``valid_from`` on; affected bookers get a notice."""
        with transaction(svc.db) as db:
            row = access.set_room_method(db, actor, room_id, data.method, data.valid_from,
                                         svc.clock.now())
            return {"room_id": row.room_id, "method": row.method,
                    "valid_from": row.valid_from.isoformat()}
