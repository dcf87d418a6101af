"""The recommender core, without Django and without a real model."""

import ast
import pathlib

import numpy as np
import pytest

from recommender.core.gaps import analyze_gaps
from recommender.core.plan import Constraints, CourseOption, PlanBuilder
from recommender.core.tagging import CourseText, HybridTagger, SkillDoc, Weights, estimate_level

CORE = pathlib.Path(__file__).resolve().parents[1] / "core"
E5 = CORE.parent / "e5"  # the model conversion, also plain Python


def test_the_core_imports_no_django():
    for path in [*CORE.glob("*.py"), *E5.glob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n.split(".")[0] in {"django", "rest_framework", "celery"} for n in names), path


class FakeEncoder:
    """Fixed vectors from keyword buckets: enough to test the fusion without a model."""

    name = "fake"
    buckets = ("python", "design", "security")

    def _vec(self, text):
        text = text.lower()
        v = np.array([float(b in text) for b in self.buckets] + [0.1], dtype=np.float32)
        return v / np.linalg.norm(v)

    def encode_queries(self, texts):
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, 4), np.float32)

    encode_passages = encode_queries


DOCS = [
    SkillDoc(
        "DU05",
        "機械学習・深層学習",
        "Machine learning",
        "機械学習モデルを構築する",
        "build machine learning models with python",
        ("scikit-learn", "深層学習"),
        ("scikit-learn", "pytorch"),
    ),
    SkillDoc(
        "BT15",
        "設計",
        "Design",
        "UIを設計する",
        "design user interfaces",
        ("ワイヤーフレーム", "figma"),
        ("figma", "wireframe"),
    ),
    SkillDoc(
        "SC05",
        "セキュア設計・開発・構築",
        "Secure development",
        "安全なソフトウェアを作る",
        "secure coding and threat modelling",
        ("セキュアコーディング", "owasp"),
        ("owasp", "security"),
    ),
]


@pytest.fixture
def tagger():
    return HybridTagger(dense=FakeEncoder(), weights=Weights(0.3, 0.4, 0.3)).fit(DOCS)


def test_japanese_text_is_tagged_through_the_sparse_side(tagger):
    text = CourseText("scikit-learnで学ぶ機械学習", "回帰と分類のモデルを構築し評価します。", level=3)
    guess = tagger.predict([text], top_k=2)[0]
    assert guess[0].code == "DU05"
    assert guess[0].level == 3


def test_english_fields_feed_the_dense_side(tagger):
    text = CourseText(
        "UIデザイン講座", "画面設計の基本。", title_en="Design with Figma", description_en="wireframe and design"
    )
    parts = tagger.components([text])
    assert parts["dense"][0, 1] > parts["dense"][0, 0]
    assert tagger.predict([text])[0][0].code == "BT15"


def test_single_signal_taggers_are_the_same_class(tagger):
    text = CourseText("OWASP Top 10とセキュアコーディング", "脆弱性を作らない実装")
    sparse_only = HybridTagger(dense=None, weights=Weights(0, 1, 0)).fit(DOCS)
    keyword_only = HybridTagger(dense=None, weights=Weights(0, 0, 1)).fit(DOCS)
    assert sparse_only.predict([text])[0][0].code == "SC05"
    assert keyword_only.predict([text])[0][0].code == "SC05"


def test_prediction_is_deterministic(tagger):
    texts = [CourseText("機械学習", "pytorch"), CourseText("figma", "design"), CourseText("owasp", "security")]
    assert tagger.predict(texts) == tagger.predict(texts)


@pytest.mark.parametrize(
    ("title", "level"),
    [("機械学習入門", 1), ("機械学習ハンズオン", 3), ("上級 機械学習アーキテクト", 4), ("機械学習", 2)],
)
def test_level_from_wording(title, level):
    assert estimate_level(CourseText(title, "")) == level


REQ = {"DU04": "a", "DU05": "a", "BT01": "c", "TE01": "d", "SC01": "z"}
TARGETS = {"a": 4, "b": 3, "c": 2, "d": 1, "z": 0}


def test_gaps_are_weighted_and_sorted():
    report = analyze_gaps(
        requirements=REQ, grade_targets=TARGETS, current={"DU04": 3, "BT01": 2}, literacy_evidence=True
    )
    assert [(g.code, g.size, g.weighted) for g in report.gaps] == [
        ("DU05", 4, 32.0),
        ("DU04", 1, 8.0),
        ("TE01", 1, 0.5),
    ]
    assert report.needs_literacy is False
    with pytest.raises(ValueError, match="0-4"):
        analyze_gaps(requirements=REQ, grade_targets=TARGETS, current={"DU04": 7}, literacy_evidence=True)


def course(cid, skills, hours=10.0, price=0, fmt="e-learning", lang="ja", level=2, literacy=(), prereq=()):
    return CourseOption(cid, f"c{cid}", level, hours, price, fmt, lang, skills, literacy=literacy, prerequisites=prereq)


CATALOG = [
    course(1, {"DU05": 2}, hours=10),
    course(2, {"DU05": 4}, hours=40, price=100_000, level=4),
    course(3, {"DU05": 3, "DU04": 3}, hours=20, price=30_000, level=3, prereq=(1,)),
    course(4, {"DU04": 4}, hours=12, fmt="classroom"),
    course(5, {"TE01": 1}, hours=2, lang="en"),
    course(6, {}, hours=3, literacy=("WHY", "WHAT"), level=1),
    course(7, {"DU05": 2}, hours=10),  # the same as 1: redundant once 1 is taken
]


def plan_for(limits, current=None, literacy=True, **kw):
    gaps = analyze_gaps(requirements=REQ, grade_targets=TARGETS, current=current or {}, literacy_evidence=literacy)
    return PlanBuilder().build(gaps=gaps, courses=CATALOG, limits=limits, **kw)


LIMITS = Constraints(weekly_hours=5, weeks=20, budget_jpy=50_000)


def test_plan_respects_every_constraint():
    plan = plan_for(LIMITS)
    ids = [i.course.id for i in plan.items]
    assert plan.hours <= 100 and plan.price_jpy <= 50_000
    assert 2 not in ids  # over budget
    tight = plan_for(
        Constraints(weekly_hours=2, weeks=5, budget_jpy=0, free_only=True, formats=("e-learning",), language="ja")
    )
    for item in tight.items:
        assert item.course.price_jpy == 0 and item.course.format == "e-learning" and item.course.language == "ja"
    assert tight.hours <= 10


def test_no_redundant_course():
    ids = [i.course.id for i in plan_for(LIMITS).items]
    assert not ({1, 7} <= set(ids))


def test_prerequisites_and_levels_order_the_plan_and_weeks_follow():
    plan = plan_for(LIMITS, current={"DU05": 1})
    ids = [i.course.id for i in plan.items]
    assert ids.index(1) < ids.index(3)
    weeks = [i.week for i in plan.items]
    assert weeks == sorted(weeks) and weeks[0] == 1


def test_excluded_courses_and_assigned_tracks():
    plan = plan_for(LIMITS, exclude=frozenset({1}), assigned=[4])
    assert plan.items[0].course.id == 4 and plan.items[0].reason == "track"
    assert 1 not in [i.course.id for i in plan.items]


def test_literacy_first_without_evidence():
    plan = plan_for(LIMITS, literacy=False)
    assert plan.items[0].course.id == 6 and plan.items[0].reason == "literacy"


def test_explanations_say_what_moves():
    item = next(i for i in plan_for(LIMITS, current={"DU05": 1}).items if i.course.id == 1)
    assert item.moves[0].code == "DU05" and (item.moves[0].from_level, item.moves[0].to_level) == (1, 2)
    assert "DU05 1→2" in item.why


def test_no_gaps_gives_an_empty_plan_with_a_message():
    done = {code: TARGETS[g] for code, g in REQ.items()}
    plan = plan_for(LIMITS, current=done)
    assert plan.items == () and "No gaps" in plan.message


def test_plans_are_deterministic():
    assert plan_for(LIMITS) == plan_for(LIMITS)


@pytest.mark.parametrize(
    ("kw", "message"), [({"weekly_hours": 0}, "weekly_hours"), ({"weeks": 0}, "weeks"), ({"budget_jpy": -1}, "budget")]
)
def test_bad_constraints_are_refused(kw, message):
    base = {"weekly_hours": 5, "weeks": 4, "budget_jpy": 0}
    with pytest.raises(ValueError, match=message):
        Constraints(**{**base, **kw})


class _Profile:
    weekly_hours = 4.5
    budget_jpy = 20_000
    free_only = False
    preferred_formats = ["e-learning"]
    prefecture = "13"
    travel = True


def test_constraints_from_a_profile_object_or_mapping():
    limits = Constraints.from_profile(_Profile(), weeks=12)
    assert limits == Constraints(
        weekly_hours=4.5, weeks=12, budget_jpy=20_000, formats=("e-learning",), prefecture="13", travel=True
    )
    free = Constraints.from_profile({"weekly_hours": 2, "budget_jpy": 9000, "free_only": True, "formats": []}, weeks=4)
    assert (free.budget_jpy, free.free_only, free.formats) == (0, True, ())
    assert Constraints.from_profile(_Profile(), weeks=12, overrides={"weeks": 3, "budget_jpy": None}).weeks == 3


def test_constraints_from_a_profile_refuse_a_weekly_hours_of_0():
    with pytest.raises(ValueError, match="weekly_hours"):
        Constraints.from_profile({"weekly_hours": 0, "budget_jpy": 0, "free_only": False}, weeks=12)
