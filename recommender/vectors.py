"""Stored dense vectors (a service: the recommender's only writer of `EmbeddingVector` rows).

`vectors_sync` returns the vectors of (object id, text) pairs under the configured model, reading the
stored float32 bytes when the stored text hash still matches and encoding (in batches) only the
objects whose text or model changed, then upserting those. Safe to repeat and to run concurrently:
the upsert keys on (kind, object, model) and the last writer stores the same vector.
`course_vectors_store` and `doc_vectors_store` do it for courses and for the standard's descriptions;
`engine.py` passes them the configured encoder and caches the result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db.models import Q

from recommender.core.encoders import Encoder
from recommender.core.tagging import CourseText, SkillDoc, dense_english_only
from recommender.models import EmbeddingVector, VectorKind

QUERY = "query"
PASSAGE = "passage"
BATCH = 256


@dataclass
class SyncStats:
    encoded: int = 0
    reused: int = 0


def text_hash(text: str, *, role: str, prefix: str) -> str:
    """What a vector depends on besides the model: the role (query/passage), its prefix and the text."""
    return hashlib.sha256(f"{role}\x00{prefix}\x00{text}".encode()).hexdigest()


def vectors_sync(
    *,
    kind: str,
    items: Sequence[tuple[int, str]],
    encoder: Encoder,
    role: str = PASSAGE,
    progress: Callable[[int, int], None] | None = None,
    stats: SyncStats | None = None,
) -> np.ndarray:
    """The vectors of `items` (object id, text), in order, shape (len(items), dimension), float32."""
    stats = stats if stats is not None else SyncStats()
    model = encoder.name
    prefix = getattr(encoder, "query_prefix" if role == QUERY else "passage_prefix", "")
    hashes = [text_hash(text, role=role, prefix=prefix) for _, text in items]
    stored: dict[int, tuple[str, bytes]] = {}
    ids = [object_id for object_id, _ in items]
    for start in range(0, len(ids), 5000):
        found_rows = EmbeddingVector.objects.filter(
            Q(kind=kind, model_name=model, object_id__in=ids[start : start + 5000])
        ).values_list("object_id", "text_hash", "vector")
        stored.update({object_id: (h, bytes(v)) for object_id, h, v in found_rows})
    out: list[np.ndarray | None] = [None] * len(items)
    missing: list[int] = []
    seen: set[int] = set()
    for i, ((object_id, _), h) in enumerate(zip(items, hashes, strict=True)):
        if object_id in seen:
            raise ValueError(f"vectors_sync: object {object_id} is listed twice")
        seen.add(object_id)
        found = stored.get(object_id)
        if found is not None and found[0] == h:
            out[i] = np.frombuffer(found[1], dtype=np.float32)
        else:
            missing.append(i)
    stats.reused += len(items) - len(missing)
    # Longest texts first: each batch then holds texts of about one length, so the model pads little
    # (as one `encode` call over everything would; batching by position padded every batch to its longest).
    missing.sort(key=lambda i: -len(items[i][1]))
    encode = encoder.encode_queries if role == QUERY else encoder.encode_passages
    for start in range(0, len(missing), BATCH):
        batch = missing[start : start + BATCH]
        vectors = np.asarray(encode([items[i][1] for i in batch]), dtype=np.float32)
        rows: list[EmbeddingVector] = []
        for i, vector in zip(batch, vectors, strict=True):
            out[i] = vector
            rows.append(
                EmbeddingVector(
                    kind=kind,
                    object_id=items[i][0],
                    model_name=model,
                    text_hash=hashes[i],
                    dimension=int(vector.shape[0]),
                    vector=vector.tobytes(),
                )
            )
        EmbeddingVector.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["kind", "object_id", "model_name"],
            update_fields=["text_hash", "dimension", "vector", "updated_at"],
        )
        stats.encoded += len(batch)
        if progress:
            progress(start + len(batch), len(missing))
    if not items:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([v for v in out if v is not None]).astype(np.float32)


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


def course_vectors_store(
    *,
    encoder: Encoder,
    courses: Sequence[tuple[int, CourseText]],
    progress: Callable[[int, int], None] | None = None,
    stats: SyncStats | None = None,
) -> CourseIndex:
    """Stored query vectors of these courses (id, text) that the encoder can read, computing only what changed."""
    english_only = dense_english_only(encoder)
    items = [(course_id, t.dense_text(english_only)) for course_id, t in courses if t.readable(english_only)]
    matrix = vectors_sync(
        kind=VectorKind.COURSE, items=items, encoder=encoder, role=QUERY, progress=progress, stats=stats
    )
    return CourseIndex([course_id for course_id, _ in items], matrix, encoder.name)


def doc_vectors_store(
    *, kind: str, docs: Sequence[SkillDoc], ids: dict[str, int], encoder: Encoder, stats: SyncStats | None = None
) -> np.ndarray:
    """Stored passage vectors of the items' (or sections') descriptions."""
    return vectors_sync(
        kind=kind,
        items=[(ids[d.code], d.dense_text(dense_english_only(encoder))) for d in docs],
        encoder=encoder,
        role=PASSAGE,
        stats=stats,
    )
