"""Issued credentials checked by code nobody in this project wrote.

- Digital Bazaar's verifier (npm `@digitalbazaar/vc` with `@digitalbazaar/data-integrity`,
  `@digitalbazaar/eddsa-jcs-2022-cryptosuite` and `@digitalbazaar/vc-bitstring-status-list`), run
  by Node from interop/verifier/ (packages pinned in its package-lock.json; contexts served locally).
- 1EdTech's official JSON schema of the OB 3.0 AchievementCredential (tests/schemas/, see its README),
  with the `jsonschema` package.

The Node test is marked `outside_tools`: without Node or interop/verifier/node_modules it skips with
the reason, and FAILS under CI=true (.ci/run runs `npm ci` in interop/verifier first).
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from rest_framework.test import APIClient

from interop import credentials
from interop.models import Credential
from interop.services import credential_resign, credential_revoke

from .conftest import record_levels

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "interop" / "verifier"
SCHEMAS = ROOT / "tests" / "schemas"
BASE = "https://badges.example.jp"


def run_digital_bazaar(documents: dict[str, Any], named: dict[str, Any], tmp_path: Path) -> dict[str, dict[str, Any]]:
    """{name: {verified, error, status}} from interop/verifier/verify.mjs."""
    source = tmp_path / "input.json"
    source.write_text(
        json.dumps({"documents": documents, "credentials": [{"name": k, "credential": v} for k, v in named.items()]}),
        encoding="utf-8",
    )
    done = subprocess.run(
        ["node", str(VERIFIER / "verify.mjs"), str(source)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return {r["name"]: r for r in results}


def served(client: APIClient) -> dict[str, Any]:
    """What the project serves that a verifier dereferences: the issuer profile and the status list."""
    issuer = client.get("/credentials/issuer")
    status = client.get("/credentials/status/revocation")
    assert issuer.status_code == 200 and status.status_code == 200
    return {f"{BASE}/credentials/issuer": issuer.json(), f"{BASE}/credentials/status/revocation": status.json()}


@pytest.fixture(autouse=True)
def _public_base_url(settings: Any) -> None:
    settings.PUBLIC_BASE_URL = BASE  # before the credentials are issued (autouse fixtures run first)


@pytest.fixture
def two_credentials(world: Any, standard: Any) -> list[Credential]:
    record_levels(world.learner, {standard.skill_items.get(code="BT01"): 2})
    record_levels(world.other, {standard.skill_items.get(code="BT01"): 2})
    return list(Credential.objects.order_by("pk"))


@pytest.mark.outside_tools
@pytest.mark.django_db
def test_digital_bazaar_verifies_issued_credentials_and_rejects_tampered_and_revoked(
    two_credentials: list[Credential], tmp_path: Path
) -> None:
    kept, revoked = two_credentials
    credential_revoke(credential=revoked, reason="issued in error")
    tampered = copy.deepcopy(kept.document)
    tampered["credentialSubject"]["achievement"]["name"] = "偽物 レベル4"
    wrong_context = copy.deepcopy(kept.document)
    wrong_context["proof"][0].pop("@context")  # the defect of issue 22: the proof without its context
    client = APIClient()
    results = run_digital_bazaar(
        served(client),
        {
            "kept": kept.document,
            "tampered": tampered,
            "revoked": revoked.document,
            "proof_without_context": wrong_context,
        },
        tmp_path,
    )
    assert results["kept"]["verified"] is True, results["kept"]
    assert results["kept"]["status"] == {"checked": True, "revoked": False}
    assert results["tampered"]["verified"] is False
    assert "signature" in results["tampered"]["error"].lower() or "verif" in results["tampered"]["error"].lower()
    assert results["proof_without_context"]["verified"] is False
    # revoked: the proof is still good, and the status list (fetched, its own proof verified) reports the
    # credential revoked: Digital Bazaar's `statusResult` has the bit set
    assert results["revoked"]["verified"] is True
    assert results["revoked"]["status"] == {"checked": True, "revoked": True}
    print(json.dumps(results, ensure_ascii=False, indent=1))
    # and the project's own endpoint agrees
    answer = client.post("/api/v1/credentials/verify", revoked.document, format="json").json()
    assert answer["verified"] is False and any("revoked" in e for e in answer["errors"])
    # the issuer profile needs every term defined (safe mode): without the context that defines
    # assertionMethod and verificationMethod, the same credential fails
    documents = served(client)
    issuer = documents[f"{BASE}/credentials/issuer"]
    issuer["@context"] = [c for c in issuer["@context"] if isinstance(c, str)]
    undefined = run_digital_bazaar(documents, {"kept": kept.document}, tmp_path)
    assert undefined["kept"]["verified"] is False, undefined


@pytest.mark.outside_tools
@pytest.mark.django_db
def test_a_re_signed_legacy_credential_verifies_with_digital_bazaar(
    two_credentials: list[Credential], tmp_path: Path
) -> None:
    credential = two_credentials[0]
    legacy = _legacy_form(credential)
    credential.document, credential.status_index = legacy, None
    credential.save(update_fields=["document", "status_index"])
    client = APIClient()
    before = run_digital_bazaar(served(client), {"legacy": legacy}, tmp_path)
    assert before["legacy"]["verified"] is False  # what wallets saw before the fix
    assert client.post("/api/v1/credentials/verify", legacy, format="json").json()["verified"] is True
    assert credential_resign(credential=credential) is True
    credential.refresh_from_db()
    after = run_digital_bazaar(served(client), {"resigned": credential.document}, tmp_path)
    assert after["resigned"]["verified"] is True, after
    assert credential.document["id"] == legacy["id"]
    assert credential.document["credentialSubject"]["id"] == legacy["credentialSubject"]["id"]
    # the copy the learner downloaded before still verifies at the project's endpoint
    assert client.post("/api/v1/credentials/verify", legacy, format="json").json()["verified"] is True


def _legacy_form(credential: Credential) -> dict[str, Any]:
    """The credential as issued before issue 22: one proof object without @context, no status, no image."""
    from interop import keys

    document = copy.deepcopy(credential.document)
    document.pop("proof")
    document.pop("credentialStatus")
    document["credentialSubject"]["achievement"].pop("image")
    proof_config = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": document["validFrom"],
        "verificationMethod": keys.signing_method_id(),
        "proofPurpose": "assertionMethod",
        "@context": document["@context"],
    }
    signature = keys.signing_key().sign(credentials._hash_data(document, proof_config))
    proof = {k: v for k, v in proof_config.items() if k != "@context"}
    proof["proofValue"] = "z" + credentials.base58btc_encode(signature)
    return {**document, "proof": proof}


@pytest.mark.django_db
def test_issued_credentials_validate_against_the_official_ob30_schema(two_credentials: list[Credential]) -> None:
    schema = json.loads((SCHEMAS / "ob_v3p0_achievementcredential.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())
    for credential in two_credentials:
        errors = sorted(validator.iter_errors(credential.document), key=lambda e: list(e.absolute_path))
        assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []
    # the schema is not a formality: the pre-fix form (one proof object) fails it
    legacy = copy.deepcopy(two_credentials[0].document)
    legacy["proof"] = legacy["proof"][0]
    assert any(list(e.absolute_path) == ["proof"] for e in validator.iter_errors(legacy))


@pytest.mark.django_db
def test_status_list_flips_the_revoked_credentials_bit(two_credentials: list[Credential]) -> None:
    kept, revoked = two_credentials
    client = APIClient()

    def bit(credential: Credential) -> bool:
        encoded = client.get("/credentials/status/revocation").json()["credentialSubject"]["encodedList"]
        return credentials.bitstring_get(encoded, credential.status_index or 0)

    assert bit(kept) is False and bit(revoked) is False
    credential_revoke(credential=revoked, reason="issued in error")
    assert bit(kept) is False and bit(revoked) is True
    entry = revoked.document["credentialStatus"]
    assert entry["statusListCredential"] == f"{BASE}/credentials/status/revocation"
    assert entry["statusListIndex"] == str(revoked.status_index)


@pytest.mark.django_db
def test_achievement_ids_and_images_resolve(two_credentials: list[Credential]) -> None:
    client = APIClient()
    achievement = two_credentials[0].document["credentialSubject"]["achievement"]
    path = achievement["id"].removeprefix(BASE)
    answer = client.get(path)
    assert answer.status_code == 200 and answer.json()["name"] == achievement["name"]
    assert answer.json()["type"] == ["Achievement"]
    image = client.get(achievement["image"]["id"].removeprefix(BASE))
    assert image.status_code == 200 and image["Content-Type"].startswith("image/svg+xml")
    svg = image.content.decode()
    assert svg.startswith("<?xml") and "<svg" in svg and achievement["name"][:5] in svg
    assert client.get("/credentials/achievements/00000000-0000-4000-8000-000000000000").status_code == 404


@pytest.mark.django_db
def test_resign_command_is_idempotent(two_credentials: list[Credential], capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management import call_command

    credential = two_credentials[0]
    credential.document = _legacy_form(credential)
    credential.save(update_fields=["document"])
    call_command("resign_credentials", "--dry-run")
    assert "1 credential(s) would be re-signed, 1 already current." in capsys.readouterr().out
    call_command("resign_credentials")
    assert "1 credential(s) re-signed, 1 already current." in capsys.readouterr().out
    call_command("resign_credentials")
    assert "0 credential(s) re-signed, 2 already current." in capsys.readouterr().out
    credential.refresh_from_db()
    assert isinstance(credential.document["proof"], list) and "@context" in credential.document["proof"][0]


def test_library_encodings_give_the_bytes_of_credentials_already_issued() -> None:
    """rfc8785 and base58 replace the hand-written JCS and base58btc: a credential signed by the old code
    (tests data, with its canonical form as the old code wrote it) canonicalizes to the same bytes and
    still verifies, and the key's Multikey text is unchanged."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    data = json.loads((Path(__file__).parent / "data" / "legacy_credential.json").read_text(encoding="utf-8"))
    document = data["credential"]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    assert credentials.jcs(unsecured).decode() == data["jcs_of_credential_without_proof"]
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    assert credentials.public_key_multibase(key.public_key()) == data["publicKeyMultibase"]
    method = document["proof"]["verificationMethod"]
    assert credentials.credential_verify(document, public_keys={method: key.public_key()}) == []
    signature = credentials.base58btc_decode(document["proof"]["proofValue"][1:])
    assert "z" + credentials.base58btc_encode(signature) == document["proof"]["proofValue"]
