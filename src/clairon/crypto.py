"""Credentials at rest (Fernet, with key rotation) and password/API-token hashing."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from clairon.errors import ConfigError

__all__ = [
    "CredentialCipher",
    "generate_key",
    "hash_password",
    "hash_token",
    "new_api_token",
    "verify_password",
]


def generate_key() -> str:
    return Fernet.generate_key().decode()


class CredentialCipher:
    """Encrypts credential dicts. The first key encrypts; every key decrypts (rotation)."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ConfigError("no encryption key configured (CLAIRON_ENCRYPTION_KEYS)")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"invalid CLAIRON_ENCRYPTION_KEYS: {exc}") from exc

    def encrypt(self, credentials: dict[str, str]) -> bytes:
        return self._fernet.encrypt(json.dumps(credentials, sort_keys=True).encode())

    def decrypt(self, token: bytes) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self._fernet.decrypt(token))
        except InvalidToken as exc:
            raise ConfigError(
                "stored credentials cannot be decrypted with the configured keys "
                "(was CLAIRON_ENCRYPTION_KEYS changed without rotation?)"
            ) from exc
        return data

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt with the first (newest) key."""
        return self._fernet.rotate(token)


_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt_hex, digest_hex = stored.split("$", 2)
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), dklen=32, **_SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex)


def new_api_token() -> str:
    return "clr_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
