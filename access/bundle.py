"""Signed offline bundles: what a terminal may check on its own while the service is away.

The service signs, with its Ed25519 key, a JSON bundle of the door's codes for the next hours
(default 12): for each code an argon2id hash of ``HMAC(offline key, code)`` and its windows at
this door. The terminal verifies the signature with the service's public key, refuses a bundle
for another door or one past its ``expires_at``, and checks typed codes against it with its own
attempt limit. A code revoked online still opens the door offline until the terminal's next
refresh: the stated trade-off (README).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

BUNDLE_VERSION = 1
DEFAULT_HOURS = 12


class BadBundle(ValueError):
    """The bundle's signature, door or lifetime does not hold."""


def new_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_private(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the access signing key is not an Ed25519 key")
    return key


def public_text(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def sign(key: Ed25519PrivateKey, payload: dict[str, Any]) -> dict[str, Any]:
    return {"payload": payload,
            "signature": base64.b64encode(key.sign(_canonical(payload))).decode()}


@dataclass(frozen=True)
class OfflineCode:
    code_id: int
    offline_hash: str
    windows: tuple[tuple[datetime, datetime], ...]


def make_payload(*, door_id: int, issued_at: datetime, expires_at: datetime,
                 codes: list[OfflineCode]) -> dict[str, Any]:
    return {
        "version": BUNDLE_VERSION, "door_id": door_id,
        "issued_at": issued_at.isoformat(), "expires_at": expires_at.isoformat(),
        "codes": [{"id": c.code_id, "hash": c.offline_hash,
                   "windows": [[a.isoformat(), b.isoformat()] for a, b in c.windows]}
                  for c in codes],
    }


def verify(bundle: dict[str, Any], public_key_b64: str, *, door_id: int,
           now: datetime) -> dict[str, Any]:
    """The bundle's payload if its signature, door and lifetime hold; :class:`BadBundle`
    otherwise."""
    try:
        payload = bundle["payload"]
        signature = base64.b64decode(bundle["signature"], validate=True)
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
        key.verify(signature, _canonical(payload))
    except (InvalidSignature, KeyError, TypeError, ValueError) as exc:
        raise BadBundle("signature") from exc
    if payload.get("version") != BUNDLE_VERSION or payload.get("door_id") != door_id:
        raise BadBundle("door")
    if not datetime.fromisoformat(payload["expires_at"]) > now:
        raise BadBundle("expired")
    return dict(payload)
