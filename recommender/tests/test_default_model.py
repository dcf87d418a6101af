"""multilingual-e5-small is the default model: built by `make run`/`make test` (half precision), used with its
prefixes and weights; MiniLM stays a setting away; a missing build is a clear error; vectors follow the model."""

from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from recommender import engine
from recommender.core.encoders import EncoderUnavailable
from recommender.core.tagging import Weights


@pytest.fixture
def fresh_encoder():
    engine.dense_encoder.cache_clear()
    yield
    engine.dense_encoder.cache_clear()


def test_the_default_is_the_multilingual_model_with_its_prefixes_and_weights(settings, fresh_encoder):
    import os

    from config import settings as defaults

    if "RECOMMENDER_MODEL" not in os.environ:
        assert defaults.RECOMMENDER_MODEL == "multilingual"
    if "RECOMMENDER_WEIGHTS" not in os.environ:
        assert defaults.RECOMMENDER_WEIGHTS == "auto"
    settings.RECOMMENDER_MODEL = "multilingual"
    settings.RECOMMENDER_QUERY_PREFIX = settings.RECOMMENDER_PASSAGE_PREFIX = settings.RECOMMENDER_WEIGHTS = "auto"
    settings.RECOMMENDER_DENSE_LANGUAGES = "auto"
    assert engine.model_directory() == Path(settings.RECOMMENDER_MULTILINGUAL_DIR)
    assert engine.model_prefixes() == ("query: ", "passage: ")
    assert engine.fusion_weights() == Weights(0.95, 0.05, 0.0)
    encoder = engine.dense_encoder()
    assert encoder is not None and encoder.english_only is False and encoder.query_prefix == "query: "

    settings.RECOMMENDER_MODEL = "bundled"  # MiniLM: English only, no prefixes, its own weights
    engine.dense_encoder.cache_clear()
    assert engine.model_prefixes() == ("", "") and engine.fusion_weights() == Weights(0.60, 0.40, 0.0)
    encoder = engine.dense_encoder()
    assert encoder is not None and encoder.english_only is True


def test_a_missing_build_is_a_clear_error_naming_what_to_do(settings, tmp_path, fresh_encoder, standard):
    from recommender.apps import check_model_directory

    settings.RECOMMENDER_MODEL = "multilingual"
    settings.RECOMMENDER_MULTILINGUAL_DIR = str(tmp_path / "absent")
    [error] = check_model_directory()
    assert error.id == "recommender.E001" and "make multilingual-model" in error.msg
    encoder = engine.dense_encoder()
    assert encoder is not None
    with pytest.raises(EncoderUnavailable, match="make multilingual-model"):
        encoder.encode_queries(["x"])
    source = tmp_path / "in.json"
    source.write_text('[{"id": 1, "title": "機械学習", "description": "回帰と分類"}]', encoding="utf-8")
    with pytest.raises(CommandError, match="make multilingual-model"):  # a message, not a traceback
        call_command("infer_skills", str(source), stdout=StringIO(), skip_checks=True)


def test_the_build_is_idempotent_and_half_precision(tmp_path):
    from safetensors import safe_open

    out = tmp_path / "m"
    first = StringIO()
    call_command("build_multilingual_model", "--out", str(out), "--if-missing", stdout=first, stderr=StringIO())
    assert "Built" in first.getvalue() and (out / ".built").is_file()
    with safe_open(str(out / "model.safetensors"), framework="numpy") as f:
        assert {str(f.get_slice(k).get_dtype()) for k in f.keys()} == {"F16"}  # noqa: SIM118
    assert (out / "model.safetensors").stat().st_size < 250_000_000  # 470 MB in float32
    stamp = (out / "model.safetensors").stat().st_mtime_ns
    again = StringIO()
    call_command("build_multilingual_model", "--out", str(out), "--if-missing", stdout=again, stderr=StringIO())
    assert "already built" in again.getvalue()
    assert (out / "model.safetensors").stat().st_mtime_ns == stamp
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".m-")]  # no partial build left behind


@pytest.mark.django_db
def test_stored_vectors_are_recomputed_when_the_model_changes(settings, fresh_encoder, standard):
    """Vectors are keyed by model: switching MiniLM -> multilingual-e5-small encodes again, keeps both."""
    from recommender.models import EmbeddingVector
    from recommender.vectors import PASSAGE, SyncStats, vectors_sync

    items = [(1, "Machine learning with scikit-learn"), (2, "情報セキュリティの基礎")]
    names = []
    for model in ("bundled", "multilingual"):
        settings.RECOMMENDER_MODEL = model
        settings.RECOMMENDER_DENSE = True
        engine.dense_encoder.cache_clear()
        encoder = engine.dense_encoder()
        assert encoder is not None
        names.append(encoder.name)
        stats = SyncStats()
        vectors = vectors_sync(kind="skill_item", items=items, encoder=encoder, role=PASSAGE, stats=stats)
        assert (stats.encoded, stats.reused) == (2, 0) and vectors.shape == (2, 384)
        stats = SyncStats()
        again = vectors_sync(kind="skill_item", items=items, encoder=encoder, role=PASSAGE, stats=stats)
        assert (stats.encoded, stats.reused) == (0, 2) and np.allclose(again, vectors)
    assert names[0] != names[1]
    assert sorted(EmbeddingVector.objects.values_list("model_name", flat=True).distinct()) == sorted(names)
