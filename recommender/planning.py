"""Gap analysis and plans from database state, and their stable JSON form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.conf import settings

from recommender.core.calibration import emit
from recommender.core.gaps import GapReport, analyze_gaps
from recommender.core.plan import Catalog, Constraints, Plan, PlanBuilder
from recommender.core.tagging import CourseText, HybridTagger, dense_english_only, estimate_level, fuse
from recommender.engine import course_catalog, course_options, taggers
from recommender.inputs import RoleProfile, role_profile, role_requirements
from recommender.learning import tagging_layer
from skills.grades import STRONG_GRADES
from skills.models import Role, StandardVersion
from skills.selectors import grade_targets

LITERACY_MIN_SCORE = 0.12


def gaps_for(
    *, role: Role, current: Mapping[str, int], literacy_evidence: bool, profile: RoleProfile | None = None
) -> GapReport:
    profile = profile or role_profile(role=role)
    return analyze_gaps(
        requirements=profile.requirements,
        grade_targets=profile.targets,
        current=current,
        literacy_evidence=literacy_evidence,
    )


def plan_builder() -> PlanBuilder:
    """The plan builder with the configured threshold for inferred tags (`RECOMMENDER_MIN_TAG_CONFIDENCE`) and
    weight of measured effectiveness (`RECOMMENDER_EFFECT_WEIGHT`, 0: off)."""
    return PlanBuilder(
        min_confidence=settings.RECOMMENDER_MIN_TAG_CONFIDENCE, effect_weight=settings.RECOMMENDER_EFFECT_WEIGHT
    )


def plan_for(
    *,
    role: Role,
    current: Mapping[str, int],
    limits: Constraints,
    literacy_evidence: bool = True,
    exclude: frozenset[int] = frozenset(),
    assigned: Sequence[int] = (),
    enrolled: Sequence[int] = (),
    previous: Sequence[int] = (),
    profile: RoleProfile | None = None,
    catalog: Catalog | None = None,
) -> tuple[GapReport, Plan]:
    gaps = gaps_for(role=role, current=current, literacy_evidence=literacy_evidence, profile=profile)
    plan = plan_builder().build(
        gaps=gaps,
        courses=catalog or course_catalog(version=role.version),
        limits=limits,
        exclude=exclude,
        assigned=assigned,
        enrolled=enrolled,
        previous=previous,
        current=current,
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
                    "recognised": i.course.recognised,
                },
                "skills": [
                    {
                        "code": m.code,
                        "from": m.from_level,
                        "to": m.to_level,
                        "core": m.core,
                        "inferred": m.inferred,
                        "confidence": m.confidence,
                    }
                    for m in i.moves
                ],
                "hours": i.course.hours,
                "price_jpy": i.course.price_jpy,
                "paid_by_employer": i.assigned,
                "week": i.week,
                "reason": i.reason,
                "core": i.core,
                "score": {"gain": i.gain, "gain_per_hour": i.gain_per_hour},
                "why": i.why,
            }
            for i in plan.items
        ],
        "core": {
            "items": plan.core_items,
            "at_target_now": plan.core_at_target_now,
            "at_target_after": plan.core_at_target_after,
            "gaps": [
                {"code": p.code, "grade": p.grade, "current": p.current, "planned": p.planned, "target": p.target}
                for p in plan.core
            ],
            "no_course": list(plan.unmet),
        },
        "totals": {
            "courses": len(plan.items),
            "hours": plan.hours,
            "price_jpy": plan.price_jpy,
            "weeks": plan.weeks_needed,
            "gap_closed": plan.gain,
            "gap_total": plan.total_gap,
            "coverage": plan.coverage,
        },
        "message": plan.message or _unmet_message(plan),
    }


def _unmet_message(plan: Plan) -> str:
    if not plan.unmet:
        return ""
    return "No suitable course for: " + ", ".join(plan.unmet)


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
    `query_vectors`: the texts' stored dense vectors (`recommender.vectors`), when they are catalog courses;
    otherwise they are encoded here, once, for the dense signal and the embedding classifier alike."""
    skill_tagger, literacy_tagger = taggers(version=version)
    layer = tagging_layer(version=version)
    if not texts:
        return []
    if query_vectors is None:
        query_vectors = text_vectors(skill_tagger, texts)
    parts = skill_tagger.components(texts, query_vectors)
    probabilities = layer.predict(parts, query_vectors)
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


def text_vectors(tagger: HybridTagger, texts: Sequence[CourseText]) -> np.ndarray | None:
    """The texts' dense query vectors (rows of zeros for texts the model cannot read); None without a model."""
    if tagger.dense is None or tagger.doc_dense_ is None:
        return None
    english_only = dense_english_only(tagger.dense)
    readable = [i for i, t in enumerate(texts) if t.readable(english_only)]
    out = np.zeros((len(texts), tagger.doc_dense_.shape[1]), dtype=np.float32)
    if readable:
        out[readable] = tagger.dense.encode_queries([texts[i].dense_text(english_only) for i in readable])
    return out


def plan_suite_run(*, version: StandardVersion) -> tuple[list[Any], dict[str, Any]]:
    """The plan suite (recommender/evaluation/plan_suite.py) on the current catalog's declared tags: each
    case's results and the summary."""
    from recommender.evaluation import plan_suite

    roles = {r.code: r for r in version.roles.all()}
    requirements = {code: role_requirements(role=role) for code, role in roles.items()}
    targets = grade_targets(version=version)

    def gaps(role: str, levels: Mapping[str, int], literacy: bool) -> GapReport:
        return analyze_gaps(
            requirements=requirements[role], grade_targets=targets, current=levels, literacy_evidence=literacy
        )

    courses = Catalog(plan_suite.declared_only(course_options(version=version)))
    builder = plan_builder()
    results = [
        plan_suite.run_case(case, courses=courses, gaps_for=gaps, builder=builder) for case in plan_suite.load_cases()
    ]
    return results, plan_suite.summarize(results)


TRACK_HOURS = 400.0  # an employer's track is not bound by one person's weekly hours
TRACK_MAX_COURSES = 15


def track_propose(
    *,
    role: Role,
    target_level: int | None = None,
    budget_jpy: int | None = None,
    formats: Sequence[str] = (),
    prefecture: str = "",
) -> list[int]:
    """An employer's track for a role, by the plan model: for a beginner, the courses that take the role's
    a/b items up their ladders (to the grade's target, or `target_level` when lower), largest weighted gap
    first; within the budget (per person) and formats; classroom courses in or next to `prefecture`."""
    requirements = role_requirements(role=role)
    core = {code: grade for code, grade in requirements.items() if grade in STRONG_GRADES}
    targets = dict(grade_targets(version=role.version))
    if target_level is not None:
        targets = {grade: min(level, target_level) for grade, level in targets.items()}
    gaps = analyze_gaps(requirements=core, grade_targets=targets, current={}, literacy_evidence=True)
    limits = Constraints(
        weekly_hours=TRACK_HOURS / 52,
        weeks=52,
        budget_jpy=100_000_000 if budget_jpy is None else budget_jpy,
        formats=tuple(formats),
        prefecture=prefecture,
        travel=True,
    )
    builder = plan_builder()
    builder.max_items = TRACK_MAX_COURSES
    plan = builder.build(gaps=gaps, courses=course_catalog(version=role.version), limits=limits)
    return [item.course.id for item in plan.items if item.core]
