"""Reads for interoperability: the standard as CASE, credentials scoped to who asks, the xAPI outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Max, QuerySet

from courses.selectors import active_tags
from interop import case_format, moodle
from interop.models import Credential, XapiStatementOut
from learners.models import LearnerProfile, Track
from learners.selectors import export_iso
from skills.models import Role, RoleSkillRequirement, StandardVersion
from skills.selectors import (
    grade_targets,
    importance_grade_list,
    literacy_item_list,
    literacy_section_tree,
    persona_type_list,
    proficiency_level_list,
    role_list,
    skill_category_tree,
    skill_item_list,
)

# (version pk, last change, base URL) -> package; a standard changes rarely and a package is ~1 MB.
_PACKAGES: dict[tuple[int, str, str], dict[str, Any]] = {}


def public_base_url() -> str:
    return str(settings.PUBLIC_BASE_URL).rstrip("/")


def standard_as_fixture(*, version: StandardVersion) -> dict[str, Any]:
    """A stored version in the fixture format `dxpathways.dss/1` (what `load_dss` reads)."""
    named = ("code", "name_ja", "name_en")
    roles = list(role_list(version=version, with_requirements=False).order_by("position"))
    items = list(skill_item_list(version=version).order_by("position"))
    categories = list(skill_category_tree(version=version).order_by("position"))
    sections = list(literacy_section_tree(version=version).order_by("position"))
    return {
        "format": case_format.FIXTURE_FORMAT,
        "standard": {
            "code": version.code,
            "name_ja": version.name_ja,
            "name_en": version.name_en,
            "published_on": version.published_on.isoformat() if version.published_on else None,
            "source": version.source,
            "notes": version.notes,
        },
        "proficiency_levels": [
            {"level": p.level, "label_ja": p.label_ja, "label_en": p.label_en}
            for p in proficiency_level_list(version=version).order_by("level")
        ],
        "importance_grades": [
            {"code": g.code, "label_ja": g.label_ja, "label_en": g.label_en, "target_proficiency": g.target_proficiency}
            for g in importance_grade_list(version=version).order_by("code")
        ],
        "persona_types": [
            {**{n: getattr(p, n) for n in named}, "summary_ja": p.summary_ja, "summary_en": p.summary_en}
            for p in persona_type_list(version=version).order_by("position")
        ],
        "roles": [
            {
                **{n: getattr(r, n) for n in named},
                "persona": r.persona_type.code,
                "summary_ja": r.summary_ja,
                "summary_en": r.summary_en,
            }
            for r in roles
        ],
        "skill_categories": [
            {**{n: getattr(c, n) for n in named}, "name_verified": c.name_verified} for c in categories
        ],
        "skill_subcategories": [
            {**{n: getattr(s, n) for n in named}, "category": c.code} for c in categories for s in c.subcategories.all()
        ],
        "skill_items": [
            {
                **{n: getattr(i, n) for n in named},
                "subcategory": i.subcategory.code,
                "definition_ja": i.definition_ja,
                "definition_en": i.definition_en,
                "topics_ja": list(i.topics_ja),
                "topics_en": list(i.topics_en),
            }
            for i in items
        ],
        "literacy_sections": [{n: getattr(s, n) for n in named} for s in sections],
        "literacy_items": [
            {
                **{n: getattr(i, n) for n in named},
                "section": i.section.code,
                "group_ja": i.group_ja,
                "group_en": i.group_en,
                "topics_ja": list(i.topics_ja),
                "topics_en": list(i.topics_en),
            }
            for i in literacy_item_list(version=version).order_by("position")
        ],
        "role_skill_requirements": [
            {"role": role, "skill": skill, "grade": grade, "is_estimated": estimated}
            for role, skill, grade, estimated in RoleSkillRequirement.objects.filter(role__version=version)
            .order_by("role__position", "skill_item__position")
            .values_list("role__code", "skill_item__code", "grade", "is_estimated")
        ],
    }


def _last_change(version: StandardVersion) -> datetime:
    latest = RoleSkillRequirement.objects.filter(role__version=version).aggregate(m=Max("updated_at"))["m"]
    return max(filter(None, [version.updated_at, latest]))


def case_package(*, version: StandardVersion) -> dict[str, Any]:
    """The CFPackage of a version; identical bytes while the version is unchanged."""
    last = _last_change(version)
    changed = last.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    key = (version.pk, last.isoformat(), public_base_url())  # full precision: a change within a second counts
    if key not in _PACKAGES:
        if len(_PACKAGES) > 8:
            _PACKAGES.clear()
        fixture = standard_as_fixture(version=version)
        _PACKAGES[key] = case_format.package_build(fixture, base_url=public_base_url(), changed_at=changed)
    return _PACKAGES[key]


def case_version_for_document(*, identifier: uuid.UUID | str) -> StandardVersion | None:
    """The version whose CFDocument (and CFPackage) has this identifier."""
    for version in StandardVersion.objects.all():
        if case_format.case_uuid(version.code, "document", "") == str(identifier):
            return version
    return None


def case_object_find(*, identifier: uuid.UUID | str) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """(kind, object, its package) for any identifier of any stored version, current first."""
    wanted = str(identifier)
    for version in StandardVersion.objects.order_by("-is_current", "-published_on", "code"):
        package = case_package(version=version)
        found = case_format.package_index(package).get(wanted)
        if found:
            return found[0], found[1], package
    return None


def case_item_uri(*, version: StandardVersion, kind: str, code: str) -> str:
    """The CASE URL of one item (kind is a CFItemType: SkillItem, Role, ...)."""
    identifier = case_format.case_uuid(version.code, kind, code)
    return f"{public_base_url()}{case_format.CASE_PATH}/CFItems/{identifier}"


# --- credentials ------------------------------------------------------------------------


def credentials_of(*, user: User | AnonymousUser) -> QuerySet[Credential]:
    """The signed-in learner's own credentials (nobody else's), newest first."""
    if not isinstance(user, User):
        return Credential.objects.none()
    return Credential.objects.filter(learner__user=user).order_by("-issued_at", "-pk")


def credential_get_own(*, user: User | AnonymousUser, public_id: uuid.UUID) -> Credential | None:
    return credentials_of(user=user).filter(public_id=public_id).first()


def credential_get_public(*, public_id: uuid.UUID, viewer: User | AnonymousUser | None = None) -> Credential | None:
    """A credential anyone may see: its learner shared it (or the viewer is that learner)."""
    credential = Credential.objects.filter(public_id=public_id).select_related("learner").first()
    if credential is None:
        return None
    if credential.shared or (isinstance(viewer, User) and credential.learner.user_id == viewer.pk):
        return credential
    return None


def credential_by_url(*, credential_id: str) -> Credential | None:
    """The stored credential a document's `id` names (for revocation in verification)."""
    prefix = f"{public_base_url()}/credentials/"
    if not credential_id.startswith(prefix):
        return None
    try:
        public_id = uuid.UUID(credential_id.removeprefix(prefix))
    except ValueError:
        return None
    return Credential.objects.filter(public_id=public_id).first()


def achievement_credential(*, achievement_uuid: uuid.UUID) -> Credential | None:
    """The newest credential for an achievement (its name, kind and level draw the achievement)."""
    return Credential.objects.filter(achievement_uuid=achievement_uuid).order_by("-issued_at", "-pk").first()


def xapi_outbox_due(*, now: datetime, limit: int = 500) -> list[int]:
    """Ids of statements waiting to be sent whose next attempt is due."""
    return list(
        XapiStatementOut.objects.filter(status=XapiStatementOut.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


# --- Moodle -----------------------------------------------------------------------------


def _two(ja: str, en: str, lang: str) -> tuple[str, str]:
    """(primary, both) in the requested language order; `both` is the description text."""
    first, second = (ja, en) if lang == "ja" else (en, ja)
    first = first or second
    return first, first if not second or second == first else f"{first} / {second}"


def moodle_framework_id(*, role: Role) -> str:
    return f"{role.version.code}-{role.code}"


def moodle_framework_for_role(*, role: Role, lang: str = "ja") -> moodle.Framework:
    """A role's requirements (grades a-d; z items left out) as a Moodle competency framework.

    Categories and subcategories nest the items; an item is proficient from its target proficiency."""
    version = role.version
    targets = grade_targets(version=version)
    labels = [_two(p.label_ja, p.label_en, lang)[0] for p in proficiency_level_list(version=version).order_by("level")]
    name, description = _two(role.name_ja, role.name_en, lang)
    summary = _two(role.summary_ja, role.summary_en, lang)[1]
    framework = moodle.Framework(
        idnumber=moodle_framework_id(role=role),
        shortname=name,
        description=f"{description}. {summary}".strip(". ") if summary else description,
        scale=labels,
        taxonomies=["domain", "competency", "skill"],
    )
    requirements = (
        RoleSkillRequirement.objects.filter(role=role)
        .select_related("skill_item__subcategory__category")
        .order_by("skill_item__position")
    )
    seen: set[str] = set()
    for req in requirements:
        target = targets.get(req.grade, 0)
        if target <= 0:
            continue
        item = req.skill_item
        sub = item.subcategory
        cat = sub.category
        for code, parent, ja, en in (
            (cat.code, "", cat.name_ja, cat.name_en),
            (sub.code, cat.code, sub.name_ja, sub.name_en),
        ):
            if code not in seen:
                seen.add(code)
                short, both = _two(ja, en, lang)
                framework.competencies.append(
                    moodle.Competency(idnumber=code, shortname=short, description=both, parent=parent)
                )
        short, both = _two(item.name_ja, item.name_en, lang)
        definition = _two(item.definition_ja, item.definition_en, lang)[1]
        framework.competencies.append(
            moodle.Competency(
                idnumber=item.code,
                shortname=short,
                description=f"{both}. {definition} (grade {req.grade}, target {target})",
                parent=sub.code,
                proficient_from=target,
            )
        )
    # Moodle builds the tree parent by parent: list categories, then their subcategories, then items.
    order = {c.idnumber: i for i, c in enumerate(framework.competencies)}
    framework.competencies.sort(
        key=lambda c: (0 if not c.parent else 1 if c.proficient_from is None else 2, order[c.idnumber])
    )
    return framework


def moodle_template_for_track(*, track: Track, lang: str = "ja") -> dict[str, Any]:
    """A track as the arguments of Moodle's learning plan template web services.

    Competencies: the skill items its courses teach that its target role requires (grade a-d), in the
    role's framework (`moodle_framework_for_role`).  Raises ValueError without a target role."""
    role = track.target_role
    if role is None:
        raise ValueError("target_role: the track has no target role, so no competency framework to point at")
    framework = moodle_framework_for_role(role=role, lang=lang)
    in_framework = {c.idnumber for c in framework.competencies if c.proficient_from is not None}
    course_ids = list(track.items.order_by("position").values_list("course_id", flat=True))
    taught = (
        active_tags()
        .filter(course_id__in=course_ids, skill_item__version=role.version)
        .values_list("skill_item__code", flat=True)
        .distinct()
    )
    codes = [c.idnumber for c in framework.competencies if c.idnumber in set(taught) & in_framework]
    name, _both = _two(track.name, track.name, lang)
    return moodle.learning_plan_template(
        shortname=name,
        description=track.description or name,
        framework_idnumber=framework.idnumber,
        competency_idnumbers=codes,
    )


# --- xAPI in ----------------------------------------------------------------------------


def xapi_statements_visible_to(*, user: User | AnonymousUser) -> QuerySet[Any]:
    """Statements received from this account (staff: all of them)."""
    from interop.models import XapiStatementIn

    if not isinstance(user, User):
        return XapiStatementIn.objects.none()
    rows = XapiStatementIn.objects.all() if user.is_staff else XapiStatementIn.objects.filter(submitter=user)
    return rows.order_by("stored_at", "pk")


def xapi_statement_get(*, user: User | AnonymousUser, statement_id: str, voided: bool) -> dict[str, Any] | None:
    """A statement by id (`voided=False`: only if not voided; True: only if voided), or None."""
    try:
        wanted = uuid.UUID(statement_id)
    except ValueError:
        return None
    row = xapi_statements_visible_to(user=user).filter(statement_id=wanted, voided=voided).first()
    return None if row is None else dict(row.statement)


def moodle_upload_courses(*, lang: str = "ja", provider_id: int | None = None) -> list[moodle.UploadCourse]:
    """Published courses as rows of Moodle's course upload; idnumber `dxp-course-<id>` is stable."""
    from courses.models import Course, CourseStatus

    courses = Course.objects.filter(status=CourseStatus.PUBLISHED).select_related("provider").order_by("pk")
    if provider_id is not None:
        courses = courses.filter(provider_id=provider_id)
    rows = []
    for course in courses:
        title = _two(course.title_ja, course.title_en, lang)[0] or course.code
        description = _two(course.description_ja, course.description_en, lang)[0]
        provider = _two(course.provider.name_ja, course.provider.name_en, lang)[0]
        facts = [f"{provider} / {course.code}", f"{course.hours} h", f"{course.price_jpy:,} JPY"]
        if course.url:
            facts.append(course.url)
        rows.append(
            moodle.UploadCourse(
                shortname=f"{course.code}-P{course.provider_id}",
                fullname=title,
                idnumber=f"dxp-course-{course.pk}",
                summary="\n".join(filter(None, [description, " · ".join(facts)])),
                startdate=course.starts_on.isoformat() if course.starts_on else "",
                enddate=course.ends_on.isoformat() if course.ends_on else "",
            )
        )
    return rows


def learner_interop_export(*, learner: LearnerProfile) -> dict[str, Any]:
    """The learner's credentials and xAPI statements, as sections of the learner export."""
    return {
        "credentials": [
            {
                "issued_at": export_iso(c.issued_at),
                "shared": c.shared,
                "revoked_at": export_iso(c.revoked_at),
                "document": c.document,
            }
            for c in learner.credentials.order_by("issued_at", "pk")
        ],
        "xapi_statements_out": [
            {
                "status": s.status,
                "created_at": export_iso(s.created_at),
                "sent_at": export_iso(s.sent_at),
                "statement": s.statement,
            }
            for s in learner.xapi_statements_out.order_by("created_at", "pk")
        ],
        "xapi_statements_in": [
            {"stored_at": export_iso(s.stored_at), "voided": s.voided, "statement": s.statement}
            for s in learner.xapi_statements_in.order_by("stored_at", "pk")
        ],
    }
