"""The reference door terminal: a keypad simulator that asks the service and falls back to the
signed offline bundle when the service cannot be reached (``raumplan terminal --door …``).

Online, the service decides (its clock, its limiter, its log). Offline, the terminal checks the
typed code against the bundle's hashes and windows with its own clock and its own attempt
limit (the same rules as the service's, :mod:`access.limiter`), and keeps each decision with
a counter; when the service answers again it uploads them, and the service stores each counter
once. A bundle whose signature or door is wrong, or that has expired, is never used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import httpx
from argon2.exceptions import InvalidHashError

from access import bundle as bundles
from access import codes, limiter
from access.hashing import hash_like, phc_prefix

OPEN = "open"
DENIED = "denied"
WAIT = "wait"


@dataclass
class Outcome:
    decision: str  # open | denied | wait
    offline: bool
    retry_after: int = 0


@dataclass
class TerminalClient:
    url: str
    token: str
    door_id: int
    public_key: str
    offline_key: str
    state_dir: Path
    timeout: float = 2.0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _failures: list[datetime] = field(default_factory=list)
    _last_success: datetime | None = None

    def __post_init__(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)

    # --- files: the bundle and the buffered decisions survive a restart of the terminal
    @property
    def bundle_path(self) -> Path:
        return self.state_dir / "bundle.json"

    @property
    def events_path(self) -> Path:
        return self.state_dir / "events.json"

    def _events(self) -> dict[str, Any]:
        if self.events_path.exists():
            data: dict[str, Any] = json.loads(self.events_path.read_text())
            return data
        return {"counter": 0, "pending": []}

    def _save_events(self, data: dict[str, Any]) -> None:
        self.events_path.write_text(json.dumps(data))

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    # --- online
    def refresh_bundle(self) -> bool:
        """Fetch, check and keep a new bundle; False if the service is away or it is bad."""
        try:
            r = httpx.get(f"{self.url}/terminal/v1/bundle", headers=self._headers(),
                          timeout=self.timeout)
            r.raise_for_status()
            signed = r.json()
        except (httpx.HTTPError, ValueError):
            return False
        return self.install_bundle(signed)

    def install_bundle(self, signed: dict[str, Any]) -> bool:
        try:
            bundles.verify(signed, self.public_key, door_id=self.door_id, now=self.clock())
        except bundles.BadBundle:
            return False
        self.bundle_path.write_text(json.dumps(signed))
        return True

    def sync(self) -> int:
        """Upload the decisions taken offline; the number the service stored."""
        data = self._events()
        if not data["pending"]:
            return 0
        try:
            r = httpx.post(f"{self.url}/terminal/v1/events", headers=self._headers(),
                           json={"events": data["pending"]}, timeout=self.timeout)
            r.raise_for_status()
            stored = int(r.json()["stored"])
        except (httpx.HTTPError, ValueError, KeyError):
            return 0
        data["pending"] = []
        self._save_events(data)
        return stored

    def enter(self, typed: str) -> Outcome:
        """The keypad's ``#``: one typed code, one decision."""
        try:
            r = httpx.post(f"{self.url}/terminal/v1/validate", headers=self._headers(),
                           json={"code": typed, "nonce": secrets.token_hex(12),
                                 "sent_at": self.clock().isoformat()}, timeout=self.timeout)
        except httpx.TransportError:
            return self._offline(typed)
        if r.status_code == 429:
            return Outcome(WAIT, False, int(r.headers.get("retry-after", "1")))
        try:
            granted = r.status_code == 200 and r.json().get("decision") == "grant"
        except ValueError:
            granted = False
        if granted:
            self.sync()
        return Outcome(OPEN if granted else DENIED, False)

    # --- offline
    def _bundle(self) -> dict[str, Any] | None:
        if not self.bundle_path.exists():
            return None
        try:
            signed = json.loads(self.bundle_path.read_text())
            return bundles.verify(signed, self.public_key, door_id=self.door_id,
                                  now=self.clock())
        except (ValueError, bundles.BadBundle):
            return None

    def _offline(self, typed: str) -> Outcome:
        now = self.clock()
        verdict = limiter.decide(self._failures, self._last_success, now)
        if not verdict.allowed:
            return Outcome(WAIT, True, verdict.retry_after_seconds)
        payload = self._bundle()
        matched: int | None = None
        if payload is not None and codes.is_well_formed(typed):
            key = base64.b64decode(self.offline_key)
            mac = hmac.new(key, typed.encode("ascii"), hashlib.sha256).hexdigest().encode()
            # One argon2 computation per attempt (the centre's offline hashes share a salt),
            # then every entry is compared, no early exit.
            computed: dict[str, str | None] = {}
            for entry in payload["codes"]:
                prefix = phc_prefix(str(entry["hash"]))
                if prefix not in computed:
                    try:
                        computed[prefix] = hash_like(mac, prefix)
                    except InvalidHashError:
                        computed[prefix] = None
            for entry in payload["codes"]:
                inside = any(datetime.fromisoformat(a) <= now < datetime.fromisoformat(b)
                             for a, b in entry["windows"])
                digest = computed[phc_prefix(str(entry["hash"]))]
                ok = hmac.compare_digest((digest or "").encode(), str(entry["hash"]).encode())
                if ok and digest is not None and inside and matched is None:
                    matched = int(entry["id"])
        if matched is None:
            self._failures.append(now)
        else:
            self._last_success = now
        data = self._events()
        data["counter"] += 1
        data["pending"].append({"counter": data["counter"], "at": now.isoformat(),
                                "decision": "grant" if matched is not None else "deny",
                                "code_id": matched})
        self._save_events(data)
        return Outcome(OPEN if matched is not None else DENIED, True)


def run_keypad(client: TerminalClient, lines: Iterable[str], out: TextIO = sys.stdout) -> int:
    """Each input line is what was typed before ``#``; prints one answer per line."""
    client.refresh_bundle()
    for line in lines:
        typed = line.strip().rstrip("#")
        if not typed:
            continue
        outcome = client.enter(typed)
        where = " (offline)" if outcome.offline else ""
        if outcome.decision == WAIT:
            out.write(f"WARTEN {outcome.retry_after} s{where}\n")
        else:
            out.write(("OFFEN" if outcome.decision == OPEN else "ZU") + where + "\n")
        out.flush()
    return 0
