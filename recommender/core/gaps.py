"""Gap analysis: what a learner must still gain for their target role."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from skills.grades import STRONG_GRADES

# How much closing one level of gap is worth, by the importance grade of the item for the role.
GRADE_WEIGHTS: dict[str, float] = {"a": 8.0, "b": 4.0, "c": 1.0, "d": 0.5, "z": 0.0}


@dataclass(frozen=True)
class Gap:
    code: str
    grade: str
    current: int
    target: int
    weight: float

    @property
    def size(self) -> int:
        return max(0, self.target - self.current)

    @property
    def weighted(self) -> float:
        return self.size * self.weight


@dataclass(frozen=True)
class GapReport:
    gaps: tuple[Gap, ...]
    needs_literacy: bool
    core_items: int = 0  # the role's a/b items, with a gap or not

    @property
    def total_weighted(self) -> float:
        return sum(g.weighted for g in self.gaps)

    def by_code(self) -> dict[str, Gap]:
        return {g.code: g for g in self.gaps}


def analyze_gaps(
    *,
    requirements: Mapping[str, str],
    grade_targets: Mapping[str, int],
    current: Mapping[str, int],
    literacy_evidence: bool,
) -> GapReport:
    """Targets from the role's grades minus current levels, weighted by grade; largest first.

    A learner with no DX literacy evidence gets `needs_literacy`: introductory literacy comes first.
    """
    for code, level in current.items():
        if not 0 <= level <= 4:
            raise ValueError(f"level of {code} must be 0-4, got {level}")
    gaps = []
    for code, grade in requirements.items():
        if grade not in GRADE_WEIGHTS:
            raise ValueError(f"unknown grade {grade!r} for {code}")
        gap = Gap(code, grade, int(current.get(code, 0)), int(grade_targets.get(grade, 0)), GRADE_WEIGHTS[grade])
        if gap.size > 0:
            gaps.append(gap)
    gaps.sort(key=lambda g: (-g.weighted, -g.weight, g.code))
    core = sum(1 for grade in requirements.values() if grade in STRONG_GRADES)
    return GapReport(tuple(gaps), needs_literacy=not literacy_evidence, core_items=core)
