"""The capstone rule (recommender.core.capstone, no Django) and its single call site in the plan."""

from datetime import date, timedelta

import pytest

from recommender.core.capstone import Cohort, choose_capstone, core_items

TODAY = date(2027, 1, 4)
REQ = {"DU04": "a", "DU05": "b", "BT01": "c", "PS02": "d"}
READY = {"DU04": 2, "DU05": 3}


def cohort(course_id=1, start=14, weeks=10, deadline=7, hours=6.0, online=True, region=""):
    starts = TODAY + timedelta(days=start)
    return Cohort(
        course_id=course_id,
        cohort_starts_on=starts,
        cohort_ends_on=starts + timedelta(weeks=weeks),
        application_deadline=TODAY + timedelta(days=deadline),
        hours_per_week=hours,
        online=online,
        region=region,
    )


def choose(cohorts, current=READY, prefecture="13", weekly_hours=8.0, today=TODAY):
    return choose_capstone(
        requirements=REQ,
        current=current,
        cohorts=cohorts,
        today=today,
        prefecture=prefecture,
        weekly_hours=weekly_hours,
    )


def test_core_items_are_the_roles_a_and_b_items():
    assert core_items(REQ) == ("DU04", "DU05")


def test_ready_learner_gets_a_fitting_online_cohort():
    chosen = choose([cohort()])
    assert chosen is not None and chosen.course_id == 1 and chosen.core_items == ("DU04", "DU05")
    assert "apply by 2027-01-11" in chosen.reason


@pytest.mark.parametrize("current", [{"DU04": 1, "DU05": 3}, {"DU05": 4}, {}])
def test_a_core_item_below_level_2_means_no_capstone(current):
    assert choose([cohort()], current=current) is None


def test_non_core_items_do_not_matter():
    assert choose([cohort()], current={**READY, "BT01": 0, "PS02": 0}) is not None


@pytest.mark.parametrize(
    "unfit",
    [
        cohort(deadline=-1, start=3),  # applications closed
        cohort(start=-7, deadline=-10),  # already started
        cohort(start=180, deadline=170, weeks=8),  # ends beyond the horizon
        cohort(hours=12.0),  # more hours per week than the learner has
        cohort(online=False, region="40"),  # on site elsewhere
    ],
)
def test_cohorts_that_do_not_fit_are_not_proposed(unfit):
    assert choose([unfit]) is None


def test_on_site_in_the_learners_prefecture_fits():
    assert choose([cohort(online=False, region="13")]).course_id == 1
    assert choose([cohort(online=False, region="13")], prefecture="") is None


def test_earliest_fitting_start_wins_deterministically():
    cohorts = [cohort(3, start=30, deadline=20), cohort(2, start=14, hours=7.0), cohort(1, start=14, hours=5.0)]
    assert choose(cohorts).course_id == 1
    assert choose(list(reversed(cohorts))).course_id == 1


def test_the_core_module_imports_no_django():
    import ast
    from pathlib import Path

    import recommender.core.capstone as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [n for n in names if n.startswith("django")]


@pytest.mark.django_db
def test_the_plan_carries_the_capstone_when_ready(standard, settings):
    import io

    from django.core.management import call_command

    from courses.models import CaseProgram
    from learners.services import skill_assessments_record
    from learners.tests.factories import LearnerFactory
    from recommender.services import plan_compute

    settings.RECOMMENDER_DENSE = False
    call_command("load_case_programs", stdout=io.StringIO())
    role = standard.roles.get(code="DS_PRO")
    core = [r.skill_item for r in role.requirements.select_related("skill_item") if r.grade in ("a", "b")]
    learner = LearnerFactory.create(target_role=role, prefecture="13", weekly_hours=10)
    online = CaseProgram.objects.filter(online=True).order_by("cohort_starts_on").first()
    assert online is not None
    today = online.application_deadline - timedelta(days=1)
    skill_assessments_record(learner=learner, levels=dict.fromkeys(core, 1))
    from recommender import capstone

    assert capstone.capstone_for(learner=learner, current={i.code: 1 for i in core}, today=today) is None
    skill_assessments_record(learner=learner, levels=dict.fromkeys(core, 2))
    proposed = capstone.capstone_for(learner=learner, current={i.code: 2 for i in core}, today=today)
    assert proposed is not None and proposed["course"]["id"] == online.pk and proposed["online"] is True
    payload = plan_compute(learner=learner)  # the one call site: the plan carries what the rule says for today
    assert payload["capstone"] == capstone.capstone_for(learner=learner, current={i.code: 2 for i in core})
