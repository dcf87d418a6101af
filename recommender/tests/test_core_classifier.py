"""The embedding classifier (the calibrated layer's fourth signal) and the layer fitted with it (no database, no
model: toy vectors)."""

import json

import numpy as np
import pytest

from recommender.core.calibration import (
    CLASSIFIER_COLUMNS,
    FEATURE_NAMES,
    LabelledPairs,
    TagLayer,
    classifier_features,
    fit_tagging_layer,
    pair_features,
    with_classifier,
)
from recommender.core.classifier import CLASSIFIER_C_GRID, EmbeddingClassifier, choose_classifier_c
from recommender.evaluation.tagging_cv import cross_validate


def _toy(n: int, m: int, seed: int, *, signal: float = 0.05) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Texts whose vectors sit near their item's centre (informative) while the similarity signals barely
    point at the label (`signal`): the classifier has to carry the ranking."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).normal(size=(m, 16))
    truth = np.arange(n) % m
    rng.shuffle(truth)
    vectors = centres[truth] + rng.normal(scale=0.8, size=(n, 16))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    parts = {name: rng.uniform(0, 0.5, size=(n, m)) for name in ("dense", "sparse", "keyword")}
    parts["dense"][np.arange(n), truth] += signal
    labels = np.zeros((n, m))
    labels[np.arange(n), truth] = 1
    return parts, labels, vectors


def test_the_classifier_ranks_by_the_vectors_and_says_nothing_without_enough_labels():
    _, labels, vectors = _toy(120, 6, seed=1)
    labels[:, 5] = 0
    labels[0, 5] = 1  # one positive only: too few for a model of item 5
    model = EmbeddingClassifier(C=10.0).fit(vectors, labels)
    assert model.fitted_.tolist() == [True] * 5 + [False]
    _, test_labels, test_vectors = _toy(60, 6, seed=2)
    test_vectors[3] = 0.0  # a text the model could not read
    p = model.predict(test_vectors)
    assert p.shape == (60, 6)
    assert np.isnan(p[:, 5]).all() and np.isnan(p[3]).all()  # missing, not a low probability
    rows = [i for i in range(60) if i != 3 and test_labels[i, :5].any()]
    top1 = np.mean([np.nanargmax(p[i]) == test_labels[i].argmax() for i in rows])
    assert top1 > 0.8
    again = EmbeddingClassifier.from_dict(json.loads(json.dumps(model.to_dict())))
    assert np.allclose(again.predict(test_vectors), p, equal_nan=True, atol=1e-6)
    assert model.predict(None, 4).shape == (4, 6) and np.isnan(model.predict(None, 4)).all()


def test_masked_pairs_are_left_out_of_an_items_training():
    _, labels, vectors = _toy(60, 3, seed=3)
    mask = np.ones_like(labels)
    mask[:, 2] = 0  # item 2 labelled on no course (a course only reviewed on other items)
    model = EmbeddingClassifier(C=1.0).fit(vectors, labels, mask)
    assert model.fitted_.tolist() == [True, True, False]


def test_the_classifier_c_comes_from_the_grid_by_inner_cross_validation():
    _, labels, vectors = _toy(90, 5, seed=4)
    c = choose_classifier_c(vectors, labels, np.ones_like(labels))
    assert c in CLASSIFIER_C_GRID
    assert choose_classifier_c(vectors, labels, np.ones_like(labels)) == c  # deterministic
    assert choose_classifier_c(vectors, labels, np.ones_like(labels), grid=(0.001,)) == 0.001


def test_classifier_features_rank_among_the_items_it_predicts():
    p = np.array([[0.2, np.nan, 0.8], [np.nan, np.nan, np.nan]])
    f = classifier_features(p, (2, 3))
    assert f.shape == (2, 3, 5)
    assert f[0, 2].tolist() == pytest.approx([0.8, 1.0, 1.0, 0.0, 1.0])
    assert f[0, 0].tolist() == pytest.approx([0.2, 0.25, 0.5, -0.6, 0.0])
    assert np.isnan(f[0, 1]).all() and np.isnan(f[1]).all()


def test_a_missing_classifier_signal_is_neutral():
    """Where the classifier has nothing to say, the layer imputes its training mean: the pair's probability is the
    one of a pair whose classifier features sit at that mean (they add nothing to the logit)."""
    parts, labels, vectors = _toy(150, 5, seed=5, signal=0.3)
    data = LabelledPairs(pair_features(parts), labels, np.ones_like(labels))
    layer, training = fit_tagging_layer(data, vectors)
    assert layer.classifier is not None and len(FEATURE_NAMES) == 21
    assert np.isfinite(training.features[:, :, CLASSIFIER_COLUMNS]).all()  # out-of-fold features, every row
    test_parts, _, _ = _toy(10, 5, seed=6, signal=0.3)
    missing = layer.predict(test_parts, None)
    at_mean = pair_features(test_parts)
    at_mean[:, :, CLASSIFIER_COLUMNS] = layer.calibrator.mean_[CLASSIFIER_COLUMNS]
    assert np.allclose(missing, layer.calibrator.probabilities(at_mean))
    # Without vectors at all there is no classifier, and its columns carry no weight.
    plain, _ = fit_tagging_layer(data, None)
    assert plain.classifier is None
    assert np.abs(plain.calibrator.coef_[CLASSIFIER_COLUMNS]).max() < 1e-9
    assert np.allclose(plain.predict(test_parts), plain.probabilities(pair_features(test_parts)))


def test_the_layer_learns_from_the_classifier_when_the_similarities_are_weak():
    parts, labels, vectors = _toy(200, 5, seed=7)
    data = LabelledPairs(pair_features(parts), labels, np.ones_like(labels))
    layer, _ = fit_tagging_layer(data, vectors)
    plain, _ = fit_tagging_layer(data, None)
    test_parts, test_labels, test_vectors = _toy(100, 5, seed=8)
    with_vectors = layer.predict(test_parts, test_vectors)
    without = plain.predict(test_parts)
    top1 = (with_vectors.argmax(axis=1) == test_labels.argmax(axis=1)).mean()
    assert top1 > 0.8 and top1 > (without.argmax(axis=1) == test_labels.argmax(axis=1)).mean() + 0.3
    # From stored features (the evaluation's path) the same probabilities.
    assert np.allclose(layer.probabilities(pair_features(test_parts), test_vectors), with_vectors)
    features = with_classifier(pair_features(test_parts), layer.classify(test_vectors, 100))
    assert np.allclose(layer.calibrator.probabilities(features), with_vectors)
    assert isinstance(layer, TagLayer)


def test_cross_validation_fits_the_classifier_inside_each_training_fold():
    parts, labels, vectors = _toy(80, 5, seed=9)
    catalog_parts, catalog_labels, catalog_vectors = _toy(60, 5, seed=10)
    catalog = LabelledPairs(pair_features(catalog_parts), catalog_labels, np.ones_like(catalog_labels))
    codes = [f"C{j}" for j in range(5)]
    names = [[codes[int(row.argmax())]] for row in labels]
    result = cross_validate(
        "toy",
        pair_features(parts),
        parts["dense"],
        names,
        codes,
        catalog,
        threshold=0.5,
        vectors=vectors,
        catalog_vectors=catalog_vectors,
        k=5,
        seed=0,
    )
    assert len(result.chosen_classifier_c) == 5 and set(result.chosen_classifier_c) <= set(CLASSIFIER_C_GRID)
    assert result.calibrated.top1 > 0.8 and result.calibrated.top1 > result.no_classifier.top1 + 0.3
    assert result.catalog_only.n == 80
