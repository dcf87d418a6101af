"""Learning the calibrated tagging layer from the catalog's labels (declared and staff-reviewed tags).

`labelled_catalog` reads the labels; `catalog_pairs` computes each labelled course's features with
k-fold prototypes (a course never sits in the centroid of the items it is scored against, as a new
course would not); `catalog_vectors` reads their stored dense vectors (the embedding classifier's input);
`tag_calibration_refresh` (a service: it writes `TagCalibration`) fits the classifier and the layer for the
current state of the labels, once per state (`recommender.core.calibration.fit_tagging_layer`, the same
function the cross-validated evaluation fits on each training fold); `tagging_layer` returns them for inference.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import IntegrityError, transaction

from courses.models import CourseSkill, CourseStatus, ReviewStatus, TagSource
from recommender import engine
from recommender.core.calibration import (
    FEATURE_NAMES,
    FEATURE_VERSION,
    LabelledPairs,
    TagCalibrator,
    TagLayer,
    fit_tagging_layer,
    folds,
    pair_features,
)
from recommender.core.classifier import EmbeddingClassifier
from recommender.core.encoders import TfidfEncoder
from recommender.core.tagging import CourseText, HybridTagger, SkillDoc
from recommender.inputs import catalog_state, course_text, skill_docs
from recommender.models import TagCalibration
from skills.models import SkillItem, StandardVersion

PROTOTYPE_FOLDS = 5
_lock = threading.RLock()
_loaded: dict[str, TagLayer] = {}


@dataclass(frozen=True)
class LabelledCourse:
    course_id: int
    text: CourseText
    positives: tuple[str, ...]  # declared or accepted tags
    negatives: tuple[str, ...]  # rejected tags
    complete: bool  # declared tags: every other item is a negative too


def labelled_catalog(*, version: StandardVersion) -> list[LabelledCourse]:
    """Published courses with labels: declared tags (complete: other items are negatives), reviewed tags
    (accepted positive, rejected negative; other items unknown).  Pending proposals are not labels."""
    rows = (
        CourseSkill.objects.filter(skill_item__version=version, course__status=CourseStatus.PUBLISHED)
        .exclude(review_status=ReviewStatus.PENDING)
        .select_related("course", "skill_item")
        .order_by("course_id", "position", "skill_item__position")
    )
    grouped: dict[int, list[CourseSkill]] = {}
    for tag in rows:
        grouped.setdefault(tag.course_id, []).append(tag)
    out = []
    for course_id, tags in grouped.items():
        positives = tuple(t.skill_item.code for t in tags if t.review_status == ReviewStatus.ACCEPTED)
        negatives = tuple(t.skill_item.code for t in tags if t.review_status == ReviewStatus.REJECTED)
        complete = any(t.source == TagSource.DECLARED and t.review_status == ReviewStatus.ACCEPTED for t in tags)
        out.append(LabelledCourse(course_id, course_text(tags[0].course), positives, negatives, complete))
    return out


def labels_key(*, version: StandardVersion, courses: Sequence[LabelledCourse], model_name: str) -> str:
    """Identifies one state of the labels (and their texts), the model and the features."""
    digest = hashlib.sha256(f"{FEATURE_VERSION}\n{model_name}\n{version.pk}:{version.content_hash}\n".encode())
    for c in courses:
        text = "\x1f".join((c.text.title, c.text.description, c.text.title_en, c.text.description_en))
        digest.update(
            f"{c.course_id}|{','.join(c.positives)}|{','.join(c.negatives)}|{int(c.complete)}|"
            f"{hashlib.sha256(text.encode()).hexdigest()}\n".encode()
        )
    return digest.hexdigest()


def pairs_for(codes: Sequence[str], courses: Sequence[LabelledCourse], features: np.ndarray) -> LabelledPairs:
    """Labels and mask for these courses' feature rows."""
    column = {code: j for j, code in enumerate(codes)}
    labels = np.zeros((len(courses), len(codes)))
    mask = np.zeros((len(courses), len(codes)))
    for i, c in enumerate(courses):
        if c.complete:
            mask[i] = 1.0
        for code in c.positives:
            if code in column:
                labels[i, column[code]], mask[i, column[code]] = 1.0, 1.0
        for code in c.negatives:
            if code in column:
                labels[i, column[code]], mask[i, column[code]] = 0.0, 1.0
    return LabelledPairs(features, labels, mask)


def catalog_pairs(
    *,
    version: StandardVersion,
    courses: Sequence[LabelledCourse],
    docs: Sequence[SkillDoc] | None = None,
    sparse_factory: Callable[[], TfidfEncoder] | None = None,
) -> LabelledPairs:
    """Features of the labelled courses with k-fold prototypes: for each fold, a tagger whose item centroids
    leave out that fold's courses scores them (dense vectors come from the stored index)."""
    docs = list(docs if docs is not None else skill_docs(version=version))
    codes = [d.code for d in docs]
    encoder = engine.dense_encoder()
    index = engine.course_index() if encoder is not None else None
    doc_vectors = None
    if encoder is not None:
        from recommender.models import VectorKind

        doc_vectors = engine.doc_vectors(
            kind=VectorKind.SKILL_ITEM,
            docs=docs,
            ids=dict(SkillItem.objects.filter(version=version).values_list("code", "pk")),
        )
    features = np.zeros((len(courses), len(codes), len(FEATURE_NAMES)))
    # One TF-IDF vocabulary for every fold (unsupervised: no label crosses folds through it).
    vocabulary = (sparse_factory or TfidfEncoder)().fit(
        [d.sparse_text() for d in docs] + [c.text.full() for c in courses]
    )
    for held in folds(len(courses), PROTOTYPE_FOLDS, seed=0):
        held_set = set(held.tolist())
        examples: dict[str, list[CourseText]] = {}
        example_ids: dict[str, list[int]] = {}
        for i, c in enumerate(courses):
            if i in held_set:
                continue
            for code in c.positives:
                examples.setdefault(code, []).append(c.text)
                example_ids.setdefault(code, []).append(c.course_id)
        example_vectors = None
        if index is not None:
            example_vectors = {
                code: np.array([index.matrix[index.row[cid]] for cid in ids if cid in index.row])
                for code, ids in example_ids.items()
            }
        tagger = HybridTagger(dense=encoder).fit(
            docs,
            examples=examples,
            doc_vectors=doc_vectors,
            example_vectors=example_vectors,
            sparse_encoder=vocabulary,
        )
        texts = [courses[i].text for i in held]
        vectors = None
        if index is not None and index.ids:
            vectors = index.vectors_for([courses[i].course_id for i in held], index.matrix.shape[1])
        features[held] = pair_features(tagger.components(texts, query_vectors=vectors))
    return pairs_for(codes, courses, features)


def catalog_vectors(courses: Sequence[LabelledCourse]) -> np.ndarray | None:
    """The labelled courses' stored dense vectors (a row of zeros for a course the model cannot read); None
    without a dense model."""
    if engine.dense_encoder() is None:
        return None
    index = engine.course_index()
    if not index.ids:
        return None
    return index.vectors_for([c.course_id for c in courses], index.matrix.shape[1])


def tag_calibration_refresh(*, version: StandardVersion) -> TagCalibration:
    """The calibration (embedding classifier and layer) for the current labels, fitted and stored when this
    state of the labels has none.

    Idempotent: the row is keyed by the labels' state (`labels_key`); a second call, or a concurrent one,
    returns the stored row.  Both regularisations are chosen by cross-validation on the same labels."""
    from courses.selectors import catalog_version

    encoder = engine.dense_encoder()
    model_name = encoder.name if encoder is not None else "-"
    courses = labelled_catalog(version=version)
    key = labels_key(version=version, courses=courses, model_name=model_name)
    stored = TagCalibration.objects.filter(key=key).first()
    if stored is not None:
        return stored
    data = catalog_pairs(version=version, courses=courses)
    # No labels yet: a fixed, uninformed layer (every probability low) and no classifier.
    layer, _ = fit_tagging_layer(data, catalog_vectors(courses))
    try:
        with transaction.atomic():
            return TagCalibration.objects.create(
                key=key,
                model_name=model_name,
                catalog_version=catalog_version(),
                parameters=layer.calibrator.to_dict(),
                classifier=layer.classifier.to_dict() if layer.classifier is not None else {},
                courses=len(courses),
            )
    except IntegrityError:  # fitted at the same time by another worker: theirs is the same fit
        return TagCalibration.objects.get(key=key)


_keys: dict[tuple[object, ...], str] = {}


def stored_layer(row: TagCalibration) -> TagLayer:
    """The layer and classifier of a stored row (an empty `classifier`: none, the signal is missing)."""
    classifier = EmbeddingClassifier.from_dict(row.classifier) if row.classifier else None
    return TagLayer(TagCalibrator.from_dict(row.parameters), classifier)


def tagging_layer(*, version: StandardVersion) -> TagLayer:
    """The layer and classifier for the current labels (fitted on first use for a new state), cached per
    process and catalog state (a review changes the catalog state, so the labels are read again)."""
    encoder = engine.dense_encoder()
    model_name = encoder.name if encoder is not None else "-"
    state = (catalog_state(), version.pk, version.content_hash, model_name)
    with _lock:
        if state not in _keys:
            courses = labelled_catalog(version=version)
            _keys.clear()
            _keys[state] = labels_key(version=version, courses=courses, model_name=model_name)
        key = _keys[state]
        if key not in _loaded:
            row = TagCalibration.objects.filter(key=key).first() or tag_calibration_refresh(version=version)
            _loaded.clear()
            _loaded[key] = stored_layer(row)
        return _loaded[key]
