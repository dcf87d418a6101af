"""Calibrated tag probabilities learnt from labelled courses (plain Python: numpy, scikit-learn).

`HybridTagger.components` gives, for every (text, item), a dense, a sparse and a keyword score.  A single
logistic regression shared by all items (`TagCalibrator`) turns each pair's features into the probability
that the item is one of the text's labels.  The features describe a score relative to the text's other
items (scaled by the best item, rank, gap to the best), so the layer learns how to combine the signals
and how sure a given margin is, with a few hundred labelled courses for 49 items: a per-item model
would have a handful of positives each.

A fourth signal, "classifier", is the probability of a per-item logistic regression on the texts' dense
vectors (`recommender.core.classifier`); where it has nothing to say (too few labels for the item, a text
without a vector) its features are missing (NaN) and the layer imputes their training mean, so they add
nothing to the logit.  `fit_tagging_layer` fits both, the product's way (`recommender.learning`) and the
evaluation's (`recommender.evaluation.tagging_cv`, on each outer training fold).

`emit` keeps the items whose probability reaches the threshold, at most three; `TagCalibrator.to_dict`
/ `from_dict` store the fitted layer as JSON.  `choose_regularisation` picks C by cross-validation on
the training data only (grouped by text: the pairs of one text never straddle folds).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from recommender.core.classifier import EmbeddingClassifier, choose_classifier_c, out_of_fold, usable_rows

SIGNALS = ("dense", "sparse", "keyword")
KINDS = ("raw", "scaled", "reciprocal_rank", "gap", "top")
CLASSIFIER = "classifier"
FEATURE_NAMES: tuple[str, ...] = (
    *tuple(f"{signal}_{kind}" for signal in SIGNALS for kind in KINDS),
    "agree_top",
    *tuple(f"{CLASSIFIER}_{kind}" for kind in KINDS),
)
CLASSIFIER_COLUMNS = slice(len(FEATURE_NAMES) - len(KINDS), len(FEATURE_NAMES))
FEATURE_VERSION = "pairs-v2-classifier"
MAX_TAGS = 3
C_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


def classifier_features(probabilities: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    """The classifier signal's five features, shape (texts, items, 5), as for the other signals but ranked among
    the items it predicts; NaN (missing: the layer imputes it) where it predicts nothing."""
    n, m = shape
    if probabilities is None:
        return np.full((n, m, len(KINDS)), np.nan)
    raw = np.asarray(probabilities, dtype=np.float64)
    known = np.isfinite(raw)
    filled = np.where(known, raw, -np.inf)
    best = filled.max(axis=1, keepdims=True) if m else np.zeros((n, 1))
    best = np.where(np.isfinite(best), best, np.nan)
    order = np.argsort(-filled, axis=1, kind="stable")
    rank = np.empty_like(order)
    rank[np.arange(n)[:, None], order] = np.arange(m)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(best > 0, raw / best, 0.0)
    out = np.stack([raw, scaled, 1.0 / (1.0 + rank), raw - best, (rank == 0).astype(np.float64)], axis=2)
    out[~known] = np.nan
    return out


def with_classifier(features: np.ndarray, probabilities: np.ndarray | None) -> np.ndarray:
    """A copy of `features` (texts, items, F) with the classifier signal's columns from `probabilities`."""
    out = np.array(features, dtype=np.float64, copy=True)
    out[:, :, CLASSIFIER_COLUMNS] = classifier_features(probabilities, out.shape[:2])
    return out


def pair_features(parts: Mapping[str, np.ndarray]) -> np.ndarray:
    """Features of every (text, item) pair, shape (texts, items, len(FEATURE_NAMES)).

    Per signal: the raw score, the score over the text's best item, 1 / (1 + rank), the gap to the best
    item and whether the item is the text's best; then how many of the three similarity signals put it first;
    then the same five for the classifier (`parts["classifier"]`, NaN where absent)."""
    n, m = parts["sparse"].shape
    columns: list[np.ndarray] = []
    tops = []
    for signal in SIGNALS:
        raw = np.asarray(parts.get(signal, np.zeros((n, m))), dtype=np.float64)
        best = raw.max(axis=1, keepdims=True) if m else np.zeros((n, 1))
        scaled = np.divide(raw, best, out=np.zeros_like(raw), where=best > 0)
        order = np.argsort(-raw, axis=1, kind="stable")
        rank = np.empty_like(order)
        rows = np.arange(n)[:, None]
        rank[rows, order] = np.arange(m)[None, :]
        present = (best > 0).astype(np.float64)
        top = ((rank == 0) & (best > 0)).astype(np.float64)
        tops.append(top)
        columns += [raw, scaled, present / (1.0 + rank), raw - best, top]
    columns.append(np.sum(tops, axis=0) / len(SIGNALS))
    return np.concatenate([np.stack(columns, axis=2), classifier_features(parts.get(CLASSIFIER), (n, m))], axis=2)


@dataclass
class TagCalibrator:
    """Logistic regression over `pair_features`, standardised; learned state ends in `_`.  A missing feature
    (NaN: the classifier had nothing to say) is imputed with its training mean, so it adds nothing to the logit."""

    C: float = 0.3
    coef_: np.ndarray = field(default_factory=lambda: np.zeros(len(FEATURE_NAMES)))
    intercept_: float = -4.0
    mean_: np.ndarray = field(default_factory=lambda: np.zeros(len(FEATURE_NAMES)))
    scale_: np.ndarray = field(default_factory=lambda: np.ones(len(FEATURE_NAMES)))
    n_pairs_: int = 0
    n_positive_: int = 0

    def fit(self, features: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None) -> TagCalibrator:
        """`features` (pairs, F), `labels` (pairs,) in {0, 1}; optional per-pair weights."""
        from sklearn.linear_model import LogisticRegression

        x = np.asarray(features, dtype=np.float64).reshape(-1, len(FEATURE_NAMES))
        y = np.asarray(labels, dtype=np.int64).ravel()
        if len(set(y.tolist())) < 2:
            raise ValueError("the calibration needs both tagged and untagged pairs")
        known = np.isfinite(x)
        counts = known.sum(axis=0)
        self.mean_ = np.divide(np.where(known, x, 0.0).sum(axis=0), counts, out=np.zeros(x.shape[1]), where=counts > 0)
        x = np.where(known, x, self.mean_)
        self.scale_ = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
        from threadpoolctl import threadpool_limits

        model = LogisticRegression(C=self.C, max_iter=2000)
        with threadpool_limits(1):  # small dense problem: one BLAS thread is faster on shared cores
            model.fit((x - self.mean_) / self.scale_, y, sample_weight=weights)
        self.coef_ = model.coef_.ravel().astype(np.float64)
        self.intercept_ = float(model.intercept_[0])
        self.n_pairs_, self.n_positive_ = len(y), int(y.sum())
        return self

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """P(item is a label of the text) for features of shape (..., F): shape (...)."""
        x = np.asarray(features, dtype=np.float64)
        x = np.where(np.isfinite(x), x, self.mean_)
        logits = ((x - self.mean_) / self.scale_) @ self.coef_ + self.intercept_
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -40, 40)))

    def predict(self, parts: Mapping[str, np.ndarray]) -> np.ndarray:
        """Probabilities, shape (texts, items), from `HybridTagger.components`."""
        return self.probabilities(pair_features(parts))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(FEATURE_NAMES),
            "feature_version": FEATURE_VERSION,
            "C": self.C,
            "coef": [round(float(v), 8) for v in self.coef_],
            "intercept": round(self.intercept_, 8),
            "mean": [round(float(v), 8) for v in self.mean_],
            "scale": [round(float(v), 8) for v in self.scale_],
            "pairs": self.n_pairs_,
            "positives": self.n_positive_,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TagCalibrator:
        if list(data.get("features", [])) != list(FEATURE_NAMES):
            raise ValueError("stored calibration has other features than this code")
        out = cls(C=float(data["C"]))
        out.coef_ = np.asarray(data["coef"], dtype=np.float64)
        out.intercept_ = float(data["intercept"])
        out.mean_ = np.asarray(data["mean"], dtype=np.float64)
        out.scale_ = np.asarray(data["scale"], dtype=np.float64)
        out.n_pairs_, out.n_positive_ = int(data.get("pairs", 0)), int(data.get("positives", 0))
        return out


@dataclass(frozen=True)
class LabelledPairs:
    """Training data: features (texts, items, F) with a 0/1 label and a mask of the pairs that count.

    A course with declared tags has every item labelled (its tags are 1, the others 0); a course that was
    only reviewed has its reviewed items labelled (accepted 1, rejected 0) and the rest masked out."""

    features: np.ndarray
    labels: np.ndarray
    mask: np.ndarray

    def take(self, rows: Sequence[int] | np.ndarray) -> LabelledPairs:
        index = np.asarray(rows, dtype=np.int64)
        return LabelledPairs(self.features[index], self.labels[index], self.mask[index])

    def flat(self) -> tuple[np.ndarray, np.ndarray]:
        keep = self.mask.astype(bool)
        return self.features[keep], self.labels[keep]

    @staticmethod
    def concat(parts: Sequence[LabelledPairs]) -> LabelledPairs:
        kept = [p for p in parts if len(p.labels)]
        return LabelledPairs(
            np.concatenate([p.features for p in kept]),
            np.concatenate([p.labels for p in kept]),
            np.concatenate([p.mask for p in kept]),
        )


def label_matrix(codes: Sequence[str], labels: Sequence[Sequence[str]]) -> np.ndarray:
    """0/1 matrix (texts, items) of the labels (codes outside `codes` are ignored)."""
    column = {code: j for j, code in enumerate(codes)}
    out = np.zeros((len(labels), len(codes)))
    for i, codes_i in enumerate(labels):
        for code in codes_i:
            if code in column:
                out[i, column[code]] = 1.0
    return out


def folds(n: int, k: int, seed: int) -> list[np.ndarray]:
    """`k` deterministic folds of range(n) (shuffled with `seed`)."""
    order = np.random.default_rng(seed).permutation(n)
    return [np.sort(order[i::k]) for i in range(k) if len(order[i::k])]


def log_loss(probabilities: np.ndarray, labels: np.ndarray) -> float:
    p = np.clip(probabilities, 1e-7, 1 - 1e-7)
    return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))


def choose_regularisation(
    data: LabelledPairs,
    *,
    grid: Sequence[float] = C_GRID,
    k: int = 3,
    seed: int = 0,
    always: LabelledPairs | None = None,
) -> float:
    """C with the lowest cross-validated log loss on `data`'s texts (folds by text).  `always` is training
    data added to every inner training fold (never scored): e.g. the catalog, when `data` is a labelled
    set under cross-validation."""
    n = len(data.labels)
    if n < k:
        return float(grid[len(grid) // 2])
    inner = folds(n, k, seed)
    best: tuple[float, float] | None = None
    for c in grid:
        losses = []
        for held in inner:
            train = np.setdiff1d(np.arange(n), held)
            parts = [data.take(train)] + ([always] if always is not None else [])
            x, y = LabelledPairs.concat(parts).flat()
            if len(set(y.tolist())) < 2:
                continue
            model = TagCalibrator(C=c).fit(x, y)
            xt, yt = data.take(held).flat()
            losses.append(log_loss(model.probabilities(xt), yt))
        if losses and (best is None or float(np.mean(losses)) < best[0]):
            best = (float(np.mean(losses)), float(c))
    return best[1] if best else float(grid[len(grid) // 2])


@dataclass
class TagLayer:
    """The calibrated layer with its embedding classifier (None: no dense vectors, the signal is missing)."""

    calibrator: TagCalibrator
    classifier: EmbeddingClassifier | None = None

    def classify(self, vectors: np.ndarray | None, n: int) -> np.ndarray | None:
        """The classifier's probabilities (texts, items), NaN where it has nothing to say; None without one."""
        return None if self.classifier is None or vectors is None else self.classifier.predict(vectors, n)

    def predict(self, parts: Mapping[str, np.ndarray], vectors: np.ndarray | None = None) -> np.ndarray:
        """Probabilities (texts, items) from `HybridTagger.components` and the texts' dense vectors (rows of
        zeros: a text without a vector)."""
        n = parts["sparse"].shape[0]
        found = self.classify(vectors, n)
        signals = dict(parts) if found is None else {**parts, CLASSIFIER: found}
        return self.calibrator.probabilities(pair_features(signals))

    def probabilities(self, features: np.ndarray, vectors: np.ndarray | None = None) -> np.ndarray:
        """The same from precomputed `pair_features` (their classifier columns are replaced)."""
        return self.calibrator.probabilities(with_classifier(features, self.classify(vectors, len(features))))


def uninformed_calibrator() -> TagCalibrator:
    """A fixed layer for no labels at all: every probability low (nothing is emitted)."""
    out = TagCalibrator()
    out.coef_ = np.zeros_like(out.coef_)
    return out


def fit_tagging_layer(
    data: LabelledPairs, vectors: np.ndarray | None, *, seed: int = 0
) -> tuple[TagLayer, LabelledPairs]:
    """The layer fitted on labelled texts: `data` (their similarity features, labels, mask) and `vectors` (their
    dense vectors, rows of zeros where a text has none; None without a dense model).

    1. The classifier's C by 3-fold cross-validation on these rows only (`choose_classifier_c`, grid
       `CLASSIFIER_C_GRID`); each row's classifier features from a classifier fitted without its fold (5 folds,
       as a new text would be scored); the stored classifier fitted on every row.
    2. The layer's C by 3-fold cross-validation (`choose_regularisation`), then the layer on every row.
    Returns the layer and the training pairs with their classifier features."""
    probabilities = None
    classifier = None
    if vectors is not None and len(data.labels) and usable_rows(vectors).any():
        c = choose_classifier_c(vectors, data.labels, data.mask, seed=seed)
        probabilities = out_of_fold(vectors, data.labels, data.mask, c, seed=seed)
        classifier = EmbeddingClassifier(C=c).fit(vectors, data.labels, data.mask)
    training = LabelledPairs(with_classifier(data.features, probabilities), data.labels, data.mask)
    x, y = training.flat()
    if len(set(y.tolist())) < 2:
        return TagLayer(uninformed_calibrator(), classifier), training
    calibrator = TagCalibrator(C=choose_regularisation(training, seed=seed)).fit(x, y)
    return TagLayer(calibrator, classifier), training


THRESHOLD_GRID = tuple(round(0.05 * i, 2) for i in range(2, 17))  # 0.10 ... 0.80


def emitted_f1(probabilities: np.ndarray, labels: np.ndarray, threshold: float) -> float:
    """Micro F1 of the emitted sets (`emit` per text) against 0/1 labels."""
    hits = given = 0
    for row, truth in zip(probabilities, labels, strict=True):
        chosen = emit(row, threshold)
        given += len(chosen)
        hits += int(np.count_nonzero(truth[chosen])) if chosen else 0
    wanted = int(np.count_nonzero(labels))
    precision = hits / given if given else 0.0
    recall = hits / wanted if wanted else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def choose_threshold(
    data: LabelledPairs,
    c: float,
    *,
    grid: Sequence[float] = THRESHOLD_GRID,
    k: int = 3,
    seed: int = 0,
    always: LabelledPairs | None = None,
) -> float:
    """The emission threshold with the best F1 of the emitted sets on `data`'s texts, from out-of-fold
    probabilities (each text scored by a layer fitted without it, plus `always`).  Ties: the lower one."""
    n = len(data.labels)
    if n < k:
        return float(grid[len(grid) // 2])
    outer = np.zeros(data.labels.shape)
    for held in folds(n, k, seed):
        train = np.setdiff1d(np.arange(n), held)
        x, y = LabelledPairs.concat([data.take(train)] + ([always] if always is not None else [])).flat()
        outer[held] = TagCalibrator(C=c).fit(x, y).probabilities(data.features[held])
    scores = [(emitted_f1(outer, data.labels, t), -t) for t in grid]
    return -max(scores)[1]


def emit(probabilities: np.ndarray, threshold: float, max_tags: int = MAX_TAGS) -> list[int]:
    """Columns whose probability reaches `threshold`, best first (ties by column), at most `max_tags`."""
    order = sorted(range(len(probabilities)), key=lambda j: (-float(probabilities[j]), j))
    return [j for j in order[:max_tags] if probabilities[j] >= threshold]
