"""The calibrated tagging layer, evidence sentences and the cross-validation metrics (no database, no model)."""

import json

import numpy as np
import pytest

from recommender.core.calibration import (
    FEATURE_NAMES,
    LabelledPairs,
    TagCalibrator,
    choose_regularisation,
    emit,
    folds,
    label_matrix,
    pair_features,
)
from recommender.core.tagging import CourseText, HybridTagger, SkillDoc, sentences
from recommender.evaluation.tagging_cv import (
    RealSetError,
    annotator_agreement,
    cohen_kappa,
    cross_validate,
    main_first_matrix,
    real_set,
    reliability,
    tag_metrics,
)


def _parts(n: int, m: int, seed: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Signals where the labelled item of each text tends to score highest (noisily)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, m, size=n)
    parts = {name: rng.uniform(0, 0.5, size=(n, m)) for name in ("dense", "sparse", "keyword")}
    for name, boost in (("dense", 0.4), ("sparse", 0.3), ("keyword", 0.2)):
        parts[name][np.arange(n), truth] += boost * rng.uniform(0.5, 1.0, size=n)
    labels = np.zeros((n, m))
    labels[np.arange(n), truth] = 1
    return parts, labels


def test_pair_features_describe_each_score_against_the_texts_best():
    parts = {
        "dense": np.array([[0.2, 0.8, 0.4]]),
        "sparse": np.array([[0.0, 0.0, 0.0]]),
        "keyword": np.array([[1.0, 0.0, 0.0]]),
    }
    features = pair_features(parts)
    assert features.shape == (1, 3, len(FEATURE_NAMES))
    named = dict(zip(FEATURE_NAMES, features[0, 1], strict=True))
    assert named["dense_scaled"] == pytest.approx(1.0) and named["dense_top"] == 1.0
    assert named["dense_reciprocal_rank"] == pytest.approx(1.0) and named["dense_gap"] == 0.0
    assert named["sparse_top"] == 0.0 and named["sparse_reciprocal_rank"] == 0.0  # no sparse evidence at all
    assert dict(zip(FEATURE_NAMES, features[0, 0], strict=True))["dense_reciprocal_rank"] == pytest.approx(1 / 3)


def test_the_layer_learns_probabilities_that_rank_and_calibrate():
    parts, labels = _parts(300, 20, seed=1)
    x = pair_features(parts).reshape(-1, len(FEATURE_NAMES))
    layer = TagCalibrator(C=1.0).fit(x, labels.ravel())
    test_parts, test_labels = _parts(200, 20, seed=2)
    p = layer.predict(test_parts)
    assert p.shape == (200, 20) and ((p >= 0) & (p <= 1)).all()
    top1 = (p.argmax(axis=1) == test_labels.argmax(axis=1)).mean()
    assert top1 > 0.8
    # Calibrated: the mean probability matches the share of labels (1 in 20) within a few points.
    assert abs(p.mean() - test_labels.mean()) < 0.02
    again = TagCalibrator.from_dict(json.loads(json.dumps(layer.to_dict())))
    assert np.allclose(again.predict(test_parts), p, atol=1e-6)


def test_a_stored_layer_with_other_features_is_refused():
    data = TagCalibrator().to_dict() | {"features": ["dense_raw"]}
    with pytest.raises(ValueError, match="other features"):
        TagCalibrator.from_dict(data)


def test_fitting_needs_both_classes():
    with pytest.raises(ValueError, match="both"):
        TagCalibrator().fit(np.zeros((5, len(FEATURE_NAMES))), np.zeros(5))


@pytest.mark.parametrize(
    ("probabilities", "threshold", "expected"),
    [
        ([0.9, 0.1, 0.6, 0.7, 0.8], 0.5, [0, 4, 3]),  # at most three, best first
        ([0.2, 0.3], 0.5, []),  # none: a course teaching no DSS-P item
        ([0.5, 0.5, 0.1], 0.5, [0, 1]),  # ties by column; the threshold itself counts
    ],
)
def test_emit(probabilities, threshold, expected):
    assert emit(np.array(probabilities), threshold) == expected


def test_regularisation_is_chosen_from_the_grid_and_folds_are_deterministic():
    parts, labels = _parts(60, 10, seed=3)
    data = LabelledPairs(pair_features(parts), labels, np.ones_like(labels))
    assert choose_regularisation(data, grid=(0.01, 1.0)) in (0.01, 1.0)
    assert [f.tolist() for f in folds(10, 3, seed=0)] == [f.tolist() for f in folds(10, 3, seed=0)]
    assert sorted(np.concatenate(folds(10, 3, seed=0)).tolist()) == list(range(10))


def test_cross_validation_scores_only_held_out_texts():
    """Every text is predicted exactly once, by a layer that never saw it (outer folds)."""
    parts, labels = _parts(60, 10, seed=4)
    codes = [f"C{j}" for j in range(10)]
    names = [[codes[int(row.argmax())]] for row in labels]
    catalog_parts, catalog_labels = _parts(80, 10, seed=5)
    catalog = LabelledPairs(pair_features(catalog_parts), catalog_labels, np.ones_like(catalog_labels))
    result = cross_validate(
        "toy", pair_features(parts), parts["dense"], names, codes, catalog, threshold=0.5, k=5, seed=0
    )
    assert result.probabilities.shape == (60, 10) and (result.probabilities > 0).all()
    assert len(result.chosen_c) == 5
    assert result.calibrated.top1 > 0.7
    assert result.calibrated.n == 60


def test_tag_metrics():
    codes = ["A", "B", "C", "D"]
    labels = main_first_matrix(codes, [["A", "B"], ["C"], []])
    ranking = np.array([[0.9, 0.1, 0.5, 0.0], [0.2, 0.1, 0.3, 0.9], [0.1, 0.1, 0.1, 0.1]])
    emitted = [[0, 2], [3], []]
    m = tag_metrics(ranking, emitted, labels)
    assert (m.top1, m.recall_at_3) == (0.5, 1.0)  # text 2's main label C is second
    assert (m.precision, m.recall) == (round(1 / 3, 3), round(1 / 3, 3))
    assert m.literacy_only_correct == 1.0 and m.mean_emitted == 1.0 and m.one_tag_share == round(1 / 3, 3)


def test_reliability_bins():
    p = np.array([[0.05, 0.95], [0.15, 0.85]])
    y = label_matrix(["A", "B"], [["B"], ["A"]])
    bins = reliability(p, y, (0.0, 0.5, 1.0))
    assert [(b.pairs, b.observed) for b in bins] == [(2, 0.5), (2, 0.5)]


def test_agreement_between_annotators():
    assert cohen_kappa(["a", "b", "a", "b"], ["a", "b", "a", "b"]) == 1.0
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == 0.0
    annotations = {
        "annotator_a": {
            "1": {"main": "BT01", "items": ["BT01", "DU04"], "literacy_only": False, "note": ""},
            "2": {"main": None, "items": [], "literacy_only": True, "note": ""},
            "3": {"main": "DU05", "items": ["DU05"], "literacy_only": False, "note": ""},
        },
        "annotator_b": {
            "1": {"main": "BT01", "items": ["BT01"], "literacy_only": False, "note": ""},
            "2": {"main": None, "items": [], "literacy_only": True, "note": ""},
            "3": {"main": "DU04", "items": ["DU04"], "literacy_only": False, "note": ""},
        },
    }
    agreement = annotator_agreement(annotations)
    assert agreement is not None
    assert agreement.n == 3 and agreement.set_f1_micro == round(2 * 1 / 5, 3)
    assert agreement.main_agreement == round(2 / 3, 3)


def test_the_real_set_loader(tmp_path):
    assert real_set(tmp_path) is None
    (tmp_path / "courses_real.json").write_text(
        json.dumps([{"id": "r1", "title": "T", "text": "body"}, {"id": "r2", "title": "U", "text": "x"}]), "utf-8"
    )
    (tmp_path / "annotations.json").write_text(
        json.dumps({"adjudicated": {"r1": {"main": "DU04", "items": ["DU05", "DU04"], "literacy_only": False}}}),
        "utf-8",
    )
    found = real_set(tmp_path)
    assert found is not None
    assert found[0].ids == ["r1"] and found[0].labels == [["DU04", "DU05"]]  # main first; unlabelled r2 left out
    (tmp_path / "annotations.json").write_text(json.dumps({"adjudicated": {"r1": {"items": "DU04"}}}), "utf-8")
    with pytest.raises(RealSetError, match=r"adjudicated\[r1\], field 'items'"):
        real_set(tmp_path)


@pytest.fixture(scope="module")
def small_tagger() -> HybridTagger:
    docs = [
        SkillDoc("DU05", "機械学習", "Machine learning", terms_ja=("機械学習", "回帰"), terms_en=("scikit-learn",)),
        SkillDoc("SC01", "セキュリティ", "Security", terms_ja=("脆弱性", "暗号"), terms_en=("OWASP",)),
    ]
    return HybridTagger().fit(docs)


def test_evidence_quotes_the_sentences_that_name_the_item(small_tagger):
    text = CourseText(
        "データ活用講座",
        "受講者は社内の事例を共有します。scikit-learnで回帰モデルを作ります。最後にOWASPの脆弱性を確認します。",
    )
    [found] = small_tagger.evidence([text], [["DU05", "SC01"]])
    assert found[0] == ("scikit-learnで回帰モデルを作ります。",)
    assert found[1] == ("最後にOWASPの脆弱性を確認します。",)
    assert small_tagger.evidence([text], [[]]) == [[]]


@pytest.mark.parametrize(
    "text",
    [
        CourseText("!!!", "★☆★ ※※※ ---"),  # only symbols
        CourseText("", "機械学習 machine learning 機械学習 " * 40_000),  # about 1 MB, no sentence end
        CourseText(
            "Pythonで機械学習", "Learn 機械学習 with scikit-learn; 回帰と分類。Then deploy it."
        ),  # mixed scripts
    ],
)
def test_evidence_and_signals_never_fail_on_odd_text(small_tagger, text):
    parts = small_tagger.components([text])
    assert parts["sparse"].shape == (1, 2)
    [found] = small_tagger.evidence([text], [["DU05"]])
    assert len(found) == 1 and all(len(s) <= 300 for s in found[0])
    assert len(sentences(text)) <= 2000


def test_an_unknown_or_missing_analyser_is_a_clear_error():
    from recommender.core.japanese import JapaneseWordsTfidf, JapaneseWordsUnavailable

    with pytest.raises(JapaneseWordsUnavailable, match="unknown analyser"):
        JapaneseWordsTfidf("kuromoji")
    import importlib.util

    for kind, module in (("sudachi", "sudachipy"), ("fugashi", "fugashi")):
        if importlib.util.find_spec(module) is None:  # not a requirement: the message says what to install
            with pytest.raises(JapaneseWordsUnavailable, match="pip install"):
                JapaneseWordsTfidf(kind)
