"""Measured course effectiveness: what learners who finished a course showed afterwards, per (course, item).

Written down in docs/effectiveness.md.  In short:

- **Evidence.** A completion of course c that teaches item i (claimed level: the tag's level) is followed by
  the learner's later assessments of i from sources other than the course itself: an exam, a manager, a
  later self-assessment.  From each source the *first* assessment after the completion counts (the nearest
  to the course; later ones mix in whatever the learner learned next).
- **Sources weighted** as in docs/learner-levels.md, stronger evidence more: exam 1.0, manager 0.7,
  self 0.4 (`SOURCE_WEIGHTS`).  A learner's later level is the weighted mean of their sources' levels and
  counts with the weight of their strongest source, so each learner counts at most once.
- **Mean.**  Per (course, item): ``y = sum(w_j * y_j) / W`` with ``W = sum(w_j)`` over its learners.
- **Shrinkage toward the claim** (Bühlmann–Straub credibility): ``shrunk = Z * y + (1 - Z) * claim`` with
  ``Z = W / (W + k)``.  ``k = s2 / t2`` is fitted from all (course, item) cells by the method of moments:
  ``s2`` the pooled within-cell variance of the learners' levels, ``t2`` the variance of the cells' true
  mean around their claims (``mean_g(d_g**2 - s2 / W_g)`` weighted by ``W_g``, ``d_g = y_g - claim_g``).
  With too few cells (< MIN_CELLS_TO_FIT) or no between-cell spread, ``k = DEFAULT_K``; ``k`` is clamped to
  [K_MIN, K_MAX].  A course with few learners therefore stays near its claim; one with many shows its data.

Plain Python and numpy, no Django: `recommender/services.py` reads the rows and stores the estimates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np

# Stronger evidence counts more (docs/learner-levels.md orders exam > course > manager > self; the course's
# own completion level is the claim being checked, so it is never evidence here).
SOURCE_WEIGHTS: Mapping[str, float] = {"exam": 1.0, "manager": 0.7, "self": 0.4}
DEFAULT_K = 10.0  # the credibility constant when it cannot be fitted: a cell weighs as much as its claim at W = 10
K_MIN, K_MAX = 1.0, 200.0
MIN_CELLS_TO_FIT = 5


@dataclass(frozen=True)
class Completion:
    learner: int
    course: int
    completed_at: datetime
    claims: Mapping[str, int]  # item code -> level the course claims to teach it to


@dataclass(frozen=True)
class Observation:
    learner: int
    item: str
    level: float
    source: str  # exam | manager | self (other sources are ignored)
    assessed_at: datetime


@dataclass(frozen=True)
class ItemEffect:
    course: int
    item: str
    n: int  # learners with later evidence
    weight: float  # W: the learners' summed evidence weights
    claimed_level: float
    mean_level: float  # y: weighted mean later level
    shrunk_level: float  # Z * y + (1 - Z) * claim
    credibility: float  # Z

    @property
    def gain_over_claim(self) -> float:
        """Shrunk measured level minus the claimed level: above 0 the course does better than it says."""
        return self.shrunk_level - self.claimed_level


@dataclass(frozen=True)
class EffectEstimate:
    effects: tuple[ItemEffect, ...]
    k: float  # the credibility constant used
    within_variance: float
    between_variance: float
    fitted: bool  # k fitted from the data (else DEFAULT_K)


def later_levels(
    completions: Iterable[Completion], observations: Iterable[Observation]
) -> dict[tuple[int, str], list[tuple[float, float, float]]]:
    """Per (course, item): one (later level, weight, claim) per learner with later evidence."""
    by_learner_item: dict[tuple[int, str], list[Observation]] = {}
    for o in observations:
        if o.source in SOURCE_WEIGHTS:
            by_learner_item.setdefault((o.learner, o.item), []).append(o)
    for rows in by_learner_item.values():
        rows.sort(key=lambda o: o.assessed_at)
    cells: dict[tuple[int, str], list[tuple[float, float, float]]] = {}
    for c in completions:
        for item, claim in c.claims.items():
            first: dict[str, Observation] = {}
            for o in by_learner_item.get((c.learner, item), ()):
                if o.assessed_at > c.completed_at and o.source not in first:
                    first[o.source] = o
            if not first:
                continue
            weights = {s: SOURCE_WEIGHTS[s] for s in first}
            total = sum(weights.values())
            level = sum(weights[s] * first[s].level for s in first) / total
            cells.setdefault((c.course, item), []).append((level, max(weights.values()), float(claim)))
    return cells


def estimate(
    completions: Iterable[Completion], observations: Iterable[Observation], *, k: float | None = None
) -> EffectEstimate:
    """The estimates for every (course, item) with at least one learner; `k`: a fixed credibility constant
    (None: fitted as in the module's docstring)."""
    cells = later_levels(completions, observations)
    keys = sorted(cells)
    if not keys:
        return EffectEstimate((), DEFAULT_K if k is None else k, 0.0, 0.0, False)
    W = np.zeros(len(keys))
    y = np.zeros(len(keys))
    claim = np.zeros(len(keys))
    n = np.zeros(len(keys), dtype=int)
    ss = 0.0  # within-cell weighted sum of squares
    dof = 0
    for g, key in enumerate(keys):
        arr = np.asarray(cells[key], dtype=float)
        levels, weights = arr[:, 0], arr[:, 1]
        W[g] = weights.sum()
        y[g] = float(weights @ levels) / W[g]
        claim[g] = arr[0, 2]
        n[g] = len(arr)
        ss += float(weights @ (levels - y[g]) ** 2)
        dof += len(arr) - 1
    # Per unit weight: a learner of weight w has variance s2 / w.
    s2 = ss / dof if dof > 0 else 0.0
    d = y - claim
    t2 = float(np.sum(W * (d**2 - s2 / W)) / W.sum())
    fitted = k is None and len(keys) >= MIN_CELLS_TO_FIT and t2 > 0 and s2 > 0
    if k is None:
        k = float(np.clip(s2 / t2, K_MIN, K_MAX)) if fitted else DEFAULT_K
    Z = W / (W + k)
    shrunk = Z * y + (1 - Z) * claim
    effects = tuple(
        ItemEffect(
            course=key[0],
            item=key[1],
            n=int(n[g]),
            weight=round(float(W[g]), 4),
            claimed_level=float(claim[g]),
            mean_level=round(float(y[g]), 4),
            shrunk_level=round(float(shrunk[g]), 4),
            credibility=round(float(Z[g]), 4),
        )
        for g, key in enumerate(keys)
    )
    return EffectEstimate(effects, float(k), round(s2, 6), round(max(t2, 0.0), 6), fitted)
