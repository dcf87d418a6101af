"""Evaluation of tagging and planning on the development set (plain Python)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from recommender.core.plan import Constraints, Plan
from recommender.core.tagging import SkillGuess


@dataclass(frozen=True)
class TaggingScores:
    top1: float
    precision3: float
    recall3: float
    n: int


def tagging_scores(predictions: Sequence[Sequence[SkillGuess]], labels: Sequence[Sequence[str]]) -> TaggingScores:
    """top-1: the first guess is the main (first) label; @3 against all labels."""
    pairs = [(p, lab) for p, lab in zip(predictions, labels, strict=True) if lab]
    if not pairs:
        return TaggingScores(0.0, 0.0, 0.0, 0)
    top1 = sum(1 for p, lab in pairs if p and p[0].code == lab[0]) / len(pairs)
    p3 = sum(len({g.code for g in p[:3]} & set(lab)) / 3 for p, lab in pairs) / len(pairs)
    r3 = sum(len({g.code for g in p[:3]} & set(lab)) / len(lab) for p, lab in pairs) / len(pairs)
    return TaggingScores(round(top1, 3), round(p3, 3), round(r3, 3), len(pairs))


def violations(plan: Plan, limits: Constraints) -> list[str]:
    """Every way a plan breaks the learner's limits (there must be none)."""
    out = []
    if plan.hours > limits.hours + 1e-6:
        out.append(f"hours {plan.hours} > {limits.hours}")
    if plan.price_jpy > limits.budget_jpy:
        out.append(f"price {plan.price_jpy} > {limits.budget_jpy}")
    for item in plan.items:
        if item.assigned:
            continue
        c = item.course
        if limits.free_only and c.price_jpy > 0:
            out.append(f"{c.code} is not free")
        if limits.formats and c.format not in limits.formats:
            out.append(f"{c.code} format {c.format}")
        if limits.language and c.language != limits.language:
            out.append(f"{c.code} language {c.language}")
    return out


def must_cover_share(plan: Plan, must_cover: Sequence[str]) -> float:
    moved = {m.code for item in plan.items for m in item.moves}
    return sum(1 for code in must_cover if code in moved) / len(must_cover) if must_cover else 1.0


@dataclass(frozen=True)
class Agreement:
    """How two label sets for the same texts agree (texts where both have labels)."""

    main: float  # the first label is the same
    exact: float  # the same set of labels
    others_confirmed: float  # share of `a`'s labels after its first that `b` also gives
    n: int


def label_agreement(a: Sequence[Sequence[str]], b: Sequence[Sequence[str]]) -> Agreement:
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x and y]
    if not pairs:
        return Agreement(0.0, 0.0, 0.0, 0)
    others = [code in y for x, y in pairs for code in x[1:]]
    return Agreement(
        main=round(sum(x[0] == y[0] for x, y in pairs) / len(pairs), 3),
        exact=round(sum(set(x) == set(y) for x, y in pairs) / len(pairs), 3),
        others_confirmed=round(sum(others) / len(others), 3) if others else 1.0,
        n=len(pairs),
    )
