"""Signing and verifying Open Badges 3.0 credentials (plain Python, no Django).

The proof is a W3C Data Integrity proof with cryptosuite `eddsa-jcs-2022`
(https://www.w3.org/TR/vc-di-eddsa/#eddsa-jcs-2022):

1. the proof configuration is the proof without `proofValue`, with the document's `@context`;
2. both the document without `proof` and the proof configuration are canonicalized with the JSON
   Canonicalization Scheme (RFC 8785, `jcs`);
3. the signed bytes are SHA-256(canonical proof configuration) + SHA-256(canonical document);
4. the Ed25519 signature is `proofValue`, multibase base58btc (a leading `z`).

The public key is published as a `Multikey` (multicodec 0xed01 + 32 bytes, base58btc).
"""

from __future__ import annotations

import base64
import binascii
import copy
import decimal
import hashlib
import json
import math
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CRYPTOSUITE = "eddsa-jcs-2022"
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class KeyError_(ValueError):
    """A key in the settings cannot be read."""


# --- RFC 8785: JSON Canonicalization Scheme ------------------------------------------------


def _number(value: float) -> str:
    """ECMAScript Number.prototype.toString, which RFC 8785 prescribes for numbers."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError("NaN and Infinity are not JSON")
    if value == 0:
        return "0"
    # repr gives the shortest digits that round-trip, as ECMAScript does: value = 0.<digits> x 10^n.
    _sign, digit_tuple, exponent = decimal.Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    k, n = len(digits), len(digits) + int(exponent)
    sign = "-" if value < 0 else ""
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return f"{sign}{digits[:n]}.{digits[n:]}"
    if -6 < n <= 0:
        return f"{sign}0.{'0' * -n}{digits}"
    mantissa = digits[0] + (f".{digits[1:]}" if k > 1 else "")
    return f"{sign}{mantissa}e{'+' if n - 1 > 0 else '-'}{abs(n - 1)}"


def _serialize(value: Any, out: list[str]) -> None:
    if value is None or value is True or value is False:
        out.append(json.dumps(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, str):
        # Python escapes exactly what ECMAScript's JSON.stringify does (", \, control characters).
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, element in enumerate(value):
            if index:
                out.append(",")
            _serialize(element, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        # Members sorted by their names as UTF-16 code units.
        for index, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be"))):
            if not isinstance(key, str):
                raise TypeError("object member names must be strings")
            if index:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _serialize(value[key], out)
        out.append("}")
    else:
        raise TypeError(f"{type(value).__name__} is not JSON")


def jcs(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value."""
    out: list[str] = []
    _serialize(value, out)
    return "".join(out).encode("utf-8")


# --- multibase / multikey --------------------------------------------------------------------


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    while number:
        number, rem = divmod(number, 58)
        chars.append(_B58[rem])
    leading = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading + "".join(reversed(chars))


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = _B58.find(char)
        if index < 0:
            raise ValueError(f"{char!r} is not a base58btc character")
        number = number * 58 + index
    leading = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading + body


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    """An Ed25519 key from a 32-byte seed: base64 (standard or URL-safe), hex, or multibase `z...`."""
    text = text.strip()
    seed: bytes | None = None
    try:
        if text.startswith("z"):
            raw = base58btc_decode(text[1:])
            seed = raw[2:] if raw[:2] == ED25519_PRIV_PREFIX else raw
        elif len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text):
            seed = bytes.fromhex(text)
        else:
            padded = text + "=" * (-len(text) % 4)
            seed = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
    except (ValueError, binascii.Error) as exc:
        raise KeyError_(f"not base64, hex or multibase: {exc}") from None
    if len(seed) != 32:
        raise KeyError_(f"an Ed25519 seed has 32 bytes, this one has {len(seed)}")
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key_from_secret(secret: str) -> Ed25519PrivateKey:
    """A deterministic development key derived from another secret (never for production)."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"dxp-badge-dev-key:{secret}".encode()).digest())


def public_key_multibase(key: Ed25519PublicKey) -> str:
    return "z" + base58btc_encode(ED25519_PUB_PREFIX + key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    if not isinstance(text, str) or not text.startswith("z"):
        raise ValueError("publicKeyMultibase must start with 'z' (base58btc)")
    raw = base58btc_decode(text[1:])
    if raw[:2] != ED25519_PUB_PREFIX or len(raw) != 34:
        raise ValueError("publicKeyMultibase is not an Ed25519 public key (multicodec 0xed01)")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


# --- eddsa-jcs-2022 --------------------------------------------------------------------------


def _hash_data(document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    return hashlib.sha256(jcs(proof_config)).digest() + hashlib.sha256(jcs(document)).digest()


def credential_sign(
    document: dict[str, Any], *, key: Ed25519PrivateKey, verification_method: str, created: str
) -> dict[str, Any]:
    """The document with a DataIntegrityProof (eddsa-jcs-2022) added; the input is not changed."""
    unsecured = copy.deepcopy(document)
    unsecured.pop("proof", None)
    proof_config: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    if "@context" in unsecured:
        proof_config["@context"] = unsecured["@context"]
    signature = key.sign(_hash_data(unsecured, proof_config))
    proof = {k: v for k, v in proof_config.items() if k != "@context"}
    proof["proofValue"] = "z" + base58btc_encode(signature)
    return {**unsecured, "proof": proof}


def credential_verify(document: Any, *, public_keys: dict[str, Ed25519PublicKey]) -> list[str]:
    """Problems with a signed document ([] means the proof verifies).

    `public_keys` maps verification method ids (the issuer's published keys) to keys.
    """
    if not isinstance(document, dict):
        return ["credential: must be a JSON object"]
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        return ["proof: missing (one DataIntegrityProof is expected)"]
    errors = []
    if proof.get("type") != "DataIntegrityProof":
        errors.append("proof.type: must be DataIntegrityProof")
    if proof.get("cryptosuite") != CRYPTOSUITE:
        errors.append(f"proof.cryptosuite: must be {CRYPTOSUITE}")
    if proof.get("proofPurpose") != "assertionMethod":
        errors.append("proof.proofPurpose: must be assertionMethod")
    method = proof.get("verificationMethod")
    key = public_keys.get(method) if isinstance(method, str) else None
    if key is None:
        errors.append("proof.verificationMethod: not a key of this issuer")
    value = proof.get("proofValue")
    signature = b""
    if not isinstance(value, str) or not value.startswith("z"):
        errors.append("proof.proofValue: must be multibase base58btc (starting with 'z')")
    else:
        try:
            signature = base58btc_decode(value[1:])
        except ValueError as exc:
            errors.append(f"proof.proofValue: {exc}")
    if errors or key is None:
        return errors
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    proof_config = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in proof_config and proof_config["@context"] != unsecured.get("@context"):
        return ["proof.@context: differs from the credential's @context"]
    if "@context" in unsecured:
        proof_config["@context"] = unsecured["@context"]
    try:
        key.verify(signature, _hash_data(unsecured, proof_config))
    except InvalidSignature:
        return ["proof.proofValue: the signature does not match the credential (changed after signing?)"]
    except (TypeError, ValueError) as exc:
        return [f"credential: cannot be canonicalized: {exc}"]
    return []
