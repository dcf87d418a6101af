"""Evaluation: a synthetic population (generate_population) over a catalog with planted gaps, item-levels
that no course teaches; the supply-gap ranking must put exactly those on top, with the demand the population
implies (counted here independently of the plans, from the learners' roles and current levels)."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from courses.models import Course, CourseSkill
from courses.tests.factories import CourseFactory, ProviderFactory
from insights.selectors import supply_gaps_compute
from learners.models import LearnerProfile
from learners.selectors import learner_current_levels
from portal.population import ROLE_WEIGHTS
from recommender.services import plan_refresh
from skills.grades import STRONG_GRADES
from skills.models import RoleSkillRequirement, SkillItem

pytestmark = pytest.mark.django_db

LEVELS = (1, 2, 3, 4)


def _planted_items(standard: Any, n: int) -> list[str]:
    """The n items that are core (grade a/b) for the largest share of the population's roles."""
    weight: dict[str, int] = {}
    for code, role in RoleSkillRequirement.objects.filter(role__version=standard, grade__in=STRONG_GRADES).values_list(
        "skill_item__code", "role__code"
    ):
        weight[code] = weight.get(code, 0) + ROLE_WEIGHTS.get(role, 1)
    return sorted(weight, key=lambda c: (-weight[c], c))[:n]


@pytest.fixture
def planted(standard, settings):
    """Every item × level taught by three courses (two in Japanese, one free; one in English, free) except
    the planted gaps: level 1 of the three most needed items."""
    settings.RECOMMENDER_DENSE = False
    from recommender.engine import dense_encoder

    dense_encoder.cache_clear()
    gaps = {(code, 1) for code in _planted_items(standard, 3)}
    provider = ProviderFactory.create()
    tags = []
    for item in SkillItem.objects.filter(version=standard).order_by("position"):
        for level in LEVELS:
            if (item.code, level) in gaps:
                continue
            for language, price in (("ja", 0), ("ja", 20000), ("en", 0)):
                course = CourseFactory.create(
                    provider=provider, level=level, language=language, price_jpy=price, hours=Decimal("6.0")
                )
                tags.append(CourseSkill(course=course, skill_item=item, level=level))
    CourseSkill.objects.bulk_create(tags)
    return gaps


def _expected_unmet(standard: Any, gaps: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """Ground truth: a learner needs a planted (item, 1) and cannot get it when the item is core for their role
    and they are at level 0 on it (no course raises an item from 0 but a level-1 course)."""
    core: dict[int, set[str]] = {}
    for role_id, code in RoleSkillRequirement.objects.filter(
        role__version=standard, grade__in=STRONG_GRADES
    ).values_list("role_id", "skill_item__code"):
        core.setdefault(role_id, set()).add(code)
    codes = dict(SkillItem.objects.filter(version=standard).values_list("pk", "code"))
    expected = dict.fromkeys(gaps, 0)
    for learner in LearnerProfile.objects.filter(target_role__isnull=False):
        levels = {codes[k]: v.level for k, v in learner_current_levels(learner=learner).items() if k in codes}
        for code, level in gaps:
            if code in core[int(learner.target_role_id or 0)] and levels.get(code, 0) == level - 1:
                expected[(code, level)] += 1
    return expected


def test_the_ranking_finds_the_planted_gaps(planted, standard):
    call_command("generate_population", learners=300, events=400, orgs=6, seed=24, stdout=StringIO())
    learners = list(LearnerProfile.objects.filter(target_role__isnull=False).values_list("pk", flat=True))
    assert len(learners) > 150
    for learner_id in learners:
        plan_refresh(learner_id=learner_id)

    data = supply_gaps_compute(lang="en")
    expected = _expected_unmet(standard, planted)
    assert all(n >= data.threshold for n in expected.values()), expected  # the population makes them visible

    ranking = data.ranking
    top = [(r.code, r.level) for r in ranking[: len(planted)]]
    assert set(top) == planted
    # Ranked by unmet demand, and that demand is exactly what the population implies.
    assert [r.unmet.people for r in ranking[: len(planted)]] == sorted(expected.values(), reverse=True)
    assert {(r.code, r.level): r.unmet.people for r in ranking[: len(planted)]} == expected
    # The planted item-levels have no course; nothing else has published unmet demand.
    assert all(r.supply.courses == 0 for r in ranking[: len(planted)])
    assert all(r.unmet.status for r in data.items if (r.code, r.level) not in planted)
    assert Course.objects.count() == (SkillItem.objects.filter(version=standard).count() * 4 - len(planted)) * 3
