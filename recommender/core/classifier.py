"""The embedding classifier: a fourth signal of the calibrated tagging layer (plain Python: numpy, scikit-learn).

One logistic regression per DSS-P item (one-vs-rest) on the texts' dense vectors (the stored query vectors of the
configured model), trained on labelled courses: declared tags (every other item a negative) and reviewed tags
(accepted positive, rejected negative; a course's unreviewed items are left out of that item's training).  Its
probability per (text, item) enters `calibration.pair_features` as the "classifier" signal, whose weight the
shared layer learns beside the dense, sparse and keyword signals.

- **C** (one for every item) is chosen by `choose_classifier_c`: the lowest log loss of out-of-fold probabilities
  in a 3-fold cross-validation on the training rows only, from the fixed grid `CLASSIFIER_C_GRID`.
- **Fallback**: an item with fewer than `MIN_POSITIVES` positive or `MIN_NEGATIVES` negative training rows gets
  no model, and a text without a vector (no dense model, or an English-only model and a Japanese-only text) gets
  no prediction: the signal is then missing (NaN) for that pair, and the layer imputes its training mean, so it
  adds nothing to the pair's logit (neutral).
"""

from __future__ import annotations

import base64
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

CLASSIFIER_C_GRID = (0.1, 1.0, 10.0, 100.0)
MIN_POSITIVES = 2
MIN_NEGATIVES = 2
INNER_FOLDS = 3
OOF_FOLDS = 5


def usable_rows(vectors: np.ndarray | None) -> np.ndarray:
    """Rows that hold a vector (finite, non-zero): a zero row is a text the model could not read."""
    if vectors is None or len(vectors) == 0:
        return np.zeros(0 if vectors is None else len(vectors), dtype=bool)
    v = np.asarray(vectors, dtype=np.float64)
    return np.isfinite(v).all(axis=1) & (np.abs(v).sum(axis=1) > 0)


@dataclass
class EmbeddingClassifier:
    """Per-item logistic regressions on dense vectors; learned state ends in `_` (rows of unfitted items are 0
    and `fitted_` is False there)."""

    C: float = 10.0
    coef_: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    intercept_: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fitted_: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def fit(self, vectors: np.ndarray, labels: np.ndarray, mask: np.ndarray | None = None) -> EmbeddingClassifier:
        """`vectors` (texts, dim); `labels` (texts, items) 0/1; `mask` (texts, items): the pairs that are labelled
        (default all).  Rows without a vector are left out."""
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        x = np.asarray(vectors, dtype=np.float64)
        y = np.asarray(labels, dtype=np.float64)
        known = np.ones_like(y) if mask is None else np.asarray(mask, dtype=np.float64)
        n, m = y.shape
        dim = x.shape[1] if x.ndim == 2 else 0
        self.coef_ = np.zeros((m, dim), dtype=np.float32)
        self.intercept_ = np.zeros(m)
        self.fitted_ = np.zeros(m, dtype=bool)
        rows = usable_rows(x) if n else np.zeros(0, dtype=bool)
        for j in range(m):
            train = rows & (known[:, j] > 0)
            target = (y[train, j] > 0).astype(np.int64)
            positives = int(target.sum())
            if positives < MIN_POSITIVES or len(target) - positives < MIN_NEGATIVES:
                continue
            # One BLAS thread: many small fits run 5-8x faster than with threads fighting over shared cores.
            with warnings.catch_warnings(), threadpool_limits(1):
                warnings.simplefilter("ignore")  # a rare non-converged fit at large C is still a usable model
                model = LogisticRegression(C=self.C, max_iter=1000).fit(x[train], target)
            self.coef_[j] = model.coef_.ravel().astype(np.float32)
            self.intercept_[j] = float(model.intercept_[0])
            self.fitted_[j] = True
        return self

    def predict(self, vectors: np.ndarray | None, n: int | None = None) -> np.ndarray:
        """P(item is a label) per (text, item), shape (texts, items); NaN where the classifier has nothing to say
        (an unfitted item, a text without a vector).  `n`: the number of texts when `vectors` is None."""
        m = len(self.fitted_)
        if vectors is None:
            return np.full((n or 0, m), np.nan)
        x = np.asarray(vectors, dtype=np.float64)
        out = np.full((len(x), m), np.nan)
        rows = usable_rows(x)
        if rows.any() and self.fitted_.any() and x.shape[1] == self.coef_.shape[1]:
            logits = x[rows] @ self.coef_.T.astype(np.float64) + self.intercept_
            p = 1.0 / (1.0 + np.exp(-np.clip(logits, -40, 40)))
            p[:, ~self.fitted_] = np.nan
            out[rows] = p
        return out

    @property
    def items_fitted(self) -> int:
        return int(self.fitted_.sum())

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: the coefficients as base64 of little-endian float32 (items × dimension)."""
        return {
            "C": self.C,
            "items": len(self.fitted_),
            "dimension": int(self.coef_.shape[1]) if self.coef_.ndim == 2 else 0,
            "fitted": [bool(v) for v in self.fitted_],
            "intercept": [round(float(v), 8) for v in self.intercept_],
            "coef": base64.b64encode(np.ascontiguousarray(self.coef_, dtype="<f4").tobytes()).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EmbeddingClassifier:
        out = cls(C=float(data["C"]))
        m, dim = int(data["items"]), int(data["dimension"])
        out.coef_ = np.frombuffer(base64.b64decode(data["coef"]), dtype="<f4").reshape(m, dim).astype(np.float32)
        out.intercept_ = np.asarray(data["intercept"], dtype=np.float64)
        out.fitted_ = np.asarray(data["fitted"], dtype=bool)
        return out


def _folds(n: int, k: int, seed: int) -> list[np.ndarray]:
    from recommender.core.calibration import folds

    return folds(n, k, seed)


def out_of_fold(
    vectors: np.ndarray, labels: np.ndarray, mask: np.ndarray, c: float, *, k: int = OOF_FOLDS, seed: int = 0
) -> np.ndarray:
    """Each row's probabilities from a classifier fitted without its fold (NaN where it has nothing to say)."""
    n = len(labels)
    out = np.full(np.shape(labels), np.nan)
    if n < 2:
        return out
    for held in _folds(n, min(k, n), seed):
        train = np.setdiff1d(np.arange(n), held)
        model = EmbeddingClassifier(C=c).fit(vectors[train], labels[train], mask[train])
        out[held] = model.predict(vectors[held])
    return out


def choose_classifier_c(
    vectors: np.ndarray,
    labels: np.ndarray,
    mask: np.ndarray,
    *,
    grid: Sequence[float] = CLASSIFIER_C_GRID,
    k: int = INNER_FOLDS,
    seed: int = 0,
) -> float:
    """The C of `grid` with the lowest log loss of out-of-fold probabilities (`k` folds over these rows only) on
    the labelled pairs every C predicts (an item's model exists or not whatever C: the same pairs for each)."""
    from recommender.core.calibration import log_loss

    if len(labels) < k:
        return float(grid[len(grid) // 2])
    best: tuple[float, float] | None = None
    for c in grid:
        p = out_of_fold(vectors, labels, mask, c, k=k, seed=seed)
        scored = np.isfinite(p) & (np.asarray(mask) > 0)
        if not scored.any():
            return float(grid[len(grid) // 2])
        loss = log_loss(p[scored], (np.asarray(labels)[scored] > 0).astype(np.float64))
        if best is None or loss < best[0]:
            best = (loss, float(c))
    return best[1] if best else float(grid[len(grid) // 2])
