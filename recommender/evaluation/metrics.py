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
