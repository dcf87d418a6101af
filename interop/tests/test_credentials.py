"""Open Badges 3.0: signing (eddsa-jcs-2022), issuing on completions and levels, access, verification."""

from __future__ import annotations

import copy
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import override_settings
from rest_framework.test import APIClient

from interop import credentials, keys
from interop.checks import badge_key_check, badge_key_deploy_check
from interop.models import Credential
from interop.services import credential_revoke, credentials_award
from learners.services import learner_account_delete

from .conftest import complete, record_levels

DOC = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "https://issuer.example/credentials/issuer", "type": ["Profile"], "name": "DX Pathways"},
    "name": "データ活用 レベル3",
    "credentialSubject": {"type": ["AchievementSubject"], "achievement": {"name": "x", "level": 3.5}},
}


def test_jcs_matches_rfc8785():
    # RFC 8785 section 3.2.2's example
    data = json.loads(
        '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],'
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert credentials.jcs(data).decode("utf-8") == expected
    # members sorted by UTF-16 code units (RFC 8785 section 3.2.3): U+20AC < U+1F600 (as D83D) < U+FB01
    assert credentials.jcs({"\ufb01": 1, "\U0001f600": 2, "\u20ac": 3}).decode() == '{"€":3,"😀":2,"ﬁ":1}'


def test_a_signed_badge_verifies_and_fails_once_tampered():
    key = Ed25519PrivateKey.generate()
    method = "https://issuer.example/credentials/issuer#key"
    signed = credentials.credential_sign(DOC, key=key, verification_method=method, created="2026-04-01T00:00:00Z")
    published = {method: key.public_key()}
    assert signed["proof"][0]["cryptosuite"] == "eddsa-jcs-2022"
    assert signed["proof"][0]["proofValue"].startswith("z")
    assert signed["proof"][0]["@context"] == DOC["@context"]  # emitted with the context it was signed with
    assert credentials.credential_verify(signed, public_keys=published) == []
    # member order does not matter (canonical form), a changed value does
    reordered = json.loads(json.dumps(signed, sort_keys=True))
    assert credentials.credential_verify(reordered, public_keys=published) == []
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["level"] = 4
    assert any("signature does not match" in e for e in credentials.credential_verify(tampered, public_keys=published))
    tampered = copy.deepcopy(signed)
    tampered["proof"][0]["created"] = "2027-01-01T00:00:00Z"
    assert credentials.credential_verify(tampered, public_keys=published)
    other = {method: Ed25519PrivateKey.generate().public_key()}
    assert credentials.credential_verify(signed, public_keys=other)
    assert credentials.credential_verify(signed, public_keys={}) == [
        "proof.verificationMethod: not a key of this issuer"
    ]


def test_keys_read_from_settings_and_multikey_round_trip():
    seed = bytes(range(32))
    import base64

    for text in (base64.b64encode(seed).decode(), seed.hex(), "z" + credentials.base58btc_encode(b"\x80\x26" + seed)):
        key = credentials.private_key_from_text(text)
        public = credentials.public_key_multibase(key.public_key())
        assert public.startswith("z6Mk")  # the usual prefix of an Ed25519 Multikey
        assert credentials.public_key_from_multibase(public).public_bytes_raw() == key.public_key().public_bytes_raw()
    with pytest.raises(credentials.KeyError_):
        credentials.private_key_from_text("c2hvcnQ=")


def test_key_checks():
    with override_settings(BADGE_SIGNING_KEY="", DEBUG=True):
        assert badge_key_check() == []
        assert [c.id for c in badge_key_deploy_check()] == ["interop.E003"]
    with override_settings(BADGE_SIGNING_KEY="not a key!"):
        assert [c.id for c in badge_key_check()] == ["interop.E001"]
    with override_settings(BADGE_SIGNING_KEY=bytes(range(32)).hex(), DEBUG=False):
        assert badge_key_check() == [] and badge_key_deploy_check() == []


@pytest.mark.django_db
def test_completing_a_track_issues_one_credential_aligned_to_the_role(world):
    complete(world, world.learner, world.optional, "opt-1")
    assert not Credential.objects.filter(learner=world.learner, kind="track").exists()  # optional does not count
    complete(world, world.learner, world.course, "req-1")
    (credential,) = Credential.objects.filter(learner=world.learner, kind="track")
    document = credential.document
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["@context"][1] == "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    (alignment,) = document["credentialSubject"]["achievement"]["alignment"]
    assert alignment["targetType"] == "CFItem" and alignment["targetCode"] == "DS_PRO"
    assert "/ims/case/v1p1/CFItems/" in alignment["targetUrl"]
    assert str(world.learner.public_id) not in json.dumps(document)  # the subject is a pseudonym
    assert credentials.credential_verify(document, public_keys=keys.published_keys()) == []
    # again: a duplicate event, another award run: never a second badge
    complete(world, world.learner, world.course, "req-2")
    credentials_award(learner_id=world.learner.pk)
    assert Credential.objects.filter(learner=world.learner, kind="track").count() == 1
    assert not Credential.objects.filter(learner=world.other).exists()


@pytest.mark.django_db
def test_reaching_the_target_level_issues_a_credential_for_the_item(world, standard):
    bt01 = standard.skill_items.get(code="BT01")  # DS_PRO needs grade c: proficiency 2
    record_levels(world.learner, {bt01: 1})
    assert not Credential.objects.filter(learner=world.learner).exists()
    record_levels(world.learner, {bt01: 2})
    (credential,) = Credential.objects.filter(learner=world.learner)
    assert credential.kind == "item_level" and credential.level == 2 and credential.skill_item == bt01
    (alignment,) = credential.document["credentialSubject"]["achievement"]["alignment"]
    path = alignment["targetUrl"].split("localhost:8000", 1)[1]
    assert APIClient().get(path).json()["humanCodingScheme"] == "BT01"  # the alignment resolves
    record_levels(world.learner, {bt01: 3})
    assert Credential.objects.filter(learner=world.learner).count() == 1


@pytest.mark.django_db
def test_learners_see_only_their_own_credentials_and_share_links(world, standard):
    record_levels(world.learner, {standard.skill_items.get(code="BT01"): 2})
    credential = Credential.objects.get(learner=world.learner)
    mine, theirs = APIClient(), APIClient()
    mine.force_authenticate(world.learner.user)
    theirs.force_authenticate(world.other.user)
    assert [c["id"] for c in mine.get("/api/v1/me/credentials/").json()] == [str(credential.public_id)]
    assert theirs.get("/api/v1/me/credentials/").json() == []
    own_url = f"/api/v1/me/credentials/{credential.public_id}"
    download = mine.get(own_url)
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert theirs.get(own_url).status_code == 404
    assert theirs.patch(own_url, {"shared": True}, format="json").status_code == 404
    public = f"/api/v1/credentials/{credential.public_id}"
    assert APIClient().get(public).status_code == 404  # not shared yet
    assert mine.get(public).status_code == 200  # its learner may look
    assert mine.patch(own_url, {"shared": "maybe"}, format="json").status_code == 400
    assert mine.patch(own_url, {"shared": True}, format="json").json()["shared"] is True
    assert APIClient().get(public).status_code == 200
    page = APIClient().get(f"/credentials/{credential.public_id}", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and "BT01" in page.content.decode()


@pytest.mark.django_db
def test_verification_endpoint(world, standard):
    record_levels(world.learner, {standard.skill_items.get(code="BT01"): 2})
    credential = Credential.objects.get(learner=world.learner)
    client = APIClient()
    assert client.post("/api/v1/credentials/verify", credential.document, format="json").json() == {
        "verified": True,
        "errors": [],
    }
    wrapped = client.post("/api/v1/credentials/verify", {"credential": credential.document}, format="json")
    assert wrapped.json()["verified"] is True
    tampered = copy.deepcopy(credential.document)
    tampered["name"] = "偽物"
    answer = client.post("/api/v1/credentials/verify", tampered, format="json").json()
    assert answer["verified"] is False and answer["errors"]
    assert client.post("/api/v1/credentials/verify", [], format="json").status_code == 400
    credential_revoke(credential=credential, reason="issued in error")
    answer = client.post("/api/v1/credentials/verify", credential.document, format="json").json()
    assert answer["verified"] is False and "revoked" in answer["errors"][0]
    issuer = client.get("/credentials/issuer").json()
    assert issuer["verificationMethod"][0]["type"] == "Multikey"
    assert issuer["verificationMethod"][0]["id"] == credential.document["proof"][0]["verificationMethod"]


@pytest.mark.django_db
def test_a_retired_key_still_verifies_after_rotation(world, standard):
    record_levels(world.learner, {standard.skill_items.get(code="BT01"): 2})
    document = Credential.objects.get(learner=world.learner).document
    old_public = credentials.public_key_multibase(keys.signing_key().public_key())
    new_seed = bytes(range(1, 33)).hex()
    client = APIClient()
    with override_settings(BADGE_SIGNING_KEY=new_seed):
        assert client.post("/api/v1/credentials/verify", document, format="json").json()["verified"] is False
    with override_settings(BADGE_SIGNING_KEY=new_seed, BADGE_RETIRED_PUBLIC_KEYS=[old_public]):
        assert client.post("/api/v1/credentials/verify", document, format="json").json()["verified"] is True


@pytest.mark.django_db
def test_erasure_deletes_the_learners_credentials(world, standard):
    record_levels(world.learner, {standard.skill_items.get(code="BT01"): 2})
    assert Credential.objects.filter(learner=world.learner).exists()
    learner_account_delete(learner=world.learner)
    assert not Credential.objects.exists()


@pytest.mark.django_db
def test_my_credentials_page(world, standard, client):
    record_levels(world.learner, {standard.skill_items.get(code="BT01"): 2})
    credential = Credential.objects.get(learner=world.learner)
    client.force_login(world.learner.user)
    page = client.get("/me/credentials/")
    assert page.status_code == 200 and credential.name in page.content.decode()
    download = client.get(f"/me/credentials/{credential.public_id}/download")
    assert json.loads(download.content)["proof"][0]["type"] == "DataIntegrityProof"
    assert client.post(f"/me/credentials/{credential.public_id}/share", {"shared": "1"}).status_code == 302
    credential.refresh_from_db()
    assert credential.shared
    client.force_login(world.other.user)
    assert client.get(f"/me/credentials/{credential.public_id}/download").status_code == 404
    assert client.post(f"/me/credentials/{credential.public_id}/share", {"shared": "0"}).status_code == 404


@pytest.mark.django_db
def test_the_learners_data_export_holds_their_credentials(world, standard):
    from learners.selectors import learner_data_export

    record_levels(world.learner, {standard.skill_items.get(code="BT01"): 2})
    data = learner_data_export(learner=world.learner)
    (exported,) = data["credentials"]
    assert exported["document"]["proof"][0]["cryptosuite"] == "eddsa-jcs-2022"
    assert data["xapi_statements_out"] == []


@pytest.mark.django_db
def test_award_credentials_command_issues_what_was_earned_before(world, standard, capsys):
    from django.core.management import call_command

    from learners.services import skill_assessments_record

    skill_assessments_record(learner=world.learner, levels={standard.skill_items.get(code="BT01"): 2})
    assert not Credential.objects.exists()  # what waits for the commit did not run here
    call_command("award_credentials")
    call_command("award_credentials", "--learner", str(world.learner.public_id))
    assert Credential.objects.filter(learner=world.learner).count() == 1
    assert "0 credential(s) issued." in capsys.readouterr().out


@pytest.mark.django_db
def test_staff_revoke_a_credential_in_the_admin(world, standard, admin_client):
    record_levels(world.learner, {standard.skill_items.get(code="BT01"): 2})
    credential = Credential.objects.get(learner=world.learner)
    assert admin_client.get("/admin/interop/credential/").status_code == 200
    response = admin_client.post(
        "/admin/interop/credential/", {"action": "revoke", "_selected_action": [credential.pk]}, follow=True
    )
    assert response.status_code == 200
    credential.refresh_from_db()
    assert credential.revoked_at is not None
    assert admin_client.get(f"/admin/interop/credential/{credential.pk}/change/").status_code == 200  # view only
    assert admin_client.get("/admin/interop/xapistatementout/").status_code == 200
    assert admin_client.get("/admin/interop/xapistatementin/").status_code == 200
