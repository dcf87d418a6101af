"""Gap analysis and plans from database state, and their stable JSON form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.conf import settings

from recommender.core.calibration import emit
from recommender.core.gaps import GapReport, analyze_gaps
from recommender.core.plan import Constraints, Plan, PlanBuilder
from recommender.core.tagging import CourseText, estimate_level, fuse
from recommender.engine import course_options, taggers
from recommender.learning import calibrator
from skills.models import Role, StandardVersion
from skills.selectors import grade_targets

LITERACY_MIN_SCORE = 0.12


def gaps_for(*, role: Role, current: Mapping[str, int], literacy_evidence: bool) -> GapReport:
    requirements = dict(role.requirements.values_list("skill_item__code", "grade"))
    return analyze_gaps(
        requirements=requirements,
        grade_targets=grade_targets(version=role.version),
        current=current,
        literacy_evidence=literacy_evidence,
    )


def plan_for(
    *,
    role: Role,
    current: Mapping[str, int],
    limits: Constraints,
    literacy_evidence: bool = True,
    exclude: frozenset[int] = frozenset(),
    assigned: Sequence[int] = (),
) -> tuple[GapReport, Plan]:
    gaps = gaps_for(role=role, current=current, literacy_evidence=literacy_evidence)
    plan = PlanBuilder().build(
        gaps=gaps, courses=course_options(version=role.version), limits=limits, exclude=exclude, assigned=assigned
    )
    return gaps, plan


def plan_json(gaps: GapReport, plan: Plan) -> dict[str, Any]:
    """The contract of `recommend_plan` and the plan API (keys are stable)."""
    return {
        "gaps": [
            {"code": g.code, "grade": g.grade, "current": g.current, "target": g.target, "weight": g.weight}
            for g in gaps.gaps
        ],
        "needs_literacy": gaps.needs_literacy,
        "items": [
            {
                "course": {
                    "id": i.course.id,
                    "provider": i.course.provider,
                    "code": i.course.code,
                    "title": i.course.title,
                    "title_en": i.course.title_en,
                    "level": i.course.level,
                    "format": i.course.format,
                },
                "skills": [{"code": m.code, "from": m.from_level, "to": m.to_level} for m in i.moves],
                "hours": i.course.hours,
                "price_jpy": i.course.price_jpy,
                "week": i.week,
                "reason": i.reason,
                "score": {"gain": i.gain, "gain_per_hour": i.gain_per_hour},
                "why": i.why,
            }
            for i in plan.items
        ],
        "totals": {
            "courses": len(plan.items),
            "hours": plan.hours,
            "price_jpy": plan.price_jpy,
            "weeks": plan.weeks_needed,
            "gap_closed": plan.gain,
            "gap_total": plan.total_gap,
            "coverage": plan.coverage,
        },
        "message": plan.message,
    }


def infer(
    *,
    version: StandardVersion,
    texts: Sequence[CourseText],
    top_k: int | None = None,
    query_vectors: np.ndarray | None = None,
    threshold: float | None = None,
) -> list[dict[str, Any]]:
    """Skills with their calibrated probability, level and supporting sentences, and literacy sections.

    By default the tags whose probability reaches `threshold` (setting RECOMMENDER_TAG_THRESHOLD), at most
    three: often one, none for a text that teaches no DSS-P item (it then gets literacy sections only).
    With `top_k`, the `top_k` most probable items, whatever their probability (a ranked list).
    `query_vectors`: the texts' stored dense vectors, when they are catalog courses."""
    skill_tagger, literacy_tagger = taggers(version=version)
    layer = calibrator(version=version)
    if not texts:
        return []
    parts = skill_tagger.components(texts, query_vectors)
    probabilities = layer.predict(parts)
    fused = fuse(parts, skill_tagger.weights)
    cut = settings.RECOMMENDER_TAG_THRESHOLD if threshold is None else threshold
    chosen: list[list[int]] = []
    for i in range(len(texts)):
        if top_k is None:
            chosen.append(emit(probabilities[i], cut))
        else:
            order = sorted(range(len(skill_tagger.codes_)), key=lambda j: (-probabilities[i, j], -fused[i, j], j))
            chosen.append(order[:top_k])
    codes = [[skill_tagger.codes_[j] for j in row] for row in chosen]
    evidence = skill_tagger.evidence(texts, codes)
    literacy = literacy_tagger.predict(texts, top_k=2, min_score=LITERACY_MIN_SCORE, query_vectors=query_vectors)
    out = []
    for i, (text, sections) in enumerate(zip(texts, literacy, strict=True)):
        level = estimate_level(text)
        skills = [
            {
                "code": skill_tagger.codes_[j],
                "score": round(float(probabilities[i, j]), 4),
                "probability": round(float(probabilities[i, j]), 4),
                "level": level,
                "evidence": list(evidence[i][n]),
            }
            for n, j in enumerate(chosen[i])
        ]
        introductory = bool(skills) and level == 1
        no_skill = not skills
        out.append(
            {
                "skills": skills,
                "literacy": [s.code for s in sections] if introductory or text.level == 1 or no_skill else [],
            }
        )
    return out
