"""The issuer's signing key and published keys, from the settings (see docs/interop.md)."""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from interop import credentials


def issuer_id() -> str:
    return f"{str(settings.PUBLIC_BASE_URL).rstrip('/')}/credentials/issuer"


@lru_cache(maxsize=4)
def _key(configured: str, secret: str) -> Ed25519PrivateKey:
    if configured:
        return credentials.private_key_from_text(configured)
    return credentials.private_key_from_secret(secret)


def signing_key() -> Ed25519PrivateKey:
    """BADGE_SIGNING_KEY, or (development only; a system check warns) a key derived from SECRET_KEY."""
    return _key(str(settings.BADGE_SIGNING_KEY or ""), str(settings.SECRET_KEY))


def method_id(public_key: Ed25519PublicKey) -> str:
    """A verification method id names its key: `<issuer>#<publicKeyMultibase>`."""
    return f"{issuer_id()}#{credentials.public_key_multibase(public_key)}"


def signing_method_id() -> str:
    return method_id(signing_key().public_key())


def published_keys() -> dict[str, Ed25519PublicKey]:
    """Verification method id -> key: the current key and every retired one still trusted."""
    keys = {signing_method_id(): signing_key().public_key()}
    for text in settings.BADGE_RETIRED_PUBLIC_KEYS:
        public = credentials.public_key_from_multibase(text)
        keys[method_id(public)] = public
    return keys
