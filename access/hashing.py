"""Storing codes: argon2id over an HMAC-SHA-256 of the code with a pepper.

The pepper lives outside the database (an environment variable or a file), so a copy of the
database alone does not let anyone try the 10⁸ codes offline. Each hash is tagged with the key
id of the pepper it used: a new pepper gets a new id, codes issued under the old one keep
verifying until they run out (they live for days), and the service refuses to start without a
pepper at all (:func:`load_peppers`).

Parameters: OWASP's argon2id m = 19456 KiB, t = 2, p = 1 (about 30–60 ms per computation on
the 2-core development machine, access-anchors §3). ``needs_rehash`` tells when a stored hash
was made with other parameters, another pepper or another salt, so it is renewed on its next
successful use.

**One salt per centre and pepper key.** Every code of a centre is hashed with the same salt,
``HMAC(pepper, "code-salt:<centre id>")[:16]`` (:meth:`CodeHasher.salt`: derived, so it is as
secret as the pepper and needs no column). A typed code is therefore hashed once per attempt
and the result compared, in constant time, with every candidate's stored string; with
per-code random salts a door with 8 candidates cost 8 argon2 computations per attempt
(≈ 8 × 58 ms on the loaded machine: no p99 under 150 ms at 20 attempts/s on 2 cores). Equal
codes now have equal hashes, which also makes the issue-time uniqueness check a string
comparison instead of an argon2 per overlapping code.

The trade-off, with its arithmetic. *Without the pepper* a database dump is useless either
way: each stored string is argon2 of an HMAC under a 256-bit key nobody can guess. *With a
dump and the pepper* an attacker hashes guesses offline: before, one argon2 tested one guess
against one code (its salt was its own), so finding all K active codes of a centre took up to
K × 10⁸ computations; now one computation tests a guess against all K codes at once, so all
are found within 10⁸ computations and the first after about 10⁸ / (K + 1). On this 2-core
machine (≈ 50 computations/s with both cores) 10⁸ is about 23 days; with K = 50 active codes
the first falls after about 2 × 10⁶ guesses, ≈ 11 hours, where it took ≈ 23 days / 2 before.
More cores divide both. Codes live for days and the pepper is kept outside the database (and
outside its backups), so the coordinator took this for the online latency target.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher, Type, extract_parameters, low_level
from argon2.exceptions import InvalidHashError

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
    """Hashes and checks codes with the configured peppers; the first one is current.

    Every code of a centre is hashed with the same salt (:meth:`salt`, secret like the
    pepper), so a typed code is hashed once per attempt and compared with every candidate's
    stored string (:meth:`compute` and :meth:`equal`, driven by
    :func:`access.validation.verify_all`)."""

    peppers: Mapping[str, bytes]
    hasher: PasswordHasher
    # needs_rehash's answers: they depend only on the stored string's prefix and length, the
    # key and the centre, and every grant at a door asks about the same few (parsing the
    # parameters and deriving the salt each time cost a grant more than its SQL statements).
    _rehash: dict[tuple[str, int, str, int], bool] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.peppers:
            raise MissingPepper("no pepper")

    @property
    def current_key(self) -> str:
        return next(iter(self.peppers))

    def _pepper(self, key_id: str) -> bytes:
        pepper = self.peppers.get(key_id)
        if pepper is None:
            raise InvalidHashError(f"unknown pepper key {key_id}")
        return pepper

    def _mac(self, code: str, key_id: str) -> bytes:
        return hmac.new(self._pepper(key_id), code.encode("ascii"),
                        hashlib.sha256).hexdigest().encode("ascii")

    def salt(self, centre_id: int, key_id: str | None = None) -> bytes:
        """The salt of every code of ``centre_id`` under the pepper ``key_id`` (the current one
        by default): derived from the pepper, so it is as secret as the pepper and needs no
        column of its own."""
        pepper = self._pepper(key_id or self.current_key)
        return hmac.new(pepper, f"code-salt:{centre_id}".encode(), hashlib.sha256).digest()[:16]

    def hash(self, code: str, centre_id: int) -> tuple[str, str]:
        """(argon2id PHC string with the centre's salt, key id): one argon2 computation."""
        key_id = self.current_key
        return hash_with(self.hasher, self._mac(code, key_id), self.salt(centre_id, key_id)), \
            key_id

    def compute(self, code: str, prefix: str, key_id: str) -> str:
        """The PHC string ``code`` has under ``prefix`` (``$argon2id$v=…$m=…,t=…,p=…$salt``, the
        parameters and salt of stored hashes) and pepper ``key_id``: one argon2 computation,
        compared with each stored string of that prefix by :meth:`equal`. An unreadable prefix
        or a key that is gone raises :class:`argon2.exceptions.InvalidHashError`, which the
        caller turns into a denial and an alert (fail-secure)."""
        return hash_like(self._mac(code, key_id), prefix)

    @staticmethod
    def equal(computed: str, stored: str) -> bool:
        """Constant time, whatever the strings hold."""
        return hmac.compare_digest(computed.encode("utf-8"), stored.encode("utf-8"))

    def verify(self, code: str, stored: str, key_id: str) -> bool:
        """True if ``code`` is the one hashed in ``stored`` (one computation, one compare)."""
        return self.equal(self.compute(code, phc_prefix(stored), key_id), stored)

    def needs_rehash(self, stored: str, key_id: str, centre_id: int) -> bool:
        """Another pepper, other parameters or another salt than the centre's (a hash from
        before the shared salt): renewed on the code's next successful use."""
        key = (phc_prefix(stored), len(stored), key_id, centre_id)
        known = self._rehash.get(key)
        if known is None:
            if len(self._rehash) >= 1024:  # a few per centre and key; never many
                self._rehash.clear()
            known = self._rehash[key] = self._needs_rehash(stored, key_id, centre_id)
        return known

    def _needs_rehash(self, stored: str, key_id: str, centre_id: int) -> bool:
        if key_id != self.current_key or self.hasher.check_needs_rehash(stored):
            return True
        try:
            return _salt_of(stored) != self.salt(centre_id, key_id)
        except InvalidHashError:
            return True


def phc_prefix(stored: str) -> str:
    """Everything before the hash itself: the type, version, parameters and salt. Candidates
    with the same prefix (and key id) are checked with one computation."""
    return stored.rpartition("$")[0]


def _b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _salt_of(stored_or_prefix: str) -> bytes:
    parts = stored_or_prefix.split("$")
    if len(parts) < 5 or not parts[4]:
        raise InvalidHashError("no salt in the stored hash")
    try:
        return _b64(parts[4])
    except ValueError as exc:
        raise InvalidHashError("unreadable salt") from exc


def hash_with(hasher: PasswordHasher, secret: bytes, salt: bytes) -> str:
    """argon2id of ``secret`` with the hasher's parameters and a given salt, as a PHC string."""
    return low_level.hash_secret(secret, salt, time_cost=hasher.time_cost,
                                 memory_cost=hasher.memory_cost,
                                 parallelism=hasher.parallelism, hash_len=hasher.hash_len,
                                 type=hasher.type).decode("ascii")


def hash_like(secret: bytes, prefix: str) -> str:
    """argon2 of ``secret`` with the type, parameters and salt of ``prefix`` (a
    :func:`phc_prefix`); the hash length is 32 bytes as everywhere here."""
    try:
        params = extract_parameters(prefix + "$" + "A" * 43)
    except (InvalidHashError, ValueError) as exc:
        raise InvalidHashError("unreadable stored hash") from exc
    if params.type != Type.ID:
        raise InvalidHashError("not argon2id")
    return low_level.hash_secret(secret, _salt_of(prefix), time_cost=params.time_cost,
                                 memory_cost=params.memory_cost,
                                 parallelism=params.parallelism, hash_len=32, type=params.type,
                                 version=params.version).decode("ascii")


def offline_key(peppers: Mapping[str, bytes], centre_id: int) -> bytes:
    """The key a centre's terminals use to check codes offline (:mod:`access.bundle`): derived
    from the current pepper, never the pepper itself."""
    pepper = next(iter(peppers.values()))
    return hmac.new(pepper, f"offline-centre:{centre_id}".encode(), hashlib.sha256).digest()


def offline_mac(key: bytes, code: str) -> str:
    return hmac.new(key, code.encode("ascii"), hashlib.sha256).hexdigest()


def offline_salt(key: bytes) -> bytes:
    """The salt of a centre's offline hashes, derived from its offline key."""
    return hmac.new(key, b"offline-salt", hashlib.sha256).digest()[:16]


def offline_hash(hasher: PasswordHasher, key: bytes, code: str) -> str:
    """What a bundle holds for a code: argon2id of :func:`offline_mac` with the centre's
    offline salt, so a terminal too computes once per attempt."""
    return hash_with(hasher, offline_mac(key, code).encode("ascii"), offline_salt(key))
