"""The plan model (docs/recommender.md, "Plans"): role focus, level progression, location, tag confidence,
stability, items without a course.  Synthetic catalogs, no database."""

from dataclasses import replace

import pytest

from recommender.core.gaps import analyze_gaps
from recommender.core.geo import PREFECTURE_CODES, neighbours, reachable
from recommender.core.plan import SIDE_SHARE, Constraints, CourseOption, PlanBuilder

TARGETS = {"a": 4, "b": 3, "c": 2, "d": 1, "z": 0}
REQ = {"DU04": "a", "DU05": "a", "TE01": "b", "BT01": "c", "PS06": "d"}
LIMITS = Constraints(weekly_hours=10, weeks=12, budget_jpy=100_000)


def course(
    cid, skills, level, hours=8.0, price=0, fmt="e-learning", pref="", inferred=None, prereq=(), recognised=False
):
    return CourseOption(
        cid,
        f"c{cid}",
        level,
        hours,
        price,
        fmt,
        "ja",
        skills,
        code=f"C{cid}",
        prefecture=pref,
        inferred=inferred or {},
        prerequisites=prereq,
        recognised=recognised,
    )


def build(courses, limits=LIMITS, current=None, builder=None, **kw):
    gaps = analyze_gaps(requirements=REQ, grade_targets=TARGETS, current=current or {}, literacy_evidence=True)
    return (builder or PlanBuilder()).build(gaps=gaps, courses=courses, limits=limits, current=current or {}, **kw)


def ids(plan):
    return [i.course.id for i in plan.items]


def test_the_neighbour_table_is_symmetric_and_covers_47_prefectures():
    table = neighbours()
    assert sorted(table) == list(PREFECTURE_CODES) and len(table) == 47
    for code, near in table.items():
        assert code not in near
        for other in near:
            assert code in table[other], (code, other)
    assert table["47"] == frozenset() and table["01"] == frozenset()  # Okinawa, Hokkaido: no land border
    assert {"13", "12", "11", "14", "19"} == reachable("13", travel=True)
    assert reachable("23", travel=False) == {"23"} and reachable("", travel=True) == frozenset()


def test_a_beginner_climbs_the_ladder_one_level_at_a_time():
    catalog = [
        course(3, {"DU05": 3}, level=3),
        course(1, {"DU05": 1}, level=1),
        course(2, {"DU05": 2}, level=2),
        course(4, {"DU05": 4}, level=4),
        course(9, {"DU05": 4}, level=4, hours=2),  # would be "0→4" for a beginner under the old planner
    ]
    plan = build(catalog)
    assert ids(plan)[:4] == [1, 2, 3, 9]  # the shorter level-4 course, once the learner is at 3
    moves = [(m.from_level, m.to_level) for i in plan.items for m in i.moves if m.code == "DU05"]
    assert moves == [(0, 1), (1, 2), (2, 3), (3, 4)]
    # Two ladders: all first steps before the second steps (foundations first), each ladder in order.
    two = build([*catalog, course(5, {"DU04": 1}, level=1), course(6, {"DU04": 2}, level=2)])
    assert [i.course.level for i in two.items] == sorted(i.course.level for i in two.items)
    # Without the level-1 course nothing can start: no jump from 0 to 2.
    assert build([c for c in catalog if c.id != 1]).items == ()


def test_a_course_raises_an_item_to_at_most_its_own_level_and_only_from_one_below():
    # A level-2 course tagged DU04 at 4 takes a learner from 1 to 2, not to 4; a learner at 0 cannot take it.
    catalog = [course(1, {"DU04": 4}, level=2)]
    plan = build(catalog, current={"DU04": 1})
    assert [(m.from_level, m.to_level) for m in plan.items[0].moves] == [(1, 2)]
    assert build(catalog).items == ()
    # The main item decides: a level-3 course whose main item the learner is at 0 on is not planned, even
    # though it also tags an item they are ready for.
    assert build([course(2, {"DU05": 3, "DU04": 3}, level=3)], current={"DU04": 2}).items == ()


def test_prerequisites_come_first_or_the_course_waits():
    catalog = [course(1, {"DU05": 1}, level=1), course(2, {"DU05": 2}, level=2, prereq=(3,)), course(3, {}, level=1)]
    assert 2 not in ids(build(catalog))  # its prerequisite teaches no gap, so it is never planned
    assert 2 in ids(build(catalog, exclude=frozenset({3})))  # completed: the course is open


def test_core_gaps_come_first_and_side_items_only_fill_a_little():
    catalog = [
        course(1, {"BT01": 1}, level=1, hours=1),  # c item, short and free: the old planner's favourite
        course(2, {"PS06": 1}, level=1, hours=1),
        course(3, {"DU05": 1}, level=1, hours=10),
        course(4, {"DU04": 1}, level=1, hours=10),
        course(5, {"TE01": 1}, level=1, hours=10),
        course(6, {"BT01": 2}, level=2, hours=30),
    ]
    plan = build(catalog)
    core = [i for i in plan.items if i.core]
    assert [i.course.id for i in core] == [3, 4, 5]  # a items (largest weighted gap; tied: course id) first, then b
    assert plan.items[: len(core)] == tuple(core)
    side_hours = sum(i.course.hours for i in plan.items if not i.core)
    assert side_hours <= plan.hours * SIDE_SHARE + 1e-9
    assert 6 not in ids(plan)
    # With no core gap left, side items may take the time.
    done = build(catalog, current={"DU04": 4, "DU05": 4, "TE01": 3})
    assert set(ids(done)) == {1, 2, 6}


def test_a_course_that_teaches_no_core_item_is_not_chosen_while_a_core_course_fits():
    # The short side course is better value per hour, but the core course comes first and takes the time.
    catalog = [course(1, {"BT01": 1}, level=1, hours=2), course(2, {"DU04": 1}, level=1, hours=28)]
    plan = build(catalog, limits=Constraints(weekly_hours=2.9, weeks=10, budget_jpy=0))
    assert ids(plan) == [2]


@pytest.mark.parametrize(
    ("fmt", "pref", "home", "travel", "planned"),
    [
        ("classroom", "23", "23", False, True),
        ("classroom", "22", "23", False, False),
        ("classroom", "22", "23", True, True),  # Shizuoka borders Aichi
        ("classroom", "13", "23", True, False),  # Tokyo does not
        ("classroom", "23", "", True, False),  # no prefecture: no classroom course
        ("blended", "13", "23", False, False),
        ("blended", "", "", False, True),  # blended without a place is online
        ("e-learning", "", "47", False, True),
        ("live-online", "", "", False, True),
    ],
)
def test_location(fmt, pref, home, travel, planned):
    limits = Constraints(weekly_hours=5, weeks=12, budget_jpy=0, prefecture=home, travel=travel)
    plan = build([course(1, {"DU04": 1}, level=1, fmt=fmt, pref=pref)], limits=limits)
    assert (ids(plan) == [1]) is planned


def test_a_prefecture_must_be_a_jis_code():
    with pytest.raises(ValueError, match="prefecture"):
        Constraints(weekly_hours=5, weeks=12, budget_jpy=0, prefecture="48")


def test_inferred_tags_count_by_confidence_and_not_below_the_threshold():
    catalog = [
        course(1, {"DU04": 1}, level=1, inferred={"DU04": 0.4}),
        course(2, {"DU05": 1}, level=1, inferred={"DU05": 0.8}),
    ]
    plan = build(catalog, builder=PlanBuilder(min_confidence=0.5))
    assert ids(plan) == [2]
    move = plan.items[0].moves[0]
    assert move.inferred and move.confidence == 0.8 and plan.items[0].gain == pytest.approx(8 * 0.8)
    assert "DU04" in plan.unmet  # the 0.4 guess is no course for DU04
    # Above a lower threshold both count; of the two tied items, the surer gain goes first.
    assert ids(build(catalog, builder=PlanBuilder(min_confidence=0.3))) == [2, 1]
    # A declared tag beats an inferred one for the same step.
    sure = course(3, {"DU05": 1}, level=1, hours=9)
    assert ids(build([*catalog, sure]))[0] == 3


def test_completing_the_first_course_keeps_the_rest_in_order_and_enrolled_courses_stay():
    catalog = [
        course(i, {code: lvl}, level=lvl, hours=6)
        for i, (code, lvl) in enumerate(
            [("DU04", 1), ("DU05", 1), ("TE01", 1), ("DU04", 2), ("DU05", 2), ("TE01", 2), ("DU04", 3)], start=1
        )
    ]
    first = build(catalog)
    order = ids(first)
    done = first.items[0]
    after = {m.code: m.to_level for m in done.moves}
    again = build(catalog, current=after, exclude=frozenset({done.course.id}), previous=order[1:])
    assert ids(again)[: len(order) - 1] == order[1:]
    assert [i.reason for i in again.items[: len(order) - 1]] == [i.reason for i in first.items[1:]]
    # A course in progress stays first even if it no longer raises anything, and is not planned twice.
    enrolled = build(catalog, enrolled=[order[2]], previous=order)
    assert ids(enrolled)[0] == order[2] and enrolled.items[0].reason == "enrolled"
    assert ids(enrolled).count(order[2]) == 1


def test_items_without_a_suitable_course_are_named():
    plan = build([course(1, {"DU04": 1}, level=1)])
    assert ids(plan) == [1]
    assert set(plan.unmet) == {"DU04", "DU05", "TE01"}
    assert plan.core_items == 3 and plan.core_at_target_now == 0 and plan.core_at_target_after == 0
    progress = {p.code: (p.current, p.planned, p.target) for p in plan.core}
    assert progress["DU04"] == (0, 1, 4)


def test_a_recognised_course_is_preferred_for_a_step_over_a_shorter_one():
    # Both take DU04 from 1 to 2; the exam-preparation course is longer and not free, but an adviser picks it.
    catalog = [
        course(1, {"DU04": 2}, level=2, hours=3),
        course(2, {"DU04": 2}, level=2, hours=24, price=13_200, recognised=True),
    ]
    assert ids(build(catalog, current={"DU04": 1})) == [2]
    # Only when it fits: over budget, the other course is planned.
    tight = Constraints(weekly_hours=10, weeks=12, budget_jpy=10_000)
    assert ids(build(catalog, limits=tight, current={"DU04": 1})) == [1]
    # Among items tied for the most pressing gap, the recognised course decides which item goes first.
    tied = [course(3, {"DU04": 1}, level=1, hours=2), course(4, {"DU05": 1}, level=1, hours=20, recognised=True)]
    assert ids(build(tied, limits=Constraints(weekly_hours=20, weeks=1, budget_jpy=0))) == [4]


def test_the_roles_own_items_lead_before_personal_skills():
    # A data scientist beginner: statistics (DU04, a) and collaboration (PS02, a) have the same weighted gap,
    # but personal skills are a/b items of every role; the role's own item climbs two levels first.
    req = {"DU04": "a", "PS02": "a"}
    catalog = [
        course(1, {"PS02": 1}, level=1, hours=10),
        course(2, {"DU04": 1}, level=1, hours=10),
        course(3, {"DU04": 2}, level=2, hours=10),
        course(4, {"PS02": 2}, level=2, hours=10),
    ]
    gaps = analyze_gaps(requirements=req, grade_targets=TARGETS, current={}, literacy_evidence=True)
    limits = Constraints(weekly_hours=10, weeks=2, budget_jpy=0)
    plan = PlanBuilder().build(gaps=gaps, courses=catalog, limits=limits, current={})
    assert ids(plan) == [2, 3]
    # With time for more, personal skills follow.
    more = PlanBuilder().build(gaps=gaps, courses=catalog, limits=Constraints(10, 4, 0), current={})
    assert set(ids(more)) == {1, 2, 3, 4}


def test_the_literacy_course_is_an_overview_not_a_side_topic():
    catalog = [
        replace(course(1, {"DU04": 1}, level=1, hours=1), literacy=("HOW",)),  # a side topic raising a core item
        replace(course(2, {}, level=1, hours=3), literacy=("WHY", "WHAT", "HOW")),
    ]
    gaps = analyze_gaps(requirements=REQ, grade_targets=TARGETS, current={}, literacy_evidence=False)
    plan = PlanBuilder().build(gaps=gaps, courses=catalog, limits=LIMITS, current={})
    assert plan.items[0].course.id == 2 and plan.items[0].reason == "literacy"
