#!/usr/bin/env python
"""Experiment (issue 18, not in the product): an embedding classifier as a 4th signal of the calibrated layer.

One-vs-rest logistic regression per DSS-P item on the multilingual-e5-small query vectors, trained on the
catalog's declared tags plus the evaluated set's *training* folds; its per-item probability enters the shared
calibrated layer as a fourth signal (raw, scaled, 1/(1+rank), gap to best, is-best), beside the dense, sparse
and keyword signals of `pair_features`.  Every figure is an outer-fold figure (5 folds, seed 0, as
recommender/evaluation/tagging_cv.py): the classifier features of a training-fold text come from an inner
5-fold fit without it, the catalog's from a 5-fold fit over the catalog; held-out texts are scored by a
classifier and a layer fitted without them.  Simplifications against `evaluate_recommender`: the layer's C is
fixed at 0.3 (not chosen by inner CV), and the classifier's C is a command-line value (see docs/recommender.md:
both values tried are reported, so the better one is optimistic until chosen by inner CV).

    DATABASE_URL=sqlite:////tmp/db.sqlite3 .venv/bin/python bench/tagging_classifier.py --dump /tmp/cache.pkl
    .venv/bin/python bench/tagging_classifier.py --cache /tmp/cache.pkl --C 1 10

`--dump` needs a database with the standard and the sample catalog loaded (`make setup`); it writes the signals,
the catalog's features and every text's dense vector; the second step is numpy and scikit-learn only.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def dump(path: Path) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from recommender.engine import course_index, dense_encoder
    from recommender.evaluation import tagging_cv as cv
    from recommender.learning import catalog_pairs, labelled_catalog
    from skills.selectors import standard_version_get

    version = standard_version_get()
    courses = labelled_catalog(version=version)
    catalog = catalog_pairs(version=version, courses=courses)
    encoder = dense_encoder()
    assert encoder is not None, "the experiment needs the dense model"
    index = course_index()
    out: dict[str, Any] = {
        "catalog": (catalog.features, catalog.labels, catalog.mask),
        "cat_vecs": index.vectors_for([c.course_id for c in courses], index.matrix.shape[1]),
        "cat_pos": [c.positives for c in courses],
        "sets": {},
    }
    found = cv.real_set()
    assert found is not None
    for s in (cv.dev_set(), found[0]):
        features, fused, codes = cv._signals(version, s.texts)
        vectors = np.asarray(encoder.encode_queries([t.dense_text(False) for t in s.texts]))
        out["sets"][s.name] = {"features": features, "fused": fused, "qv": vectors, "labels": s.labels}
        out["codes"] = codes
    path.write_bytes(pickle.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, help="write the cache from the database")
    parser.add_argument("--cache", type=Path, help="run the cross-validation from this cache")
    parser.add_argument("--C", type=float, nargs="*", default=[10.0], help="the classifier's regularisation")
    parser.add_argument("--threshold", type=float, default=0.55)
    args = parser.parse_args()
    if args.dump:
        dump(args.dump)
    if args.cache:
        experiment(args.cache, args.C, args.threshold)


def experiment(path: Path, grid: list[float], threshold: float) -> None:
    from sklearn.linear_model import LogisticRegression

    from recommender.core.calibration import LabelledPairs, emit, folds, label_matrix
    from recommender.evaluation.tagging_cv import main_first_matrix, tag_metrics

    warnings.filterwarnings("ignore")
    data = pickle.loads(path.read_bytes())  # noqa: S301 - our own cache
    codes = data["codes"]
    m = len(codes)
    catalog = LabelledPairs(*data["catalog"])
    cat_y = label_matrix(codes, data["cat_pos"])
    cat_v = data["cat_vecs"]

    def scores(x: np.ndarray, y: np.ndarray, test: np.ndarray, c: float) -> np.ndarray:
        out = np.zeros((len(test), m))
        for j in range(m):
            if y[:, j].sum() == 0:
                continue
            if y[:, j].sum() == len(y):
                out[:, j] = 1.0
                continue
            out[:, j] = LogisticRegression(C=c, max_iter=500).fit(x, y[:, j]).predict_proba(test)[:, 1]
        return out

    def out_of_fold(x: np.ndarray, y: np.ndarray, c: float, extra: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
        out = np.zeros(y.shape)
        for held in folds(len(x), 5, 0):
            train = np.setdiff1d(np.arange(len(x)), held)
            xs, ys = x[train], y[train]
            if extra is not None:
                xs, ys = np.vstack([xs, extra[0]]), np.vstack([ys, extra[1]])
            out[held] = scores(xs, ys, x[held], c)
        return out

    def signal(raw: np.ndarray) -> np.ndarray:
        best = raw.max(1, keepdims=True)
        scaled = np.divide(raw, best, out=np.zeros_like(raw), where=best > 0)
        order = np.argsort(-raw, 1, kind="stable")
        rank = np.empty_like(order)
        rank[np.arange(len(raw))[:, None], order] = np.arange(raw.shape[1])[None]
        return np.stack([raw, scaled, 1 / (1 + rank), raw - best, (rank == 0).astype(float)], 2)

    def layer(x: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
        mean, scale = x.mean(0), np.where(x.std(0) > 1e-9, x.std(0), 1.0)
        model = LogisticRegression(C=0.3, max_iter=2000).fit((x - mean) / scale, y)
        logits = ((test - mean) / scale) @ model.coef_.ravel() + model.intercept_[0]
        return np.asarray(1 / (1 + np.exp(-logits)))

    for name, s in data["sets"].items():
        features, labels, vectors = s["features"], s["labels"], s["qv"]
        marked = main_first_matrix(codes, labels)
        y = (marked > 0).astype(float)
        n = len(labels)
        for c in [None, *grid]:
            outer = np.zeros((n, m))
            cat = catalog
            if c is not None:
                extra = signal(out_of_fold(cat_v, cat_y, c, None))
                cat = LabelledPairs(np.concatenate([catalog.features, extra], 2), catalog.labels, catalog.mask)
            for held in folds(n, 5, 0):
                train = np.setdiff1d(np.arange(n), held)
                f_train, f_test = features[train], features[held]
                if c is not None:
                    inner = out_of_fold(vectors[train], y[train], c, (cat_v, cat_y))
                    test = scores(np.vstack([vectors[train], cat_v]), np.vstack([y[train], cat_y]), vectors[held], c)
                    f_train = np.concatenate([f_train, signal(inner)], 2)
                    f_test = np.concatenate([f_test, signal(test)], 2)
                pairs = LabelledPairs.concat([LabelledPairs(f_train, y[train], np.ones_like(y[train])), cat])
                outer[held] = layer(*pairs.flat(), f_test)
            r = tag_metrics(outer, [emit(outer[i], threshold) for i in range(n)], marked)
            print(
                f"| {name} | {'no classifier' if c is None else f'classifier C={c:g}'} | {r.top1:.3f} | "
                f"{r.recall_at_3:.3f} | {r.precision:.3f} | {r.recall:.3f} | {r.f1:.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
