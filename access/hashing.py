"""Storing codes: argon2id over an HMAC-SHA-256 of the code with a pepper.

The pepper lives outside the database (an environment variable or a file), so a copy of the
database alone does not let anyone try the 10⁸ codes offline. Each hash is tagged with the key
id of the pepper it used: a new pepper gets a new id, codes issued under the old one keep
verifying until they run out (they live for days), and the service refuses to start without a
pepper at all (:func:`load_peppers`).

Parameters: OWASP's argon2id m = 19456 KiB, t = 2, p = 1 (measured about 30 ms per verify on
the 2-core development machine, access-anchors §3). ``needs_rehash`` tells when a stored hash
was made with other parameters, so it is renewed on its next successful use.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

PEPPER_ENV = "RAUMPLAN_ACCESS_PEPPER"
PEPPER_FILE_ENV = "RAUMPLAN_ACCESS_PEPPER_FILE"

# OWASP's minimum for argon2id with one lane; tests check production never goes below it.
PRODUCTION_PARAMETERS = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}


class MissingPepper(RuntimeError):
    """No pepper is configured: the service must not start (it could not check any code)."""


def production_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=PRODUCTION_PARAMETERS["time_cost"],
                          memory_cost=PRODUCTION_PARAMETERS["memory_cost"],
                          parallelism=PRODUCTION_PARAMETERS["parallelism"],
                          hash_len=32, salt_len=16, type=Type.ID)


def parse_peppers(text: str) -> dict[str, bytes]:
    """``"k2:hex…,k1:hex…"``: the first key is current, the others verify older codes. A bare
    value without ``id:`` is key ``k1``."""
    peppers: dict[str, bytes] = {}
    for part in (p.strip() for p in text.replace("\n", ",").split(",")):
        if not part:
            continue
        key_id, _, value = part.rpartition(":")
        key_id = key_id or "k1"
        secret = bytes.fromhex(value) if _is_hex(value) else value.encode()
        if len(secret) < 16:
            raise MissingPepper(f"pepper {key_id} is shorter than 16 bytes")
        peppers[key_id] = secret
    return peppers


def _is_hex(value: str) -> bool:
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return len(value) % 2 == 0


def load_peppers(environ: Mapping[str, str] | None = None) -> dict[str, bytes]:
    """The peppers from ``RAUMPLAN_ACCESS_PEPPER`` or the file ``RAUMPLAN_ACCESS_PEPPER_FILE``;
    :class:`MissingPepper` if neither is set."""
    env = os.environ if environ is None else environ
    text = env.get(PEPPER_ENV, "")
    if not text and env.get(PEPPER_FILE_ENV):
        path = Path(env[PEPPER_FILE_ENV])
        if not path.is_file():
            raise MissingPepper(f"the pepper file {path} does not exist")
        text = path.read_text(encoding="utf-8")
    peppers = parse_peppers(text) if text else {}
    if not peppers:
        raise MissingPepper(f"set {PEPPER_ENV} or {PEPPER_FILE_ENV}: door codes cannot be "
                            "stored or checked without a pepper")
    return peppers


def new_pepper_text(key_id: str = "k1") -> str:
    """A fresh pepper in the form :func:`parse_peppers` reads (the demo writes one)."""
    return f"{key_id}:{secrets.token_hex(32)}"


@dataclass
class CodeHasher:
    """Hashes and verifies codes with the configured peppers; the first one is current."""

    peppers: Mapping[str, bytes]
    hasher: PasswordHasher

    def __post_init__(self) -> None:
        if not self.peppers:
            raise MissingPepper("no pepper")

    @property
    def current_key(self) -> str:
        return next(iter(self.peppers))

    def _mac(self, code: str, key_id: str) -> str:
        pepper = self.peppers.get(key_id)
        if pepper is None:
            raise InvalidHashError(f"unknown pepper key {key_id}")
        return hmac.new(pepper, code.encode("ascii"), hashlib.sha256).hexdigest()

    def hash(self, code: str) -> tuple[str, str]:
        """(argon2id PHC string, key id)."""
        key_id = self.current_key
        return self.hasher.hash(self._mac(code, key_id)), key_id

    def verify(self, code: str, stored: str, key_id: str) -> bool:
        """True if ``code`` is the one hashed; False for any other code. A hash that cannot be
        read or a key that is gone raises :class:`argon2.exceptions.InvalidHashError`, which the
        caller turns into a denial and an alert (fail-secure)."""
        try:
            return self.hasher.verify(stored, self._mac(code, key_id))
        except VerificationError:
            return False

    def needs_rehash(self, stored: str, key_id: str) -> bool:
        return key_id != self.current_key or self.hasher.check_needs_rehash(stored)


def offline_key(peppers: Mapping[str, bytes], centre_id: int) -> bytes:
    """The key a centre's terminals use to check codes offline (:mod:`access.bundle`): derived
    from the current pepper, never the pepper itself."""
    pepper = next(iter(peppers.values()))
    return hmac.new(pepper, f"offline-centre:{centre_id}".encode(), hashlib.sha256).digest()


def offline_mac(key: bytes, code: str) -> str:
    return hmac.new(key, code.encode("ascii"), hashlib.sha256).hexdigest()
