"""Cross-validated evaluation of the calibrated tagger on the synthetic development set and the real-text set.

Nothing here is scored on data it was tuned or trained on:
- the signals come from a tagger fitted on the catalog only (its descriptions, terms and tagged courses);
- the embedding classifier and the calibrated layer are fitted exactly as the product fits them
  (`recommender.core.calibration.fit_tagging_layer`, called by `recommender.learning`), on the catalog's labels
  (k-fold prototypes, stored course vectors) plus the training folds of the evaluated set: the classifier's C and
  the layer's C are both chosen by inner cross-validation inside those rows, never on an outer fold;
- the emission threshold is the setting RECOMMENDER_TAG_THRESHOLD, fixed on the synthetic set before the
  real set was used; the fusion weights of the unsupervised ranking are the model's documented ones;
- every figure of a set is computed on its outer folds' predictions.

The real set lives in recommender/evaluation/real/ (courses_real.json, annotations.json with
annotator_a, annotator_b and adjudicated labels; README.md on how it was gathered).  Its texts and labels
are read only here, by the harness: no rule, keyword or weight of the tagger was written from them.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recommender.core.calibration import (
    LabelledPairs,
    TagLayer,
    choose_threshold,
    emit,
    fit_tagging_layer,
    folds,
    label_matrix,
)

DATA = Path(__file__).resolve().parent
REAL_DIR = DATA / "real"
OUTER_FOLDS = 5
SEED = 0
# The targets, cross-validated on the real set.
TARGETS = {"top1": 0.80, "recall_at_3": 0.85, "precision": 0.75, "recall": 0.70}


@dataclass(frozen=True)
class EvalSet:
    """Texts with their reference labels, main label first; an empty list is a literacy-only text."""

    name: str
    ids: list[str]
    texts: list[Any]  # CourseText
    labels: list[list[str]]


def dev_set(labels: str = "adjudicated") -> EvalSet:
    from recommender.core.tagging import CourseText

    dev = json.loads((DATA / "courses_dev.json").read_text(encoding="utf-8"))
    annotations = {c["id"]: c for c in json.loads((DATA / "annotations.json").read_text("utf-8"))["courses"]}
    texts = [
        CourseText(d["title"], d["description"], d.get("title_en", ""), d.get("description_en", ""), d.get("level"))
        for d in dev
    ]
    chosen = [d["skills"] if labels == "original" else annotations[d["id"]][labels] for d in dev]
    return EvalSet("synthetic (courses_dev.json)", [d["id"] for d in dev], texts, [list(x) for x in chosen])


class RealSetError(ValueError):
    """The real-text set's files are malformed (names the file, record and field)."""


def _reference(entry: Mapping[str, Any], where: str) -> list[str]:
    """One annotation -> labels, main first ([] for a literacy-only text)."""
    if not isinstance(entry, Mapping):
        raise RealSetError(f"{where}: must be an object")
    if entry.get("literacy_only"):
        return []
    main = entry.get("main")
    items = entry.get("items") or []
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise RealSetError(f"{where}, field 'items': must be a list of codes")
    if main is not None and not isinstance(main, str):
        raise RealSetError(f"{where}, field 'main': must be a code or null")
    out = ([main] if main else []) + [x for x in items if x != main]
    return list(dict.fromkeys(out))


def real_set(directory: Path = REAL_DIR, *, annotation: str = "adjudicated") -> tuple[EvalSet, dict[str, Any]] | None:
    """The real-text set with one annotation's labels (default the adjudicated), or None when absent."""
    from recommender.core.tagging import CourseText

    courses_path, labels_path = directory / "courses_real.json", directory / "annotations.json"
    if not courses_path.is_file() or not labels_path.is_file():
        return None
    try:
        courses = json.loads(courses_path.read_text(encoding="utf-8"))
        annotations = json.loads(labels_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RealSetError(f"{directory}: not valid JSON: {exc}") from None
    if not isinstance(courses, list) or not isinstance(annotations, dict):
        raise RealSetError(f"{directory}: courses_real.json must be a list, annotations.json an object")
    chosen = annotations.get(annotation)
    if not isinstance(chosen, dict):
        raise RealSetError(f"{labels_path}: no '{annotation}' labels")
    ids, texts, labels = [], [], []
    for n, record in enumerate(courses):
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            raise RealSetError(f"{courses_path}: record {n}, field 'id': missing")
        if record["id"] not in chosen:
            continue  # not labelled (e.g. excluded by the adjudicator): not evaluated
        title = str(record.get("title") or "")
        body = str(record.get("text") or record.get("description") or "")
        ids.append(record["id"])
        texts.append(
            CourseText(title, body, str(record.get("title_en") or ""), str(record.get("description_en") or ""))
        )
        labels.append(_reference(chosen[record["id"]], f"{labels_path}: {annotation}[{record['id']}]"))
    return EvalSet(f"real ({courses_path.parent.name}/courses_real.json)", ids, texts, labels), annotations


# --- agreement between annotators ------------------------------------------------------------------


@dataclass(frozen=True)
class AnnotatorAgreement:
    n: int
    set_f1_micro: float  # 2 |A ∩ B| / (|A| + |B|) over all texts' label sets
    set_f1_mean: float  # per-text F1 averaged (two empty sets agree: 1)
    main_kappa: float  # Cohen's κ on the main label ("none" for a literacy-only text)
    main_agreement: float


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    n = len(a)
    if n == 0:
        return 0.0
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    categories = set(a) | set(b)
    expected = sum((list(a).count(c) / n) * (list(b).count(c) / n) for c in categories)
    return 1.0 if expected >= 1.0 else (observed - expected) / (1.0 - expected)


def annotator_agreement(annotations: Mapping[str, Any]) -> AnnotatorAgreement | None:
    a, b = annotations.get("annotator_a"), annotations.get("annotator_b")
    if not isinstance(a, dict) or not isinstance(b, dict):
        return None
    ids = sorted(set(a) & set(b))
    overlap = total = 0
    per_text = []
    main_a, main_b = [], []
    for i in ids:
        la, lb = set(_reference(a[i], f"annotator_a[{i}]")), set(_reference(b[i], f"annotator_b[{i}]"))
        overlap += len(la & lb)
        total += len(la) + len(lb)
        per_text.append(1.0 if not la and not lb else 2 * len(la & lb) / (len(la) + len(lb)))
        main_a.append(_reference(a[i], "")[0] if _reference(a[i], "") else "none")
        main_b.append(_reference(b[i], "")[0] if _reference(b[i], "") else "none")
    return AnnotatorAgreement(
        n=len(ids),
        set_f1_micro=round(2 * overlap / total, 3) if total else 1.0,
        set_f1_mean=round(float(np.mean(per_text)), 3) if per_text else 0.0,
        main_kappa=round(cohen_kappa(main_a, main_b), 3),
        main_agreement=round(sum(x == y for x, y in zip(main_a, main_b, strict=True)) / len(ids), 3) if ids else 0.0,
    )


# --- metrics ---------------------------------------------------------------------------------------


@dataclass
class TagMetrics:
    n: int
    top1: float
    recall_at_3: float
    precision: float  # of the emitted sets (micro over tags)
    recall: float
    f1: float
    mean_emitted: float
    one_tag_share: float  # texts given exactly one tag
    literacy_only_correct: float | None  # literacy-only texts given no tag
    extra: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "extra"} | self.extra


def tag_metrics(ranking: np.ndarray, emitted: Sequence[Sequence[int]], labels: np.ndarray) -> TagMetrics:
    """`ranking` (texts, items): higher first; `emitted`: the columns emitted per text; `labels` 0/1."""
    n = len(labels)
    labelled = [i for i in range(n) if labels[i].sum() > 0]
    top1 = recall3 = 0.0
    for i in labelled:
        order = np.lexsort((np.arange(ranking.shape[1]), -ranking[i]))
        main = int(np.flatnonzero(labels[i] == 2)[0]) if (labels[i] == 2).any() else int(np.flatnonzero(labels[i])[0])
        top1 += float(order[0] == main)
        recall3 += float(np.count_nonzero(labels[i][order[:3]])) / float(np.count_nonzero(labels[i]))
    hits = sum(int(np.count_nonzero(labels[i][list(emitted[i])])) for i in range(n))
    given = sum(len(e) for e in emitted)
    wanted = int(np.count_nonzero(labels))
    precision = hits / given if given else 0.0
    recall = hits / wanted if wanted else 0.0
    literacy = [i for i in range(n) if labels[i].sum() == 0]
    return TagMetrics(
        n=n,
        top1=round(top1 / len(labelled), 3) if labelled else 0.0,
        recall_at_3=round(recall3 / len(labelled), 3) if labelled else 0.0,
        precision=round(precision, 3),
        recall=round(recall, 3),
        f1=round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0,
        mean_emitted=round(given / n, 2) if n else 0.0,
        one_tag_share=round(sum(len(e) == 1 for e in emitted) / n, 3) if n else 0.0,
        literacy_only_correct=round(sum(not emitted[i] for i in literacy) / len(literacy), 3) if literacy else None,
    )


def main_first_matrix(codes: Sequence[str], labels: Sequence[Sequence[str]]) -> np.ndarray:
    """0/1 labels with the main label marked 2 (top-1 is scored against it)."""
    matrix = label_matrix(codes, labels)
    column = {c: j for j, c in enumerate(codes)}
    for i, lab in enumerate(labels):
        if lab and lab[0] in column:
            matrix[i, column[lab[0]]] = 2.0
    return matrix


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    pairs: int
    mean_predicted: float
    observed: float  # share of these (text, item) pairs that are labels


def reliability(probabilities: np.ndarray, labels: np.ndarray, edges: Sequence[float]) -> list[ReliabilityBin]:
    p, y = probabilities.ravel(), (labels.ravel() > 0).astype(float)
    out = []
    for low, high in itertools.pairwise(edges):
        inside = (p >= low) & ((p < high) if high < 1.0 else (p <= high))
        if inside.any():
            out.append(
                ReliabilityBin(
                    low, high, int(inside.sum()), round(float(p[inside].mean()), 3), round(float(y[inside].mean()), 3)
                )
            )
    return out


def expected_calibration_error(bins: Sequence[ReliabilityBin]) -> float:
    total = sum(b.pairs for b in bins)
    return round(sum(b.pairs * abs(b.mean_predicted - b.observed) for b in bins) / total, 4) if total else 0.0


# --- cross-validation --------------------------------------------------------------------------------


@dataclass
class CVResult:
    name: str
    calibrated: TagMetrics  # catalog + training folds, classifier and layer as the product fits them, outer folds
    nested_threshold: TagMetrics  # the same probabilities, each outer fold's threshold chosen by its inner CV
    catalog_only: TagMetrics  # the product's layer as shipped: catalog labels only (no label of this set)
    unsupervised: TagMetrics  # the fused ranking (model's weights); emitted = its first item
    no_classifier: TagMetrics  # as `calibrated`, without the embedding classifier (same folds): its contribution
    probabilities: np.ndarray
    labels: np.ndarray
    chosen_c: list[float]
    chosen_thresholds: list[float]
    chosen_classifier_c: list[float | None] = field(default_factory=list)


def _stack(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    return None if a is None or b is None else np.vstack([a, b])


def cross_validate(
    name: str,
    features: np.ndarray,
    fused: np.ndarray,
    labels: Sequence[Sequence[str]],
    codes: Sequence[str],
    catalog: LabelledPairs,
    *,
    threshold: float,
    vectors: np.ndarray | None = None,
    catalog_vectors: np.ndarray | None = None,
    shipped: TagLayer | None = None,
    k: int = OUTER_FOLDS,
    seed: int = SEED,
) -> CVResult:
    """`features` (texts, items, F) of the evaluated texts from a catalog-fitted tagger; `fused` their
    unsupervised scores; `catalog` the catalog's labelled pairs (k-fold prototypes); `vectors` and
    `catalog_vectors` the texts' and the labelled courses' dense vectors (None without a model: no classifier);
    `shipped` the product's layer fitted on the catalog alone (fitted here when not given).

    Inside each outer fold, `fit_tagging_layer` (the product's fit) runs on the catalog plus the training texts
    only: it chooses the classifier's C and the layer's C by its own inner cross-validation on those rows."""
    marked = main_first_matrix(codes, labels)
    binary = (marked > 0).astype(float)
    data = LabelledPairs(features, binary, np.ones_like(binary))
    n = len(labels)
    outer = np.zeros((n, len(codes)))
    plain = np.zeros((n, len(codes)))
    chosen: list[float] = []
    chosen_classifier: list[float | None] = []
    nested_emitted: list[list[int]] = [[] for _ in range(n)]
    thresholds = []
    for held in folds(n, k, seed):
        train = np.setdiff1d(np.arange(n), held)
        combined = LabelledPairs.concat([data.take(train), catalog])
        train_vectors = None if vectors is None else vectors[train]
        layer, training = fit_tagging_layer(combined, _stack(train_vectors, catalog_vectors))
        chosen.append(layer.calibrator.C)
        chosen_classifier.append(layer.classifier.C if layer.classifier is not None else None)
        own = np.arange(len(train))
        inner_threshold = choose_threshold(
            training.take(own),
            layer.calibrator.C,
            always=training.take(np.arange(len(train), len(combined.labels))),
            seed=seed + 1,
        )
        thresholds.append(inner_threshold)
        outer[held] = layer.probabilities(features[held], None if vectors is None else vectors[held])
        for i in held:
            nested_emitted[i] = emit(outer[i], inner_threshold)
        without, _ = fit_tagging_layer(combined, None)
        plain[held] = without.probabilities(features[held], None)
    emitted = [emit(outer[i], threshold) for i in range(n)]
    calibrated = tag_metrics(outer, emitted, marked)
    nested = tag_metrics(outer, nested_emitted, marked)
    no_classifier = tag_metrics(plain, [emit(plain[i], threshold) for i in range(n)], marked)

    if shipped is None:
        shipped, _ = fit_tagging_layer(catalog, catalog_vectors)
    catalog_probabilities = shipped.probabilities(features, vectors)
    catalog_only = tag_metrics(
        catalog_probabilities, [emit(catalog_probabilities[i], threshold) for i in range(n)], marked
    )
    first = [[int(np.lexsort((np.arange(fused.shape[1]), -fused[i]))[0])] for i in range(n)]
    unsupervised = tag_metrics(fused, first, marked)
    return CVResult(
        name,
        calibrated,
        nested,
        catalog_only,
        unsupervised,
        no_classifier,
        outer,
        binary,
        chosen,
        thresholds,
        chosen_classifier,
    )


# --- running it from the command ----------------------------------------------------------------------


def _signals(
    version: Any, texts: Sequence[Any], *, sparse_encoder: Any = None
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray | None]:
    """Pair features, fused scores and dense vectors (None without a model) of `texts` from a tagger fitted on
    the catalog."""
    from recommender.core.calibration import pair_features
    from recommender.core.tagging import fuse
    from recommender.engine import build_taggers, dense_encoder, fusion_weights
    from recommender.planning import text_vectors

    # The product's tagger (its item prototypes from the catalog's stored vectors), uncached.
    tagger, _ = build_taggers(
        version=version, weights=fusion_weights(), encoder=dense_encoder(), sparse_encoder=sparse_encoder
    )
    vectors = text_vectors(tagger, texts)  # as `planning.infer` encodes a text that is not a catalog course
    parts = tagger.components(texts, vectors)
    return pair_features(parts), fuse(parts, tagger.weights), list(tagger.codes_), vectors


def evaluate_sets(
    version: Any, sets: Sequence[EvalSet], *, threshold: float, sparse_factory: Any = None
) -> list[CVResult]:
    """`sparse_factory`: makes an unfitted TF-IDF encoder to use instead of the default (experiments); the
    catalog's training features and the evaluated texts' features both use it."""
    from recommender.learning import catalog_pairs, catalog_vectors, labelled_catalog

    courses = labelled_catalog(version=version)
    catalog = catalog_pairs(version=version, courses=courses, sparse_factory=sparse_factory)
    labelled_vectors = catalog_vectors(courses)
    shipped, _ = fit_tagging_layer(catalog, labelled_vectors)  # the product's layer (catalog labels only)
    results = []
    for eval_set in sets:
        sparse_encoder = sparse_factory() if sparse_factory is not None else None
        features, fused, codes, vectors = _signals(version, eval_set.texts, sparse_encoder=sparse_encoder)
        results.append(
            cross_validate(
                eval_set.name,
                features,
                fused,
                eval_set.labels,
                codes,
                catalog,
                threshold=threshold,
                vectors=vectors,
                catalog_vectors=labelled_vectors,
                shipped=shipped,
            )
        )
    return results


EDGES = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def report(
    write: Any,
    results: Sequence[CVResult],
    agreement: AnnotatorAgreement | None,
    *,
    threshold: float,
    real_missing: str | None = None,
) -> dict[str, Any]:
    """Markdown tables through `write` (one line per call); returns the same figures as a dict."""
    write("")
    write(f"## Skill tagging, cross-validated ({OUTER_FOLDS} outer folds, threshold {threshold})")
    write("")
    write(
        "| set | method | texts | top-1 | recall@3 | precision | recall | F1 | tags per text | one tag "
        "| literacy-only right |"
    )
    write("|---|---|---|---|---|---|---|---|---|---|---|")
    out: dict[str, Any] = {"threshold": threshold, "sets": {}}
    for r in results:
        rows = {
            "calibrated (catalog + training folds, nested CV)": r.calibrated,
            "calibrated, threshold by inner CV": r.nested_threshold,
            "calibrated without the embedding classifier": r.no_classifier,
            "calibrated (catalog labels only)": r.catalog_only,
            "unsupervised hybrid (first item)": r.unsupervised,
        }
        for method, m in rows.items():
            literacy = "-" if m.literacy_only_correct is None else f"{m.literacy_only_correct:.3f}"
            write(
                f"| {r.name} | {method} | {m.n} | {m.top1:.3f} | {m.recall_at_3:.3f} | {m.precision:.3f} | "
                f"{m.recall:.3f} | {m.f1:.3f} | {m.mean_emitted:.2f} | {m.one_tag_share:.3f} | {literacy} |"
            )
        bins = reliability(r.probabilities, r.labels, EDGES)
        out["sets"][r.name] = {
            "calibrated": r.calibrated.row(),
            "nested_threshold": r.nested_threshold.row(),
            "chosen_thresholds": r.chosen_thresholds,
            "catalog_only": r.catalog_only.row(),
            "unsupervised": r.unsupervised.row(),
            "no_classifier": r.no_classifier.row(),
            "chosen_C": r.chosen_c,
            "chosen_classifier_C": r.chosen_classifier_c,
            "reliability": [b.__dict__ for b in bins],
            "ece": expected_calibration_error(bins),
        }
    if real_missing:
        write("")
        write(f"Real-text set: {real_missing}")
    for r in results:
        bins = reliability(r.probabilities, r.labels, EDGES)
        write("")
        write(
            f"Reliability, {r.name} (outer-fold probabilities of every text x item pair; "
            f"ECE {expected_calibration_error(bins)}):"
        )
        write("")
        write("| predicted probability | pairs | mean predicted | observed precision |")
        write("|---|---|---|---|")
        for b in bins:
            write(f"| {b.low:.2f}-{b.high:.2f} | {b.pairs} | {b.mean_predicted:.3f} | {b.observed:.3f} |")
    if agreement is not None:
        write("")
        write(
            f"Inter-annotator agreement on the real set ({agreement.n} texts): "
            f"label-set F1 {agreement.set_f1_micro:.3f} "
            f"(micro; mean per text {agreement.set_f1_mean:.3f}), main label {agreement.main_agreement:.3f} equal, "
            f"Cohen's kappa {agreement.main_kappa:.3f}"
        )
        out["agreement"] = agreement.__dict__
    return out


def add_arguments(parser: Any) -> None:
    """The options of `evaluate_recommender` for this section."""
    parser.add_argument(
        "--real-dir",
        type=Path,
        default=REAL_DIR,
        help="the real-text set (courses_real.json + annotations.json; default recommender/evaluation/real)",
    )
    parser.add_argument("--no-tagging-cv", action="store_true", help="skip the cross-validated tagging section")
    parser.add_argument("--tagging-json", type=Path, default=None, help="also write the tagging figures to this file")
    parser.add_argument(
        "--japanese-words",
        choices=("none", "sudachi", "fugashi"),
        default="none",
        help="add word-level Japanese tokens from a morphological analyser to the sparse signal (experiment)",
    )


def run(command: Any, version: Any, options: Mapping[str, Any]) -> dict[str, Any] | None:
    """The cross-validated tagging section of `evaluate_recommender` (tables on stdout, progress on stderr)."""
    from django.conf import settings
    from django.core.management import CommandError

    if options.get("no_tagging_cv"):
        return None
    threshold = float(settings.RECOMMENDER_TAG_THRESHOLD)
    sets = [dev_set(options.get("labels") or "adjudicated")]
    agreement = None
    missing = None
    try:
        found = real_set(Path(options.get("real_dir") or REAL_DIR))
    except RealSetError as exc:
        raise CommandError(str(exc)) from exc
    if found is None:
        missing = f"not found in {options.get('real_dir') or REAL_DIR} (courses_real.json + annotations.json)"
    else:
        sets.append(found[0])
        agreement = annotator_agreement(found[1])
    sparse_factory = None
    if options.get("japanese_words", "none") != "none":
        from recommender.core.japanese import JapaneseWordsTfidf, JapaneseWordsUnavailable

        kind = options["japanese_words"]
        try:
            JapaneseWordsTfidf(kind)
        except JapaneseWordsUnavailable as exc:
            raise CommandError(str(exc)) from exc

        def sparse_factory() -> Any:
            return JapaneseWordsTfidf(kind)

    command.stderr.write(f"tagging cross-validation on {', '.join(f'{s.name}: {len(s.texts)} texts' for s in sets)}")
    results = evaluate_sets(version, sets, threshold=threshold, sparse_factory=sparse_factory)
    write = options.get("write") or command.stdout.write  # with --json, stdout keeps the JSON rows only
    figures = report(write, results, agreement, threshold=threshold, real_missing=missing)
    if options.get("tagging_json"):
        Path(options["tagging_json"]).write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    return figures
