"""A synthetic population with a known course effectiveness, to check that the estimator recovers it.

Plain numpy (no Django).  Every (course, item) gets a planted true gain over its claim: the mean later level
of its completers is ``claim + gain``.  Each completer's own level scatters around that mean, and each
source that assesses them afterwards (exam, manager, self, each present at random, at least one) reads that
level with its own noise (exam least, self most), rounded to the 0-4 scale.  Records the estimator must
ignore are mixed in: an assessment before the completion, and the course's own completion row.

The same seed gives the same population (docs/effectiveness.md, "Evaluation").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from recommender.core.effectiveness import Completion, Observation

ITEMS = ("DU04", "DS01", "BA02", "TE05", "PS01", "DS10")
SOURCE_NOISE = {"exam": 0.3, "manager": 0.5, "self": 0.8}  # standard deviation of each source's reading
SOURCE_PRESENT = {"exam": 0.3, "manager": 0.5, "self": 0.7}
LEARNER_SD = 0.5  # completers' true levels around the course's mean
EPOCH = datetime(2025, 4, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PlantedWorld:
    completions: list[Completion]
    observations: list[Observation]
    gains: dict[tuple[int, str], float]  # (course, item) -> planted true gain over the claim
    claims: dict[tuple[int, str], int]
    learners: dict[int, int]  # course -> completers


def planted_world(*, courses: int = 40, seed: int = 24, small: int = 8) -> PlantedWorld:
    """`courses` courses with 1-3 items each; the first `small` have 3-12 completers, the rest 30-150."""
    rng = np.random.default_rng(seed)
    completions: list[Completion] = []
    observations: list[Observation] = []
    gains: dict[tuple[int, str], float] = {}
    claims: dict[tuple[int, str], int] = {}
    learners: dict[int, int] = {}
    learner_id = 0
    for course in range(1, courses + 1):
        items = [str(x) for x in rng.choice(ITEMS, size=int(rng.integers(1, 4)), replace=False)]
        course_claims = {item: int(rng.integers(1, 4)) for item in items}
        means = {}
        for item, claim in course_claims.items():
            # The true mean later level stays inside the scale's interior, so rounding and the 0-4 bounds
            # hardly bias what the sources read.
            mean = float(np.clip(claim + rng.uniform(-0.8, 0.4), 0.8, 3.3))
            gains[(course, item)] = mean - claim
            claims[(course, item)] = claim
            means[item] = mean
        count = int(rng.integers(3, 13)) if course <= small else int(rng.integers(30, 151))
        learners[course] = count
        for _ in range(count):
            learner_id += 1
            done = EPOCH + timedelta(days=int(rng.integers(0, 300)))
            completions.append(Completion(learner_id, course, done, course_claims))
            for item, claim in course_claims.items():
                true = means[item] + rng.normal(0.0, LEARNER_SD)
                # Ignored: a level from before the course, and the course's own completion row.
                observations.append(Observation(learner_id, item, 0.0, "self", done - timedelta(days=30)))
                observations.append(Observation(learner_id, item, float(claim), "course", done))
                sources = [s for s in SOURCE_NOISE if rng.random() < SOURCE_PRESENT[s]] or ["self"]
                for source in sources:
                    level = float(np.clip(np.rint(true + rng.normal(0.0, SOURCE_NOISE[source])), 0, 4))
                    when = done + timedelta(days=int(rng.integers(1, 90)))
                    observations.append(Observation(learner_id, item, level, source, when))
    return PlantedWorld(completions, observations, gains, claims, learners)


def recovery(*, seed: int, min_learners: int = 30) -> dict[str, float]:
    """How well `estimate` recovers the planted gains: the mean and largest absolute error of the estimated gain
    over the claim for cells with at least `min_learners` learners, and for the smaller cells the error of the
    shrunk and of the raw estimate."""
    from recommender.core.effectiveness import estimate

    world = planted_world(seed=seed)
    result = estimate(world.completions, world.observations)
    big = [e for e in result.effects if e.n >= min_learners]
    small = [e for e in result.effects if e.n < min_learners]
    big_err = np.array([abs(e.gain_over_claim - world.gains[(e.course, e.item)]) for e in big])
    small_shrunk = [abs(e.gain_over_claim - world.gains[(e.course, e.item)]) for e in small]
    small_raw = [abs(e.mean_level - e.claimed_level - world.gains[(e.course, e.item)]) for e in small]
    return {
        "k": round(result.k, 2),
        "cells": len(big),
        "mae": round(float(big_err.mean()), 3),
        "max_error": round(float(big_err.max()), 3),
        "small_cells": len(small),
        "small_mae_shrunk": round(float(np.mean(small_shrunk)), 3),
        "small_mae_raw": round(float(np.mean(small_raw)), 3),
    }


if __name__ == "__main__":  # python -m recommender.evaluation.effect_truth
    for s in (24, 1, 2, 3):
        print(f"seed {s}:", recovery(seed=s))
