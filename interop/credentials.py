"""Signing and verifying Open Badges 3.0 credentials (plain Python, no Django).

The proof is a W3C Data Integrity proof with cryptosuite `eddsa-jcs-2022`
(https://www.w3.org/TR/vc-di-eddsa/#eddsa-jcs-2022):

1. the proof configuration is the proof without `proofValue`, with the document's `@context` (which
   the emitted proof keeps: it is part of what was signed);
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
import gzip
import hashlib
from typing import Any

import base58
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CRYPTOSUITE = "eddsa-jcs-2022"
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"


class KeyError_(ValueError):
    """A key in the settings cannot be read."""


# --- RFC 8785 (JCS) and multibase base58btc: maintained packages ------------------------------


def jcs(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value (the `rfc8785` package)."""
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise ValueError(str(exc)) from None


def base58btc_encode(data: bytes) -> str:
    """Base58 with the Bitcoin alphabet, which is multibase's base58btc (the `base58` package)."""
    return base58.b58encode(data).decode("ascii")


def base58btc_decode(text: str) -> bytes:
    try:
        return base58.b58decode(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValueError(f"not base58btc: {exc}") from None


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


# --- W3C Bitstring Status List ---------------------------------------------------------------

STATUS_LIST_MIN_BITS = 131072  # 16 KiB: the specification's minimum, for group privacy


def bitstring_encode(indices: set[int] | list[int], *, length: int) -> str:
    """The `encodedList` of a Bitstring Status List: bit i set for each index (bit 0 is the
    left-most bit of the first byte), GZIP-compressed, base64url without padding, multibase `u`."""
    length = max(length, STATUS_LIST_MIN_BITS)
    length += -length % 8
    data = bytearray(length // 8)
    for index in indices:
        if not 0 <= index < length:
            raise ValueError(f"status list index {index} is outside the list (0..{length - 1})")
        data[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(data), mtime=0)  # mtime 0: the same list gives the same bytes
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def bitstring_get(encoded: str, index: int) -> bool:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (starting with 'u')")
    body = encoded[1:]
    data = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return bool(data[index // 8] & (0x80 >> (index % 8)))


# --- eddsa-jcs-2022 --------------------------------------------------------------------------


def _hash_data(document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    return hashlib.sha256(jcs(proof_config)).digest() + hashlib.sha256(jcs(document)).digest()


def credential_sign(
    document: dict[str, Any], *, key: Ed25519PrivateKey, verification_method: str, created: str
) -> dict[str, Any]:
    """The document with a DataIntegrityProof (eddsa-jcs-2022) added; the input is not changed.

    The proof carries the document's `@context` (the cryptosuite's "Add Proof" step 2: it is part of
    what is signed and of what is emitted), and `proof` is an array, as the OB 3.0 schema requires."""
    unsecured = copy.deepcopy(document)
    unsecured.pop("proof", None)
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    if "@context" in unsecured:
        proof["@context"] = copy.deepcopy(unsecured["@context"])
    signature = key.sign(_hash_data(unsecured, proof))
    proof["proofValue"] = "z" + base58btc_encode(signature)
    return {**unsecured, "proof": [proof]}


def is_legacy(document: Any) -> bool:
    """Signed before issue 22: one proof object, emitted without the `@context` it was signed with."""
    if not isinstance(document, dict):
        return False
    proof = document.get("proof")
    return isinstance(proof, dict) and "@context" not in proof


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


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
    candidates: list[tuple[dict[str, Any], dict[str, Any]]] = []
    if "@context" in proof_config:
        # eddsa-jcs-2022 "Verify Proof" step 4: the document's @context starts with the proof's.
        proof_context, document_context = _as_list(proof_config["@context"]), _as_list(unsecured.get("@context"))
        if document_context[: len(proof_context)] != proof_context:
            return ["proof.@context: the credential's @context does not start with it"]
        candidates.append(({**unsecured, "@context": proof_config["@context"]}, proof_config))
    else:
        candidates.append((unsecured, proof_config))
        if "@context" in unsecured:
            # Issued before issue 22: signed with the document's @context in the proof options, which
            # were then emitted without it.  Such credentials still verify here (and are re-signed by
            # `manage.py resign_credentials`).
            candidates.append((unsecured, {**proof_config, "@context": unsecured["@context"]}))
    try:
        for candidate_document, candidate_proof in candidates:
            try:
                key.verify(signature, _hash_data(candidate_document, candidate_proof))
                return []
            except InvalidSignature:
                continue
    except (TypeError, ValueError) as exc:
        return [f"credential: cannot be canonicalized: {exc}"]
    return ["proof.proofValue: the signature does not match the credential (changed after signing?)"]
