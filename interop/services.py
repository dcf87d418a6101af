"""Writes for interoperability: CASE import, credentials (issue, share, revoke), the xAPI outbox."""

from __future__ import annotations

import base64
import copy
import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from courses.models import Course
from interop import case_format, credentials, keys, xapi_validate
from interop.models import Credential, XapiStatementOut
from interop.selectors import achievement_credential, case_item_uri, credential_by_url, public_base_url
from learners.models import Enrollment, EnrollmentStatus, LearnerProfile, SkillAssessment, TrackAssignment
from learners.selectors import current_levels_of
from skills.dss_fixture import parse_fixture
from skills.models import RoleSkillRequirement, SkillItem, StandardVersion
from skills.selectors import grade_targets
from skills.services import LoadReport, standard_load

logger = logging.getLogger(__name__)
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SUBJECT_NAMESPACE = uuid.UUID("0d7c5b1e-8f0a-5c36-b1e2-7a4f6d2c9e10")
XAPI_VERSION = "1.0.3"
VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VERB_SCORED = "http://adlnet.gov/expapi/verbs/scored"
STATEMENT_NAMESPACE = uuid.UUID("5a0c8e2b-3d1f-5b7a-9c4e-2f6a8b1d3e57")
STATUS_LIST_PATH = "/credentials/status/revocation"


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- CASE import ------------------------------------------------------------------------


@transaction.atomic
def case_package_import(
    *, package: Any, version: str, source: str = "<CASE package>", make_current: bool = False
) -> LoadReport:
    """Load a CASE package as a NEW standard version through the standard's own loader.

    Validate-then-write, all in one transaction: CaseError / FixtureError name the field path and
    nothing is stored.  An existing version code is refused (a version keeps its content).
    """
    if StandardVersion.objects.filter(code=version).exists():
        raise case_format.CaseError(source, [case_format.CaseIssue("version", f"{version!r} already exists")])
    data = case_format.package_to_fixture(package, version=version, source=source)
    # The package decides how many items it has; parse_fixture still checks every reference and that
    # each role has a grade for each skill item.
    fixture = parse_fixture(data, source=source, expected_counts={})
    report = standard_load(fixture=fixture, make_current=make_current)
    audit_record(
        action=AuditAction.IMPORT,
        event="standard.case_import",
        object_type="skills.standardversion",
        object_id=version,
        detail={"changed": report.changed},
    )
    return report


# --- credentials ------------------------------------------------------------------------


def issuer_profile() -> dict[str, Any]:
    return {
        "id": keys.issuer_id(),
        "type": ["Profile"],
        "name": str(settings.BADGE_ISSUER_NAME),
        "url": public_base_url() + "/",
    }


def _subject_id(learner: LearnerProfile) -> str:
    """A pseudonym for the learner in credentials (never their e-mail or database id)."""
    return f"urn:uuid:{uuid.uuid5(SUBJECT_NAMESPACE, str(learner.public_id))}"


@dataclass(frozen=True)
class AchievementSpec:
    kind: str
    key: str
    name: str
    description: str
    criteria: str
    achievement_type: str
    alignments: list[dict[str, Any]]
    track_id: int | None = None
    skill_item_id: int | None = None
    level: int | None = None


def achievement_url(achievement_uuid: uuid.UUID | str) -> str:
    return f"{public_base_url()}/credentials/achievements/{achievement_uuid}"


def status_list_url() -> str:
    return f"{public_base_url()}{STATUS_LIST_PATH}"


def _secure(document: dict[str, Any], *, credential: Credential, now: datetime) -> dict[str, Any]:
    """The document with its status entry, the achievement's id and image, signed now."""
    unsecured = copy.deepcopy(document)
    unsecured.pop("proof", None)
    unsecured["credentialStatus"] = {
        "id": f"{status_list_url()}#{credential.status_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(credential.status_index),
        "statusListCredential": status_list_url(),
    }
    achievement = unsecured["credentialSubject"]["achievement"]
    achievement["id"] = achievement_url(str(credential.achievement_uuid))
    achievement["image"] = {
        "id": f"{achievement_url(str(credential.achievement_uuid))}/image.svg",
        "type": "Image",
        "caption": str(achievement.get("name", "")),
    }
    return credentials.credential_sign(
        unsecured, key=keys.signing_key(), verification_method=keys.signing_method_id(), created=_iso(now)
    )


def credential_issue(*, learner: LearnerProfile, spec: AchievementSpec, now: datetime | None = None) -> Credential:
    """Sign and store the credential for an achievement; idempotent (one per learner and achievement)."""
    existing = Credential.objects.filter(learner=learner, achievement_key=spec.key).first()
    if existing:
        return existing
    now = now or timezone.now()
    public_id = uuid.uuid4()
    document = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"{public_base_url()}/credentials/{public_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(),
        "validFrom": _iso(now),
        "name": spec.name,
        "credentialSubject": {
            "id": _subject_id(learner),
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "",
                "type": ["Achievement"],
                "achievementType": spec.achievement_type,
                "name": spec.name,
                "description": spec.description,
                "criteria": {"narrative": spec.criteria},
                "inLanguage": "ja",
                "alignment": spec.alignments,
            },
        },
    }
    try:
        with transaction.atomic():
            credential = Credential.objects.create(
                public_id=public_id,
                learner=learner,
                kind=spec.kind,
                achievement_key=spec.key,
                achievement_uuid=uuid.uuid5(SUBJECT_NAMESPACE, spec.key),
                track_id=spec.track_id,
                skill_item_id=spec.skill_item_id,
                level=spec.level,
                name=spec.name[:300],
                document={},
                issued_at=now,
            )
            # Its bit in the revocation list is its primary key: unique, known once the row exists.
            credential.status_index = credential.pk
            credential.document = _secure(document, credential=credential, now=now)
            credential.save(update_fields=["status_index", "document"])
            return credential
    except IntegrityError:  # issued concurrently: the unique (learner, achievement) kept the other one
        return Credential.objects.get(learner=learner, achievement_key=spec.key)


def credential_resign(*, credential: Credential, now: datetime | None = None) -> bool:
    """Re-sign a credential issued before issue 22 (proof without its @context, no status, no image).

    Idempotent: a credential already in the current form is left alone (returns False).  The id,
    subject, achievement and validFrom stay; what the learner downloaded before still verifies at
    /api/v1/credentials/verify (`credentials.credential_verify` accepts the old form)."""
    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=credential.pk)
        document = credential.document
        current = (
            not credentials.is_legacy(document)
            and isinstance(document.get("proof"), list)
            and "credentialStatus" in document
            and credential.status_index is not None
        )
        if current:
            return False
        credential.status_index = credential.status_index if credential.status_index is not None else credential.pk
        if credential.achievement_uuid is None:
            credential.achievement_uuid = uuid.uuid5(SUBJECT_NAMESPACE, credential.achievement_key)
        credential.document = _secure(document, credential=credential, now=now or timezone.now())
        credential.save(update_fields=["status_index", "achievement_uuid", "document"])
    return True


def revocation_status_list() -> dict[str, Any]:
    """The signed BitstringStatusListCredential for revocation: bit `status_index` of each revoked credential.

    Built from the database on each request, so revoking a credential flips its bit at once; the same
    revocations give the same bytes (validFrom is the last revocation, or the first issue)."""
    url = status_list_url()
    rows = Credential.objects.aggregate(
        top=Max("status_index"), last_revoked=Max("revoked_at"), first_issued=Min("issued_at")
    )
    revoked = {
        int(index)
        for index in Credential.objects.filter(revoked_at__isnull=False, status_index__isnull=False).values_list(
            "status_index", flat=True
        )
        if index is not None
    }
    when = rows["last_revoked"] or rows["first_issued"] or datetime(2026, 1, 1, tzinfo=UTC)
    document = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": keys.issuer_id(),
        "validFrom": _iso(when),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": credentials.bitstring_encode(revoked, length=(rows["top"] or 0) + 1),
        },
    }
    return credentials.credential_sign(
        document, key=keys.signing_key(), verification_method=keys.signing_method_id(), created=_iso(when)
    )


def achievement_document(*, achievement_uuid: uuid.UUID) -> dict[str, Any] | None:
    """The Achievement an `achievement.id` names (JSON-LD), from the newest credential that holds it."""
    credential = achievement_credential(achievement_uuid=achievement_uuid)
    if credential is None:
        return None
    achievement = copy.deepcopy(credential.document.get("credentialSubject", {}).get("achievement", {}))
    achievement["id"] = achievement_url(achievement_uuid)
    achievement.setdefault(
        "image", {"id": f"{achievement_url(achievement_uuid)}/image.svg", "type": "Image", "caption": credential.name}
    )
    return {"@context": [VC_CONTEXT, OB_CONTEXT], **achievement}


def _alignment(*, name: str, url: str, code: str, framework: str) -> dict[str, Any]:
    return {
        "type": ["Alignment"],
        "targetType": "CFItem",
        "targetName": name,
        "targetUrl": url,
        "targetCode": code,
        "targetFramework": framework,
    }


def _track_specs(learner: LearnerProfile) -> list[AchievementSpec]:
    """Assigned tracks whose required courses the learner has all completed."""
    completed = set(
        Enrollment.objects.filter(learner=learner, status=EnrollmentStatus.COMPLETED).values_list(
            "course_id", flat=True
        )
    )
    specs = []
    assignments = TrackAssignment.objects.filter(learner=learner).select_related(
        "track__organization", "track__target_role__version"
    )
    for assignment in assignments:
        track = assignment.track
        required = set(track.items.filter(required=True).values_list("course_id", flat=True))
        if not required or not required <= completed:
            continue
        alignments = []
        role = track.target_role
        if role is not None:
            alignments.append(
                _alignment(
                    name=role.name_ja,
                    url=case_item_uri(version=role.version, kind="Role", code=role.code),
                    code=role.code,
                    framework=role.version.name_ja,
                )
            )
        specs.append(
            AchievementSpec(
                kind=Credential.Kind.TRACK,
                key=f"track:{track.pk}",
                name=f"{track.name}（{track.organization.name}）",
                description=track.description or f"Completed the track {track.name} of {track.organization.name}.",
                criteria=f"必須講座 {len(required)} 件をすべて修了 / completed all {len(required)} required courses",
                achievement_type="LearningProgram",
                alignments=alignments,
                track_id=track.pk,
            )
        )
    return specs


def _level_specs(learner: LearnerProfile) -> list[AchievementSpec]:
    """Items of the target role whose target proficiency the learner's current level reaches."""
    role = learner.target_role
    if role is None:
        return []
    version = role.version
    targets = grade_targets(version=version)
    levels = current_levels_of(learner_ids=[learner.pk]).get(learner.pk, {})
    specs = []
    for req in (
        RoleSkillRequirement.objects.filter(role=role).select_related("skill_item").order_by("skill_item__position")
    ):
        target = targets.get(req.grade, 0)
        current = levels.get(req.skill_item_id)
        if target <= 0 or current is None or current.level < target:
            continue
        item = req.skill_item
        specs.append(
            AchievementSpec(
                kind=Credential.Kind.ITEM_LEVEL,
                key=f"item:{version.code}:{item.code}:{target}",
                name=f"{item.name_ja} レベル{target}",
                description=f"{item.name_en}: proficiency {target} of 4 ({version.name_en}).",
                criteria=f"現在のレベルが目標 {target} に到達 / current level reached the target {target}",
                achievement_type="Competency",
                alignments=[
                    _alignment(
                        name=item.name_ja,
                        url=case_item_uri(version=version, kind="SkillItem", code=item.code),
                        code=item.code,
                        framework=version.name_ja,
                    )
                ],
                skill_item_id=item.pk,
                level=target,
            )
        )
    return specs


def credentials_award(*, learner_id: int) -> list[Credential]:
    """Issue every credential the learner has earned and does not hold yet; idempotent."""
    learner = LearnerProfile.objects.filter(pk=learner_id).select_related("target_role__version").first()
    if learner is None:
        return []
    held = set(Credential.objects.filter(learner=learner).values_list("achievement_key", flat=True))
    issued = []
    for spec in [*_track_specs(learner), *_level_specs(learner)]:
        if spec.key not in held:
            issued.append(credential_issue(learner=learner, spec=spec))
    return issued


def credential_share_set(*, credential: Credential, shared: bool) -> Credential:
    if credential.shared != shared:
        credential.shared = shared
        credential.save(update_fields=["shared"])
    return credential


def credential_revoke(*, credential: Credential, reason: str) -> Credential:
    """Revoked credentials still verify cryptographically but the verification endpoint reports them."""
    if credential.revoked_at is None:
        credential.revoked_at, credential.revocation_reason = timezone.now(), reason[:200]
        credential.save(update_fields=["revoked_at", "revocation_reason"])
    return credential


def credential_verify(*, document: Any) -> dict[str, Any]:
    """{verified, errors}: the proof against this issuer's published keys, the issuer, revocation."""
    errors = credentials.credential_verify(document, public_keys=keys.published_keys())
    if isinstance(document, dict):
        types = document.get("type")
        if not isinstance(types, list) or "OpenBadgeCredential" not in types:
            errors.append("type: must include OpenBadgeCredential")
        issuer = document.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if issuer_id != keys.issuer_id():
            errors.append(f"issuer: not this issuer ({keys.issuer_id()})")
        stored = credential_by_url(credential_id=str(document.get("id", "")))
        if stored is not None and stored.revoked_at is not None:
            errors.append(f"credentialStatus: revoked on {_iso(stored.revoked_at)} ({stored.revocation_reason})")
    return {"verified": not errors, "errors": errors}


# --- xAPI out ---------------------------------------------------------------------------


def xapi_enabled() -> bool:
    return bool(settings.XAPI_LRS_ENDPOINT)


def _actor(learner: LearnerProfile) -> dict[str, Any]:
    """The learner's pseudonymous account: this service's home page and their public id."""
    return {"objectType": "Agent", "account": {"homePage": public_base_url() + "/", "name": str(learner.public_id)}}


def _outbox_add(rows: list[XapiStatementOut]) -> None:
    if not rows:
        return
    XapiStatementOut.objects.bulk_create(rows, ignore_conflicts=True)  # the statement id decides
    ids = [str(r.statement_id) for r in rows]
    transaction.on_commit(lambda: _enqueue_send(ids))


def _enqueue_send(statement_ids: list[str]) -> None:
    from common.queue import enqueue
    from interop.tasks import xapi_statement_send_task

    for statement_id in statement_ids:
        enqueue(xapi_statement_send_task, statement_id=statement_id)


def _statement_row(
    *, learner: LearnerProfile, key: str, verb: tuple[str, str, str], activity: dict[str, Any], **rest: Any
) -> XapiStatementOut:
    """An outbox row; the statement id is a UUID5 of what it reports, so a fact always has the same id.

    `verb` is (id, English display, Japanese display); `activity` holds id, type and bilingual name."""
    statement_id = uuid.uuid5(STATEMENT_NAMESPACE, f"{key}/{learner.public_id}")
    statement = {
        "id": str(statement_id),
        "actor": _actor(learner),
        "verb": {"id": verb[0], "display": {"en-US": verb[1], "ja-JP": verb[2]}},
        "object": {
            "objectType": "Activity",
            "id": activity["id"],
            "definition": {"type": activity["type"], "name": {"ja-JP": activity["ja"], "en-US": activity["en"]}},
        },
        **rest,
    }  # no `version`: the LRS sets it (xAPI 1.0.3, part 2, 2.4.10: a producer should not)
    return XapiStatementOut(
        statement_id=statement_id, learner=learner, statement=statement, next_attempt_at=timezone.now()
    )


def xapi_completions_record(*, completions: list[tuple[int, int, datetime]]) -> int:
    """Outbox statements `completed` for new course completions (no-op when no LRS is configured)."""
    if not xapi_enabled() or not completions:
        return 0
    learners = LearnerProfile.objects.in_bulk({lid for lid, _c, _w in completions})
    courses = Course.objects.in_bulk({cid for _l, cid, _w in completions})
    rows = []
    for learner_id, course_id, when in completions:
        course = courses[course_id]
        activity = {
            "id": course.url or f"{public_base_url()}/courses/{course.pk}/",
            "type": "http://adlnet.gov/expapi/activities/course",
            "ja": course.title_ja or course.title_en,
            "en": course.title_en or course.title_ja,
        }
        rows.append(
            _statement_row(
                learner=learners[learner_id],
                key=f"completed/{course_id}",
                verb=(VERB_COMPLETED, "completed", "修了した"),
                activity=activity,
                result={"completion": True},
                timestamp=_iso(when),
            )
        )
    _outbox_add(rows)
    return len(rows)


def xapi_level_changes_record(*, assessments: list[SkillAssessment]) -> int:
    """Outbox statements `scored` where new assessments changed a learner's current level on an item."""
    if not xapi_enabled() or not assessments:
        return 0
    learner_ids = sorted({a.learner_id for a in assessments})
    after = current_levels_of(learner_ids=learner_ids)
    before = current_levels_of(learner_ids=learner_ids, exclude_ids={a.pk for a in assessments})
    learners = LearnerProfile.objects.in_bulk(learner_ids)
    touched = {(a.learner_id, a.skill_item_id): a for a in assessments}
    items = SkillItem.objects.select_related("version").in_bulk({item for _l, item in touched})
    rows = []
    for (learner_id, item_id), assessment in sorted(touched.items()):
        new = after.get(learner_id, {}).get(item_id)
        old = before.get(learner_id, {}).get(item_id)
        if new is None or (old is not None and old.level == new.level):
            continue
        item = items[item_id]
        activity = {
            "id": case_item_uri(version=item.version, kind="SkillItem", code=item.code),
            "type": "http://adlnet.gov/expapi/activities/objective",
            "ja": item.name_ja,
            "en": item.name_en,
        }
        rows.append(
            _statement_row(
                learner=learners[learner_id],
                key=f"level/{assessment.pk}/{item.pk}",
                verb=(VERB_SCORED, "scored", "評価された"),
                activity=activity,
                result={"score": {"raw": new.level, "min": 0, "max": 4, "scaled": new.level / 4}},
                context={"extensions": {f"{public_base_url()}/xapi/extensions/previous-level": old and old.level}},
                timestamp=_iso(new.assessed_at),
            )
        )
    _outbox_add(rows)
    return len(rows)


@dataclass(frozen=True)
class SendOutcome:
    status: str  # sent | already_sent | retry | failed | missing | disabled | not_due
    retry_in: int | None = None
    error: str = ""


def _backoff(attempts: int) -> int:
    return int(settings.XAPI_RETRY_BASE_SECONDS) * 2 ** max(attempts - 1, 0)


def _lrs_put(statement: dict[str, Any], statement_id: str) -> tuple[int, str]:
    url = f"{str(settings.XAPI_LRS_ENDPOINT).rstrip('/')}/statements?statementId={statement_id}"
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION}
    if settings.XAPI_LRS_AUTHORIZATION:
        headers["Authorization"] = str(settings.XAPI_LRS_AUTHORIZATION)
    elif settings.XAPI_LRS_USERNAME:
        pair = f"{settings.XAPI_LRS_USERNAME}:{settings.XAPI_LRS_PASSWORD}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    body = json.dumps(statement, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, headers=headers, method="PUT")  # noqa: S310 - configured URL
    try:
        with urllib.request.urlopen(request, timeout=float(settings.XAPI_TIMEOUT_SECONDS)) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(500).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        return 0, f"{type(exc).__name__}: {exc}"


def xapi_statement_send(*, statement_id: str, force: bool = False) -> SendOutcome:
    """PUT one outbox statement to the LRS; idempotent (a sent statement is never sent again).

    2xx (and 409: the LRS already holds this id) mark it sent; a network error, 408, 429 or 5xx
    schedule another attempt with exponential backoff up to XAPI_MAX_ATTEMPTS; any other 4xx
    marks it failed.  The row is locked while sending, so two workers never send it twice.
    """
    if not xapi_enabled():
        return SendOutcome("disabled")
    with transaction.atomic():
        row = XapiStatementOut.objects.select_for_update().filter(statement_id=statement_id).first()
        if row is None:
            return SendOutcome("missing")
        if row.status != XapiStatementOut.Status.PENDING:
            return SendOutcome("already_sent" if row.status == XapiStatementOut.Status.SENT else row.status)
        now = timezone.now()
        if not force and row.next_attempt_at > now:
            return SendOutcome("not_due", retry_in=int((row.next_attempt_at - now).total_seconds()) + 1)
        code, error = _lrs_put(row.statement, str(row.statement_id))
        row.attempts += 1
        if 200 <= code < 300 or code == 409:
            row.status, row.sent_at, row.last_error = XapiStatementOut.Status.SENT, timezone.now(), ""
            row.save(update_fields=["status", "sent_at", "last_error", "attempts"])
            return SendOutcome("sent")
        row.last_error = f"HTTP {code}: {error}"[:2000] if code else error[:2000]
        transient = code == 0 or code in (408, 429) or code >= 500
        if transient and row.attempts < int(settings.XAPI_MAX_ATTEMPTS):
            delay = _backoff(row.attempts)
            row.next_attempt_at = now + timedelta(seconds=delay)
            row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            logger.warning("xAPI statement %s not accepted (%s); next attempt in %ss", statement_id, code, delay)
            return SendOutcome("retry", retry_in=delay, error=row.last_error)
        row.status = XapiStatementOut.Status.FAILED
        row.save(update_fields=["attempts", "last_error", "status"])
        logger.error("xAPI statement %s failed for good: %s", statement_id, row.last_error)
        return SendOutcome("failed", error=row.last_error)


def xapi_outbox_flush(*, include_not_due: bool = False, limit: int = 500) -> dict[str, int]:
    """Send waiting statements now (the `flush_xapi_outbox` command); returns counts per outcome."""
    counts: dict[str, int] = {}
    waiting = XapiStatementOut.objects.filter(status=XapiStatementOut.Status.PENDING)
    if not include_not_due:
        waiting = waiting.filter(next_attempt_at__lte=timezone.now())
    for statement_id in waiting.order_by("next_attempt_at", "pk").values_list("statement_id", flat=True)[:limit]:
        outcome = xapi_statement_send(statement_id=str(statement_id), force=include_not_due)
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts


def xapi_outbox_summary() -> dict[str, int]:
    rows = XapiStatementOut.objects.aggregate(
        pending=Count("pk", filter=Q(status="pending")),
        sent=Count("pk", filter=Q(status="sent")),
        failed=Count("pk", filter=Q(status="failed")),
    )
    return {k: int(v or 0) for k, v in rows.items()}


def learner_interop_erase(*, learner: LearnerProfile) -> dict[str, int]:
    """Erasure: the learner's credentials and their statements not yet sent are deleted."""
    credentials_deleted, _ = Credential.objects.filter(learner=learner).delete()
    statements_deleted, _ = XapiStatementOut.objects.filter(learner=learner).delete()
    return {"credentials": credentials_deleted, "xapi_statements": statements_deleted}


def audit_export(*, event: str, actor: User | None, object_type: str, object_id: object) -> None:
    audit_record(action=AuditAction.EXPORT, event=event, actor=actor, object_type=object_type, object_id=object_id)


# --- xAPI in: the Statements resource ---------------------------------------------------

# Set by this LRS, so not part of what makes two statements with one id the same statement.
XAPI_LRS_SET = ("stored", "authority", "version")


class XapiRefused(Exception):
    """The whole request is refused: HTTP `status` with `message` (nothing was stored)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _xapi_comparable(statement: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in statement.items() if k not in XAPI_LRS_SET}, sort_keys=True)


def _xapi_authority(submitter: User) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": public_base_url() + "/", "name": submitter.username}}


def _xapi_progress(*, submitter: User, rows: list[Any]) -> None:
    """Statements with the progress verbs become progress events (issue 4's ingest), in this transaction.

    A statement about a learner or course the submitter may not report refuses the whole request
    (403); other rejections (unknown learner or course, ...) are kept on the row."""
    from learners.events import event_parse
    from learners.services import EventIn, progress_events_ingest
    from learners.xapi import VERBS, statements_to_events

    mapped = [r for r in rows if r.verb_id in VERBS]
    if not mapped:
        return
    events = statements_to_events([r.original for r in mapped])
    valid: list[EventIn] = []
    for index, (row, item) in enumerate(zip(mapped, events, strict=True)):
        parsed = event_parse(index, item) if not isinstance(item, str) else None
        if parsed is None or not isinstance(parsed, EventIn):
            row.progress_status = "rejected"
            row.progress_reason = (item if isinstance(item, str) else getattr(parsed, "reason", ""))[:300]
        else:
            valid.append(parsed)
    # What learners.services.SubmitterScope.refusal answers: the submitter may not report this.
    refusals = {
        "course: not a course of a provider your account acts for",
        "learner: not an active member of an organization you administer",
    }
    for outcome in progress_events_ingest(submitter=submitter, events=valid):
        row = mapped[outcome.index]
        if outcome.reason in refusals:
            raise XapiRefused(403, f"statement {row.statement_id}: {outcome.reason}")
        row.progress_status, row.progress_reason = outcome.status, outcome.reason[:300]
        if outcome.status != "rejected":
            item = events[outcome.index]
            if isinstance(item, dict):
                row.learner = LearnerProfile.objects.filter(public_id=item["learner"]).first()


@transaction.atomic
def xapi_statements_store(
    *, submitter: User, statements: list[dict[str, Any]], now: datetime | None = None
) -> list[str]:
    """Store valid statements (checked by interop.xapi_validate first) all or nothing; their ids in order.

    A statement without an id gets one.  An id already stored with the same statement is answered
    again without storing anything; with a different statement it is a conflict (409), as is one id
    twice in a batch with different statements (400).  A voiding statement marks its target voided.
    Nothing is stored when anything is refused."""
    from interop.models import XapiStatementIn

    now = now or timezone.now()
    batch: dict[str, dict[str, Any]] = {}
    ids = []
    for statement in statements:
        statement_id = str(statement.get("id") or uuid.uuid4()).lower()
        original = {**statement, "id": statement_id}
        if statement_id in batch and _xapi_comparable(batch[statement_id]) != _xapi_comparable(original):
            raise XapiRefused(400, f"statement {statement_id}: the batch holds two different statements with it")
        batch[statement_id] = original
        ids.append(statement_id)
    stored = {str(r.statement_id): r for r in XapiStatementIn.objects.filter(statement_id__in=list(batch))}
    new_rows = []
    for statement_id, original in batch.items():
        if statement_id in stored:
            if _xapi_comparable(stored[statement_id].original) != _xapi_comparable(original):
                raise XapiRefused(409, f"statement {statement_id}: already stored with different content")
            continue
        stored_at = now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        full = {
            **xapi_validate.normalized(original),
            "timestamp": original.get("timestamp") or stored_at,  # to the millisecond, like `stored`
            "stored": stored_at,
            "authority": _xapi_authority(submitter),
            "version": original.get("version") or "1.0.0",
        }
        new_rows.append(
            XapiStatementIn(
                statement_id=statement_id,
                submitter=submitter,
                statement=full,
                original=original,
                verb_id=str(original["verb"]["id"])[:500],
                stored_at=now,
            )
        )
    _xapi_progress(submitter=submitter, rows=new_rows)
    XapiStatementIn.objects.bulk_create(new_rows)
    voiding = [r for r in new_rows if r.verb_id == "http://adlnet.gov/expapi/verbs/voided"]
    for row in voiding:
        target = str(row.original["object"]["id"]).lower()
        XapiStatementIn.objects.filter(statement_id=target).exclude(
            verb_id="http://adlnet.gov/expapi/verbs/voided"
        ).update(voided=True)
    return ids
