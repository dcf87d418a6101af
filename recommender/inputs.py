"""The recommender's inputs, read from the database: the catalog as the core's `CourseOption`s, course
texts and labelled examples, the standard's item descriptions, a role's grades and targets, and what a
learner brings to a plan (levels, enrollments, assigned tracks, the previous plan).

Reads only (no caching, no writes): `engine.py` caches what it builds from these, `vectors.py` stores
the dense vectors, `services.py` writes plans.  The core (`recommender/core/`) never sees a model
instance; this module turns rows into the core's plain dataclasses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import OuterRef, Prefetch, Subquery

from courses.models import CatalogState, Course, CourseSkill, CourseStatus, ReviewStatus, TagSource
from courses.selectors import active_tags, course_effects_stamp, course_effects_usable
from learners.models import EnrollmentStatus, LearnerProfile, SkillAssessment
from learners.selectors import learner_current_levels
from recommender.core.plan import CourseOption
from recommender.core.tagging import CourseText, SkillDoc
from recommender.models import LearnerPlan
from skills.models import ImportanceGrade, LiteracySection, Role, SkillItem, StandardVersion

VOCABULARY = Path(__file__).resolve().parent / "data" / "skill_vocabulary.json"


# --- the catalog -------------------------------------------------------------------------------


def catalog_state() -> tuple[int, Any]:
    """Version and time of the catalog's last change: any change makes a new tagger."""
    row = CatalogState.objects.filter(pk=1).values_list("version", "changed_at").first()
    return (int(row[0]), row[1]) if row else (0, None)


def effects_state() -> Any:
    """When the measured course effectiveness was last computed (None: never)."""
    return course_effects_stamp()


def course_text(course: Course) -> CourseText:
    return CourseText(course.title_ja, course.description_ja, course.title_en, course.description_en, course.level)


def tagged_example_courses(*, version: StandardVersion) -> dict[str, list[tuple[int, CourseText]]]:
    """Courses the catalog already tags (declared or accepted), per item: the labelled examples."""
    examples: dict[str, list[tuple[int, CourseText]]] = {}
    tags = (
        CourseSkill.objects.filter(
            skill_item__version=version, review_status=ReviewStatus.ACCEPTED, course__status=CourseStatus.PUBLISHED
        )
        .select_related("course", "skill_item")
        .order_by("course_id", "position")
    )
    for tag in tags:
        examples.setdefault(tag.skill_item.code, []).append((tag.course_id, course_text(tag.course)))
    return examples


def tagged_examples(*, version: StandardVersion) -> dict[str, list[CourseText]]:
    return {code: [t for _, t in pairs] for code, pairs in tagged_example_courses(version=version).items()}


def published_courses() -> list[Course]:
    """Every published course, with the fields of its text only."""
    return list(
        Course.objects.filter(status=CourseStatus.PUBLISHED)
        .only("pk", "title_ja", "description_ja", "title_en", "description_en", "level")
        .order_by("pk")
    )


def course_options_load(*, version: StandardVersion, measured: bool = False) -> list[CourseOption]:
    """Every published course with the skills it teaches (tags that are not rejected); with `measured`, also its
    measured levels on the items with at least EFFECT_MIN_LEARNERS learners (docs/effectiveness.md)."""
    effects = course_effects_usable() if measured else {}
    courses = (
        Course.objects.filter(status=CourseStatus.PUBLISHED)
        .select_related("provider")
        .prefetch_related(
            Prefetch("skill_tags", queryset=active_tags().select_related("skill_item")),
            "literacy_tags__literacy_item__section",
            "literacy_tags__literacy_section",
            "prerequisites",
        )
        .order_by("pk")
    )
    out = []
    for c in courses:
        tags = [t for t in c.skill_tags.all() if t.skill_item.version_id == version.pk]
        skills = {t.skill_item.code: t.level for t in tags}
        # An inferred tag no reviewer has accepted is a guess: the planner weighs it by its confidence.
        inferred = {
            t.skill_item.code: float(t.confidence)
            for t in tags
            if t.source == TagSource.INFERRED and t.review_status == ReviewStatus.PENDING
        }
        sections = sorted({_section_code(t) for t in c.literacy_tags.all()} - {""})
        out.append(
            CourseOption(
                id=c.pk,
                title=c.title_ja or c.title_en,
                title_en=c.title_en,
                level=c.level,
                hours=float(c.hours),
                price_jpy=c.price_jpy,
                format=c.format,
                language=c.language,
                skills=skills,
                provider=c.provider.name_ja,
                code=c.code,
                literacy=tuple(sections),
                prerequisites=tuple(p.pk for p in c.prerequisites.all()),
                prefecture=c.prefecture,
                inferred=inferred,
                recognised=recognised(c),
                reskill_certified=c.reskill_certified,
                training_benefit_eligible=c.training_benefit_eligible,
                measured={
                    t.skill_item.code: effects[c.pk][t.skill_item_id][1]
                    for t in tags
                    if t.skill_item_id in effects.get(c.pk, {})
                },
            )
        )
    return out


# A course preparing for a qualification says so in its title: 「統計検定2級 合格対策講座」, 「G検定対策講座」.
EXAM_PREP = re.compile(r"(検定|試験|資格|認定).*(対策|合格)|(対策|合格).*(検定|試験|資格)|exam prep", re.IGNORECASE)


def recognised(course: Course) -> bool:
    """Certified by a public scheme (METI's Reスキル講座, 教育訓練給付) or preparing for a named qualification: what
    a career adviser recommends first when it fits (docs/recommender.md, "Plans")."""
    if course.reskill_certified or course.training_benefit_eligible:
        return True
    return bool(EXAM_PREP.search(course.title_ja or "") or EXAM_PREP.search(course.title_en or ""))


def _section_code(tag: Any) -> str:
    if tag.literacy_section is not None:
        return str(tag.literacy_section.code)
    if tag.literacy_item is not None:
        return str(tag.literacy_item.section.code)
    return ""


# --- the standard ------------------------------------------------------------------------------


def vocabulary() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VOCABULARY.read_text(encoding="utf-8"))
    return data


def skill_docs(*, version: StandardVersion) -> list[SkillDoc]:
    """Bilingual descriptions of the 49 items: names, definitions, topics and curated terms."""
    terms = vocabulary()["skills"]
    docs = []
    for item in SkillItem.objects.filter(version=version).order_by("position"):
        extra = terms.get(item.code, {})
        docs.append(
            SkillDoc(
                code=item.code,
                name_ja=item.name_ja,
                name_en=item.name_en,
                text_ja=f"{item.definition_ja} {' '.join(item.topics_ja)}",
                text_en=f"{item.definition_en} {' '.join(item.topics_en)}",
                terms_ja=tuple(extra.get("ja", [])),
                terms_en=tuple(extra.get("en", [])),
            )
        )
    return docs


def literacy_docs(*, version: StandardVersion) -> list[SkillDoc]:
    terms = vocabulary()["literacy_sections"]
    docs = []
    for section in LiteracySection.objects.filter(version=version).prefetch_related("items").order_by("position"):
        items = list(section.items.all())
        extra = terms.get(section.code, {})
        docs.append(
            SkillDoc(
                code=section.code,
                name_ja=section.name_ja,
                name_en=section.name_en,
                text_ja=" ".join(f"{i.name_ja} {' '.join(i.topics_ja)}" for i in items),
                text_en=" ".join(f"{i.name_en} {' '.join(i.topics_en)}" for i in items),
                terms_ja=tuple(extra.get("ja", [])),
                terms_en=tuple(extra.get("en", [])),
            )
        )
    return docs


def skill_item_ids(*, version: StandardVersion) -> dict[str, int]:
    return dict(SkillItem.objects.filter(version=version).values_list("code", "pk"))


def literacy_section_ids(*, version: StandardVersion) -> dict[str, int]:
    return dict(LiteracySection.objects.filter(version=version).values_list("code", "pk"))


@dataclass(frozen=True)
class RoleProfile:
    """A role's grades and their targets, and the item codes by id, read in one query."""

    requirements: dict[str, str]  # item code -> grade
    targets: dict[str, int]  # grade -> target proficiency
    codes: dict[int, str]  # skill item id -> code


def role_requirements(*, role: Role) -> dict[str, str]:
    """The role's items and their importance grades: item code -> grade."""
    return dict(role.requirements.values_list("skill_item__code", "grade"))


def role_profile(*, role: Role) -> RoleProfile:
    target = ImportanceGrade.objects.filter(version_id=role.version_id, code=OuterRef("grade")).values(
        "target_proficiency"
    )[:1]
    rows = role.requirements.annotate(target=Subquery(target)).values_list(
        "skill_item_id", "skill_item__code", "grade", "target"
    )
    requirements, targets, codes = {}, {}, {}
    for item_id, code, grade, level in rows:
        requirements[code], codes[item_id] = grade, code
        if level is not None:
            targets[grade] = int(level)
    return RoleProfile(requirements, targets, codes)


# --- the learner -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerInputs:
    """What a learner brings to a plan, besides their limits (Constraints.from_profile)."""

    current: dict[str, int]  # item code -> current level, for the role's items
    finished: frozenset[int]  # courses completed or dropped: never planned again
    studying: list[int]  # courses in progress, in enrolment order: kept first
    previous: list[int]  # the stored plan's unstarted courses, in order: kept while they fit
    assigned: list[int]  # courses of their assigned tracks, earliest due first
    literacy_evidence: bool


def learner_inputs(
    *, learner: LearnerProfile, profile: RoleProfile, stored_payload: Mapping[str, Any] | None = None
) -> LearnerInputs:
    """The learner's levels on the role's items, enrollments, assigned courses and previous plan.
    `stored_payload`: their stored plan's payload when the caller has it (else it is read)."""
    codes = profile.codes
    current = {codes[k]: v.level for k, v in learner_current_levels(learner=learner).items() if k in codes}
    enrollments = list(learner.enrollments.order_by("enrolled_at", "pk").values_list("course_id", "status"))
    finished = frozenset(
        c for c, status in enrollments if status in (EnrollmentStatus.COMPLETED, EnrollmentStatus.DROPPED)
    )
    studying = [c for c, status in enrollments if c not in finished]
    if stored_payload is None:
        stored_payload = LearnerPlan.objects.filter(learner=learner).values_list("payload", flat=True).first() or {}
    previous = [
        item["course"]["id"]
        for item in stored_payload.get("items", [])
        if item.get("reason") not in ("enrolled", "track")
    ]
    assigned = [
        item.course_id
        for assignment in learner.track_assignments.select_related("track").order_by("due_on")
        for item in assignment.track.items.order_by("position")
    ]
    literacy = bool(current) or SkillAssessment.objects.filter(learner=learner, source__in=["course", "exam"]).exists()
    return LearnerInputs(current, finished, studying, previous, assigned, literacy)
