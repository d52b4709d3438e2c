"""Password hashing (argon2id), random tokens, and the transport-security header."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar.datastructures import ResponseHeader

# argon2-cffi's defaults are RFC 9106's second recommended option (argon2id, t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()
# Verifying against this when the account does not exist keeps the timing alike, so a login
# answer does not tell whether an address is registered.
_DUMMY_HASH = _hasher.hash("not a real password")

MIN_PASSWORD_LENGTH = 10


def use_hasher(hasher: PasswordHasher) -> None:
    """Swap the hasher's parameters (tests use a cheap argon2id to stay fast)."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# One year, the subdomains too: what hstspreload.org asks for. Sent only when the configured
# base URL is https, so a plain-HTTP demo on localhost is never pinned to TLS.
HSTS = "max-age=31536000; includeSubDomains"


def transport_headers(base_url: str) -> list[ResponseHeader]:
    """Headers every response carries: HSTS when the service is reached over https."""
    if not base_url.lower().startswith("https://"):
        return []
    return [ResponseHeader(name="Strict-Transport-Security", value=HSTS)]
