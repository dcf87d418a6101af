"""Stored vectors: float32 bytes with model name and text hash, recomputed only when text or model change."""

import numpy as np
import pytest
from django.core.management import call_command

from courses.models import Course
from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record
from recommender import engine
from recommender.core.encoders import SentenceTransformerEncoder, model_fingerprint
from recommender.models import EmbeddingVector, VectorKind
from recommender.vectors import PASSAGE, QUERY, SyncStats, vectors_sync

pytestmark = pytest.mark.django_db


class CountingEncoder:
    """Deterministic vectors from the text's bytes; counts what it encodes."""

    def __init__(self, name: str = "fake-a", query_prefix: str = "", passage_prefix: str = "") -> None:
        self.name = name
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.encoded: list[str] = []

    def _encode(self, texts, prefix):
        self.encoded.extend(texts)
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for i, text in enumerate(texts):
            for j, byte in enumerate((prefix + text).encode()):
                out[i, j % 8] += byte
            out[i] /= max(np.linalg.norm(out[i]), 1e-9)
        return out

    def encode_queries(self, texts):
        return self._encode(texts, self.query_prefix)

    def encode_passages(self, texts):
        return self._encode(texts, self.passage_prefix)


def test_vectors_are_stored_and_reused_until_the_text_changes():
    encoder = CountingEncoder()
    items = [(1, "machine learning"), (2, "UI design"), (3, "threat modelling")]
    first = vectors_sync(kind=VectorKind.COURSE, items=items, encoder=encoder)
    assert len(encoder.encoded) == 3 and first.shape == (3, 8) and first.dtype == np.float32
    row = EmbeddingVector.objects.get(kind="course", object_id=2)
    assert row.model_name == "fake-a" and row.dimension == 8 and len(bytes(row.vector)) == 8 * 4
    assert np.array_equal(np.frombuffer(bytes(row.vector), dtype=np.float32), first[1])

    stats = SyncStats()
    again = vectors_sync(kind=VectorKind.COURSE, items=items, encoder=encoder, stats=stats)
    assert len(encoder.encoded) == 3 and (stats.encoded, stats.reused) == (0, 3)
    assert np.array_equal(again, first)

    changed = vectors_sync(kind=VectorKind.COURSE, items=[(1, "machine learning"), (2, "UX research")], encoder=encoder)
    assert encoder.encoded[3:] == ["UX research"]
    assert np.array_equal(changed[0], first[0]) and not np.array_equal(changed[1], first[1])
    assert EmbeddingVector.objects.filter(kind="course").count() == 3  # updated in place


def test_another_model_or_prefix_recomputes_and_keeps_the_other_models_vectors():
    a, b = CountingEncoder("fake-a"), CountingEncoder("fake-b")
    items = [(1, "machine learning")]
    vectors_sync(kind=VectorKind.SKILL_ITEM, items=items, encoder=a)
    vectors_sync(kind=VectorKind.SKILL_ITEM, items=items, encoder=b)
    assert len(b.encoded) == 1
    assert set(EmbeddingVector.objects.values_list("model_name", flat=True)) == {"fake-a", "fake-b"}
    e5 = CountingEncoder("fake-a", query_prefix="query: ", passage_prefix="passage: ")
    vectors_sync(kind=VectorKind.SKILL_ITEM, items=items, encoder=e5, role=PASSAGE)
    assert len(e5.encoded) == 1  # same model name, but the prefix changes what the vector means
    vectors_sync(kind=VectorKind.COURSE, items=items, encoder=e5, role=QUERY)
    assert len(e5.encoded) == 2  # kinds do not share rows


def test_an_object_listed_twice_is_refused():
    with pytest.raises(ValueError, match="listed twice"):
        vectors_sync(kind=VectorKind.COURSE, items=[(1, "a"), (1, "b")], encoder=CountingEncoder())


def test_model_names_tell_apart_two_models_in_same_named_folders(tmp_path):
    for name, size in (("one", 10), ("two", 20)):
        folder = tmp_path / name / "model"
        folder.mkdir(parents=True)
        (folder / "config.json").write_text(f'{{"hidden_size": {size}}}')
    one = SentenceTransformerEncoder(tmp_path / "one" / "model")
    two = SentenceTransformerEncoder(tmp_path / "two" / "model")
    assert one.name != two.name
    assert model_fingerprint(tmp_path / "one" / "model") == model_fingerprint(tmp_path / "one" / "model")


@pytest.fixture
def fake_model(standard, monkeypatch):
    encoder = CountingEncoder("fake-model")
    monkeypatch.setattr(engine, "dense_encoder", lambda: encoder)
    monkeypatch.setattr("recommender.management.commands.embed_catalog.dense_encoder", lambda: encoder)
    encoder.check = lambda: None  # type: ignore[attr-defined]
    catalog_import(
        data=catalog_json(
            [
                course_record(1),
                course_record(2, title_en="", description_en="", title_ja="統計入門", description_ja="日本語だけ"),
                course_record(3, skills=[], title_en="Deep learning with PyTorch", description_en="Hands-on."),
            ]
        ),
        filename="c.json",
    )
    return encoder


def test_embed_catalog_stores_every_vector_once_and_then_only_changes(fake_model, capsys):
    call_command("embed_catalog")
    out = capsys.readouterr().out
    assert "skill items 49 encoded" in out and "literacy sections 4 encoded" in out
    assert "courses 2 encoded, 0 unchanged" in out  # T-002 has no English side for an English model
    assert EmbeddingVector.objects.filter(kind="course").count() == 2
    call_command("embed_catalog")
    out = capsys.readouterr().out
    assert "skill items 0 encoded, 49 unchanged" in out and "courses 0 encoded, 2 unchanged" in out

    Course.objects.filter(code="T-001").update(description_en="Now about Terraform.")
    call_command("embed_catalog")
    assert "courses 1 encoded, 1 unchanged" in capsys.readouterr().out
    assert fake_model.encoded[-1] == "Data analysis course 1. Now about Terraform"


def test_the_tagger_and_inference_read_stored_vectors(fake_model):
    from recommender.services import course_tags_infer
    from skills.selectors import standard_version_get

    version = standard_version_get()
    engine.taggers(version=version)
    encoded = len(fake_model.encoded)
    assert encoded == 49 + 4 + 2  # items, sections, and the courses with an English side
    engine._taggers.clear()
    engine._indexes.clear()
    engine.taggers(version=version)
    assert len(fake_model.encoded) == encoded  # a new process builds its tagger from the database
    course = Course.objects.get(code="T-003")
    course_tags_infer(course_ids=[course.pk])
    assert len(fake_model.encoded) == encoded  # the course's vector was already stored
    assert course.skill_tags.exists()
    index = engine.course_index()
    assert sorted(index.ids) == sorted(Course.objects.exclude(code="T-002").values_list("pk", flat=True))


def test_a_multilingual_model_reads_japanese_only_courses(fake_model):
    """With `english_only = False` (RECOMMENDER_DENSE_LANGUAGES=all), T-002 (Japanese only) gets a vector."""
    fake_model.english_only = False
    index = engine.course_vectors_sync()
    assert len(index.ids) == 3
    assert "統計入門. 日本語だけ" in fake_model.encoded


def test_a_configured_model_is_taken_as_multilingual_unless_told(settings, tmp_path):
    engine.dense_encoder.cache_clear()
    try:
        settings.RECOMMENDER_MODEL = str(tmp_path)
        assert getattr(engine.dense_encoder(), "english_only", None) is False
        engine.dense_encoder.cache_clear()
        settings.RECOMMENDER_DENSE_LANGUAGES = "en"
        assert getattr(engine.dense_encoder(), "english_only", None) is True
        engine.dense_encoder.cache_clear()
        settings.RECOMMENDER_MODEL = "bundled"
        settings.RECOMMENDER_DENSE_LANGUAGES = "auto"
        assert getattr(engine.dense_encoder(), "english_only", None) is True
    finally:
        engine.dense_encoder.cache_clear()


def test_an_unknown_languages_setting_is_a_start_up_error(settings):
    from recommender.apps import check_model_directory

    settings.RECOMMENDER_DENSE_LANGUAGES = "fr"
    assert [e.id for e in check_model_directory()] == ["recommender.E002"]


def test_texts_are_encoded_longest_first_and_returned_in_the_callers_order():
    """Batches hold texts of about one length (little padding); the result still follows `items`."""
    encoder = CountingEncoder()
    items = [(i, "x" * ((i * 37) % 300 + 1)) for i in range(1, 601)]  # 600 texts: three batches of <= 256
    vectors = vectors_sync(kind=VectorKind.COURSE, items=items, encoder=encoder)
    lengths = [len(t) for t in encoder.encoded]
    assert lengths == sorted(lengths, reverse=True)
    expected = encoder._encode([text for _, text in items], "")
    assert np.array_equal(vectors, expected)
    stored = dict(EmbeddingVector.objects.filter(kind="course").values_list("object_id", "vector"))
    assert all(np.array_equal(np.frombuffer(bytes(stored[i]), dtype=np.float32), vectors[i - 1]) for i, _ in items)
