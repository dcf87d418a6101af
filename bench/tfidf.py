#!/usr/bin/env python
"""TF-IDF transform benchmark (the sparse signal of skill tagging), as a ratio to scikit-learn in the same run.

`TfidfEncoder`, fitted on the sample catalog's course texts, transforms 1,000 course texts derived from
fixtures/sample_catalog.json (bench/catalog.py `derive_courses`, as the other benchmarks' catalog).
Baseline: the same matrix computed on scikit-learn alone (both vectorizers' `transform`, hstack, L2), which
is what `TfidfEncoder.transform` did before its char n-grams were counted with numpy.  Each run checks that
the two matrices are the same (sparsity pattern, values within 1e-12).  No database, no services.

Usage:
    .venv/bin/python bench/tfidf.py [--courses 1000] [--repeat 7] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def say(message: str) -> None:
    print(message, flush=True)


def seconds(action: Callable[[], Any], repeat: int) -> float:
    """Median wall time of `repeat` runs after one warm-up run."""
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(*, courses: int = 1000, repeat: int = 7, log: Callable[[str], None] = say) -> dict[str, Any]:
    """Measure; return the figures (seconds per transform of all texts, and the ratio)."""
    import catalog as catalog_bench
    import numpy as np
    from scipy import sparse
    from sklearn.preprocessing import normalize as l2_normalize

    from recommender.core.encoders import TfidfEncoder
    from recommender.core.tagging import CourseText
    from recommender.core.text import normalize

    sample = json.loads((ROOT / "fixtures" / "sample_catalog.json").read_text("utf-8"))

    def full(course: dict[str, Any]) -> str:
        return CourseText(
            course["title_ja"], course["description_ja"], course["title_en"], course["description_en"]
        ).full()

    log(f"[1/3] fit on the {len(sample)} sample course texts; {courses:,} derived course texts to transform")
    encoder = TfidfEncoder().fit([full(c) for c in sample])
    texts = [full(c) for c in catalog_bench.derive_courses(sample, courses)]

    def scikit_learn() -> Any:
        normalized = [normalize(t) for t in texts]
        parts = [encoder.char_.transform(normalized), encoder.word_.transform(normalized)]
        return l2_normalize(sparse.hstack(parts).tocsr())

    log("[2/3] check: the same matrix")
    got, expected = encoder.transform(texts), scikit_learn()
    same_pattern = bool(np.array_equal(got.indptr, expected.indptr) and np.array_equal(got.indices, expected.indices))
    max_difference = float(abs(got - expected).max()) if got.nnz else 0.0
    if not same_pattern or max_difference > 1e-12:
        sys.exit(f"not the same matrix: same sparsity pattern {same_pattern}, largest difference {max_difference}")

    log(f"[3/3] time each, median of {repeat} runs after a warm-up")
    baseline = seconds(scikit_learn, repeat)
    fast = seconds(lambda: encoder.transform(texts), repeat)
    normalized = [normalize(t) for t in texts]
    char_baseline = seconds(lambda: encoder.char_.transform(normalized), repeat)
    char_fast = seconds(lambda: encoder.char_matrix(normalized), repeat)
    word = seconds(lambda: encoder.word_.transform(normalized), repeat)
    return {
        "courses": courses,
        "features": got.shape[1],
        "nonzeros": int(got.nnz),
        "max_difference": max_difference,
        "scikit_learn_s": baseline,
        "transform_s": fast,
        "speedup": baseline / fast,
        "char_scikit_learn_s": char_baseline,
        "char_numpy_s": char_fast,
        "char_speedup": char_baseline / char_fast,
        "word_scikit_learn_s": word,
    }


def report(f: dict[str, Any]) -> str:
    rows = [
        f"TF-IDF transform benchmark, {f['courses']:,} course texts, {f['features']:,} features, "
        f"{f['nonzeros']:,} non-zeros",
        f"{'figure':<62}{'value':>12}{'ratio':>10}",
        f"{'scikit-learn transform, char + word + L2 (baseline)':<62}{f['scikit_learn_s'] * 1000:>9.1f} ms{1:>9.3f}x",
        f"{'TfidfEncoder.transform (numpy char n-grams)':<62}{f['transform_s'] * 1000:>9.1f} ms"
        f"{f['transform_s'] / f['scikit_learn_s']:>9.3f}x",
        f"{'  speed-up':<62}{f['speedup']:>11.2f}x",
        f"{'char part: scikit-learn (baseline)':<62}{f['char_scikit_learn_s'] * 1000:>9.1f} ms{1:>9.3f}x",
        f"{'char part: numpy':<62}{f['char_numpy_s'] * 1000:>9.1f} ms"
        f"{f['char_numpy_s'] / f['char_scikit_learn_s']:>9.3f}x",
        f"{'word part: scikit-learn (unchanged)':<62}{f['word_scikit_learn_s'] * 1000:>9.1f} ms"
        f"{f['word_scikit_learn_s'] / f['scikit_learn_s']:>9.3f}x",
        f"(checked: the same sparsity pattern, largest difference {f['max_difference']:.1e})",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--courses", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures here (bench/run_all.py)")
    args = parser.parse_args()
    figures = run(courses=args.courses, repeat=args.repeat)
    print()
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
